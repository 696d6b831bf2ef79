"""Local archives: safe names, readable layout, DICOMDIR (checked by DCMTK and read back), ZIP."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.fileset import FileSet

from downloadmanager.core.archive import (
    ArchiveError,
    place_files,
    plan_media,
    plan_readable,
    write_media,
    write_zip,
)
from dicomkit.file_ids import is_iso_component
from downloadmanager.core.archive.names import iso_name, safe_component
from downloadmanager.core.archive.writer import resolve_below
from downloadmanager.core.scan import scan
from tests.dicom_factory import StudySpec, write_study

DCMDUMP = shutil.which("dcmdump", path="/usr/bin")
DCIODVFY = shutil.which("dciodvfy", path="/usr/bin")


@pytest.mark.parametrize("raw, expected", [
    ("CT Thorax", "CT-Thorax"),
    ('a<b>c:d"e/f\\g|h?i*j', "a_b_c_d_e_f_g_h_i_j"),
    ("trailing dots...", "trailing-dots"),
    ("CON", "_CON"), ("com1.txt", "_com1.txt"), ("LPT9", "_LPT9"),
    ("..", "unbenannt"), ("", "unbenannt"), ("   ", "unbenannt"),
    ("tab\there\x00nul", "tab_here_nul"),
])
def test_safe_component(raw, expected):
    assert safe_component(raw) == expected


def test_safe_component_length_and_unicode():
    long = safe_component("x" * 300)
    assert len(long) == 60
    assert safe_component("Müller Jürgen") == "Müller-Jürgen"


def test_iso_names():
    assert iso_name("PAT", 1) == "PAT00001"
    assert iso_name("IMG", 99999) == "IMG99999"
    assert iso_name("IMG", 100000) == "IM100000"
    assert all(is_iso_component(iso_name("SER", n)) for n in (1, 12345, 1234567))
    assert not is_iso_component("img00001") and not is_iso_component("IMG000001")


def _catalog(tmp_path: Path):
    write_study(tmp_path / "src" / "a", StudySpec(patient_name="Müller^Jürgen", charset="ISO_IR 100"),
                series=2, per_series=3)
    write_study(tmp_path / "src" / "b", StudySpec(patient_name="Ωmega^Test", patient_id="P2",
                                                   charset="ISO_IR 192", study_description="MR Kopf"),
                series=1, per_series=2)
    write_study(tmp_path / "src" / "c", StudySpec(patient_name="CON^Name", patient_id="P3",
                                                   study_description='bad:"name"?. '),
                series=1, per_series=1)
    result = scan(tmp_path / "src")
    assert not result.problems and len(result.instances()) == 9
    return result


def test_readable_layout(tmp_path):
    result = _catalog(tmp_path)
    paths = place_files(plan_readable(result), tmp_path / "out")
    rel = sorted(str(p.relative_to(tmp_path / "out")).replace(os.sep, "/") for p in paths)
    assert "Müller_Jürgen_1970-01-01/2026-11-20_CT-Thorax/Series_001_Serie-1/IM000001.dcm" in rel
    assert "Ωmega_Test_1970-01-01/2026-11-20_MR-Kopf/Series_001_Serie-1/IM000002.dcm" in rel
    assert "CON_Name_1970-01-01/2026-11-20_bad_name/Series_001_Serie-1/IM000001.dcm" in rel
    for path in rel:
        for part in path.split("/"):
            assert not any(c in part for c in '<>:"\\|?*') and not part.endswith((".", " "))
    if os.name == "posix":
        for p in paths:
            assert p.stat().st_mode & 0o777 == 0o600
            assert p.parent.stat().st_mode & 0o777 == 0o700
    # Same bytes as the sources.
    assert {p.read_bytes() for p in paths} == {i.source.path.read_bytes() for i in result.instances()}


def test_resolve_below_refuses_escapes(tmp_path):
    for bad in ("../x", "a/../../x", "/etc/passwd"):
        with pytest.raises(ArchiveError):
            resolve_below(tmp_path, PurePosixPath(bad))
    (tmp_path / "link").symlink_to("/tmp")
    with pytest.raises(ArchiveError):
        resolve_below(tmp_path, PurePosixPath("link/x"))


def _assert_dcmdump_clean(path: Path) -> None:
    assert DCMDUMP, "DCMTK dcmdump is required (apt-get install dcmtk)"
    res = subprocess.run([DCMDUMP, "-E", str(path)], capture_output=True)
    out = (res.stdout + res.stderr).decode("latin-1")
    assert res.returncode == 0, out[-2000:]
    assert not [line for line in out.splitlines() if line.startswith(("E:", "F:"))], out[-2000:]
    assert "DirectoryRecordSequence" in out


def _uids(result):
    return (
        sorted(p.key for p in result.patients),
        sorted(st.study_instance_uid for st in result.studies()),
        sorted(se.series_instance_uid for st in result.studies() for se in st.series.values()),
        sorted(i.sop_instance_uid for i in result.instances()),
    )


def test_dicomdir_is_valid_and_reads_back(tmp_path):
    result = _catalog(tmp_path)
    planned = plan_media(result)
    assert all(all(is_iso_component(p) for p in item.relpath.parts) for item in planned)
    dicomdir = write_media(planned, tmp_path / "medium")
    _assert_dcmdump_clean(dicomdir)
    if DCIODVFY:
        res = subprocess.run([DCIODVFY, str(dicomdir)], capture_output=True)
        errors = [l for l in (res.stdout + res.stderr).decode("latin-1").splitlines() if l.startswith("Error")]
        assert not errors
    # pydicom follows our offsets.
    fs = FileSet(dcmread(dicomdir))
    assert len(fs) == 9
    assert sorted(i.SOPInstanceUID for i in fs) == sorted(i.sop_instance_uid for i in result.instances())
    assert len(fs.find(PatientID="P2")) == 2
    names = {str(i.PatientName) for i in fs}
    assert {"Müller^Jürgen", "Ωmega^Test"} <= names
    # Our scanner: the full scan and the DICOMDIR-only quick scan see the same catalog.
    for quick in (False, True):
        back = scan(tmp_path / "medium", quick=quick)
        assert not back.problems
        assert back.dicomdirs == ["DICOMDIR"]
        assert _uids(back) == _uids(result)
        assert [st.instance_count for st in sorted(back.studies(), key=lambda s: s.study_instance_uid)] == \
               [st.instance_count for st in sorted(result.studies(), key=lambda s: s.study_instance_uid)]


def test_dicomdir_with_non_image_objects(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("test-SR.dcm", "CT_small.dcm", "MR_small_RLE.dcm"):
        found = get_testdata_file(name)
        assert found, f"pydicom test file {name} missing"
        shutil.copy(found, src / name)
    result = scan(src)
    assert len(result.instances()) == 3
    dicomdir = write_media(plan_media(result), tmp_path / "medium")
    _assert_dcmdump_clean(dicomdir)
    records = dcmread(dicomdir).DirectoryRecordSequence
    leaf_types = sorted(r.DirectoryRecordType for r in records
                        if r.DirectoryRecordType not in ("PATIENT", "STUDY", "SERIES"))
    assert leaf_types == ["IMAGE", "IMAGE", "SR DOCUMENT"]
    assert len(FileSet(dcmread(dicomdir))) == 3
    assert _uids(scan(tmp_path / "medium", quick=True)) == _uids(result)


def test_zip_of_readable_layout(tmp_path):
    result = _catalog(tmp_path)
    planned = plan_readable(result)
    for compression in ("stored", "deflate"):
        target = tmp_path / f"study-{compression}.zip"
        write_zip(planned, target, compression=compression)
        with zipfile.ZipFile(target) as zf:
            assert zf.testzip() is None
            assert sorted(zf.namelist()) == sorted(str(p.relpath) for p in planned)
            method = {"stored": zipfile.ZIP_STORED, "deflate": zipfile.ZIP_DEFLATED}[compression]
            assert {i.compress_type for i in zf.infolist()} == {method}
            first = planned[0]
            assert zf.read(str(first.relpath)) == first.instance.source.path.read_bytes()
        if os.name == "posix":
            assert target.stat().st_mode & 0o777 == 0o600
        # The scanner reads the ZIP back as the same catalog.
        assert _uids(scan(target)) == _uids(result)
    assert not list(tmp_path.glob("*.part"))
