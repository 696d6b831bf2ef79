"""The saved PACS nodes: list, add, edit, remove, and "Test connection" (C-ECHO).

Nodes are the settings registry's section ``dicom`` (shared with ``downloadmanager nodes``);
the echo is the core's :func:`~downloadmanager.core.dicomnet.echo`, run
through the bridge so a silent host never freezes the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout

from downloadmanager.gui.i18n import error_text
from downloadmanager.gui.bridge import Bridge, Task
from downloadmanager.gui.settings.common import ERROR_STYLE, OK_STYLE, Section, show_status, status_label

if TYPE_CHECKING:
    from downloadmanager.core.dicomnet import DicomNode

# The DICOM network code (and the node dialog, which uses it) imports pydicom and
# numpy; this module imports it where it is used, so the window starts without it.

ECHO_TIMEOUT = 10.0


def _import_dicomnet():
    import downloadmanager.core.dicomnet as dicomnet

    return dicomnet


class PacsSection(Section):
    """Manages the saved DICOM nodes."""

    #: The list of nodes changed (the Receive page offers them).
    nodes_changed = Signal()

    def __init__(self, bridge: Bridge, parent=None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        #: Opens the edit dialog and returns the node, or None (tests replace it).
        self.ask_node: Callable[[DicomNode | None, set[str]], DicomNode | None] = self._ask_node
        self.nodes: dict[str, DicomNode] = {}
        self.echo_task: Task | None = None
        self.list = QListWidget()
        self.list.setMaximumHeight(140)
        self.list.currentRowChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _item: self.edit_selected())
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton()
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self.remove_selected)
        self.test_button = QPushButton()
        self.test_button.clicked.connect(self.test_selected)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button, self.test_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.result = status_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        self._nodes_read = False
        # The import runs on the bridge's worker, so the window's first paint does not
        # wait for it; the reading itself (which shows its own errors) follows here.
        self.bridge.run(lambda _ctx: _import_dicomnet(), on_result=lambda _m: self._read_once())
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.setTitle(self.tr("PACS (DICOM nodes)"))
        self.add_button.setText(self.tr("Add…"))
        self.edit_button.setText(self.tr("Edit…"))
        self.remove_button.setText(self.tr("Remove"))
        self.test_button.setText(self.tr("Test connection"))
        self._fill()

    # -- list -------------------------------------------------------------------------
    def _read_once(self) -> None:
        if not self._nodes_read:  # else a newer reading is shown already
            self.reload()

    def reload(self) -> None:
        """Read the saved nodes again."""
        from downloadmanager.core.dicomnet import DicomNetError, load_nodes

        self._nodes_read = True
        try:
            self.nodes = load_nodes()
        except DicomNetError as exc:
            self.nodes = {}
            show_status(self.result, error_text(exc), ERROR_STYLE)
        self._fill()

    def _fill(self, select: str | None = None) -> None:
        current = select or self.selected_name()
        self.list.clear()
        for name, node in sorted(self.nodes.items()):
            item = QListWidgetItem(self.tr("%1 — %2 (we are %3)").replace("%1", name)
                                   .replace("%2", node.spec).replace("%3", node.calling_ae))
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.addItem(item)
            if name == current:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self._update_buttons()

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select(self, name: str) -> None:
        """Select the node NAME."""
        self._fill(select=name)

    def _update_buttons(self, *_args) -> None:
        selected = self.selected_name() is not None
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)
        self.test_button.setEnabled(selected and not (self.echo_task and self.echo_task.is_running))

    # -- editing ------------------------------------------------------------------------
    def _ask_node(self, node: DicomNode | None, taken: set[str]) -> DicomNode | None:
        from downloadmanager.gui.settings.node_dialog import NodeDialog

        dialog = NodeDialog(node, taken, self)
        return dialog.node if dialog.exec() == NodeDialog.DialogCode.Accepted else None

    def add(self) -> DicomNode | None:
        """Ask for a new node and save it."""
        self._read_once()  # the names taken are known before asking
        node = self.ask_node(None, set(self.nodes))
        if node is not None:
            self.store(node)
        return node

    def edit_selected(self) -> DicomNode | None:
        """Edit the selected node (a new name replaces the old entry)."""
        name = self.selected_name()
        if name is None:
            return None
        node = self.ask_node(self.nodes[name], set(self.nodes))
        if node is not None:
            if node.name != name:
                from downloadmanager.core.dicomnet import remove_node

                remove_node(name)
            self.store(node)
        return node

    def store(self, node: DicomNode) -> None:
        """Save NODE (by name) and show it selected."""
        from downloadmanager.core.dicomnet import save_node

        save_node(node)
        self.reload()
        self.select(node.name)
        show_status(self.result, "", OK_STYLE)
        self.nodes_changed.emit()

    def remove_selected(self) -> None:
        name = self.selected_name()
        if name is not None:
            from downloadmanager.core.dicomnet import remove_node

            remove_node(name)
            self.reload()
            show_status(self.result, "", OK_STYLE)
            self.nodes_changed.emit()

    # -- C-ECHO ---------------------------------------------------------------------------
    def test_selected(self) -> Task | None:
        """C-ECHO the selected node in the background; the outcome appears below the list."""
        name = self.selected_name()
        if name is None:
            return None
        from downloadmanager.core.dicomnet import echo

        node = self.nodes[name]
        show_status(self.result, self.tr("Testing %1 …").replace("%1", node.spec), "")
        self.test_button.setEnabled(False)
        self.echo_task = self.bridge.run(lambda _ctx: echo(node, timeout=ECHO_TIMEOUT),
                                         on_result=lambda r: self._echoed(node, r),
                                         on_error=lambda e: self._echo_failed(node, e))
        self.echo_task.finished.connect(self._update_buttons)
        return self.echo_task

    def _echoed(self, node: DicomNode, result) -> None:
        if result.ok:
            show_status(self.result, self.tr("Connection to %1 works (C-ECHO answered: %2).")
                        .replace("%1", node.spec).replace("%2", result.text), OK_STYLE)
        else:
            show_status(self.result, self.tr("%1 answered the C-ECHO with an error: %2")
                        .replace("%1", node.spec).replace("%2", result.text), ERROR_STYLE)

    def _echo_failed(self, node: DicomNode, error: BaseException) -> None:
        from downloadmanager.core.dicomnet import DicomNetError

        detail = error_text(error) if isinstance(error, DicomNetError) else type(error).__name__
        show_status(self.result, self.tr("No connection to %1: %2").replace("%1", node.spec)
                    .replace("%2", detail), ERROR_STYLE)
