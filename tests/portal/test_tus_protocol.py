"""tus 1.0.0 at /uploads/ over real HTTP: every status code of the contract, exactly."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import time
import zlib
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import update

from portal.db import utcnow
from portal.schema import uploads
from tests.portal.test_tus_helpers import OCTET, TUS, TusCalls, b64, community


@pytest.fixture
def tus(portal, make_user):
    user = make_user()
    return TusCalls(portal.url, user.token), community(portal), portal


def upload_file(portal, url: str):
    return portal.data_dir / "uploads" / url.rsplit("/", 1)[1]


def idle(portal, timeout: float = 10.0) -> None:
    """Wait until no request is writing to any upload."""
    service = portal.app.state.tus_service
    deadline = time.monotonic() + timeout
    while service.slots.active() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert service.slots.active() == 0


def hold_ingest(portal) -> None:
    """Stop the ingest worker so that a completed upload's file stays for inspection."""
    portal.app.state.tus_service.ingest.stop()


def raw_patch_start(portal, url: str, offset: int, length: int, headers: dict) -> socket.socket:
    """Open a PATCH announcing LENGTH body bytes and return the socket (body unsent)."""
    host, port = portal.url.removeprefix("http://").split(":")
    path = url.removeprefix(portal.url)
    sock = socket.create_connection((host, int(port)))
    lines = [f"PATCH {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {length}",
             f"Upload-Offset: {offset}", "Tus-Resumable: 1.0.0",
             "Content-Type: application/offset+octet-stream"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
    return sock


def test_options_announces_capabilities(tus):
    calls, _, portal = tus
    answer = calls.session.options(f"{portal.url}/uploads/")
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert set(answer.headers["Tus-Extension"].split(",")) == {
        "creation", "creation-with-upload", "termination", "expiration", "checksum"}
    assert int(answer.headers["Tus-Max-Size"]) == portal.settings.max_upload_bytes
    assert answer.headers["Tus-Checksum-Algorithm"] == "sha1,sha256,crc32"


def test_cors_preflight_and_exposed_headers(tus):
    calls, code, portal = tus
    origin = "https://viewer.example.org"
    pre = calls.session.options(f"{portal.url}/uploads/", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,tus-resumable,upload-length"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == origin
    assert "PATCH" in pre.headers["Access-Control-Allow-Methods"]
    allowed = pre.headers["Access-Control-Allow-Headers"].lower()
    for name in ("authorization", "tus-resumable", "upload-offset", "upload-checksum"):
        assert name in allowed
    created = calls.create(10, code, Origin=origin)
    exposed = created.headers["Access-Control-Expose-Headers"]
    for name in ("Location", "Upload-Offset", "Upload-Expires", "Tus-Resumable"):
        assert name in exposed


def test_upload_in_chunks_with_head_in_between(tus):
    calls, code, portal = tus
    data = os.urandom(300_000)
    created = calls.create(len(data), code)
    assert created.status_code == 201
    assert created.headers["Location"].startswith("/uploads/")
    assert created.headers["Tus-Resumable"] == "1.0.0"
    expires = parsedate_to_datetime(created.headers["Upload-Expires"])
    expected = utcnow() + timedelta(seconds=portal.settings.upload_expiry_seconds)
    assert abs((expires - expected).total_seconds()) < 120
    url = portal.url + created.headers["Location"]
    offset = 0
    for size in (100_000, 150_000, 50_000):
        head = calls.head(url)
        assert head.status_code == 200
        assert int(head.headers["Upload-Offset"]) == offset
        assert int(head.headers["Upload-Length"]) == len(data)
        assert head.headers["Cache-Control"] == "no-store"
        answer = calls.patch(url, offset, data[offset:offset + size])
        assert answer.status_code == 204, answer.text
        offset += size
        assert int(answer.headers["Upload-Offset"]) == offset
    meta = dict(p.split(" ") for p in head.headers["Upload-Metadata"].split(","))
    assert base64.b64decode(meta["community"]).decode() == code
    # The bytes arrived exactly (the worker may already be verifying them).
    receipt_state = calls.receipt(url)
    assert receipt_state.status_code in (200, 202)


def test_creation_with_upload(tus):
    calls, code, portal = tus
    data = os.urandom(70_000)
    answer = calls.create(len(data) + 10, code, body=data)
    assert answer.status_code == 201, answer.text
    assert int(answer.headers["Upload-Offset"]) == len(data)
    url = portal.url + answer.headers["Location"]
    assert upload_file(portal, url).read_bytes() == data
    assert int(calls.head(url).headers["Upload-Offset"]) == len(data)


@pytest.mark.parametrize("version", [None, "0.2.2", "2.0.0"])
def test_unsupported_tus_version_is_412(tus, version):
    calls, code, portal = tus
    url = calls.create_url(10, code)
    headers = dict(calls.auth)
    if version:
        headers["Tus-Resumable"] = version
    for method, target, extra in (("POST", f"{portal.url}/uploads/", {"Upload-Length": "5"}),
                                  ("HEAD", url, {}), ("PATCH", url, {**OCTET,
                                                                      "Upload-Offset": "0"}),
                                  ("DELETE", url, {})):
        answer = calls.session.request(method, target, headers={**headers, **extra})
        assert answer.status_code == 412, (method, answer.status_code)
        assert answer.headers["Tus-Version"] == "1.0.0"


def test_creation_needs_a_valid_token_and_an_existing_community(tus):
    calls, code, portal = tus
    anonymous = calls.session.post(f"{portal.url}/uploads/", headers={
        **TUS, "Upload-Length": "5", "Upload-Metadata": f"community {b64(code)}"})
    assert anonymous.status_code == 401
    no_meta = calls.session.post(f"{portal.url}/uploads/",
                                 headers=calls.headers(**{"Upload-Length": "5"}))
    assert no_meta.status_code == 400
    assert "community" in no_meta.json()["message"]
    assert calls.create(5, "abc").status_code == 400
    assert calls.create(5, "zzz9" if code != "zzz9" else "zzz8").status_code == 404
    swapped = code.swapcase()
    if swapped != code:
        assert calls.create(5, swapped).status_code == 404  # codes are case-sensitive


@pytest.mark.parametrize("headers", [
    {"Upload-Length": "-1"},
    {"Upload-Length": "12.5"},
    {"Upload-Length": "ten"},
    {},  # Upload-Length missing
    {"Upload-Length": "5", "Upload-Metadata": "community !!notbase64!!"},
    {"Upload-Length": "5", "Upload-Metadata": "community Ym0xWA==,community Ym0xWA=="},
    {"Upload-Length": "5", "Upload-Metadata": "community a b c"},
    {"Upload-Length": "5", "Upload-Defer-Length": "1"},
])
def test_malformed_creation_headers_are_400(tus, headers):
    calls, code, portal = tus
    headers = dict(headers)
    headers.setdefault("Upload-Metadata", f"community {b64(code)}")
    answer = calls.session.post(f"{portal.url}/uploads/", headers=calls.headers(**headers))
    assert answer.status_code == 400, answer.text


def test_metadata_keys_without_value_are_allowed(tus):
    calls, code, portal = tus
    answer = calls.session.post(f"{portal.url}/uploads/", headers=calls.headers(**{
        "Upload-Length": "3", "Upload-Metadata": f"urgent,community {b64(code)},empty "}))
    assert answer.status_code == 201, answer.text
    head = calls.head(portal.url + answer.headers["Location"])
    assert "urgent" in head.headers["Upload-Metadata"].split(",")


@pytest.mark.parametrize("offset", ["-5", "abc", "1e3", ""])
def test_malformed_patch_offset_is_400(tus, offset):
    calls, code, portal = tus
    url = calls.create_url(10, code)
    answer = calls.patch(url, 0, b"abc", **{"Upload-Offset": offset})
    assert answer.status_code == 400
    assert upload_file(portal, url).stat().st_size == 0


def test_wrong_content_type_is_415_before_any_byte(tus):
    calls, code, portal = tus
    url = calls.create_url(10, code)
    answer = calls.session.patch(url, data=b"0123456789", headers=calls.headers(**{
        "Content-Type": "application/octet-stream", "Upload-Offset": "0"}))
    assert answer.status_code == 415
    assert upload_file(portal, url).stat().st_size == 0
    assert calls.head(url).headers["Upload-Offset"] == "0"


def test_offset_mismatch_is_409_with_the_real_offset(tus):
    calls, code, portal = tus
    url = calls.create_url(10, code)
    assert calls.patch(url, 0, b"abcd").status_code == 204
    for wrong in (0, 2, 6):
        answer = calls.patch(url, wrong, b"xy")
        assert answer.status_code == 409
        assert answer.headers["Upload-Offset"] == "4"
    assert upload_file(portal, url).read_bytes() == b"abcd"


def test_exceeding_upload_length_is_413_and_keeps_nothing(tus):
    calls, code, portal = tus
    url = calls.create_url(10, code)
    assert calls.patch(url, 0, b"abcd").status_code == 204
    assert calls.patch(url, 4, b"0123456789").status_code == 413
    # Without Content-Length (chunked) the excess is found while streaming.
    chunked = calls.session.patch(url, data=iter([b"01234", b"56789"]), headers=calls.headers(
        **OCTET, **{"Upload-Offset": "4"}))
    assert chunked.status_code == 413
    assert upload_file(portal, url).read_bytes() == b"abcd"
    assert calls.head(url).headers["Upload-Offset"] == "4"


def test_upload_length_above_max_size_is_413(portal_factory, make_user):
    small = portal_factory(max_upload_bytes=1000)
    user = make_user(target=small)
    calls = TusCalls(small.url, user.token)
    code = community(small)
    assert calls.create(1001, code).status_code == 413
    assert calls.create(1000, code).status_code == 201


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "crc32"])
def test_checksum_accepts_good_and_discards_bad_chunks(tus, algorithm):
    calls, code, portal = tus
    url = calls.create_url(20, code)
    good, bad = b"0123456789", b"abcdefghij"

    def digest(data: bytes) -> str:
        raw = zlib.crc32(data).to_bytes(4, "big") if algorithm == "crc32" \
            else hashlib.new(algorithm, data).digest()
        return base64.b64encode(raw).decode()

    ok = calls.patch(url, 0, good, **{"Upload-Checksum": f"{algorithm} {digest(good)}"})
    assert ok.status_code == 204
    mismatch = calls.patch(url, 10, bad, **{"Upload-Checksum": f"{algorithm} {digest(good)}"})
    assert mismatch.status_code == 460
    assert calls.head(url).headers["Upload-Offset"] == "10"
    assert upload_file(portal, url).read_bytes() == good  # nothing of the chunk appended


