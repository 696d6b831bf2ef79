"""Access codes over real HTTP: creation, redemption, lockout, rate limit, expiry, audit."""

from __future__ import annotations

import os
import re
import stat
from datetime import timedelta

import httpx
import pytest
import requests
from sqlalchemy import select, update

from portal import codes
from portal.communities import create_community
from portal.db import as_utc, utcnow
from portal.schema import access_codes, audit, studies
from tests.dicom_factory import StudySpec
from tests.portal.seed import seed_study


@pytest.fixture
def shared(portal, make_user):
    """A community, a sender with one uploaded study, and a code for it."""
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    sender = make_user()
    study = seed_study(portal.engine, portal.data_dir, "bM1X", StudySpec(birth_date="19800215"),
                       sender_user_id=sender.id)
    answer = requests.post(f"{portal.url}/api/codes", headers=sender.headers, json={
        "study_uids": [study.uid], "birth_date": "1980-02-15", "weeks": 6})
    assert answer.status_code == 201, answer.text
    return sender, study, answer.json()


def redeem(portal, code, birth_date, client=None):
    payload = {"code": code, "birth_date": birth_date}
    if client is not None:
        return client.post(f"{portal.url}/api/codes/redeem", json=payload)
    return requests.post(f"{portal.url}/api/codes/redeem", json=payload)


def test_code_format_and_normalisation():
    code = codes.generate_code()
    assert len(code) == 12 and set(code) <= set(codes.ALPHABET)
    assert not set("01OIL") & set(codes.ALPHABET)
    shown = codes.format_code(code)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", shown)
    assert codes.normalise_code(shown.lower()) == code
    assert codes.normalise_code(" ".join(code[i:i + 3] for i in range(0, 12, 3))) == code
    assert codes.normalise_code("K7PX-92QD-M4H0") is None  # 0 is not in the alphabet
    assert codes.normalise_code("K7PX92QDM4H") is None


def test_created_code_redeems_in_any_spelling(portal, shared):
    _sender, study, created = shared
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", created["code"])
    plain = created["code"].replace("-", "")
    assert created["qr_payload"] == f"{portal.url}/c/{plain}"
    expires = as_utc(__import__("datetime").datetime.fromisoformat(
        created["expires"].replace("Z", "+00:00")))
    assert timedelta(weeks=6) - timedelta(minutes=5) < expires - utcnow() <= timedelta(weeks=6)
    # Studies live at least as long as their code.
    with portal.engine.connect() as conn:
        study_expiry = as_utc(conn.execute(select(studies.c.expires_at)
                                           .where(studies.c.id == study.id)).scalar())
    assert study_expiry >= expires
    spelled = " ".join(plain.lower()[i:i + 4] for i in range(0, 12, 4))
    answer = redeem(portal, spelled, "1980-02-15")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"token", "expires", "code_expires"}
    listing = requests.get(f"{portal.url}/api/codes/studies",
                           headers={"Authorization": f"Bearer {body['token']}"})
    assert listing.status_code == 200
    data = listing.json()
    assert data["expires"] is not None
    [item] = data["studies"]
    assert item["study_instance_uid"] == study.uid
    assert item["patient_name"] == "Muster^Max" and item["modalities"] == ["CT"]
    assert item["instance_count"] == 6 and item["series_count"] == 2
    assert item["bytes"] == sum(len(b) for b in study.files.values())
    assert "sender_email" not in item


def test_code_stored_only_hashed_with_private_secret(portal, shared):
    _sender, _study, created = shared
    plain = created["code"].replace("-", "")
    with portal.engine.connect() as conn:
        row = conn.execute(select(access_codes)).one()
    assert plain not in str(tuple(row)) and "19800215" not in str(tuple(row))
    assert row.birth_date_hash.startswith("scrypt$")
    key = portal.data_dir / "secret.key"
    assert key.exists()
    if os.name == "posix":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_wrong_code_and_wrong_birth_date_are_indistinguishable(portal, shared):
    _sender, _study, created = shared
    wrong_birth = redeem(portal, created["code"], "1980-02-16")
    wrong_code = redeem(portal, "ABCD-EFGH-JKMN", "1980-02-15")
    malformed = redeem(portal, "nonsense", "1980-02-15")
    bad_date = redeem(portal, created["code"], "15.02.1980")
    for answer in (wrong_birth, wrong_code, malformed, bad_date):
        assert answer.status_code == 403
        assert answer.json() == wrong_birth.json()
        assert answer.json()["error"] == "invalid_code_or_birth_date"
        assert set(answer.headers) - {"date"} == set(wrong_birth.headers) - {"date"}


