"""DICOMDIRs: pydicom's real sample CD, nested and broken file-sets, name matching, quick mode."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from downloadmanager.core.scan import ProblemKind, scan
from downloadmanager.core.scan.dicomdir import read_dicomdir
from tests.dicom_factory import StudySpec, write_fileset, write_study

SAMPLE_DICOMDIR = Path(pydicom.data.get_testdata_file("DICOMDIR"))


@pytest.fixture()
def sample_cd(tmp_path) -> Path:
    """pydicom's real ``dicomdirtests`` file-set (its main DICOMDIR and the files it references)."""
    cd = tmp_path / "cd"
    cd.mkdir()
    shutil.copy(SAMPLE_DICOMDIR, cd / "DICOMDIR")
    for folder in ("77654033", "98892001", "98892003"):
        shutil.copytree(SAMPLE_DICOMDIR.parent / folder, cd / folder)
    return cd


def _independent_counts(folder: Path) -> tuple[int, int, int, int]:
    """Patients, studies, series, instances: pydicom reading every file but the DICOMDIR."""
    patients, studies, series, instances = set(), set(), set(), set()
    for path in folder.rglob("*"):
        if path.is_file() and path.name != "DICOMDIR":
            ds = pydicom.dcmread(path, stop_before_pixels=True)
            patients.add((str(ds.PatientID), str(ds.PatientName), str(ds.get("PatientBirthDate", ""))))
            studies.add(ds.StudyInstanceUID)
            series.add(ds.SeriesInstanceUID)
            instances.add(ds.SOPInstanceUID)
    return len(patients), len(studies), len(series), len(instances)


def _counts(result) -> tuple[int, int, int, int]:
    studies = result.studies()
    return (len(result.patients), len(studies), sum(len(s.series) for s in studies), len(result.instances()))


@pytest.mark.parametrize("quick", [False, True])
def test_sample_cd_matches_an_independent_pydicom_read(sample_cd, quick):
    expected = _independent_counts(sample_cd)
    assert expected == (2, 6, 13, 31)  # guards the test data itself
    result = scan(sample_cd, quick=quick)
    assert result.mode == ("quick" if quick else "full")
    assert result.dicomdirs == ["DICOMDIR"]
    assert not result.problems
    assert _counts(result) == expected
    assert all(i.in_dicomdir for i in result.instances())
    assert all(i.verified is (not quick) for i in result.instances())
    names = {p.patient_name for p in result.patients}
    assert names == {"Doe^Archibald", "Doe^Peter"}


def test_quick_and_full_agree_on_every_instance(sample_cd):
    full, quick = scan(sample_cd), scan(sample_cd, quick=True)

    def rows(result):
        return sorted((i.source.display, i.sop_instance_uid, i.sop_class_uid, i.transfer_syntax_uid,
                       i.series_instance_uid, i.study_instance_uid, i.instance_number, i.size)
                      for i in result.instances())

    assert rows(full) == rows(quick)
    assert [(s.study_instance_uid, s.study_date, s.study_description, s.accession_number, s.modalities)
            for s in full.studies()] == \
        [(s.study_instance_uid, s.study_date, s.study_description, s.accession_number, s.modalities)
         for s in quick.studies()]


@pytest.mark.parametrize("variant", ["DICOMDIR-reordered", "DICOMDIR-nooffset", "DICOMDIR-implicit",
                                     "DICOMDIR-bigEnd"])
def test_dicomdir_variants_give_the_same_references(variant):
    def refs(path: Path):
        with open(path, "rb") as f:
            return sorted((r.file_id, r.info.sop_instance_uid, r.info.series_instance_uid,
                           r.info.study_instance_uid, r.info.patient_name)
                          for r in read_dicomdir(f, path.stat().st_size))

    expected = refs(SAMPLE_DICOMDIR)
    assert len(expected) == 31
    assert refs(SAMPLE_DICOMDIR.parent / variant) == expected


