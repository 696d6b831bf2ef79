"""The "Diagnose" button: the installation's self-test, shown as a list.

The same checks as ``downloadmanager self-test`` (``core/selftest``), run in
the background; each row says OK or what is missing, in the window's language.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout

from downloadmanager.core.selftest import CheckResult, run_self_test, title
from downloadmanager.gui.bridge import Bridge, Task
from downloadmanager.gui.code_inputs import message_language
from downloadmanager.gui.settings.common import ERROR_STYLE, OK_STYLE, Section, show_status, status_label


class DiagnoseSection(Section):
    """A Diagnose button and the list of check results."""

    # Emitted with the results when a run has finished.
    finished = Signal(list)

    def __init__(self, bridge: Bridge, parent=None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.results: list[CheckResult] = []
        self.task: Task | None = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.button = QPushButton()
        self.button.clicked.connect(self.run)
        self.summary = status_label()
        self.list = QTreeWidget()
        self.list.setColumnCount(3)
        self.list.setRootIsDecorated(False)
        self.list.setMinimumHeight(120)
        self.list.setWordWrap(True)
        self.list.hide()
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.setTitle(self.tr("Diagnosis"))
        self.intro.setText(self.tr("Checks this installation: Qt plugins, translations, secure "
                                   "connections, password store, PDF fonts, QR codes, DICOM "
                                   "decoders and the data folders."))
        self.button.setText(self.tr("Diagnose"))
        self.list.setHeaderLabels([self.tr("Result"), self.tr("Check"), self.tr("Details")])
        self._show()

    def run(self) -> Task:
        """Run every check in the background; the list fills when they are done."""
        self.button.setEnabled(False)
        show_status(self.summary, self.tr("Checking…"), "")
        self.task = self.bridge.run(lambda _ctx: run_self_test(), on_result=self._done,
                                    on_error=self._failed)
        return self.task

    def _done(self, results: list[CheckResult]) -> None:
        self.results = results
        self.button.setEnabled(True)
        self._show()
        self.finished.emit(results)

    def _failed(self, error: BaseException) -> None:
        self.button.setEnabled(True)
        show_status(self.summary, self.tr("The diagnosis could not run: %1").replace("%1", str(error)),
                    ERROR_STYLE)

    def _show(self) -> None:
        if not self.results:
            return
        lang = message_language()
        self.list.clear()
        for result in self.results:
            item = QTreeWidgetItem([self.tr("OK") if result.ok else self.tr("Failed"),
                                    title(result.name, lang), result.detail(lang)])
            item.setToolTip(2, result.detail(lang))
            item.setForeground(0, QBrush(QColor("#0a6e2a" if result.ok else "#b00020")))
            self.list.addTopLevelItem(item)
        self.list.resizeColumnToContents(0)
        self.list.resizeColumnToContents(1)
        self.list.show()
        failed = sum(not r.ok for r in self.results)
        if failed:
            show_status(self.summary, self.tr("Checks failed: %1 of %2.").replace("%1", str(failed))
                        .replace("%2", str(len(self.results))), ERROR_STYLE)
        else:
            show_status(self.summary, self.tr("All checks passed."), OK_STYLE)