@pytest.mark.parametrize("value", ["md5 XrY7u+Ae7tCTyyK7j1rNww==", "sha1 !!!", "sha256",
                                   "sha1 " + base64.b64encode(b"short").decode(),
                                   "crc32 " + base64.b64encode(b"short").decode()])
def test_bad_checksum_headers_are_400(tus, value):
    calls, code, portal = tus
    url = calls.create_url(10, code)
    answer = calls.patch(url, 0, b"abc", **{"Upload-Checksum": value})
    assert answer.status_code == 400
    assert upload_file(portal, url).stat().st_size == 0


def test_unknown_and_foreign_uploads_are_404(tus, make_user):
    calls, code, portal = tus
    url = calls.create_url(10, code)
    other = TusCalls(portal.url, make_user().token)
    assert other.head(url).status_code == 404
    assert other.patch(url, 0, b"abc").status_code == 404
    assert other.delete(url).status_code == 404
    assert other.receipt(url).status_code == 404
    missing = f"{portal.url}/uploads/{'0' * 32}"
    assert calls.head(missing).status_code == 404
    assert calls.patch(missing, 0, b"a").status_code == 404
    assert upload_file(portal, url).stat().st_size == 0


def test_termination_then_410(tus):
    calls, code, portal = tus
    url = calls.create_url(10, code)
    assert calls.patch(url, 0, b"abc").status_code == 204
    assert calls.delete(url).status_code == 204
    assert not upload_file(portal, url).exists()
    assert calls.head(url).status_code == 410
    assert calls.patch(url, 3, b"def").status_code == 410
    assert calls.delete(url).status_code == 410
    assert calls.receipt(url).status_code == 410


