"""The portal's receipt of one transfer: totals, and every image or document it did not accept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDateTime, QLocale, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core.transfers.model import Job
from downloadmanager.gui.bridge import Bridge
from downloadmanager.gui.formatting import format_count
from downloadmanager.gui.i18n import error_text

OK_STATUSES = ("accepted", "already_present")


def receipt_problems(receipt: dict) -> list[dict]:
    """The instances and documents of RECEIPT that were not accepted."""
    entries = list(receipt.get("instances") or []) + list(receipt.get("documents") or [])
    return [e for e in entries if e.get("status") not in OK_STATUSES]


class ReceiptDialog(QDialog):
    """Shows a job's receipt; can save it as the PDF "Übertragungsprotokoll".

    SAVE_PDF(job_id, path, language) writes the PDF (it runs on the bridge).
    """

    def __init__(self, job: Job, community_label: str, bridge: Bridge,
                 save_pdf: Callable[[int, Path, str], Path] | None = None,
                 language: str = "en", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self._bridge = bridge
        self._save_pdf = save_pdf
        self._language = language
        receipt = job.receipt or {}
        self._build_summary_form(receipt, community_label)
        problems = receipt_problems(receipt)
        self._build_problem_table(problems)
        self._build_buttons(save_pdf)
        self._build_layout()
        self.setWindowTitle(self.tr("Receipt of transfer %1").replace("%1", str(job.id)))
        self.resize(620, 420 if problems else 300)

    # -- building the dialog --------------------------------------------------------

    def _build_summary_form(self, receipt: dict, community_label: str) -> None:
        """Recipient, result, counts, time and upload id (and the portal's reason, if any)."""
        totals = receipt.get("totals") or {}
        self.form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        self._rows = [
            ("recipient", self.tr("Recipient:"), community_label),
            ("state", self.tr("Result:"), self._verdict(receipt)),
            ("expected", self.tr("Images sent:"), format_count(
                int(totals.get("expected", 0) or 0))),
            ("accepted", self.tr("Accepted:"), format_count(int(totals.get("accepted", 0) or 0))),
            ("present", self.tr("Already there before:"), format_count(
                int(totals.get("already_present", 0) or 0))),
            ("rejected", self.tr("Not accepted:"), format_count(
                int(totals.get("rejected", 0) or 0))),
            ("received", self.tr("Received by the portal:"), self._moment(
                receipt.get("received_at"))),
            ("upload", self.tr("Upload id:"), str(receipt.get("upload_id", ""))),
        ]
        for key, label, value in self._rows:
            self.labels[key] = QLabel(value)
            self.form.addRow(label, self.labels[key])
        if receipt.get("reason"):
            self.labels["reason"] = QLabel(str(receipt["reason"]))
            self.labels["reason"].setWordWrap(True)
            self.form.addRow(self.tr("Reason:"), self.labels["reason"])

    def _build_problem_table(self, problems: list) -> None:
        """The images the portal did not accept, and why."""
        self.problems = QTableWidget(len(problems), 3)
        self.problems.setHorizontalHeaderLabels(
            [self.tr("File"), self.tr("Status"), self.tr("Why")])
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.problems.verticalHeader().hide()
        for row, entry in enumerate(problems):
            for column, key in enumerate(("name", "status", "reason")):
                self.problems.setItem(row, column, QTableWidgetItem(str(entry.get(key) or "")))
        self.problems.setVisible(bool(problems))
        self.problems_label = QLabel(self.tr("Not accepted:") if problems else
                                     self.tr("Every image was accepted and checked."))

    def _build_buttons(self, save_pdf: Callable[[int, Path, str], Path] | None) -> None:
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.pdf_button: QPushButton | None = None
        if save_pdf is not None:
            self.pdf_button = self.buttons.addButton(self.tr("Save as PDF"),
                                                     QDialogButtonBox.ButtonRole.ActionRole)
            self.pdf_button.clicked.connect(self._choose_pdf)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()

    def _build_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _verdict(self, receipt: dict) -> str:
        if not receipt:
            return self.tr("No receipt yet")
        totals = receipt.get("totals") or {}
        if receipt.get("state") == "done" and not totals.get("rejected"):
            return self.tr("Complete: every image arrived unchanged")
        return self.tr("Incomplete: see below")

    def _moment(self, text: str | None) -> str:
        if not text:
            return ""
        moment = QDateTime.fromString(text, Qt.DateFormat.ISODate)
        if not moment.isValid():
            return text
        return QLocale().toString(moment.toLocalTime(), QLocale.FormatType.ShortFormat)

    def _choose_pdf(self) -> None:
        name = self.tr("Transfer receipt %1.pdf").replace("%1", str(self.job.id))
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the receipt as PDF"),
                                              str(Path.home() / name),
                                              self.tr("PDF documents (*.pdf)"))
        if path:
            self.save_pdf_to(Path(path))

    def save_pdf_to(self, path: Path) -> None:
        """Write the receipt PDF to PATH in the background; the status line says how it went."""
        if self._save_pdf is None:
            return
        save, job_id, language = self._save_pdf, self.job.id, self._language
        if self.pdf_button is not None:
            self.pdf_button.setEnabled(False)
        self._bridge.run(lambda _ctx: save(job_id, path, language),
                         on_result=lambda written: self._saved(Path(written)),
                         on_error=self._save_failed)

    def _saved(self, path: Path) -> None:
        if self.pdf_button is not None:
            self.pdf_button.setEnabled(True)
        self.status.setText(self.tr("Saved: %1").replace("%1", str(path)))
        self.status.setStyleSheet("")
        self.status.show()

    def _save_failed(self, error: BaseException) -> None:
        if self.pdf_button is not None:
            self.pdf_button.setEnabled(True)
        self.status.setText(self.tr("The PDF could not be saved: %1").replace("%1", error_text(error)))
        self.status.setStyleSheet("color: #b00020;")
        self.status.show()
