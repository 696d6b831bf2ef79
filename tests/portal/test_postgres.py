"""The portal on PostgreSQL (``serve --database postgresql://...``), against a real server.

Runs when ``DM_TEST_POSTGRES_URL`` is set (``scripts/run-tests.sh`` starts a
private server and sets it); each test gets a database of its own.
"""

from __future__ import annotations

import json
from datetime import timedelta

import requests
from dicomweb_client.api import DICOMwebClient
from sqlalchemy import update

from portal.config import Settings
from portal.db import open_database, utcnow
from portal.schema import access_codes
from tests.dicom_factory import StudySpec
from tests.portal.seed import seed_study
from tests.portal.test_cli import run_cli


def test_postgres_backend_end_to_end(postgres_url, portal_process, tmp_path):
    data = tmp_path / "pg-data"
    demo = json.loads(run_cli("seed-demo", "--data", str(data), "--database", postgres_url).stdout)
    url, _ = portal_process("--database", postgres_url, data_dir=data)
    assert not (data / "portal.sqlite3").exists()

    token = requests.post(f"{url}/api/login", json={
        "email": demo["email"], "password": demo["password"]})
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    for query in ("saarbrucken", "SAARBRÜCKEN", "bM1X"):
        found = requests.get(f"{url}/api/communities", params={"q": query}, headers=headers)
        assert found.json() == [{"name": "Radiologie Klinikum Saarbrücken", "code": "bM1X"}]
    wrong = requests.post(f"{url}/api/login", json={"email": demo["email"], "password": "x"})
    assert wrong.status_code == 401

    engine = open_database(Settings(data_dir=data, database_url=postgres_url))
    study = seed_study(engine, data, "bM1X", StudySpec(patient_name="Groß^Jörg"))
    created = json.loads(run_cli("create-code", "--data", str(data), "--database", postgres_url,
                                 "--study", study.uid, "--birth-date", "1970-01-01",
                                 "--weeks", "4").stdout)
    assert len(created["code"]) == 14 and created["expires"]

    bad = requests.post(f"{url}/api/codes/redeem", json={"code": created["code"],
                                                         "birth_date": "1970-01-02"})
    assert bad.status_code == 403
    redeemed = requests.post(f"{url}/api/codes/redeem", json={"code": created["code"].lower(),
                                                              "birth_date": "1970-01-01"})
    assert redeemed.status_code == 200, redeemed.text
    code_headers = {"Authorization": f"Bearer {redeemed.json()['token']}"}
    listing = requests.get(f"{url}/api/codes/studies", headers=code_headers).json()
    assert [s["patient_name"] for s in listing["studies"]] == ["Groß^Jörg"]

    client = DICOMwebClient(url=f"{url}/dicomweb", headers=code_headers)
    assert [s["0020000D"]["Value"][0] for s in client.search_for_studies()] == [study.uid]
    assert [s["0020000D"]["Value"][0] for s in client.search_for_studies(
        search_filters={"PatientName": "groß*"})] == [study.uid]
    retrieved = client.retrieve_study(study.uid)
    assert {str(ds.SOPInstanceUID) for ds in retrieved} == set(study.files)
    assert len(client.retrieve_study_metadata(study.uid)) == len(study.files)
    archive = requests.get(f"{url}/api/studies/{study.uid}/archive",
                           headers={**code_headers, "Range": "bytes=0-511"})
    assert archive.status_code == 206 and len(archive.content) == 512

    # Lockout counting works on PostgreSQL too.
    for _ in range(5):
        requests.post(f"{url}/api/codes/redeem", json={"code": created["code"],
                                                       "birth_date": "2001-01-01"})
    locked = requests.post(f"{url}/api/codes/redeem", json={"code": created["code"],
                                                            "birth_date": "1970-01-01"})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0

    # Purge on PostgreSQL removes the files.
    with engine.begin() as conn:
        conn.execute(update(access_codes).values(expires_at=utcnow() - timedelta(days=1)))
    from portal.schema import studies
    with engine.begin() as conn:
        conn.execute(update(studies).values(expires_at=utcnow() - timedelta(seconds=1)))
    report = json.loads(run_cli("purge", "--data", str(data), "--database",
                                postgres_url).stdout)
    assert report["studies"] == 1 and report["blobs"] == len(study.files)
    assert not [p for p in (data / "blobs").rglob("*") if p.is_file()]
    engine.dispose()