def test_expired_upload_is_410(tus):
    calls, code, portal = tus
    url = calls.create_url(10, code)
    assert calls.patch(url, 0, b"abc").status_code == 204
    with portal.engine.begin() as conn:
        conn.execute(update(uploads).where(uploads.c.id == url.rsplit("/", 1)[1])
                     .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert calls.patch(url, 3, b"def").status_code == 410
    assert calls.head(url).status_code == 410
    assert not upload_file(portal, url).exists()


def test_an_abandoned_upload_leaves_nothing_it_read_while_arriving(tus, tmp_path):
    """Half a bundle, read while it arrived, then the upload expires: nothing of
    it was stored (instances are kept only once verified), and its file goes."""
    from portal.blobstore import blob_store_for
    from tests.portal.test_tus_helpers import bundle_bytes, study_spec

    calls, code, portal = tus
    data = bundle_bytes(study_spec(tmp_path / "study", series=1, per_series=4, rows=64))
    url = calls.create_url(len(data), code)
    upload_id = url.rsplit("/", 1)[1]
    assert calls.patch(url, 0, data[:len(data) * 3 // 4]).status_code == 204
    worker = portal.app.state.tus_service.ingest
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        follower = worker._followers.get(upload_id)
        if follower is not None and len(follower._members) >= 2:
            break
        time.sleep(0.02)  # the follower hashes and parses the complete members
    assert len(follower._members) >= 2
    store = blob_store_for(portal.data_dir)
    assert list(store.iter_shas()) == []
    with portal.engine.begin() as conn:
        conn.execute(update(uploads).where(uploads.c.id == upload_id)
                     .values(expires_at=utcnow() - timedelta(seconds=1)))
    worker._sweep()
    assert calls.head(url).status_code == 410
    assert not list((portal.data_dir / "uploads").glob(f"{upload_id}*"))
    assert list(store.iter_shas()) == []
    assert not list((store.root / "tmp").glob("*.part"))


def test_cut_connection_keeps_received_bytes_without_checksum(tus):
    calls, code, portal = tus
    hold_ingest(portal)
    url = calls.create_url(1_000_000, code)
    data = os.urandom(400_000)
    sock = raw_patch_start(portal, url, 0, 1_000_000, calls.auth)
    sock.sendall(data)
    time.sleep(0.2)  # let the server read what was sent before the cut
    sock.close()
    deadline = time.monotonic() + 10
    while calls.head(url).headers["Upload-Offset"] == "0" and time.monotonic() < deadline:
        time.sleep(0.02)
    idle(portal)
    offset = int(calls.head(url).headers["Upload-Offset"])
    assert 0 < offset <= len(data)
    assert upload_file(portal, url).read_bytes() == data[:offset]
    # The client resumes from the server's offset.
    rest = os.urandom(1_000_000 - offset)
    assert calls.patch(url, offset, rest).status_code == 204
    assert upload_file(portal, url).read_bytes() == data[:offset] + rest


def test_cut_connection_with_checksum_keeps_nothing(tus):
    calls, code, portal = tus
    url = calls.create_url(1_000_000, code)
    digest = base64.b64encode(hashlib.sha256(b"x").digest()).decode()
    sock = raw_patch_start(portal, url, 0, 1_000_000, {**calls.auth,
                                                        "Upload-Checksum": f"sha256 {digest}"})
    sock.sendall(os.urandom(400_000))
    time.sleep(0.2)
    sock.close()
    time.sleep(0.2)
    idle(portal)
    assert calls.head(url).headers["Upload-Offset"] == "0"
    assert upload_file(portal, url).stat().st_size == 0


def test_newer_patch_supersedes_a_stalled_one(tus):
    calls, code, portal = tus
    hold_ingest(portal)
    data = os.urandom(2_000_000)
    url = calls.create_url(len(data), code)
    stale = raw_patch_start(portal, url, 0, len(data), calls.auth)
    stale.sendall(b"\x00" * 600_000)  # wrong bytes, never completed
    time.sleep(0.2)
    # The newer request must not wait for the stalled one.
    answer = calls.patch(url, 0, data)
    assert answer.status_code == 204, answer.text
    assert answer.headers["Upload-Offset"] == str(len(data))
    # The stale request wakes up, notices it was superseded and changes nothing.
    stale.sendall(b"\x00" * 100_000)
    reply = stale.recv(4096).decode("latin-1")
    stale.close()
    assert reply.startswith("HTTP/1.1 409")
    idle(portal)
    record = portal.app.state.tus_service.store.get(url.rsplit("/", 1)[1])
    assert record.offset == len(data)
    assert upload_file(portal, url).read_bytes() == data


def test_racing_patches_keep_the_offset_consistent(tus):
    import threading

    calls, code, portal = tus
    hold_ingest(portal)
    data = os.urandom(3_000_000)
    url = calls.create_url(len(data), code)
    chunk = 250_000
    errors: list[str] = []

    def racer() -> None:
        mine = TusCalls(portal.url, calls.auth["Authorization"].split(" ")[1])
        for _ in range(200):
            head = mine.head(url)
            offset = int(head.headers["Upload-Offset"])
            if offset >= len(data):
                return
            answer = mine.patch(url, offset, data[offset:offset + chunk])
            if answer.status_code not in (204, 409):
                errors.append(f"{answer.status_code} {answer.text}")
                return
        errors.append("no progress")

    threads = [threading.Thread(target=racer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    idle(portal)
    record = portal.app.state.tus_service.store.get(url.rsplit("/", 1)[1])
    assert record.offset == len(data)
    assert upload_file(portal, url).read_bytes() == data
