"""What goes with a sent study: a note for the recipient and attached PDF documents."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core.transfers.enqueue import MAX_NOTE_CHARS, is_pdf
from downloadmanager.gui.bridge import Bridge
from downloadmanager.gui.formatting import format_count

PathRole = Qt.ItemDataRole.UserRole + 1


class NoteEditor(QWidget):
    """A multi-line note with a character counter; longer text than allowed is cut."""

    def __init__(self, limit: int = MAX_NOTE_CHARS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limit = limit
        self.edit = QPlainTextEdit()
        self.edit.setMaximumHeight(80)
        self.edit.setTabChangesFocus(True)
        self.edit.textChanged.connect(self._changed)
        self.counter = QLabel()
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.counter)
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.edit.setPlaceholderText(self.tr("Optional note for the recipient"))
        self._show_count()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def text(self) -> str:
        """The note as typed."""
        return self.edit.toPlainText()

    def clear(self) -> None:
        """Empty the note (after sending)."""
        self.edit.clear()

    def _changed(self) -> None:
        text = self.edit.toPlainText()
        if len(text) > self.limit:
            # Pasted text beyond the limit is cut, so the portal never refuses it.
            cursor = self.edit.textCursor()
            self.edit.blockSignals(True)
            self.edit.setPlainText(text[:self.limit])
            self.edit.blockSignals(False)
            cursor.setPosition(self.limit)
            self.edit.setTextCursor(cursor)
        self._show_count()

    def _show_count(self) -> None:
        self.counter.setText(self.tr("%1 of %2 characters").replace(
            "%1", format_count(len(self.edit.toPlainText()))).replace(
            "%2", format_count(self.limit)))


class AttachmentList(QWidget):
    """PDF documents to send along: add by dialog or drop, listed, removable.

    Only files that really are PDFs (they start with ``%PDF-``) are taken; the
    check reads the file, so it runs through the bridge.
    """

    #: The list of attachments changed.
    changed = Signal()
    #: A file was refused (message for the user); also after all checks of a drop.
    checked = Signal()

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.setAcceptDrops(True)
        self.list = QListWidget()
        self.list.setMaximumHeight(80)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self._choose)
        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self.remove_selected)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.retranslateUi()
        self._update_buttons()

    def retranslateUi(self) -> None:
        self.add_button.setText(self.tr("Attach PDF…"))
        self.remove_button.setText(self.tr("Remove"))
        self.list.setToolTip(self.tr("Drop PDF documents here"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def paths(self) -> list[Path]:
        """The attached documents, in the order shown."""
        return [Path(self.list.item(i).data(PathRole)) for i in range(self.list.count())]

    def clear(self) -> None:
        """Remove every attachment (after sending)."""
        self.list.clear()
        self.message.hide()
        self._update_buttons()
        self.changed.emit()

    def remove_selected(self) -> None:
        """Remove the selected attachment."""
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._update_buttons()
        self.changed.emit()

    def add_paths(self, paths: list[Path]) -> None:
        """Check PATHS in the background and attach the PDFs among them."""
        self.message.hide()
        candidates = [Path(p) for p in paths]
        self._bridge.run(lambda _ctx: [(p, is_pdf(p)) for p in candidates],
                         on_result=self._checked)

    def _checked(self, results: list[tuple[Path, bool]]) -> None:
        present = set(self.paths())
        refused = []
        for path, ok in results:
            if not ok:
                refused.append(path.name)
            elif path not in present:
                item = QListWidgetItem(path.name)
                item.setData(PathRole, str(path))
                item.setToolTip(str(path))
                self.list.addItem(item)
                present.add(path)
        if refused:
            self.message.setText(self.tr("Not a PDF document, not attached: %1").replace(
                "%1", ", ".join(refused)))
            self.message.show()
        self._update_buttons()
        self.changed.emit()
        self.checked.emit()

    def _choose(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Attach PDF documents"), "",
                                                self.tr("PDF documents (*.pdf *.PDF)"))
        if files:
            self.add_paths([Path(f) for f in files])

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.list.selectedItems()))
        self.list.setVisible(self.list.count() > 0)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)
