"""Table model of the transfer queue: one row per job, updated in place on every poll.

Rows are only inserted for new jobs and changed cells reported with
``dataChanged``: no model reset, so selection and scrolling stay put while
uploads progress.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QDateTime, QLocale, QModelIndex, QObject, Qt

from downloadmanager.core.transfers.model import Job, JobState
from downloadmanager.gui.formatting import format_dicom_date, format_size
from downloadmanager.gui.i18n import error_text
from downloadmanager.gui.transfer_rates import RateTracker

COL_STUDY, COL_RECIPIENT, COL_STATE, COL_PROGRESS, COL_SPEED, COL_REMAINING, COL_DATE = range(7)
#: Percent done (0-100) of the progress column, or None when unknown.
ProgressRole = Qt.ItemDataRole.UserRole + 1
JobRole = Qt.ItemDataRole.UserRole + 2
MOVING = (JobState.STAGING, JobState.UPLOADING)


def format_duration(seconds: float) -> str:
    """A short duration such as "45 s", "3:05 min", "1:20 h"."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d} min"
    return f"{seconds // 3600}:{(seconds % 3600) // 60:02d} h"


class TransfersTableModel(QAbstractTableModel):
    """The jobs of the queue, newest first, with speed and remaining time."""

    def __init__(self, label_for_community=lambda code: code,
                 rates: RateTracker | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._label_for_community = label_for_community
        self.rates = rates or RateTracker()
        self._jobs: list[Job] = []

    # -- texts ------------------------------------------------------------------------
    def state_name(self, state: JobState) -> str:
        """The state as shown to people."""
        names = {
            JobState.QUEUED: self.tr("Waiting"),
            JobState.STAGING: self.tr("Copying"),
            JobState.UPLOADING: self.tr("Sending"),
            JobState.VERIFYING: self.tr("Being checked"),
            JobState.DONE: self.tr("Done"),
            JobState.FAILED: self.tr("Failed"),
            JobState.PAUSED: self.tr("Paused"),
            JobState.CANCELLED: self.tr("Cancelled"),
        }
        return names[state]

    def state_text(self, job: Job) -> str:
        """The state of JOB as shown in its row: the medium is free once staging is done."""
        if job.state is JobState.STAGING and job.upload_url:
            return self.tr("Copying and sending")
        if job.state is JobState.UPLOADING and job.use_staging and job.manifest is not None:
            return self.tr("Sending – the CD can be removed")
        return self.state_name(job.state)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (self.tr("Study"), self.tr("Recipient"), self.tr("State"), self.tr("Progress"),
                self.tr("Speed"), self.tr("Remaining"), self.tr("Queued"))[section]

    def retranslate(self) -> None:
        """Texts changed language: repaint everything."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
        if self._jobs:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._jobs) - 1, self.columnCount() - 1))

    def study_label(self, job: Job) -> str:
        """ "CT Thorax, 20.11.2026" (or the end of the UID for jobs without a description)."""
        description = job.study_description or self.tr("Study …%1").replace(
            "%1", job.study_instance_uid[-8:])
        if job.study_date:
            return f"{description}, {format_dicom_date(job.study_date)}"
        return description

    # -- model ------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else 7

    def job(self, row: int) -> Job:
        """The job shown in ROW."""
        return self._jobs[row]

    def row_of(self, job_id: int) -> int | None:
        """The row of JOB_ID, or None."""
        return next((r for r, j in enumerate(self._jobs) if j.id == job_id), None)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        job = self._jobs[index.row()]
        column = index.column()
        if role == JobRole:
            return job
        if role == ProgressRole and column == COL_PROGRESS:
            if job.state is JobState.DONE:
                return 100.0
            return 100.0 * job.bytes_done / job.bytes_total if job.bytes_total else None
        if role == Qt.ItemDataRole.ToolTipRole and job.error:
            return error_text(job.error)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == COL_STUDY:
            return self.study_label(job)
        if column == COL_RECIPIENT:
            return self._label_for_community(job.community)
        if column == COL_STATE:
            return self.state_text(job)
        if column == COL_PROGRESS:
            return format_size(job.bytes_done if job.state is not JobState.DONE
                               else job.bytes_total) + " / " + format_size(job.bytes_total)
        if column == COL_SPEED:
            speed = self.rates.speed(job.id) if job.state in MOVING else None
            return self.tr("%1/s").replace("%1", format_size(int(speed))) if speed else ""
        if column == COL_REMAINING:
            left = self.rates.remaining(job.id, job.bytes_done, job.bytes_total) \
                if job.state in MOVING else None
            return format_duration(left) if left is not None else ""
        if column == COL_DATE:
            moment = QDateTime.fromString(job.created_at, Qt.DateFormat.ISODate).toLocalTime()
            return QLocale().toString(moment, QLocale.FormatType.ShortFormat)
        return None

    def set_jobs(self, jobs: list[Job]) -> None:
        """Show JOBS (newest first): new rows are inserted, changed rows repainted."""
        incoming = sorted(jobs, key=lambda j: j.id, reverse=True)
        for job in incoming:
            if job.state in MOVING:
                self.rates.add(job.id, job.state.value, job.bytes_done)
            else:
                self.rates.forget(job.id)
        known = {j.id for j in self._jobs}
        wanted = {j.id for j in incoming}
        for row in reversed(range(len(self._jobs))):
            if self._jobs[row].id not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._jobs[row]
                self.endRemoveRows()
        new = [j for j in incoming if j.id not in known]
        if new:
            # New jobs have the highest ids: they go on top.
            self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
            self._jobs[0:0] = new
            self.endInsertRows()
        by_id = {j.id: j for j in incoming}
        for row, old in enumerate(self._jobs):
            fresh = by_id[old.id]
            if fresh is not old:
                self._jobs[row] = fresh
                self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
