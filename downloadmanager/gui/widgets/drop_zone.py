"""A large area that accepts folders, files and ZIPs dragged from the desktop."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout


def local_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    """The local files and folders carried by a drag (web links are ignored)."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class DropZone(QFrame):
    """Drop target with a short hint and buttons to choose a folder or a file.

    Emits ``paths_dropped`` with the dropped paths; the buttons emit
    ``choose_folder_clicked`` / ``choose_file_clicked`` (the page opens the dialogs).
    """

    paths_dropped = Signal(list)
    choose_folder_clicked = Signal()
    choose_file_clicked = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("DropZone")
        self.setAcceptDrops(True)
        self.setMinimumHeight(150)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._hover = False

        self.title = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.hint = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.choose_folder_button = QPushButton()
        self.choose_folder_button.clicked.connect(self.choose_folder_clicked)
        self.choose_file_button = QPushButton()
        self.choose_file_button.clicked.connect(self.choose_file_clicked)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.choose_folder_button)
        buttons.addWidget(self.choose_file_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._update_style()
        self.retranslateUi()

    def set_compact(self, compact: bool) -> None:
        """Shrink to a slim bar (once something was read, the results need the room)."""
        self.hint.setVisible(not compact)
        self.setMinimumHeight(80 if compact else 150)

    def retranslateUi(self) -> None:
        self.title.setText(self.tr("Drop a folder, files or a ZIP here"))
        self.hint.setText(self.tr("The images are only read; nothing on the CD is changed."))
        self.choose_folder_button.setText(self.tr("Choose folder…"))
        self.choose_file_button.setText(self.tr("Choose ZIP or file…"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def _update_style(self) -> None:
        # A dashed frame says "drop here"; it turns solid and tinted while hovering.
        border = "solid" if self._hover else "dashed"
        tint = "palette(alternate-base)" if self._hover else "palette(base)"
        self.setStyleSheet(
            f"#DropZone {{ border: 2px {border} palette(mid); border-radius: 10px;"
            f" background: {tint}; }}")

    def _set_hover(self, hover: bool) -> None:
        if hover != self._hover:
            self._hover = hover
            self._update_style()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()
            self._set_hover(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self._set_hover(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_hover(False)
        paths = local_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.paths_dropped.emit(paths)
