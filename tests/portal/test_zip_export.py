"""The study ZIP of the web pages: a DICOMDIR any viewer reads, files byte for byte.

The DICOMDIR is encoded by ``dicomkit.dicomdir`` (the program's writer) from
the portal's index; checked with DCMTK (dcmdump, dciodvfy where installed)
and read back with pydicom's FileSet.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.fileset import FileSet
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from sqlalchemy import select

from portal.access import study_instances
from portal.communities import create_community
from portal.schema import studies
from portal.web.zip_export import write_study_zip
from tests.dicom_factory import StudySpec, write_study
from tests.portal.seed import seed_study

DCMDUMP = shutil.which("dcmdump", path="/usr/bin")
DCIODVFY = shutil.which("dciodvfy", path="/usr/bin")
BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"


def _report(path: Path, study: pydicom.Dataset) -> Path:
    """A Basic Text SR of the same study (its DICOMDIR record is SR DOCUMENT, not IMAGE)."""
    ds = Dataset()
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex",
                    "StudyInstanceUID", "StudyDate", "StudyTime", "SpecificCharacterSet"):
        if keyword in study:
            setattr(ds, keyword, study.data_element(keyword).value)
    ds.SOPClassUID, ds.SOPInstanceUID = BASIC_TEXT_SR, generate_uid()
    ds.SeriesInstanceUID, ds.Modality, ds.SeriesNumber, ds.InstanceNumber = \
        generate_uid(), "SR", 99, 1
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    ds.ContentDate, ds.ContentTime, ds.ValueType = "20261203", "120000", "CONTAINER"
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = \
        "18748-4", "LN", "Diagnostic Imaging Report"
    ds.ConceptNameCodeSequence = Sequence([concept])
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = \
        ds.SOPClassUID, ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)
    return path


def test_the_study_zip_has_a_valid_dicomdir_with_every_file(portal, tmp_path):
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    spec = StudySpec(patient_name="Müller^Jürgen", birth_date="19710403", charset="ISO_IR 192",
                     study_description="CT Thorax")
    files = write_study(tmp_path / "cd", spec, series=3, per_series=4)
    files.append(_report(tmp_path / "cd" / "SR.dcm", pydicom.dcmread(files[0])))
    study = seed_study(portal.engine, portal.data_dir, "bM1X", spec, files=files)
    with portal.engine.connect() as conn:
        ids = list(conn.execute(select(studies.c.id)
                                .where(studies.c.study_instance_uid == study.uid)).scalars())
        items = study_instances(conn, ids)
    target = tmp_path / "study.zip"
    with open(target, "wb") as out:
        write_study_zip(portal.data_dir, study.uid, items, [], out)

    with zipfile.ZipFile(target) as archive:
        archive.extractall(tmp_path / "unpacked")
    root = tmp_path / "unpacked"
    dicomdir = root / "DICOMDIR"
    assert DCMDUMP, "DCMTK dcmdump is required (apt-get install dcmtk)"
    dump = subprocess.run([DCMDUMP, "-E", str(dicomdir)], capture_output=True)
    out = (dump.stdout + dump.stderr).decode("latin-1")
    assert dump.returncode == 0 and not [
        line for line in out.splitlines() if line.startswith(("E:", "F:"))], out[-2000:]
    if DCIODVFY:
        check = subprocess.run([DCIODVFY, str(dicomdir)], capture_output=True)
        assert not [line for line in (check.stdout + check.stderr).decode("latin-1").splitlines()
                    if line.startswith("Error")]

    fileset = FileSet(pydicom.dcmread(dicomdir))
    assert len(fileset) == 13
    by_uid = {i.SOPInstanceUID: i for i in fileset}
    sources = {pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID: p for p in files}
    assert set(by_uid) == set(sources)
    for uid, instance in by_uid.items():
        stored = Path(instance.path)
        assert hashlib.sha256(stored.read_bytes()).digest() == \
            hashlib.sha256(sources[uid].read_bytes()).digest()
    # One patient and one study; four series (three CT, the report); the report's record type.
    records = pydicom.dcmread(dicomdir).DirectoryRecordSequence
    types = [r.DirectoryRecordType for r in records]
    assert types.count("PATIENT") == 1 and types.count("STUDY") == 1
    assert types.count("SERIES") == 4 and types.count("IMAGE") == 12
    assert types.count("SR DOCUMENT") == 1
    patient = next(r for r in records if r.DirectoryRecordType == "PATIENT")
    assert str(patient.PatientName) == "Müller^Jürgen" and patient.PatientBirthDate == "19710403"
    study_record = next(r for r in records if r.DirectoryRecordType == "STUDY")
    assert study_record.StudyInstanceUID == study.uid
    assert study_record.StudyDescription == "CT Thorax"
