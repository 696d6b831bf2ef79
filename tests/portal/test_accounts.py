"""Accounts over real HTTP: register by mail, login, logout, password change, limits."""

from __future__ import annotations

import email
import re
from email import policy

import httpx
import requests

from portal.communities import create_community
from portal.passwords import hash_secret, verify_secret


def _read_outbox(data_dir):
    mails = sorted((data_dir / "outbox").glob("*.eml"))
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in mails]


def test_register_mails_password_that_logs_in(portal):
    answer = requests.post(f"{portal.url}/api/register", json={"email": " Anna@Example.org "})
    assert answer.status_code == 202
    mails = _read_outbox(portal.data_dir)
    assert len(mails) == 1
    assert mails[0]["To"] == "anna@example.org"
    body = mails[0].get_content()
    password = re.search(r"Password: (\S+)", body).group(1)
    token = requests.post(f"{portal.url}/api/login",
                          json={"email": "anna@example.org", "password": password})
    assert token.status_code == 200
    assert set(token.json()) >= {"token", "expires"}
    me = requests.get(f"{portal.url}/api/me",
                      headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert me.json() == {"email": "anna@example.org", "is_admin": False, "communities": []}


def test_register_existing_address_answers_alike_and_keeps_password(portal, make_user):
    user = make_user()
    answer = requests.post(f"{portal.url}/api/register", json={"email": user.email})
    assert answer.status_code == 202 and answer.json() == {"status": "mail_sent"}
    mails = _read_outbox(portal.data_dir)
    assert "exists already" in mails[0].get_content()
    assert "Password:" not in mails[0].get_content()
    assert requests.post(f"{portal.url}/api/login", json={
        "email": user.email, "password": user.password}).status_code == 200


def test_register_rejects_non_address(portal):
    answer = requests.post(f"{portal.url}/api/register", json={"email": "not-an-address"})
    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid_email"


def test_unknown_email_and_wrong_password_get_same_answer(portal, make_user):
    user = make_user()
    wrong = requests.post(f"{portal.url}/api/login",
                          json={"email": user.email, "password": "wrong-password"})
    unknown = requests.post(f"{portal.url}/api/login",
                            json={"email": "nobody@example.org", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_login_failures_rate_limited_per_address(portal, make_user):
    user = make_user()
    limit = portal.app.state.limits.login.limit
    for _ in range(limit):
        assert requests.post(f"{portal.url}/api/login",
                             json={"email": user.email, "password": "nope"}).status_code == 401
    blocked = requests.post(f"{portal.url}/api/login",
                            json={"email": user.email, "password": user.password})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    # Another client address is not affected (127.0.0.2 is loopback too).
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as other:
        answer = other.post(f"{portal.url}/api/login",
                            json={"email": user.email, "password": user.password})
    assert answer.status_code == 200


def test_logout_invalidates_token(portal, make_user):
    user = make_user()
    assert requests.get(f"{portal.url}/api/me", headers=user.headers).status_code == 200
    assert requests.post(f"{portal.url}/api/logout", headers=user.headers).status_code == 204
    after = requests.get(f"{portal.url}/api/me", headers=user.headers)
    assert after.status_code == 401
    assert after.json()["error"] == "unauthorized"


def test_password_change_revokes_other_tokens(portal, make_user):
    user = make_user()
    second = requests.post(f"{portal.url}/api/login",
                           json={"email": user.email, "password": user.password}).json()["token"]
    other_headers = {"Authorization": f"Bearer {second}"}
    wrong_old = requests.post(f"{portal.url}/api/password", headers=user.headers,
                              json={"old_password": "bad", "new_password": "x" * 12})
    assert wrong_old.status_code == 403
    short = requests.post(f"{portal.url}/api/password", headers=user.headers,
                          json={"old_password": user.password, "new_password": "short"})
    assert short.status_code == 422
    changed = requests.post(f"{portal.url}/api/password", headers=user.headers,
                            json={"old_password": user.password,
                                  "new_password": "a brand new secret"})
    assert changed.status_code == 200
    assert requests.get(f"{portal.url}/api/me", headers=user.headers).status_code == 200
    assert requests.get(f"{portal.url}/api/me", headers=other_headers).status_code == 401
    assert requests.post(f"{portal.url}/api/login", json={
        "email": user.email, "password": user.password}).status_code == 401
    assert requests.post(f"{portal.url}/api/login", json={
        "email": user.email, "password": "a brand new secret"}).status_code == 200


def test_expired_token_is_rejected(portal, make_user):
    from sqlalchemy import update

    from portal.db import utcnow
    from portal.schema import tokens
    user = make_user()
    with portal.engine.begin() as conn:
        conn.execute(update(tokens).where(tokens.c.user_id == user.id)
                     .values(expires_at=utcnow()))
    assert requests.get(f"{portal.url}/api/me", headers=user.headers).status_code == 401


def test_password_hash_is_salted_scrypt_with_parameters():
    first, second = hash_secret("geheim"), hash_secret("geheim")
    assert first != second
    assert first.startswith("scrypt$16384$8$1$")
    assert verify_secret("geheim", first) and verify_secret("geheim", second)
    assert not verify_secret("Geheim", first)
    assert not verify_secret("geheim", "garbage")


def test_community_search_ignores_case_and_accents(portal, make_user):
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    create_community(portal.engine, "Praxis Dr. Weiß, Homburg", "BM1X")
    create_community(portal.engine, "Kardiologie Köln", "k0ln")
    user = make_user()

    def search(q):
        answer = requests.get(f"{portal.url}/api/communities", params={"q": q},
                              headers=user.headers)
        assert answer.status_code == 200
        return [c["code"] for c in answer.json()]

    for query in ("saarbrucken", "Radiologie Klinikum", "SAARBRÜCKEN", "klinikum saar"):
        assert search(query) == ["bM1X"], query
    assert search("weiss") == ["BM1X"]
    assert search("WEISS homburg") == ["BM1X"]
    # Codes are exact and case-sensitive.
    assert search("bM1X") == ["bM1X"]
    assert search("BM1X") == ["BM1X"]
    assert search("bm1x") == []
    assert search("logie") == ["k0ln", "bM1X"]  # sorted by name
    assert search("100%") == []
    anonymous = requests.get(f"{portal.url}/api/communities", params={"q": "saar"})
    assert anonymous.status_code == 401


def test_openapi_documents_every_route(portal):
    spec = requests.get(f"{portal.url}/openapi.json").json()
    assert "/api/login" in spec["paths"] and "/api/codes/redeem" in spec["paths"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (path, method)
            for status, response in operation["responses"].items():
                assert response.get("description"), (path, method, status)
