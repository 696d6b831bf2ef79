"""A study as a ZIP that any DICOM viewer opens: DICOMDIR + the files as received.

Layout (ISO 9660 names, as on a patient CD)::

    DICOMDIR
    DICOM/PT000000/ST000000/SE000000/IM000000 ...   (the Part-10 files, byte for byte)
    DOCS/DOC00001.PDF ...                           (documents sent with the study)
    manifest.json                                   (the portal's manifest + zip paths)

The DICOMDIR is encoded by :mod:`dicomkit.dicomdir` (the program's fast
writer; pydicom's FileSet needed about 5 s for 300 instances and grows
with the square): series and instance keys come from the portal's index,
the patient and study keys from the first instance's header, and only
instances that need another record type than IMAGE (reports, presentation
states, ...) are read again. The files in the ZIP are the stored bytes, so
every one still matches the SHA-256 in the manifest.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

from dicomkit.dicomdir import DirectoryEntry, PatientKeys, SeriesKeys, StudyKeys, dicomdir_bytes
from portal.archive import build_manifest
from portal.blobstore import BlobStore, blob_store_for


def write_study_zip(data_dir: Path, study_uid: str, items: list, docs: list[dict],
                    target) -> None:
    """Write the ZIP of ITEMS (rows of ``study_instances``) and DOCS into the file TARGET."""
    store = blob_store_for(data_dir)
    manifest = build_manifest(study_uid, items, docs)
    entries = _directory_entries(store, study_uid, items)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr("DICOMDIR", dicomdir_bytes(entries, "DLMGR"))
        for entry, item, directory in zip(manifest["instances"], items, entries):
            name = "/".join(directory.file_id)
            entry["zip_path"] = name
            with store.open(item.sha256) as src, zf.open(name, "w", force_zip64=True) as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        for n, doc in enumerate(manifest["documents"], start=1):
            name = f"DOCS/DOC{n:05d}.PDF"
            doc["zip_path"] = name
            with store.open(doc["sha256"]) as src, zf.open(name, "w", force_zip64=True) as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))


def _header_reader(store: BlobStore, sha256: str):
    """A function that reads the header of the stored instance SHA256."""
    def read():
        import pydicom

        with store.open(sha256) as handle:
            return pydicom.dcmread(handle, stop_before_pixels=True, force=True)
    return read


def _directory_entries(store: BlobStore, study_uid: str, items: list) -> list[DirectoryEntry]:
    """One DICOMDIR entry per item, numbered in the items' (series, instance) order."""
    patient, study = PatientKeys(), StudyKeys(study_uid)
    if items:
        first = _header_reader(store, items[0].sha256)()
        patient = PatientKeys(_text(first, "PatientName"), _text(first, "PatientID"),
                              _text(first, "PatientBirthDate"), _text(first, "PatientSex"))
        study = StudyKeys(study_uid, _text(first, "StudyDate"), _text(first, "StudyTime"),
                          _text(first, "AccessionNumber"), _text(first, "StudyDescription"))
    entries: list[DirectoryEntry] = []
    series_numbers: dict[str, int] = {}
    per_series: dict[str, int] = {}
    for item in items:
        series_uid = item.series_instance_uid or ""
        se = series_numbers.setdefault(series_uid, len(series_numbers))
        im = per_series[series_uid] = per_series.get(series_uid, -1) + 1
        read = _header_reader(store, item.sha256)
        transfer_syntax = item.transfer_syntax_uid
        if not transfer_syntax:  # not indexed: the file's meta says it
            transfer_syntax = str(getattr(getattr(read(), "file_meta", None), "TransferSyntaxUID", "")
                                  or "1.2.840.10008.1.2")
        entries.append(DirectoryEntry(
            file_id=("DICOM", "PT000000", "ST000000", f"SE{se:06d}", f"IM{im:06d}"),
            patient=patient, study=study,
            series=SeriesKeys(series_uid, item.modality or "", item.series_number),
            sop_class_uid=item.sop_class_uid or "",
            sop_instance_uid=item.sop_instance_uid,
            transfer_syntax_uid=transfer_syntax,
            instance_number=item.instance_number,
            read_header=read,
            patient_group="patient", study_group="study", series_group=series_uid,
        ))
    return entries


def _text(ds, keyword: str) -> str:
    """A header value as text ("" when absent or unreadable)."""
    try:
        value = ds.get(keyword)
    except Exception:  # noqa: BLE001 - a damaged value must not stop the download
        return ""
    return "" if value is None else str(value)


def study_zip_file(data_dir: Path, study_uid: str, items: list, docs: list[dict]) -> str:
    """Write the ZIP into a temporary file (owner-only) and return its path."""
    fd, path = tempfile.mkstemp(prefix="dm-study-", suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as target:
            write_study_zip(data_dir, study_uid, items, docs, target)
    except BaseException:
        os.unlink(path)
        raise
    return path