def test_missing_and_unreferenced_files(sample_cd):
    (sample_cd / "98892003" / "MR2" / "4950").unlink()
    extra = write_study(sample_cd / "EXTRA", StudySpec(patient_id="EXTRA"), series=1, per_series=2)
    full = scan(sample_cd)
    [missing] = full.problems
    assert (missing.kind, missing.path) == (ProblemKind.MISSING, "98892003/MR2/4950")
    assert "DICOMDIR" in missing.detail
    assert len(full.instances()) == 30 + 2
    unreferenced = [i for i in full.instances() if not i.in_dicomdir]
    assert sorted(i.source.path for i in unreferenced) == sorted(extra)
    quick = scan(sample_cd, quick=True)
    assert [(p.kind, p.path) for p in quick.problems] == [(ProblemKind.MISSING, "98892003/MR2/4950")]
    assert len(quick.instances()) == 30  # quick lists the DICOMDIR only


def test_nested_file_sets_at_any_depth(tmp_path):
    root_files = write_fileset(tmp_path / "cd", StudySpec(patient_id="ROOT"), per_series=2)
    nested_files = write_fileset(tmp_path / "cd" / "PATIENT2" / "CD", StudySpec(patient_id="NESTED"),
                                 series=2, per_series=2)
    for quick in (False, True):
        result = scan(tmp_path / "cd", quick=quick)
        assert result.dicomdirs == ["DICOMDIR", "PATIENT2/CD/DICOMDIR"]
        assert not result.problems
        assert sorted(p.patient_id for p in result.patients) == ["NESTED", "ROOT"]
        assert len(result.instances()) == len(root_files) + len(nested_files) == 6
        assert all(i.in_dicomdir for i in result.instances())


def test_case_and_iso9660_version_suffix_matching(tmp_path):
    """References are upper case; the files got lower case names and ';1' suffixes."""
    files = write_fileset(tmp_path / "cd", series=1, per_series=3)
    cd = tmp_path / "cd"
    for path in files:
        path.rename(path.with_name(path.name.lower() + ";1"))
    for folder in sorted((p for p in cd.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        folder.rename(folder.with_name(folder.name.lower()))
    assert sorted(p.name for p in cd.rglob("im*")) == ["im000000;1", "im000001;1", "im000002;1"]
    result = scan(cd, quick=True)
    assert result.mode == "quick" and not result.problems
    assert len(result.instances()) == 3
    assert all(i.source.path.exists() for i in result.instances())
    assert scan(cd).problems == []


def test_broken_dicomdir_is_corrupt_and_files_are_still_found(tmp_path):
    write_study(tmp_path, series=1, per_series=2)
    data = SAMPLE_DICOMDIR.read_bytes()
    (tmp_path / "DICOMDIR").write_bytes(data[:len(data) // 3])
    for quick in (False, True):
        result = scan(tmp_path, quick=quick)
        assert result.mode == "full"  # no readable DICOMDIR: quick falls back to a full scan
        assert [(p.kind, p.path) for p in result.problems] == [(ProblemKind.CORRUPT, "DICOMDIR")]
        assert len(result.instances()) == 2


def test_referenced_file_that_is_not_dicom_is_corrupt(tmp_path):
    files = write_fileset(tmp_path, series=1, per_series=2)
    files[0].write_text("overwritten by a broken burner")
    result = scan(tmp_path)
    [problem] = result.problems
    assert (problem.kind, problem.path) == (ProblemKind.CORRUPT, "PT000000/ST000000/SE000000/IM000000")
    assert "DICOMDIR" in problem.detail


def test_dicomdir_file_as_root_scans_its_medium(sample_cd):
    result = scan(sample_cd / "DICOMDIR", quick=True)
    assert result.root == sample_cd
    assert len(result.instances()) == 31


def test_quick_mode_opens_only_the_dicomdir(tmp_path, monkeypatch):
    """Quick mode must not open the files it lists (only the DICOMDIR)."""
    files = write_fileset(tmp_path, series=1, per_series=40)
    from downloadmanager.core.scan import scanner as scanner_module

    opened: list[str] = []
    real_open = scanner_module.open_file
    monkeypatch.setattr(scanner_module, "open_file", lambda p: (opened.append(os.fspath(p)), real_open(p))[1])
    result = scan(tmp_path, quick=True)
    assert len(result.instances()) == len(files) == 40
    assert [Path(p).name for p in opened] == ["DICOMDIR"]