def test_five_wrong_birth_dates_lock_with_growing_time(portal, shared):
    _sender, _study, created = shared
    for _ in range(codes.MAX_FAILED_BIRTH_DATES):
        assert redeem(portal, created["code"], "2000-01-01").status_code == 403
    locked = redeem(portal, created["code"], "1980-02-15")  # even the right date
    assert locked.status_code == 429
    first_wait = int(locked.headers["Retry-After"])
    assert 14 * 60 < first_wait <= 15 * 60
    assert locked.json()["error"] == "code_locked" and locked.json()["retry_after"] == first_wait
    # Let the lock run out, then fail five times again: the lock doubles.
    with portal.engine.begin() as conn:
        conn.execute(update(access_codes).values(locked_until=utcnow() - timedelta(seconds=1)))
    for _ in range(codes.MAX_FAILED_BIRTH_DATES):
        assert redeem(portal, created["code"], "2000-01-01").status_code == 403
    second = redeem(portal, created["code"], "1980-02-15")
    assert second.status_code == 429
    assert 29 * 60 < int(second.headers["Retry-After"]) <= 30 * 60
    # After the lock the right birth date works again.
    with portal.engine.begin() as conn:
        conn.execute(update(access_codes).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert redeem(portal, created["code"], "1980-02-15").status_code == 200


def test_each_client_address_is_rate_limited(portal, shared):
    _sender, _study, created = shared
    limit = portal.app.state.limits.redeem.limit
    for _ in range(limit):
        assert redeem(portal, "ABCD-EFGH-JKMN", "1980-02-15").status_code == 403
    blocked = redeem(portal, created["code"], "1980-02-15")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert blocked.json()["error"] == "too_many_attempts"
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as other:
        assert redeem(portal, created["code"], "1980-02-15", client=other).status_code == 200


def test_expired_code_answers_410_only_with_right_birth_date(portal, shared):
    _sender, _study, created = shared
    token = redeem(portal, created["code"], "1980-02-15").json()["token"]
    past = utcnow() - timedelta(days=1)
    with portal.engine.begin() as conn:
        conn.execute(update(access_codes).values(expires_at=past))
    assert redeem(portal, created["code"], "1999-09-09").status_code == 403
    gone = redeem(portal, created["code"], "1980-02-15")
    assert gone.status_code == 410
    assert gone.json()["error"] == "code_expired"
    assert gone.json()["expires"].startswith(past.date().isoformat())
    # Tokens of an expired code stop working: they never outlive the code.
    with portal.engine.begin() as conn:
        conn.execute(update(studies).values(expires_at=past))
    listing = requests.get(f"{portal.url}/api/codes/studies",
                           headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200 and listing.json()["studies"] == []


def test_code_creation_only_for_own_uploads(portal, shared, make_user):
    _sender, study, _created = shared
    stranger = make_user("bM1X")  # even a member of the receiving community
    answer = requests.post(f"{portal.url}/api/codes", headers=stranger.headers, json={
        "study_uids": [study.uid], "birth_date": "1980-02-15"})
    assert answer.status_code == 404 and study.uid in answer.json()["message"]
    sender = _sender
    for weeks in (3, 13):
        bad = requests.post(f"{portal.url}/api/codes", headers=sender.headers, json={
            "study_uids": [study.uid], "birth_date": "1980-02-15", "weeks": weeks})
        assert bad.status_code == 422
    bad_date = requests.post(f"{portal.url}/api/codes", headers=sender.headers, json={
        "study_uids": [study.uid], "birth_date": "1980-02-30"})
    assert bad_date.status_code == 422


def test_redemptions_are_audited_without_patient_data(portal, shared):
    _sender, study, created = shared
    redeem(portal, created["code"], "1999-01-01")
    token = redeem(portal, created["code"], "1980-02-15").json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    for path in (f"/dicomweb/studies/{study.uid}", f"/api/studies/{study.uid}/archive",
                 f"/dicomweb/studies/{study.uid}/metadata"):
        assert requests.get(f"{portal.url}{path}", headers=headers).status_code == 200
    with portal.engine.connect() as conn:
        rows = conn.execute(select(audit).order_by(audit.c.id)).all()
    events = [r.event for r in rows]
    assert "code_created" in events and "code_invalid" in events and "code_ok" in events
    downloads = [r for r in rows if r.event.startswith("download_")]
    assert [r.event for r in downloads] == ["download_study", "download_archive",
                                            "download_metadata"]
    assert all(r.code_id is not None and r.client == "127.0.0.1" and
               r.detail["studies"] == [study.id] for r in downloads)
    text = repr([tuple(r) for r in rows])
    for secret in (created["code"], created["code"].replace("-", ""), "19800215",
                   "1980-02-15", "Muster", "PID-0001", study.uid):
        assert secret not in text


def test_qr_landing_page(portal, shared):
    _sender, _study, created = shared
    page = requests.get(created["qr_payload"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert created["code"] in page.text and "Downloadmanager" in page.text
    unknown = requests.get(f"{portal.url}/c/ABCDEFGHJKMN")
    assert unknown.status_code == 200 and "ABCD-EFGH-JKMN" in unknown.text
    assert "<script>" not in requests.get(f"{portal.url}/c/%3Cscript%3E").text  # not reflected


def test_code_token_cannot_use_user_routes(portal, shared):
    _sender, _study, created = shared
    token = redeem(portal, created["code"], "1980-02-15").json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{portal.url}/api/me", headers=headers).status_code == 403
    assert requests.get(f"{portal.url}/api/communities", params={"q": "x"},
                        headers=headers).status_code == 403
