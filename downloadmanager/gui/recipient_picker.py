"""Choosing the recipient community by typing part of its name (or its code).

Typing starts a search after a short pause (debounce), through the bridge
with the session's portal client; results show as "Name (code)". With an
empty field the recently used recipients are offered first.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core.settings import Settings
from downloadmanager.gui.bridge import Bridge
from downloadmanager.gui.portal_session import PortalSession, community_label

SEARCH_DELAY_MS = 300
MIN_QUERY = 2
CommunityRole = Qt.ItemDataRole.UserRole + 1


class RecipientPicker(QWidget):
    """Search field, result list and the chosen recipient."""

    #: The chosen community ({"name", "code"}) or None.
    recipient_changed = Signal(object)
    #: A search finished (for tests and the status line): number of results.
    search_finished = Signal(int)

    def __init__(self, bridge: Bridge, session: PortalSession, settings: Settings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._session = session
        self._settings = settings
        self._generation = 0
        self.recipient: dict | None = None
        self._build_search()
        self._build_chosen_row()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(lambda: self.search_now(self.search_edit.text()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.results)
        layout.addWidget(self.status_label)
        layout.addWidget(self.chosen_widget)
        self.retranslateUi()

    def _build_search(self) -> None:
        """The search field, its result list and the status line."""
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textEdited.connect(self._text_edited)
        self.search_edit.installEventFilter(self)
        self.results = QListWidget()
        self.results.setMaximumHeight(130)
        self.results.itemActivated.connect(self._item_chosen)
        self.results.itemClicked.connect(self._item_chosen)
        self.results.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.hide()

    def _build_chosen_row(self) -> None:
        """The chosen recipient with a button to clear it (hidden until chosen)."""
        self.chosen_label = QLabel()
        self.clear_button = QToolButton()
        self.clear_button.clicked.connect(lambda: self.set_recipient(None))
        chosen_row = QHBoxLayout()
        chosen_row.setContentsMargins(0, 0, 0, 0)
        chosen_row.addWidget(self.chosen_label, 1)
        chosen_row.addWidget(self.clear_button)
        self.chosen_widget = QWidget()
        self.chosen_widget.setLayout(chosen_row)
        self.chosen_widget.hide()

    def retranslateUi(self) -> None:
        self.search_edit.setPlaceholderText(self.tr("Search recipient by name or code…"))
        self.clear_button.setText(self.tr("Change"))
        self._show_chosen()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.search_edit and event.type() == QEvent.Type.FocusIn \
                and not self.search_edit.text().strip():
            self.show_recent()
        return super().eventFilter(watched, event)

    # -- choosing -------------------------------------------------------------------
    def set_recipient(self, community: dict | None) -> None:
        """Choose COMMUNITY ({"name", "code"}) or clear the choice."""
        self.recipient = community
        self.results.hide()
        self.status_label.hide()
        self.search_edit.setVisible(community is None)
        if community is None:
            self.search_edit.clear()
            self.search_edit.setFocus()
        self._show_chosen()
        self.recipient_changed.emit(community)

    def _show_chosen(self) -> None:
        community = self.recipient
        self.chosen_widget.setVisible(community is not None)
        if community is not None:
            # The form around the picker already says "Recipient:".
            self.chosen_label.setText(community_label(community["name"], community["code"]))

    def _item_chosen(self, item: QListWidgetItem) -> None:
        community = item.data(CommunityRole)
        if community is not None:
            self.set_recipient(community)

    # -- searching ------------------------------------------------------------------
    def _text_edited(self, text: str) -> None:
        self._generation += 1  # answers to older texts are stale from now on
        if len(text.strip()) < MIN_QUERY:
            self._timer.stop()
            self.show_recent() if not text.strip() else self._show_results([])
            return
        self._timer.start()

    def search_now(self, text: str) -> None:
        """Search for TEXT at once (the debounce timer calls this)."""
        query = text.strip()
        client = self._session.client
        if client is None:
            self._show_status(self.tr("Log in first to search for recipients."))
            return
        self._generation += 1
        generation = self._generation
        self._show_status(self.tr("Searching…"))
        self._bridge.run(lambda _ctx: client.search_communities(query),
                         on_result=lambda found: self._searched(generation, found),
                         on_error=lambda error: self._search_failed(generation, error))

    def _searched(self, generation: int, found: list[dict]) -> None:
        if generation != self._generation:
            return
        self._session.remember_communities(found)
        if found:
            self.status_label.hide()
        else:
            self._show_status(self.tr("No recipient matches “%1”.").replace(
                "%1", self.search_edit.text().strip()))
        self._show_results(found)
        self.search_finished.emit(len(found))

    def _search_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._show_results([])
        self._show_status(self.tr("The search did not work: %1").replace("%1", str(error)))
        self.search_finished.emit(0)

    def show_recent(self) -> None:
        """Offer the recently used recipients (names looked up when not known yet)."""
        codes = list(self._settings.recent_recipients)
        if not codes or self.recipient is not None:
            self.results.hide()
            return
        known = [{"name": self._session.community_name(c), "code": c} for c in codes]
        self._show_results(known, heading=self.tr("Recently used:"))
        missing = [c for c in codes if self._session.community_name(c) is None]
        client = self._session.client
        if missing and client is not None:
            generation = self._generation

            def work(_ctx) -> list[dict]:
                return [c for c in (client.community(code) for code in missing) if c]

            def done(found: list[dict]) -> None:
                self._session.remember_communities(found)
                if generation == self._generation and not self.search_edit.text().strip():
                    self.show_recent()

            self._bridge.run(work, on_result=done)

    def _show_results(self, communities: list[dict], heading: str | None = None) -> None:
        self.results.clear()
        if heading:
            title = QListWidgetItem(heading)
            title.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(title)
        for community in communities:
            item = QListWidgetItem(community_label(community["name"], community["code"]))
            if community["name"]:
                item.setData(CommunityRole, community)
            else:
                item.setFlags(Qt.ItemFlag.NoItemFlags)  # name still unknown
            self.results.addItem(item)
        self.results.setVisible(bool(communities))

    def _show_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.show()

    def result_texts(self) -> list[str]:
        """The result list as shown (tests)."""
        return [self.results.item(i).text() for i in range(self.results.count())]
