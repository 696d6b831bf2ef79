"""Retention: purge leaves no byte of expired data on disk; shared blobs survive."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import func, insert, select, update

from portal import codes
from portal.blobstore import blob_store_for
from portal.communities import create_community
from portal.db import utcnow
from portal.retention import CODE_TOMBSTONE_DAYS, purge
from portal.schema import (
    access_codes, blobs, code_studies, communities, instances, studies, tokens, uploads,
)
from tests.dicom_factory import StudySpec, write_study
from tests.portal.seed import make_pdf, seed_study
from tests.portal.test_tus_helpers import (
    TusCalls,
    bundle_bytes,
    community,
    study_spec,
    wait_receipt,
)
from tests.portal.test_cli import run_cli


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def blob_files(data_dir: Path) -> set[str]:
    return {p.name for p in files_under(data_dir / "blobs")}


def expire(engine, study_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(studies).where(studies.c.id == study_id)
                     .values(expires_at=utcnow() - timedelta(seconds=1)))


def test_purge_removes_expired_study_bytes_but_keeps_shared_blobs(portal, make_user, tmp_path):
    create_community(portal.engine, "Eins", "One1")
    create_community(portal.engine, "Zwei", "Two2")
    shared_files = write_study(tmp_path / "shared", StudySpec(), series=1, per_series=3)
    in_one = seed_study(portal.engine, portal.data_dir, "One1", files=shared_files,
                        docs={"shared.pdf": make_pdf("shared")})
    in_two = seed_study(portal.engine, portal.data_dir, "Two2", files=shared_files,
                        docs={"shared.pdf": make_pdf("shared")})
    alone = seed_study(portal.engine, portal.data_dir, "One1", StudySpec(),
                       docs={"alone.pdf": make_pdf("alone")})
    member = make_user("One1")
    assert requests.get(f"{portal.url}/api/studies/{alone.uid}/manifest",
                        headers=member.headers).status_code == 200
    assert blob_files(portal.data_dir) == in_one.shas | alone.shas

    expire(portal.engine, in_one.id)
    expire(portal.engine, alone.id)
    # Expired but not yet purged: already invisible.
    assert requests.get(f"{portal.url}/api/studies/{alone.uid}/manifest",
                        headers=member.headers).status_code == 404
    report = purge(portal.engine, portal.settings)
    assert report.studies == 2
    assert blob_files(portal.data_dir) == in_two.shas  # shared with community Two2: kept
    assert not (alone.shas & blob_files(portal.data_dir))
    with portal.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(studies)).scalar() == 1
        assert set(conn.execute(select(blobs.c.sha256)).scalars()) == in_two.shas
    for path in (f"/dicomweb/studies/{alone.uid}", f"/api/studies/{alone.uid}/archive"):
        assert requests.get(f"{portal.url}{path}", headers=member.headers).status_code == 404

    expire(portal.engine, in_two.id)
    purge(portal.engine, portal.settings)
    # Not one file of any study is left anywhere under blobs/ (empty folders pruned too).
    assert files_under(portal.data_dir / "blobs") == set()
    assert [p for p in (portal.data_dir / "blobs").rglob("*") if p.name != "tmp"] == []
    with portal.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(instances)).scalar() == 0


def test_expired_code_loses_studies_tokens_then_row(portal, make_user):
    create_community(portal.engine, "Eins", "One1")
    study = seed_study(portal.engine, portal.data_dir, "One1", StudySpec(),
                       expires_in=timedelta(days=1))
    created = codes.create_code(portal.engine, codes.load_secret(portal.data_dir), portal.url,
                                [study.id], "1970-01-01", weeks=4)
    token = requests.post(f"{portal.url}/api/codes/redeem", json={
        "code": created.code, "birth_date": "1970-01-01"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{portal.url}/dicomweb/studies/{study.uid}/metadata",
                        headers=headers).status_code == 200
    past = utcnow() - timedelta(seconds=1)
    with portal.engine.begin() as conn:
        conn.execute(update(access_codes).values(expires_at=past))
        conn.execute(update(studies).values(expires_at=past))
    report = purge(portal.engine, portal.settings)
    assert report.studies == 1 and report.codes_expired == 1
    assert blob_files(portal.data_dir) == set()
    with portal.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(code_studies)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(tokens)
                            .where(tokens.c.code_id.is_not(None))).scalar() == 0
    assert requests.get(f"{portal.url}/dicomweb/studies/{study.uid}/metadata",
                        headers=headers).status_code == 401
    # The tombstone still tells the physician "expired" (after the right birth date)...
    gone = requests.post(f"{portal.url}/api/codes/redeem",
                         json={"code": created.code, "birth_date": "1970-01-01"})
    assert gone.status_code == 410
    # ...until it is old enough to be deleted too; then the code is simply unknown.
    with portal.engine.begin() as conn:
        conn.execute(update(access_codes).values(
            expires_at=utcnow() - timedelta(days=CODE_TOMBSTONE_DAYS + 1)))
    assert purge(portal.engine, portal.settings).codes_deleted == 1
    assert requests.post(f"{portal.url}/api/codes/redeem", json={
        "code": created.code, "birth_date": "1970-01-01"}).status_code == 403


def test_expired_tokens_are_removed(portal, make_user):
    user = make_user()
    with portal.engine.begin() as conn:
        conn.execute(update(tokens).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert purge(portal.engine, portal.settings).tokens == 1
    with portal.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tokens)).scalar() == 0
    assert requests.get(f"{portal.url}/api/me", headers=user.headers).status_code == 401


def test_unfinished_uploads_past_expiry_lose_their_files(portal, make_user):
    create_community(portal.engine, "Eins", "One1")
    user = make_user()
    uploads_dir = portal.data_dir / "uploads"
    uploads_dir.mkdir(exist_ok=True)
    now = utcnow()
    with portal.engine.begin() as conn:
        community_id = conn.execute(select(communities.c.id)).scalar_one()
        for upload_id, expires in (("stale1", now - timedelta(seconds=1)),
                                   ("fresh1", now + timedelta(days=1))):
            conn.execute(insert(uploads).values(
                id=upload_id, user_id=user.id, community_id=community_id, length=100,
                offset=10, metadata={}, state="uploading", created_at=now, expires_at=expires))
            (uploads_dir / upload_id).write_bytes(b"x" * 10)
            (uploads_dir / f"{upload_id}.lock").write_bytes(b"")
    report = purge(portal.engine, portal.settings)
    assert report.uploads_expired == 1 and report.upload_files == 2
    assert {p.name for p in files_under(uploads_dir)} == {"fresh1", "fresh1.lock"}
    with portal.engine.connect() as conn:
        states = dict(conn.execute(select(uploads.c.id, uploads.c.state)).all())
    assert states == {"stale1": "expired", "fresh1": "uploading"}


def test_purge_cli_and_periodic_task(portal_factory, tmp_path):
    running = portal_factory(purge_interval_seconds=1)
    create_community(running.engine, "Eins", "One1")
    study = seed_study(running.engine, running.data_dir, "One1", StudySpec(),
                       series_count=1, per_series=1)
    expire(running.engine, study.id)
    deadline = time.monotonic() + 60
    while blob_files(running.data_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert blob_files(running.data_dir) == set()  # the serve loop purged it

    data = tmp_path / "cli-data"
    from portal.config import Settings
    from portal.db import open_database
    settings = Settings(data_dir=data)
    engine = open_database(settings)
    create_community(engine, "Zwei", "Two2")
    other = seed_study(engine, data, "Two2", StudySpec(), series_count=1, per_series=2)
    expire(engine, other.id)
    engine.dispose()
    report = json.loads(run_cli("purge", "--data", str(data)).stdout)
    assert report["studies"] == 1 and report["blobs"] == 2
    assert blob_files(data) == set()


def test_blob_deletion_waits_while_an_ingest_runs(tmp_path):
    # No running portal here: its ingest worker would pick the row up.
    from portal.accounts import create_user
    from portal.config import Settings
    from portal.db import open_database
    settings = Settings(data_dir=tmp_path / "data")
    engine = open_database(settings)
    create_community(engine, "Eins", "One1")
    user_id, _ = create_user(engine, "sender@example.org")
    study = seed_study(engine, settings.data_dir, "One1", StudySpec(), series_count=1,
                       per_series=1)
    expire(engine, study.id)
    now = utcnow()
    with engine.begin() as conn:
        community_id = conn.execute(select(communities.c.id)).scalar_one()
        conn.execute(insert(uploads).values(
            id="busy1", user_id=user_id, community_id=community_id, length=10, offset=10,
            metadata={}, state="ingesting", created_at=now, completed_at=now,
            expires_at=now + timedelta(days=1)))
    report = purge(engine, settings)
    assert report.studies == 1 and report.blobs_deferred and report.blobs == 0
    assert blob_files(settings.data_dir) == study.shas
    with engine.begin() as conn:
        conn.execute(update(uploads).values(state="done"))
    report = purge(engine, settings)
    assert not report.blobs_deferred and report.blobs == 1
    assert blob_files(settings.data_dir) == set()
    engine.dispose()


def test_purge_discards_uploaded_instances_from_their_pack_then_the_pack(portal, make_user,
                                                                          tmp_path):
    """Uploaded instances stay in the upload file they arrived in (a pack). The
    same study sent to two communities is packed once; when the first study
    expires the shared bytes stay, and when the second goes, so does the pack."""
    sender = make_user()
    spec = study_spec(tmp_path / "study", series=1, per_series=3)
    data = bundle_bytes(spec)
    study_ids = []
    for code in (community(portal), community(portal)):
        calls = TusCalls(portal.url, sender.token)
        receipt = wait_receipt(calls, calls.upload(data, code))
        assert receipt["state"] == "done", receipt
        with portal.engine.connect() as conn:
            study_ids.append(conn.execute(select(studies.c.id).order_by(studies.c.id.desc()))
                             .scalars().first())
    store = blob_store_for(portal.data_dir)
    packs = sorted((portal.data_dir / "blobs" / "packs").glob("*.pack"))
    assert len(packs) == 1  # the second upload's bytes were stored already
    shas = {i["sha256"] for i in spec.instances}
    assert set(store.iter_shas()) == shas

    expire(portal.engine, study_ids[0])
    purge(portal.engine, portal.settings)
    assert set(store.iter_shas()) == shas  # still the second community's
    for instance in spec.instances:
        with store.open(instance["sha256"]) as handle:
            assert handle.read() == spec.payloads[instance["name"]]

    expire(portal.engine, study_ids[1])
    report = purge(portal.engine, portal.settings)
    assert report.blobs == len(shas)
    assert list(store.iter_shas()) == []
    assert not packs[0].exists()
    assert not list((portal.data_dir / "blobs" / "packs").iterdir())
