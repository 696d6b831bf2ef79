"""A quiet banner at the top of the window when the portal offers a newer version.

It links to the installer on the portal and can be closed; nothing is
downloaded or installed by the program itself (IT departments roll out
updates; practice staff decide). The check runs once at start in the
background (``core/update_check.py``) and says nothing when it fails.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy, QToolBar, QToolButton, QWidget

from downloadmanager.core.update_check import check_for_update
from downloadmanager.gui.bridge import Bridge, Task

BANNER_STYLE = "QToolBar#UpdateBanner { background: #eef5ff; border-bottom: 1px solid #c9dcf5; }"


class UpdateBanner(QToolBar):
    """Hidden until :meth:`show_update` is given a newer version."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("UpdateBanner")
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)  # not in the window's context menu
        self.setStyleSheet(BANNER_STYLE)
        self.entry: dict | None = None
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setOpenExternalLinks(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.setContentsMargins(8, 4, 8, 4)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        self.addWidget(self.label)
        self.addWidget(self.close_button)
        self.hide()
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.close_button.setToolTip(self.tr("Hide this note"))
        if self.entry is not None:
            text = self.tr("Version %1 of Downloadmanager is available. "
                           "<a href=\"%2\">Download the installer</a> (%3 MB).")
            self.label.setText(text.replace("%1", self.entry["version"]).replace("%2", self.entry["url"])
                               .replace("%3", f"{int(self.entry.get('size', 0)) / 1e6:.0f}"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def show_update(self, entry: dict | None) -> None:
        """Show ENTRY (a newer installer from the portal); None keeps the banner hidden."""
        if entry is None:
            return
        self.entry = entry
        self.retranslateUi()
        self.show()


def start_update_check(window: QMainWindow, bridge: Bridge, portal_url: str) -> Task | None:
    """Add the banner to WINDOW and ask PORTAL_URL in the background; None without a portal."""
    banner = UpdateBanner(window)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, banner)
    window.update_banner = banner
    if not portal_url:
        return None
    return bridge.run(lambda _ctx: check_for_update(portal_url), on_result=banner.show_update)
