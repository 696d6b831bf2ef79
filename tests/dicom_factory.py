"""Synthetic DICOM test data, generated in code (no patient data is committed).

Every test area uses these builders so that data looks alike across the suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    CTImageStorage,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    PYDICOM_IMPLEMENTATION_UID,
    generate_uid,
)


@dataclass
class StudySpec:
    """What one synthetic study looks like."""

    patient_name: str = "Muster^Max"
    patient_id: str = "PID-0001"
    birth_date: str = "19700101"
    sex: str = "M"
    study_uid: str = field(default_factory=generate_uid)
    study_date: str = "20261120"
    study_time: str = "101500"
    study_description: str = "CT Thorax"
    accession_number: str = "ACC-1"
    charset: str | None = None  # e.g. "ISO_IR 100", "ISO_IR 192"; None = default repertoire


def make_ct_dataset(spec: StudySpec, *, series_uid: str, series_number: int = 1,
                    instance_number: int = 1, rows: int = 64, columns: int = 64,
                    modality: str = "CT", series_description: str = "Axial",
                    sop_instance_uid: str | None = None) -> Dataset:
    """A CT image dataset (with file meta) of ROWS x COLUMNS 16-bit pixels."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = sop_instance_uid or generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    if spec.charset:
        ds.SpecificCharacterSet = spec.charset
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.PatientName = spec.patient_name
    ds.PatientID = spec.patient_id
    ds.PatientBirthDate = spec.birth_date
    ds.PatientSex = spec.sex
    ds.StudyInstanceUID = spec.study_uid
    ds.StudyDate = spec.study_date
    ds.StudyTime = spec.study_time
    ds.StudyDescription = spec.study_description
    ds.AccessionNumber = spec.accession_number
    ds.StudyID = "1"
    ds.ReferringPhysicianName = ""
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = series_number
    ds.SeriesDescription = series_description
    ds.Modality = modality
    ds.InstanceNumber = instance_number
    ds.ImagePositionPatient = [0, 0, float(instance_number)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.7, 0.7]
    ds.SliceThickness = 1.0
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = columns
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    yy, xx = np.mgrid[0:rows, 0:columns]
    pixels = ((xx * 7 + yy * 3 + instance_number * 11) % 4096).astype(np.uint16)
    ds.PixelData = pixels.tobytes()
    return ds


def write_study(folder: Path, spec: StudySpec | None = None, *, series: int = 2,
                per_series: int = 3, rows: int = 64, columns: int = 64,
                implicit: bool = False, preamble: bool = True,
                name_pattern: str = "IM{index:06d}.dcm") -> list[Path]:
    """Write a study of SERIES x PER_SERIES instances into FOLDER; return the paths.

    ``implicit`` writes Implicit VR Little Endian; ``preamble=False`` writes
    raw datasets without the Part-10 preamble and file meta.
    """
    spec = spec or StudySpec()
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    index = 0
    for s in range(1, series + 1):
        series_uid = generate_uid()
        for i in range(1, per_series + 1):
            index += 1
            ds = make_ct_dataset(spec, series_uid=series_uid, series_number=s,
                                 instance_number=i, rows=rows, columns=columns,
                                 series_description=f"Serie {s}")
            if implicit:
                ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
            path = folder / name_pattern.format(index=index, series=s, instance=i)
            path.parent.mkdir(parents=True, exist_ok=True)
            if preamble:
                ds.save_as(path, enforce_file_format=True)
            else:
                # A bare dataset: no preamble, no "DICM", no group 0002.
                del ds.file_meta
                ds.save_as(path, implicit_vr=implicit, little_endian=True)
            paths.append(path)
    return paths


def write_fileset(folder: Path, spec: StudySpec | None = None, *, series: int = 1,
                  per_series: int = 3, rows: int = 16, columns: int = 16) -> list[Path]:
    """Write a DICOMDIR file-set (pydicom ``FileSet``) of one study into FOLDER.

    Files get pydicom's ISO 9660 names (``PT000000/ST000000/SE000000/IM000000``);
    returns the written instance paths, sorted.
    """
    from pydicom.fileset import FileSet  # only the file-set builders need it

    spec = spec or StudySpec()
    fileset = FileSet()
    for s in range(1, series + 1):
        series_uid = generate_uid()
        for i in range(1, per_series + 1):
            ds = make_ct_dataset(spec, series_uid=series_uid, series_number=s, instance_number=i,
                                 rows=rows, columns=columns, series_description=f"Serie {s}")
            fileset.add(ds)
    folder.mkdir(parents=True, exist_ok=True)
    fileset.write(folder)
    return sorted(Path(instance.path) for instance in fileset)
