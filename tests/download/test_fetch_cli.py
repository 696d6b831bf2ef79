"""``downloadmanager fetch`` as a user runs it: a subprocess against the real portal,
with the ZIP, DICOMDIR and PACS options, and a QR image as the code."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests
import segno

from portal.communities import create_community
from tests.dicom_factory import StudySpec
from tests.dicomnet.conftest import make_receiver  # noqa: F401  (fixture)
from tests.portal.seed import seed_study

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared_code(portal, make_user):
    """A 6-instance study on the portal with a code bound to birth date 03.04.1971."""
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    sender = make_user()
    study = seed_study(portal.engine, portal.data_dir, "bM1X",
                       StudySpec(patient_name="Müller^Jürgen", birth_date="19710403",
                                 charset="ISO_IR 192"),
                       sender_user_id=sender.id, series_count=2, per_series=3)
    answer = requests.post(f"{portal.url}/api/codes", headers=sender.headers, json={
        "study_uids": [study.uid], "birth_date": "1971-04-03"}, timeout=30)
    assert answer.status_code == 201, answer.text
    return study, answer.json()["code"]


def _fetch(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {"DOWNLOADMANAGER_HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "de_DE.UTF-8"}
    return subprocess.run([sys.executable, "-m", "downloadmanager", "fetch", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_fetch_zip_and_send_to_pacs(portal, shared_code, make_receiver, tmp_path):
    study, code = shared_code
    receiver = make_receiver()
    node = f"{receiver.node.ae_title}@127.0.0.1:{receiver.node.port}"
    result = _fetch(code.lower().replace("-", " "), "--birth-date", "03.04.1971",
                    "--to", str(tmp_path / "out"), "--zip", "--send-to", node,
                    "--server", portal.url, "--json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    archives = list((tmp_path / "out").glob("*.zip"))
    assert len(archives) == 1
    with zipfile.ZipFile(archives[0]) as archive:
        members = [n for n in archive.namelist() if n.endswith(".dcm")]
    assert len(members) == 6
    assert sorted(str(ds.SOPInstanceUID) for ds in receiver.received) == sorted(study.files)
    assert report  # the JSON document is there and parses
    assert not any(p.name.startswith(".downloadmanager-partial") and any(p.iterdir())
                   for p in (tmp_path / "out").iterdir() if p.is_dir())


def test_fetch_fails_when_the_pacs_refuses(portal, shared_code, make_receiver, tmp_path):
    study, code = shared_code
    receiver = make_receiver()
    # The PACS answers "out of resources" for one instance: not everything stored -> exit 1.
    receiver.statuses[sorted(study.files)[0]] = 0xA700
    node = f"{receiver.node.ae_title}@127.0.0.1:{receiver.node.port}"
    result = _fetch(code, "--birth-date", "1971-04-03", "--to", str(tmp_path / "out"),
                    "--send-to", node, "--server", portal.url, home=tmp_path / "home")
    assert result.returncode == 1
    assert len(receiver.received) == 6


def test_fetch_with_a_qr_image_and_dicomdir(portal, shared_code, tmp_path):
    study, code = shared_code
    image = tmp_path / "qr.png"
    segno.make(f"{portal.url}/c/{code.replace('-', '')}", error="m").save(image, scale=8)
    result = _fetch(str(image), "--birth-date", "03.04.1971", "--to", str(tmp_path / "out"),
                    "--dicomdir", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    [medium] = [p for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")]
    assert (medium / "DICOMDIR").is_file()
    assert len([p for p in medium.rglob("IMG*") if p.is_file()]) == 6


def test_fetch_wrong_birth_date_says_so_in_german(portal, shared_code, tmp_path):
    _, code = shared_code
    result = _fetch(code, "--birth-date", "04.04.1971", "--to", str(tmp_path / "out"),
                    "--server", portal.url, home=tmp_path / "home")
    assert result.returncode == 1
    assert "Geburtsdatum" in result.stderr
    assert not (tmp_path / "out").exists() or not any(
        p for p in (tmp_path / "out").rglob("*") if p.is_file())


def test_fetch_publishes_part10_files_before_a_failing_send(portal, make_user, tmp_path):
    """Old bare uploads arrive as Part-10 files, and a dead PACS never hides them."""
    import pydicom

    from tests.dicom_factory import write_study

    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    sender = make_user()
    bare = write_study(tmp_path / "old-cd", StudySpec(patient_name="Alt^Bestand", birth_date="19600101"),
                       series=1, per_series=3, preamble=False)
    study = seed_study(portal.engine, portal.data_dir, "bM1X", files=bare, sender_user_id=sender.id)
    answer = requests.post(f"{portal.url}/api/codes", headers=sender.headers, json={
        "study_uids": [study.uid], "birth_date": "1960-01-01"}, timeout=30)
    assert answer.status_code == 201, answer.text
    result = _fetch(answer.json()["code"], "--birth-date", "01.01.1960", "--to", str(tmp_path / "out"),
                    "--send-to", "NOBODY@127.0.0.1:1", "--server", portal.url, home=tmp_path / "home")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Keine Verbindung" in result.stdout + result.stderr
    files = [p for p in (tmp_path / "out").rglob("*.dcm")]
    assert len(files) == 3  # published although the PACS was unreachable
    originals = {pydicom.dcmread(p, force=True).SOPInstanceUID: p.read_bytes() for p in bare}
    for path in files:
        data = path.read_bytes()
        ds = pydicom.dcmread(path)  # strict: Part 10
        assert data.endswith(originals[ds.SOPInstanceUID])


def test_fetch_names_a_study_outside_the_code_and_a_missing_folder_in_german(portal, shared_code,
                                                                             tmp_path):
    _, code = shared_code
    result = _fetch(code, "--birth-date", "03.04.1971", "--server", portal.url,
                    "--study", "1.2.3.4.5", "--to", str(tmp_path / "out"), home=tmp_path / "home")
    assert result.returncode == 2
    assert "Die Studie 1.2.3.4.5 gehört nicht zu diesem Code." in result.stderr, result.stderr
    assert "downloadmanager fetch CODE --birth-date DATUM --list" in result.stderr
    assert not (tmp_path / "out").exists()

    # No --to and no storage folder in the (fresh) settings: asked for, nothing written.
    result = _fetch(code, "--birth-date", "03.04.1971", "--server", portal.url,
                    home=tmp_path / "home")
    assert result.returncode == 2
    assert "Kein Zielordner angegeben und keiner in den Einstellungen." in result.stderr
    assert "--to ORDNER" in result.stderr
