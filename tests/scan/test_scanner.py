"""The scanner on real folders: catalog, every problem kind, robustness, progress, cancel."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import threading
from pathlib import Path

import pydicom
import pytest

from downloadmanager.core.scan import (
    ProblemKind,
    ScanCancelled,
    ScanError,
    ScanProgress,
    open_instance,
    scan,
)
from downloadmanager.core.scan import scanner as scanner_module
from tests.dicom_factory import StudySpec, write_study


def problems_by_kind(result) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in result.problems:
        found.setdefault(problem.kind.value, []).append(problem.path)
    return found


def test_catalog_groups_patients_studies_series(tmp_path):
    first = StudySpec(patient_name="Muster^Max", patient_id="P1", birth_date="19700101", sex="M",
                      study_date="20260101", study_description="CT Thorax", accession_number="A1")
    second = StudySpec(patient_name="Muster^Max", patient_id="P1", birth_date="19700101", sex="M",
                       study_date="20260202", study_description="CT Abdomen")
    other = StudySpec(patient_name="Beispiel^Erika", patient_id="P2", birth_date="19800101", sex="F")
    paths = write_study(tmp_path / "a", first, series=2, per_series=3)
    write_study(tmp_path / "b", second, series=1, per_series=2)
    write_study(tmp_path / "c", other, series=1, per_series=1)
    result = scan(tmp_path)
    assert result.mode == "full" and not result.problems
    assert result.files_examined == 9
    assert [p.patient_name for p in result.patients] == ["Beispiel^Erika", "Muster^Max"]
    max_ = result.patients[1]
    assert (max_.patient_id, max_.birth_date, max_.sex) == ("P1", "19700101", "M")
    assert [s.study_description for s in max_.studies.values()] == ["CT Thorax", "CT Abdomen"]
    thorax = max_.studies[first.study_uid]
    assert (thorax.study_date, thorax.accession_number, thorax.modalities) == ("20260101", "A1", ["CT"])
    assert thorax.instance_count == 6 and len(thorax.series) == 2
    assert thorax.bytes == sum(p.stat().st_size for p in paths)
    assert thorax.sop_classes == ["1.2.840.10008.5.1.4.1.1.2"]
    assert thorax.transfer_syntaxes == ["1.2.840.10008.1.2.1"]
    series = list(thorax.series.values())
    assert [s.series_number for s in series] == [1, 2]
    assert [s.series_description for s in series] == ["Serie 1", "Serie 2"]
    assert [i.instance_number for i in series[0].instances] == [1, 2, 3]
    instance = series[0].instances[0]
    assert instance.source.path == paths[0] and instance.source.member is None
    assert instance.source.display == "a/IM000001.dcm"
    assert instance.size == paths[0].stat().st_size
    assert instance.study_instance_uid == first.study_uid
    assert instance.series_instance_uid == series[0].series_instance_uid
    assert instance.sop_instance_uid == pydicom.dcmread(paths[0]).SOPInstanceUID
    assert not instance.in_dicomdir and instance.verified


def test_open_instance_gives_the_file_bytes(tmp_path):
    paths = write_study(tmp_path, series=1, per_series=2)
    result = scan(tmp_path)
    assert sorted(i.source.path for i in result.instances()) == paths
    for instance in result.instances():
        with open_instance(instance) as f:
            assert f.read() == instance.source.path.read_bytes()


def test_raw_datasets_and_any_file_names(tmp_path):
    write_study(tmp_path / "implicit", StudySpec(patient_id="RAW-I"), series=1, per_series=2,
                implicit=True, preamble=False, name_pattern="FILE{index}")
    write_study(tmp_path / "explicit", StudySpec(patient_id="RAW-E"), series=1, per_series=2,
                preamble=False, name_pattern="bild_{index}.DCM")
    write_study(tmp_path / "iso", StudySpec(patient_id="ISO"), series=1, per_series=2,
                name_pattern="IM{index:06d};1")
    result = scan(tmp_path)
    assert not result.problems
    assert sorted(p.patient_id for p in result.patients) == ["ISO", "RAW-E", "RAW-I"]
    assert len(result.instances()) == 6


def test_not_dicom_files_are_reported(tmp_path):
    write_study(tmp_path, series=1, per_series=1)
    (tmp_path / "AUTORUN.INF").write_text("[autorun]\nopen=viewer\\viewer.exe\n")
    (tmp_path / "viewer").mkdir()
    (tmp_path / "viewer" / "viewer.exe").write_bytes(b"MZ\x90\x00" + b"\x00" * 2000)
    (tmp_path / "index.html").write_text("<html><body>CD</body></html>")
    result = scan(tmp_path)
    assert problems_by_kind(result) == {"not_dicom": ["AUTORUN.INF", "index.html", "viewer/viewer.exe"]}
    assert len(result.instances()) == 1


def test_zero_byte_and_truncated_files(tmp_path):
    paths = write_study(tmp_path, series=1, per_series=3)
    (tmp_path / "EMPTY").write_bytes(b"")
    data = paths[1].read_bytes()
    paths[1].write_bytes(data[:len(data) // 2])  # pixel data cut off
    paths[2].write_bytes(data[:200])  # header cut off
    result = scan(tmp_path)
    kinds = problems_by_kind(result)
    assert sorted(kinds["corrupt"]) == ["IM000002.dcm", "IM000003.dcm"]
    assert kinds["not_dicom"] == ["EMPTY"]
    assert len(result.instances()) == 1


def test_duplicates_are_counted_once(tmp_path):
    paths = write_study(tmp_path / "orig", series=1, per_series=2)
    (tmp_path / "copy").mkdir()
    shutil.copy(paths[0], tmp_path / "copy" / "SAME")
    result = scan(tmp_path)
    assert len(result.instances()) == 2
    [problem] = result.problems
    assert (problem.kind, problem.path) == (ProblemKind.DUPLICATE, "orig/IM000001.dcm")
    assert "copy/SAME" in problem.detail


def test_fifo_and_dangling_link_are_unreadable_not_opened(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    write_study(tmp_path, series=1, per_series=1)
    os.mkfifo(tmp_path / "PIPE")  # opening it would block the scan forever
    os.symlink(tmp_path / "gone", tmp_path / "BROKEN")
    result = scan(tmp_path)
    assert problems_by_kind(result) == {"unreadable": ["BROKEN", "PIPE"]}
    assert len(result.instances()) == 1


def test_io_error_on_read_is_unreadable(tmp_path, monkeypatch):
    """An I/O error (a scratched CD) at the open/read boundary; works as root too."""
    paths = write_study(tmp_path, series=1, per_series=3)
    real_open = scanner_module.open_file

    def failing_open(path):
        if Path(path) == paths[1]:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_open(path)

    monkeypatch.setattr(scanner_module, "open_file", failing_open)
    result = scan(tmp_path)
    [problem] = result.problems
    assert (problem.kind, problem.path) == (ProblemKind.UNREADABLE, "IM000002.dcm")
    assert problem.detail == os.strerror(errno.EIO)
    assert len(result.instances()) == 2


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files whatever their mode; the EIO test covers this case")
def test_permission_denied_is_unreadable(tmp_path):
    paths = write_study(tmp_path, series=1, per_series=2)
    paths[0].chmod(0)
    try:
        result = scan(tmp_path)
    finally:
        paths[0].chmod(0o644)
    assert problems_by_kind(result) == {"unreadable": ["IM000001.dcm"]}


def test_symlink_loop_is_survived(tmp_path):
    write_study(tmp_path / "data", series=1, per_series=2)
    os.symlink(tmp_path, tmp_path / "data" / "loop")  # points back up: an endless tree
    os.symlink(tmp_path / "data", tmp_path / "alias")  # a second way to the same folder
    result = scan(tmp_path)
    assert len(result.instances()) == 2
    assert not result.problems  # the same folder is not scanned twice


def test_scanner_never_writes_to_the_medium(tmp_path):
    medium = tmp_path / "cd"
    write_study(medium / "DICOM", series=2, per_series=2)
    shutil.copytree(Path(pydicom.data.get_testdata_file("DICOMDIR")).parent / "TINY_ALPHA", medium / "TINY")
    (medium / "junk.txt").write_text("not dicom")
    before = _snapshot(medium)
    for path in [medium, *medium.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        scan(medium)
        scan(medium, quick=True)
    finally:
        for path in [medium, *medium.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert _snapshot(medium) == before


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_progress_is_reported_up_to_the_total(tmp_path):
    write_study(tmp_path, series=2, per_series=3)
    reports: list[ScanProgress] = []
    result = scan(tmp_path, progress=reports.append)
    assert reports and all(isinstance(r, ScanProgress) for r in reports)
    final = reports[-1]
    assert final.files_done == final.files_total == result.files_examined == 6
    done = [r.files_done for r in reports if r.files_total is not None]
    assert done == sorted(done) == list(range(1, 7))
    assert {r.current_path for r in reports} >= {f"IM00000{i}.dcm" for i in range(1, 7)}


@pytest.mark.parametrize("use_event", [True, False])
def test_cancel_stops_the_scan(tmp_path, use_event):
    write_study(tmp_path, series=1, per_series=5)
    event = threading.Event()
    seen: list[int] = []

    def progress(report: ScanProgress) -> None:
        seen.append(report.files_done)
        if report.files_done == 2:
            event.set()

    with pytest.raises(ScanCancelled) as err:
        scan(tmp_path, progress=progress, cancel=event if use_event else event.is_set)
    assert max(seen) == 2 and err.value.files_done == 2


def test_single_file_and_missing_root(tmp_path):
    path = write_study(tmp_path, series=1, per_series=2)[0]
    result = scan(path)
    assert len(result.instances()) == 1
    assert result.instances()[0].source.display == "IM000001.dcm"
    with pytest.raises(ScanError, match="does not exist"):
        scan(tmp_path / "nowhere")


def test_huge_flat_directory(tmp_path):
    """Thousands of entries in one folder: listed lazily, all examined."""
    paths = write_study(tmp_path, series=1, per_series=1)
    data = paths[0].read_bytes()
    for index in range(3000):
        (tmp_path / f"N{index:05d}.txt").write_bytes(b"x")
    (tmp_path / "LAST").write_bytes(data)  # the same instance under another name
    result = scan(tmp_path)
    assert result.files_examined == 3002
    assert len(problems_by_kind(result)["not_dicom"]) == 3000
    assert len(problems_by_kind(result)["duplicate"]) == 1
