"""Upload limits: bandwidth for all uploads together, and a daily time window.

These are the core's :class:`~downloadmanager.core.transfers.settings.TransferSettings`
(section ``transfers`` of the settings registry, shared with ``downloadmanager transfers settings``).
"""

from __future__ import annotations

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QTimeEdit

from downloadmanager.core.transfers.settings import (
    TransferSettings,
    load_transfer_settings,
    save_transfer_settings,
)
from downloadmanager.gui.i18n import error_text
from downloadmanager.gui.settings.common import ERROR_STYLE, Section, show_status, status_label

MB = 1_000_000
DEFAULT_WINDOW = ("19:00", "07:00")  # evenings and nights: the line is free for the day's work


class UploadsSection(Section):
    """Bandwidth limit and upload window, saved on every change."""

    #: The transfer settings were saved.
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.transfer_settings: TransferSettings = load_transfer_settings()
        self._build_limit()
        window_row = self._build_window_row()
        self.error = status_label(ERROR_STYLE)
        self.limit_label = QLabel()
        self.window_label = QLabel()
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setEnabled(False)
        form = QFormLayout(self)
        form.addRow(self.limit_label, self.limit_spin)
        form.addRow(self.window_label, window_row)
        form.addRow(self.note)
        form.addRow(self.error)
        self.retranslateUi()

    def _build_limit(self) -> None:
        self.limit_spin = QDoubleSpinBox()
        self.limit_spin.setRange(0, 10_000)
        self.limit_spin.setDecimals(1)
        self.limit_spin.setSingleStep(0.5)
        self.limit_spin.setValue(self.transfer_settings.bandwidth_limit / MB)
        self.limit_spin.editingFinished.connect(self.save)
        self.limit_spin.valueChanged.connect(lambda _v: self.save())

    def _build_window_row(self) -> QHBoxLayout:
        """The daily time window: a check box and from/to times."""
        self.window_check = QCheckBox()
        self.from_edit = QTimeEdit()
        self.to_edit = QTimeEdit()
        for edit in (self.from_edit, self.to_edit):
            edit.setDisplayFormat("HH:mm")
        window = self.transfer_settings.window()
        start, end = (f"{window.start:%H:%M}", f"{window.end:%H:%M}") if window else DEFAULT_WINDOW
        self.from_edit.setTime(QTime.fromString(start, "HH:mm"))
        self.to_edit.setTime(QTime.fromString(end, "HH:mm"))
        self.window_check.setChecked(window is not None)
        self.window_check.toggled.connect(self._window_toggled)
        self.from_edit.timeChanged.connect(lambda _t: self.save())
        self.to_edit.timeChanged.connect(lambda _t: self.save())
        self._window_toggled(self.window_check.isChecked(), save=False)
        self.from_label = QLabel()
        self.to_label = QLabel()
        window_row = QHBoxLayout()
        window_row.addWidget(self.window_check)
        window_row.addWidget(self.from_label)
        window_row.addWidget(self.from_edit)
        window_row.addWidget(self.to_label)
        window_row.addWidget(self.to_edit)
        window_row.addStretch(1)
        return window_row

    def retranslateUi(self) -> None:
        self.setTitle(self.tr("Uploads"))
        self.limit_label.setText(self.tr("Bandwidth limit:"))
        self.limit_spin.setSuffix(" " + self.tr("MB/s"))
        self.limit_spin.setSpecialValueText(self.tr("No limit"))
        self.window_label.setText(self.tr("Upload time:"))
        self.window_check.setText(self.tr("only between"))
        self.from_label.setText("")
        self.to_label.setText(self.tr("and"))
        self.note.setText(self.tr("Outside the time window uploads wait and continue by "
                                  "themselves. A window such as 19:00–07:00 runs overnight."))

    def _window_toggled(self, on: bool, save: bool = True) -> None:
        self.from_edit.setEnabled(on)
        self.to_edit.setEnabled(on)
        if save:
            self.save()

    def window_text(self) -> str:
        """``HH:MM-HH:MM`` when the window is on, else ""."""
        if not self.window_check.isChecked():
            return ""
        return f"{self.from_edit.time().toString('HH:mm')}-{self.to_edit.time().toString('HH:mm')}"

    def save(self) -> bool:
        """Write the settings (validated by the core); False with a message when refused."""
        settings = self.transfer_settings
        settings.bandwidth_limit = int(round(self.limit_spin.value() * MB))
        settings.time_window = self.window_text()
        try:
            save_transfer_settings(settings)
        except (ValueError, OSError) as exc:
            show_status(self.error, error_text(exc), ERROR_STYLE)
            return False
        show_status(self.error, "", ERROR_STYLE)
        self.changed.emit()
        return True
