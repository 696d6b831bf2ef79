"""ZIP archives: scanned in place (never unpacked to disk), DICOMDIRs inside, problem paths."""

from __future__ import annotations

import shutil
import struct
import zipfile
from pathlib import Path

import pytest

from downloadmanager.core.scan import ProblemKind, open_instance, scan
from tests.dicom_factory import StudySpec, write_fileset, write_study


def zip_folder(folder: Path, archive: Path, compression: int = zipfile.ZIP_DEFLATED,
               prefix: str = "") -> Path:
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", compression) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(folder).as_posix())
    return archive


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("quick", [False, True])
def test_zip_with_dicomdir_and_nested_folders(tmp_path, compression, quick):
    files = write_fileset(tmp_path / "src", StudySpec(patient_name="Müller^Jürgen", charset="ISO_IR 100"),
                          series=2, per_series=2)
    archive = zip_folder(tmp_path / "src", tmp_path / "Patient.zip", compression, prefix="export/")
    shutil.rmtree(tmp_path / "src")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = scan(archive, quick=quick)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing unpacked next to it
    assert result.mode == ("quick" if quick else "full")
    assert result.dicomdirs == ["Patient.zip/export/DICOMDIR"]
    assert not result.problems
    assert [p.patient_name for p in result.patients] == ["Müller^Jürgen"]
    instances = result.instances()
    assert len(instances) == len(files) == 4
    assert all(i.in_dicomdir and i.source.path == archive for i in instances)
    assert {i.source.member for i in instances} == {
        "export/" + f.relative_to(tmp_path / "src").as_posix() for f in files}
    assert all(i.source.display == "Patient.zip/" + i.source.member for i in instances)


def test_open_instance_reads_a_zip_member(tmp_path):
    paths = write_study(tmp_path / "src", series=1, per_series=2)
    expected = {p.name: p.read_bytes() for p in paths}
    archive = zip_folder(tmp_path / "src", tmp_path / "a.zip")
    result = scan(archive)
    assert len(result.instances()) == 2
    for instance in result.instances():
        assert instance.zip_member == instance.source.member and instance.path == archive
        with open_instance(instance) as f:
            head = f.read(10)
            f.seek(0)
            data = f.read()
        assert data == expected[instance.source.member] and head == data[:10]
        assert instance.size == len(data)


def test_zip_next_to_files_and_problem_paths_inside_it(tmp_path):
    write_study(tmp_path / "cd" / "plain", StudySpec(patient_id="PLAIN"), series=1, per_series=1)
    src = tmp_path / "src"
    write_study(src / "deep" / "er", StudySpec(patient_id="ZIPPED"), series=1, per_series=2)
    (src / "deep" / "README.TXT").write_text("no dicom")
    zip_folder(src, tmp_path / "cd" / "Export.ZIP")
    result = scan(tmp_path / "cd")
    assert sorted(p.patient_id for p in result.patients) == ["PLAIN", "ZIPPED"]
    assert [(p.kind, p.path) for p in result.problems] == [(ProblemKind.NOT_DICOM, "Export.ZIP/deep/README.TXT")]


def test_missing_reference_inside_zip(tmp_path):
    files = write_fileset(tmp_path / "src", series=1, per_series=2)
    files[1].unlink()
    archive = zip_folder(tmp_path / "src", tmp_path / "cd.zip")
    result = scan(archive)
    [problem] = result.problems
    missing = files[1].relative_to(tmp_path / "src").as_posix()
    assert (problem.kind, problem.path) == (ProblemKind.MISSING, f"cd.zip/{missing}")


def test_zip_without_zip_name_is_found(tmp_path):
    write_study(tmp_path / "src", series=1, per_series=2)
    archive = zip_folder(tmp_path / "src", tmp_path / "cd" / "EXPORT")
    result = scan(tmp_path / "cd")
    assert len(result.instances()) == 2 and not result.problems
    assert all(i.source.path == archive for i in result.instances())


def test_nested_corrupt_and_backslash_archives(tmp_path):
    cd = tmp_path / "cd"
    write_study(tmp_path / "src", series=1, per_series=1)
    inner = zip_folder(tmp_path / "src", tmp_path / "inner.zip")
    cd.mkdir()
    with zipfile.ZipFile(cd / "outer.zip", "w") as zf:
        zf.write(inner, "inner.zip")
        zf.writestr("win\\IM1", (tmp_path / "src" / "IM000001.dcm").read_bytes())
    data = inner.read_bytes()
    (cd / "broken.zip").write_bytes(data[: len(data) // 2])
    result = scan(cd)
    kinds = {(p.kind, p.path) for p in result.problems}
    assert kinds == {(ProblemKind.NOT_DICOM, "outer.zip/inner.zip"), (ProblemKind.CORRUPT, "broken.zip")}
    [instance] = result.instances()
    assert instance.source.display == "outer.zip/win/IM1" and instance.source.member == "win\\IM1"


def test_encrypted_member_is_unreadable(tmp_path):
    write_study(tmp_path / "src", series=1, per_series=2)
    archive = zip_folder(tmp_path / "src", tmp_path / "secret.zip", zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    # Set the "encrypted" flag of the first member in its local and central headers.
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, local + 6, struct.unpack_from("<H", data, local + 6)[0] | 1)
    struct.pack_into("<H", data, central + 8, struct.unpack_from("<H", data, central + 8)[0] | 1)
    archive.write_bytes(bytes(data))
    result = scan(archive)
    assert [(p.kind, p.path) for p in result.problems] == [(ProblemKind.UNREADABLE, "secret.zip/IM000001.dcm")]
    assert len(result.instances()) == 1
