"""Redeem a code and download from the REAL portal over HTTP: verified, laid out, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import update

from downloadmanager.core.access_code import CodeInput
from downloadmanager.core.portal_client import DownloadError
from downloadmanager.core.download.job import DownloadJob, redeem_and_list
from downloadmanager.core.download.partial import PARTIAL_DIR_NAME
from downloadmanager.core.download.publish import OutputOptions
from downloadmanager.core.scan import scan
from portal.communities import create_community
from portal.db import utcnow
from portal.schema import access_codes
from tests.dicom_factory import StudySpec
from tests.portal.seed import make_pdf, seed_study

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared(portal, make_user):
    """A study with a document on the portal and a code for it (birth date 15.02.1980)."""
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    sender = make_user()
    study = seed_study(portal.engine, portal.data_dir, "bM1X",
                       StudySpec(patient_name="Muster^Max", birth_date="19800215",
                                 study_description="CT Thorax"),
                       sender_user_id=sender.id, series_count=2, per_series=4,
                       docs={"Befund.pdf": make_pdf("Befund")})
    answer = requests.post(f"{portal.url}/api/codes", headers=sender.headers, json={
        "study_uids": [study.uid], "birth_date": "1980-02-15", "weeks": 6}, timeout=30)
    assert answer.status_code == 201, answer.text
    return study, answer.json()


def _code(created) -> CodeInput:
    return CodeInput(created["code"].replace("-", ""))


def test_listing_and_verified_download(portal, shared, tmp_path):
    study, created = shared
    session = redeem_and_list(portal.url, _code(created), "1980-02-15")
    [listing] = session.studies
    assert listing.study_instance_uid == study.uid
    assert listing.patient_name == "Muster^Max" and listing.instance_count == 8
    assert listing.modalities == ["CT"] and listing.series_count == 2 and listing.bytes > 0
    assert session.code_expires[:4].isdigit()
    target = tmp_path / "Downloads"
    result = DownloadJob(session.source, [study.uid], target, session.key).run()
    assert result.instance_count == 8
    [study_dir] = result.outputs
    assert study_dir.relative_to(target).as_posix() == "Muster_Max_1980-02-15/2026-11-20_CT-Thorax"
    files = sorted(study_dir.rglob("*.dcm"))
    assert len(files) == 8
    assert {f.read_bytes() for f in files} == set(study.files.values())
    assert (study_dir / "Dokumente" / "Befund.pdf").read_bytes() == study.documents["Befund.pdf"]
    assert not (target / PARTIAL_DIR_NAME).exists()
    if os.name == "posix":
        assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)
        assert study_dir.stat().st_mode & 0o777 == 0o700


def test_media_layout_with_dicomdir_and_zip(portal, shared, tmp_path):
    study, created = shared
    session = redeem_and_list(portal.url, _code(created), "1980-02-15")
    result = DownloadJob(session.source, [study.uid], tmp_path / "m", session.key,
                         output=OutputOptions(layout="media")).run()
    [medium] = result.outputs
    assert (medium / "DICOMDIR").is_file()
    back = scan(medium, quick=True)
    assert sorted(i.sop_instance_uid for i in back.instances()) == sorted(study.files)
    result = DownloadJob(session.source, [study.uid], tmp_path / "z", session.key + "z",
                         output=OutputOptions(zip=True)).run()
    [archive] = result.outputs
    assert archive.suffix == ".zip"
    assert sorted(i.sop_instance_uid for i in scan(archive).instances()) == sorted(study.files)


def test_wrong_birth_date_locked_and_expired(portal, shared, tmp_path):
    study, created = shared
    code = _code(created)
    with pytest.raises(DownloadError) as info:
        redeem_and_list(portal.url, code, "1980-02-16")
    assert info.value.key == "code_or_birth_date_wrong"
    # An unknown code gives exactly the same message.
    with pytest.raises(DownloadError) as unknown:
        redeem_and_list(portal.url, CodeInput("K7PX92QDM4H3"), "1980-02-15")
    assert unknown.value.message("de") == info.value.message("de")
    for _ in range(5):
        with pytest.raises(DownloadError):
            redeem_and_list(portal.url, code, "1980-02-16")
    with pytest.raises(DownloadError) as locked:
        redeem_and_list(portal.url, code, "1980-02-15")
    assert locked.value.key == "too_many_attempts"
    assert "Minuten" in locked.value.message("de") and "minutes" in locked.value.message("en")
    # Unlock and expire the code: the right birth date then learns the expiry date.
    with portal.engine.begin() as conn:
        conn.execute(update(access_codes).values(locked_until=None, failed_attempts=0,
                                                 expires_at=utcnow().replace(year=2025)))
    with pytest.raises(DownloadError) as expired:
        redeem_and_list(portal.url, code, "1980-02-15")
    assert expired.value.key == "code_expired"
    assert "2025-" in expired.value.message("en") and "abgelaufen" in expired.value.message("de")


def test_resume_after_kill_9(portal, portal_factory, make_user, tmp_path):
    create_community(portal.engine, "Klinik", "kL9X")
    sender = make_user()
    study = seed_study(portal.engine, portal.data_dir, "kL9X", StudySpec(birth_date="19700101"),
                       sender_user_id=sender.id, series_count=4, per_series=25)
    created = requests.post(f"{portal.url}/api/codes", headers=sender.headers, json={
        "study_uids": [study.uid], "birth_date": "1970-01-01", "weeks": 4}, timeout=30).json()
    target = tmp_path / "dl"
    # A proxy that slows the stream lets us kill the CLI mid-download.
    from tests.tcp_proxy import TcpProxy  # the upload helper's fault proxy
    with TcpProxy(("127.0.0.1", int(portal.url.rsplit(":", 1)[1])), rate=300_000) as proxy:
        url = f"http://127.0.0.1:{proxy.port}"
        cmd = [sys.executable, "-m", "downloadmanager", "fetch", created["code"], "--birth-date", "01.01.1970",
               "--to", str(target), "--server", url, "--json"]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        journal = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = list((target / PARTIAL_DIR_NAME).glob("*/state/*/journal.log"))
            if found and len(found[0].read_text().splitlines()) > 10:
                journal = found[0]
                break
            time.sleep(0.05)
        assert journal is not None, "download did not start"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done_before = len(journal.read_text().splitlines()) - 1
        assert 0 < done_before < 100
        # Nothing is shown as complete after the kill.
        assert [p.name for p in target.iterdir()] == [PARTIAL_DIR_NAME]
    archive_size = requests.get(f"{portal.url}/api/studies/{study.uid}/manifest", timeout=30, headers={
        "Authorization": "Bearer " + requests.post(f"{portal.url}/api/codes/redeem", timeout=30, json={
            "code": created["code"], "birth_date": "1970-01-01"}).json()["token"]}).json()["archive"]["size"]
    with TcpProxy(("127.0.0.1", int(portal.url.rsplit(":", 1)[1]))) as proxy:
        res = subprocess.run([sys.executable, "-m", "downloadmanager", "fetch", created["code"],
                              "--birth-date", "1970-01-01", "--to", str(target),
                              "--server", f"http://127.0.0.1:{proxy.port}", "--json"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        resumed_bytes = proxy.bytes_down
    assert res.returncode == 0, res.stderr
    # It resumed: far less than the whole archive came over the second time.
    assert resumed_bytes < archive_size - 10 * 8000
    doc = json.loads(res.stdout)
    assert doc["instances"] == 100 and doc["ok"] is True
    files = sorted(Path(doc["outputs"][0]).rglob("*.dcm"))
    assert {f.read_bytes() for f in files} == set(study.files.values())
    assert not (target / PARTIAL_DIR_NAME).exists()
