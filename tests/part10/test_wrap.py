"""Bare datasets become Part-10 files: meta from the dataset, dataset bytes unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pydicom
import pytest

from downloadmanager.core import paths
from downloadmanager.core.part10 import is_part10, wrap_file_in_place
from downloadmanager.core.transfers import staging
from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.core.version import IMPLEMENTATION_CLASS_UID
from tests.dicom_factory import write_study
from tests.upload.conftest import dm_home, items_of, study_source  # noqa: F401 - fixture

IMPLICIT = "1.2.840.10008.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"


@pytest.mark.parametrize("implicit", [True, False])
def test_wrap_builds_meta_from_dataset_and_keeps_its_bytes(tmp_path, implicit):
    [path] = write_study(tmp_path, series=1, per_series=1, preamble=False, implicit=implicit)
    before = path.read_bytes()
    assert not is_part10(before)
    assert wrap_file_in_place(path)
    after = path.read_bytes()
    assert after.endswith(before)
    ds = pydicom.dcmread(path)  # no force: a conformant Part-10 file
    meta = ds.file_meta
    assert meta.TransferSyntaxUID == (IMPLICIT if implicit else EXPLICIT)
    assert meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert meta.MediaStorageSOPClassUID == ds.SOPClassUID
    assert meta.ImplementationClassUID == IMPLEMENTATION_CLASS_UID
    assert len(after) - len(before) == 132 + 12 + meta.FileMetaInformationGroupLength
    assert ds.pixel_array.shape == (64, 64)
    assert not wrap_file_in_place(path)  # idempotent
    assert path.read_bytes() == after


def test_wrap_leaves_non_dicom_alone(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello, this is not DICOM at all" * 10)
    assert not wrap_file_in_place(path)
    assert path.read_bytes() == b"hello, this is not DICOM at all" * 10


def test_staging_wraps_bare_datasets_and_manifest_hashes_the_staged_bytes(dm_home, tmp_path):  # noqa: F811
    study = study_source(tmp_path / "medium")
    bare_dir = tmp_path / "old-cd"
    bare = write_study(bare_dir, series=1, per_series=2, preamble=False)
    # Mix: the study's Part-10 files plus two bare datasets of another series.
    from downloadmanager.core.transfers.sources import InstanceSource
    for p in bare:
        ds = pydicom.dcmread(p, force=True)
        study.instances.append(InstanceSource(
            path=str(p), size=p.stat().st_size, sop_instance_uid=ds.SOPInstanceUID,
            sop_class_uid=ds.SOPClassUID, series_instance_uid=ds.SeriesInstanceUID,
            transfer_syntax_uid=EXPLICIT))
    originals = {str(p): p.read_bytes() for p in bare}
    with QueueStore() as store:
        job_id = store.add_job(server="http://p", account="a", community="bM1X",
                               study_instance_uid=study.study_instance_uid, items=items_of(study),
                               use_staging=True)
        job = store.get_job(job_id)
        items = staging.stage_items(job, paths.staging_dir())
        manifest, _fp, _length = staging.freeze_manifest(job, items)
    import json
    entries = {e["sha256"]: e for e in json.loads(manifest)["instances"]}
    for item in items:
        data = Path(item.staged_path).read_bytes()
        assert is_part10(data), item.source_path
        assert item.sha256 == hashlib.sha256(data).hexdigest()
        assert item.size == len(data)
        assert entries[item.sha256]["size"] == len(data)
        if item.source_path in originals:
            assert data.endswith(originals[item.source_path])
            assert len(data) > len(originals[item.source_path])
        pydicom.dcmread(item.staged_path)  # strict read works
    # The medium itself is untouched.
    assert all(Path(p).read_bytes() == b for p, b in originals.items())


def test_media_folder_dicomdir_and_zip_hold_part10_files_only(tmp_path):
    """Bare datasets from an old CD, written out as a medium with DICOMDIR and as a ZIP."""
    import zipfile

    from downloadmanager.core.archive import plan_media, plan_readable, write_media, write_zip
    from downloadmanager.core.scan import scan

    write_study(tmp_path / "old", series=2, per_series=2, preamble=False)
    write_study(tmp_path / "old", series=1, per_series=1, preamble=False, implicit=True,
                name_pattern="IMP{index:06d}")
    result = scan(tmp_path / "old")
    assert len(result.instances()) == 5
    originals = {i.sop_instance_uid: Path(i.source.path).read_bytes() for i in result.instances()}
    dicomdir = write_media(plan_media(result), tmp_path / "medium")
    written = [p for p in (tmp_path / "medium").rglob("*") if p.is_file() and p != dicomdir]
    assert len(written) == 5
    for path in written:
        data = path.read_bytes()
        ds = pydicom.dcmread(path)  # strict Part-10 read
        assert data.endswith(originals[ds.SOPInstanceUID])
    from pydicom.fileset import FileSet
    assert len(FileSet(pydicom.dcmread(dicomdir))) == 5
    zipped = write_zip(plan_readable(result), tmp_path / "study.zip")
    with zipfile.ZipFile(zipped) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        assert len(names) == 5
        for name in names:
            data = zf.read(name)
            assert is_part10(data), name
            pydicom.dcmread(__import__("io").BytesIO(data))
