"""Small helpers for driving the window like a user does."""

from __future__ import annotations

from pathlib import Path

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from tests.dicom_factory import StudySpec

BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"


def drop_urls(widget: QWidget, urls: list[QUrl]) -> tuple[bool, bool]:
    """Drag URLS onto WIDGET and drop them; return (enter accepted, drop accepted)."""
    mime = QMimeData()
    mime.setUrls(urls)
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


def drop_paths(widget: QWidget, paths: list[Path]) -> tuple[bool, bool]:
    """Drag local PATHS onto WIDGET and drop them."""
    return drop_urls(widget, [QUrl.fromLocalFile(str(p)) for p in paths])


def tree_rows(model, parent=None, depth: int = 0) -> list[tuple[int, list[str]]]:
    """Every row of MODEL as (depth, column texts), depth first."""
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    rows = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        texts = [model.data(model.index(row, c, parent)) or "" for c in range(model.columnCount())]
        rows.append((depth, texts))
        rows.extend(tree_rows(model, index, depth + 1))
    return rows


def write_sr(folder: Path, spec: StudySpec) -> Path:
    """A Basic Text SR document of SPEC's study: a series without any image."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = BASIC_TEXT_SR
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = BASIC_TEXT_SR
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID = spec.patient_name, spec.patient_id
    ds.PatientBirthDate, ds.PatientSex = spec.birth_date, spec.sex
    ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime = spec.study_uid, spec.study_date, spec.study_time
    ds.StudyDescription, ds.AccessionNumber = spec.study_description, spec.accession_number
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 99
    ds.SeriesDescription = "Befundbericht"
    ds.Modality = "SR"
    ds.InstanceNumber = 1
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "SR000001.dcm"
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return path
