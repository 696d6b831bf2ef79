"""Invented DICOM studies for the demo: small CT images generated in code, no real patients."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid


@dataclass(frozen=True)
class DemoStudy:
    """One invented study."""

    patient_name: str  # DICOM PN, e.g. "Beispiel^Anna"
    patient_id: str
    birth_date: str  # YYYYMMDD
    sex: str
    description: str
    study_date: str  # YYYYMMDD
    series: int = 2
    images_per_series: int = 4


#: The study the demo portal shares by access code.
SHARED_STUDY = DemoStudy("Beispiel^Anna", "DEMO-0001", "19840315", "F", "CT Schädel", "20261102")

#: The demo CD the window reads at start: two patients, three studies.
DEMO_CD = (
    DemoStudy("Muster^Max", "DEMO-1001", "19620704", "M", "CT Thorax", "20261120"),
    DemoStudy("Muster^Max", "DEMO-1001", "19620704", "M", "CT Abdomen", "20250412", series=1),
    DemoStudy("Schmidt^Erika", "DEMO-1002", "19791130", "F", "CT Knie rechts", "20261024"),
)


def _image(size: int, seed: int) -> np.ndarray:
    # A bright disc on a dark background, slightly different per slice.
    y, x = np.mgrid[:size, :size]
    radius = size * (0.30 + 0.02 * (seed % 5))
    disc = (x - size / 2) ** 2 + (y - size / 2) ** 2 < radius ** 2
    return np.where(disc, 1040 + 8 * seed, 24).astype(np.uint16)


def write_demo_study(folder: Path, study: DemoStudy, *, size: int = 64) -> list[Path]:
    """Write STUDY as Part-10 files below FOLDER; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    study_uid = generate_uid()
    written = []
    for series_number in range(1, study.series + 1):
        series_uid = generate_uid()
        for number in range(1, study.images_per_series + 1):
            ds = Dataset()
            ds.file_meta = FileMetaDataset()
            ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
            ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.SOPClassUID = CTImageStorage
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
            ds.PatientName, ds.PatientID = study.patient_name, study.patient_id
            ds.PatientBirthDate, ds.PatientSex = study.birth_date, study.sex
            ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime = study_uid, study.study_date, "101500"
            ds.StudyDescription, ds.AccessionNumber = study.description, f"A{study.patient_id}"
            ds.SeriesInstanceUID, ds.SeriesNumber = series_uid, series_number
            ds.SeriesDescription = f"Serie {series_number}"
            ds.Modality, ds.InstanceNumber = "CT", number
            ds.Rows = ds.Columns = size
            ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
            ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
            ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
            ds.WindowCenter, ds.WindowWidth = 40, 400
            ds.PixelData = _image(size, number).tobytes()
            path = folder / f"S{series_number:02d}I{number:03d}.dcm"
            pydicom.dcmwrite(path, ds, enforce_file_format=True)
            written.append(path)
    return written


def write_demo_cd(root: Path) -> Path:
    """Write the demo CD (every study of :data:`DEMO_CD`) into ROOT; returns ROOT."""
    for index, study in enumerate(DEMO_CD, start=1):
        write_demo_study(root / f"STUDY{index}", study)
    return root
