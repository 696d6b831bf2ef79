"""Adding or editing one PACS node: name, AE title, host, port, our own AE title."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from downloadmanager.core.dicomnet import DicomNode
from downloadmanager.core.dicomnet.errors import NodeError
from downloadmanager.core.dicomnet.nodes import DEFAULT_CALLING_AE
from downloadmanager.gui.i18n import error_text
from downloadmanager.gui.settings.common import ERROR_STYLE, status_label, show_status


class _Invalid(ValueError):
    """An entry of the dialog itself is wrong (the text is already translated)."""


class NodeDialog(QDialog):
    """Edits a :class:`DicomNode`; the core validates it when OK is pressed."""

    def __init__(self, node: DicomNode | None = None, taken_names: set[str] | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.taken = set(taken_names or ()) - ({node.name} if node else set())
        self.node: DicomNode | None = None
        self._edited = node  # its timeouts and TLS settings are kept (edited on the command line for now)
        self.name_edit = QLineEdit(node.name if node else "")
        self.ae_edit = QLineEdit(node.ae_title if node else "")
        self.ae_edit.setMaxLength(16)
        self.host_edit = QLineEdit(node.host if node else "")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(node.port if node else 104)
        self.calling_edit = QLineEdit(node.calling_ae if node else DEFAULT_CALLING_AE)
        self.calling_edit.setMaxLength(16)
        self.error = status_label(ERROR_STYLE)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.labels = [QLabel() for _ in range(5)]
        form = QFormLayout()
        for label, field in zip(self.labels, (self.name_edit, self.ae_edit, self.host_edit,
                                              self.port_spin, self.calling_edit)):
            form.addRow(label, field)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setWindowTitle(self.tr("PACS node"))
        for label, text in zip(self.labels, (self.tr("Name:"), self.tr("AE title of the PACS:"),
                                             self.tr("Host:"), self.tr("Port:"),
                                             self.tr("Our AE title:"))):
            label.setText(text)
        self.name_edit.setPlaceholderText(self.tr("e.g. Archive"))
        self.host_edit.setPlaceholderText("192.168.1.10")

    def build_node(self) -> DicomNode:
        """The node as entered; raises :class:`NodeError` (core) or ``_Invalid`` (this dialog)."""
        name = self.name_edit.text().strip()
        if not name:
            raise _Invalid(self.tr("Please give the node a name."))
        if name in self.taken:
            raise _Invalid(self.tr("A node named %1 exists already.").replace("%1", name))
        node = DicomNode(self.ae_edit.text().strip(), self.host_edit.text().strip(),
                         self.port_spin.value(), self.calling_edit.text().strip(), name)
        if self._edited is not None:
            node = replace(node, timeouts=self._edited.timeouts, tls=self._edited.tls)
        return node

    def accept(self) -> None:
        try:
            self.node = self.build_node()
        except (NodeError, _Invalid) as exc:
            show_status(self.error, error_text(exc), ERROR_STYLE)
            return
        super().accept()
