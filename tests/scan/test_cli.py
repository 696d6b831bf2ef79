"""``downloadmanager scan``: the JSON document's exact shape, the table, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.dicom_factory import StudySpec, write_fileset, write_study

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "downloadmanager", "scan", *args],
                          cwd=ROOT, capture_output=True, timeout=120)


def test_json_document_shape(tmp_path):
    spec = StudySpec(patient_name="Müller^Jürgen", patient_id="P-1", birth_date="19500505", sex="M",
                     charset="ISO_IR 192", study_description="Schädel", accession_number="ACC")
    files = write_fileset(tmp_path / "cd", spec, series=2, per_series=2)
    files[0].unlink()  # missing
    (tmp_path / "cd" / "AUTORUN.INF").write_text("[autorun]")
    src = tmp_path / "src"
    write_study(src / "sub", StudySpec(patient_id="Z"), series=1, per_series=1)
    (src / "sub" / "junk.bin").write_bytes(b"junk" * 10)
    with zipfile.ZipFile(tmp_path / "cd" / "extra.zip", "w") as zf:
        for path in src.rglob("*"):
            if path.is_file():
                zf.write(path, path.relative_to(src).as_posix())

    done = run_cli(str(tmp_path / "cd"), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout.decode("utf-8"))
    assert set(doc) >= {"root", "files_examined", "patients", "problems"}
    assert doc["root"] == str(tmp_path / "cd")
    assert doc["files_examined"] == 1 + 3 + 1 + 1 + 2  # DICOMDIR, 3 images, AUTORUN, zip, 2 members
    assert isinstance(doc["files_examined"], int)
    patients = {p["patient_id"]: p for p in doc["patients"]}
    assert set(patients) == {"P-1", "Z"}
    patient = patients["P-1"]
    assert {k: patient[k] for k in ("patient_name", "birth_date", "sex")} == {
        "patient_name": "Müller^Jürgen", "birth_date": "19500505", "sex": "M"}
    [study] = patient["studies"]
    assert study["study_instance_uid"] == spec.study_uid
    assert (study["study_date"], study["study_description"], study["accession_number"]) == (
        spec.study_date, "Schädel", "ACC")
    assert study["modalities"] == ["CT"]
    assert study["instances"] == 3 and isinstance(study["bytes"], int)
    assert study["bytes"] == sum(f.stat().st_size for f in files[1:])
    assert [s["series_number"] for s in study["series"]] == [1, 2]
    for series in study["series"]:
        assert set(series) >= {"series_instance_uid", "series_number", "modality", "series_description",
                               "instances", "bytes"}
        assert series["modality"] == "CT" and isinstance(series["instances"], int)
    assert sum(s["instances"] for s in study["series"]) == 3
    assert sum(s["bytes"] for s in study["series"]) == study["bytes"]
    problems = {(p["kind"], p["path"]) for p in doc["problems"]}
    missing = files[0].relative_to(tmp_path / "cd").as_posix()
    assert problems == {("missing", missing), ("not_dicom", "AUTORUN.INF"), ("not_dicom", "extra.zip/sub/junk.bin")}
    assert all(isinstance(p["detail"], str) and p["detail"] for p in doc["problems"])


def test_quick_json_and_readable_table(tmp_path):
    write_fileset(tmp_path, StudySpec(patient_name="Beispiel^Erika", study_description="MRT Knie"),
                  series=1, per_series=2)
    quick = json.loads(run_cli(str(tmp_path), "--json", "--quick").stdout)
    assert quick["mode"] == "quick" and quick["patients"][0]["studies"][0]["instances"] == 2
    table = run_cli(str(tmp_path))
    assert table.returncode == 0
    text = table.stdout.decode("utf-8")
    assert "Beispiel^Erika" in text and "MRT Knie" in text and "2 image(s)" in text
    assert "No problems found." in text


def test_missing_path_exits_non_zero_with_one_line(tmp_path):
    done = run_cli(str(tmp_path / "no-such-cd"), "--json")
    assert done.returncode != 0
    assert done.stdout == b""
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "does not exist" in lines[0]
