"""The studies behind a redeemed code, as a table with a tick box per study."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from downloadmanager.gui.formatting import format_count, format_dicom_date, format_person_name, format_size

if TYPE_CHECKING:
    from downloadmanager.core.download.job import StudyListing  # imports pydicom: types only

COLUMNS = 7


class StudyListTable(QTableWidget):
    """Patient, date, description, modalities, series, images, size; all ticked at first."""

    #: The set of ticked studies changed.
    selection_changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(0, COLUMNS, parent)
        self.studies: list[StudyListing] = []
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.verticalHeader().hide()
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.itemChanged.connect(lambda _item: self.selection_changed.emit())
        self.retranslateUi()

    def retranslateUi(self) -> None:
        self.setHorizontalHeaderLabels([
            self.tr("Patient"), self.tr("Date"), self.tr("Description"), self.tr("Modalities"),
            self.tr("Series"), self.tr("Images"), self.tr("Size")])
        if self.studies:
            self.show_studies(self.studies, keep_ticks=True)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def show_studies(self, studies: list[StudyListing], keep_ticks: bool = False) -> None:
        """Fill the table with STUDIES (every study ticked unless KEEP_TICKS)."""
        ticked = set(self.checked_uids()) if keep_ticks else None
        self.blockSignals(True)
        self.studies = list(studies)
        self.setRowCount(len(studies))
        for row, study in enumerate(studies):
            values = [format_person_name(study.patient_name), format_dicom_date(study.study_date),
                      study.study_description, ", ".join(study.modalities),
                      format_count(study.series_count), format_count(study.instance_count),
                      format_size(study.bytes)]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column >= 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 0:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    on = ticked is None or study.study_instance_uid in ticked
                    item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                    item.setData(Qt.ItemDataRole.UserRole, study.study_instance_uid)
                self.setItem(row, column, item)
        self.blockSignals(False)
        self.selection_changed.emit()

    def clear_studies(self) -> None:
        """Empty the table."""
        self.studies = []
        self.setRowCount(0)
        self.selection_changed.emit()

    def set_checked(self, uid: str, checked: bool) -> None:
        """Tick or untick the study UID."""
        for row in range(self.rowCount()):
            item = self.item(row, 0)
            if item.data(Qt.ItemDataRole.UserRole) == uid:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def checked_uids(self) -> list[str]:
        """Study Instance UIDs of the ticked rows, in table order."""
        uids = []
        for row in range(self.rowCount()):
            item = self.item(row, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                uids.append(item.data(Qt.ItemDataRole.UserRole))
        return uids

    def rows(self) -> list[list[str]]:
        """The texts of every row (tests, screenshots)."""
        return [[self.item(r, c).text() for c in range(COLUMNS)] for r in range(self.rowCount())]
