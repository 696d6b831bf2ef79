"""A study as a ZIP that any DICOM viewer opens: DICOMDIR + the files as received.

Layout (ISO 9660 names, as on a patient CD)::

    DICOMDIR
    DICOM/PT000000/ST000000/SE000000/IM000000 ...   (the Part-10 files, byte for byte)
    manifest.json                                   (the portal's manifest + zip paths)

The DICOMDIR's records come from pydicom's FileSet, fed with header-only
datasets; the files in the ZIP are the stored bytes, so every one still
matches the SHA-256 in the manifest. FileSet is O(n^2) (about 5 s for 300
instances here): fine for the browser's "download" button; the program's
own download path writes DICOMDIRs with its fast writer.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

from portal.archive import build_manifest
from portal.blobstore import blob_store_for


def write_study_zip(data_dir: Path, study_uid: str, items: list, docs: list[dict],
                    target) -> None:
    """Write the ZIP of ITEMS (rows of ``study_instances``) and DOCS into the file TARGET."""
    import pydicom
    from pydicom.fileset import FileSet

    store = blob_store_for(data_dir)
    manifest = build_manifest(study_uid, items, docs)
    fileset = FileSet()
    fileset.ID = "DLMGR"
    paths: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="dm-zip-") as scratch:
        for item in items:
            with store.open(item.sha256) as handle:
                ds = pydicom.dcmread(handle, stop_before_pixels=True, force=True)
            instance = fileset.add(ds)
            paths[item.sop_instance_uid] = "/".join(instance.FileID.split("\\"))
        fileset.write(scratch)  # only its DICOMDIR is kept
        dicomdir = Path(scratch, "DICOMDIR").read_bytes()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr("DICOMDIR", dicomdir)
        for entry, item in zip(manifest["instances"], items):
            name = paths[item.sop_instance_uid]
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
