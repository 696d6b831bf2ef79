"""The portal verifies a bundle while it arrives, with the same verdicts as after the fact.

Real portal over HTTP; the upload goes in small chunks so the portal's
follower (portal/tus/follower.py) prepares members between PATCHes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import re
import socket
import tarfile
import time
from dataclasses import replace
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from downloadmanager.core.transfers.bundle import VirtualBundle, build_manifest
from downloadmanager.core.transfers.tus_client import TusClient
from tests.upload.conftest import COMMUNITY, MemoryUrlStore, items_of, logged_in_client, \
    study_source

pytestmark = pytest.mark.usefixtures("memory_keyring")
KIB = 1024


def _send(real_portal, client, manifest, items, *, manifest_last=True, chunk_size=64 * KIB,
          limiter=None):
    """Upload the bundle in chunks of CHUNK_SIZE (None: one request); returns the receipt."""
    bundle = VirtualBundle(manifest, [(i.name, i.source_path, i.size) for i in items],
                           manifest_last=manifest_last)
    tus = TusClient(client.tus_endpoint, auth=client, chunk_size=chunk_size or len(bundle),
                    limiter=limiter)
    try:
        url = tus.upload(bundle, MemoryUrlStore(), {"community": COMMUNITY})
    finally:
        bundle.close()
    real_portal.running.app.state.tus_service.ingest.wait_idle(60)
    status, receipt = client.receipt(url.rstrip("/").rsplit("/", 1)[-1])
    assert status == 200
    return receipt


def _study(tmp_path, manifest_last=True, **shape):
    """A synthetic study of SHAPE, its hashed items and their manifest."""
    study = study_source(tmp_path / "study", **shape)
    items = _hashed(study)
    manifest = build_manifest(study_instance_uid=study.study_instance_uid, note=None,
                              items=items, manifest_last=manifest_last)
    return study, items, manifest


def _hashed(study):
    items = items_of(study)
    for item in items:
        item.sha256 = hashlib.sha256(open(item.source_path, "rb").read()).hexdigest()
    return items


def _read_while_arriving(caplog) -> int:
    found = [int(m.group(1)) for r in caplog.records
             if (m := re.search(r"(\d+) read while arriving", r.getMessage()))]
    assert found, "no ingest log line"
    return found[-1]


@pytest.mark.parametrize("manifest_last", [True, False])
def test_members_are_verified_while_the_bundle_arrives(real_portal, tmp_path, caplog,
                                                      manifest_last):
    caplog.set_level(logging.INFO, logger="portal.ingest")
    _, items, manifest = _study(tmp_path, manifest_last, series=2, per_series=5, rows=128,
                                columns=128)
    client = logged_in_client(real_portal)
    receipt = _send(real_portal, client, manifest, items, manifest_last=manifest_last)
    assert receipt["state"] == "done"
    assert receipt["totals"]["accepted"] == 10
    # All but the members of the last PATCH were ready before the last byte came.
    assert _read_while_arriving(caplog) >= 5


def test_a_wrong_hash_and_a_non_dicom_member_are_caught_while_arriving(real_portal, tmp_path,
                                                                      caplog):
    caplog.set_level(logging.INFO, logger="portal.ingest")
    study = study_source(tmp_path / "medium", series=1, per_series=8, rows=128, columns=128)
    client = logged_in_client(real_portal)
    items = _hashed(study)
    items[1].sha256 = "0" * 64  # the manifest lies about one instance
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not a DICOM file at all" * 1000)
    items[2].source_path, items[2].size = str(junk), junk.stat().st_size
    items[2].sha256 = hashlib.sha256(junk.read_bytes()).hexdigest()
    manifest = build_manifest(study_instance_uid=study.study_instance_uid, note=None,
                              items=items, manifest_last=True)
    receipt = _send(real_portal, client, manifest, items)
    reasons = {e["name"]: e["reason"] for e in receipt["instances"]}
    assert reasons[items[1].name] == "sha256 mismatch"
    assert reasons[items[2].name] == "not DICOM"
    assert receipt["state"] == "partial"
    assert receipt["totals"]["accepted"] == 6
    assert _read_while_arriving(caplog) >= 3
    # Nothing of the refused members stays in the blob store, although the
    # second one's bytes were stored (under their real SHA-256) while arriving.
    blobs = real_portal.running.app.state.tus_service.blobs
    assert not blobs.exists(items[2].sha256)
    real_sha = hashlib.sha256(open(items[1].source_path, "rb").read()).hexdigest()
    assert not blobs.exists(real_sha)
    assert blobs.exists(items[0].sha256)
    assert not list(blobs.root.joinpath("tmp").glob("*.part"))


@pytest.mark.parametrize("pooled", [True, False])
def test_members_are_verified_while_one_long_request_arrives(real_portal, tmp_path, caplog,
                                                             monkeypatch, pooled):
    """The whole bundle in one PATCH (as a fast line sends it): the portal reads the
    members complete so far while the request's body is still coming in. Small
    members are prepared in the shared pool, large ones streamed by the follower."""
    from downloadmanager.core.transfers.throttle import BandwidthLimiter
    from portal.tus import follower

    if not pooled:
        monkeypatch.setattr(follower, "_POOLED_MAX", 64 * KIB)
    caplog.set_level(logging.INFO, logger="portal.ingest")
    _, items, manifest = _study(tmp_path, series=2, per_series=30, rows=512, columns=512)
    assert sum(i.size for i in items) > 30 * 1024 * KIB
    # One request for everything, at 20 MB/s: it lasts about 1.6 s.
    receipt = _send(real_portal, logged_in_client(real_portal), manifest, items,
                    chunk_size=None, limiter=BandwidthLimiter(20e6))
    assert receipt["state"] == "done"
    assert receipt["totals"]["accepted"] == 60
    assert _read_while_arriving(caplog) >= 30


def _bundle_bytes(manifest, items) -> bytes:
    bundle = VirtualBundle(manifest, [(i.name, i.source_path, i.size) for i in items],
                           manifest_last=True)
    try:
        return b"".join(bytes(p) for p in bundle.iter_range(0, len(bundle), 1024 * KIB))
    finally:
        bundle.close()


def _wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_ingest_reads_only_the_headers_the_follower_did_not_walk(real_portal, tmp_path,
                                                                 caplog):
    """After the last byte the tar headers are not read again, one disk read each."""
    caplog.set_level(logging.INFO, logger="portal.ingest")
    _, items, manifest = _study(tmp_path, series=2, per_series=10, rows=128, columns=128)
    receipt = _send(real_portal, logged_in_client(real_portal), manifest, items)
    assert receipt["state"] == "done"
    found = [(int(m[1]), int(m[2])) for r in caplog.records
             if (m := re.search(r"(\d+) of (\d+) headers walked while arriving",
                                r.getMessage()))]
    walked, total = found[-1]
    assert total == 21  # 20 instances and the manifest
    assert walked >= 15  # all but those of the last PATCHes


def _patch_pausing(url, client, data: bytes, checksum: str, until) -> str:
    """PATCH DATA from offset 0 with CHECKSUM, pausing after 17 MiB until UNTIL() holds.

    Returns the answer's status line. Raw HTTP: the pause is in the middle of
    one request's body.
    """
    host, port = urlsplit(url).hostname, urlsplit(url).port
    with socket.create_connection((host, port)) as sock:
        head = [f"PATCH {urlsplit(url).path} HTTP/1.1", f"Host: {host}:{port}",
                f"Content-Length: {len(data)}", "Upload-Offset: 0",
                "Tus-Resumable: 1.0.0", "Content-Type: application/offset+octet-stream",
                f"Upload-Checksum: {checksum}",
                f"Authorization: {client.headers()['Authorization']}"]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("ascii"))
        first = 17 * 1024 * KIB
        sock.sendall(data[:first])
        _wait_for(until)
        sock.sendall(data[first:])
        return sock.recv(4096).decode("latin-1")


def _create(session, client, length: int) -> tuple[str, str]:
    """A new upload of LENGTH bytes to COMMUNITY: its URL and id."""
    created = session.post(client.tus_endpoint, headers={
        "Upload-Length": str(length),
        "Upload-Metadata": "community " + base64.b64encode(COMMUNITY.encode()).decode()})
    assert created.status_code == 201, created.text
    url = urljoin(client.tus_endpoint, created.headers["Location"])
    return url, url.rstrip("/").rsplit("/", 1)[-1]


def test_bytes_a_request_dropped_are_forgotten_by_the_follower(real_portal, tmp_path):
    """A PATCH whose checksum fails is cut away after the follower read its headers:
    the follower forgets them, and the bundle sent again is judged by its real bytes.

    The dropped request carries a forged first header (another member name); had
    the follower kept it, ingest would reject the bundle ("not listed in the
    manifest")."""
    study, items, manifest = _study(tmp_path, series=1, per_series=40, rows=512, columns=512)
    real = _bundle_bytes(manifest, items)
    assert len(real) > 18 * 1024 * KIB  # the follower hears of a request every 16 MiB
    forged_items = [*items]
    forged_items[0] = replace(items[0], name="dicom/999999.dcm")
    forged_manifest = build_manifest(study_instance_uid=study.study_instance_uid, note=None,
                                     items=forged_items, manifest_last=True)
    forged = _bundle_bytes(forged_manifest, forged_items)
    assert len(forged) == len(real) and forged[:512] != real[:512]

    client = logged_in_client(real_portal)
    service = real_portal.running.app.state.tus_service
    session = requests.Session()
    session.headers.update({**client.headers(), "Tus-Resumable": "1.0.0"})
    url, upload_id = _create(session, client, len(real))
    checksum = "sha256 " + base64.b64encode(hashlib.sha256(real).digest()).decode()

    # The forged bytes, announced with the real bytes' checksum: 460 at the end.
    # The follower (private to the ingest worker) walks the forged headers first.
    followers = service.ingest._followers
    answer = _patch_pausing(url, client, forged, checksum, lambda: (
        upload_id in followers and any(h.name == "dicom/999999.dcm"
                                       for h in followers[upload_id].walked().headers)))
    assert answer.startswith("HTTP/1.1 460"), answer
    assert not any(h.name == "dicom/999999.dcm"
                   for h in followers[upload_id].walked().headers)

    sent = session.patch(url, data=real, headers={
        "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
        "Upload-Checksum": checksum})
    assert sent.status_code == 204, sent.text
    service.ingest.wait_idle(60)
    status, receipt = client.receipt(upload_id)
    assert status == 200
    assert receipt["state"] == "done", receipt.get("reason")
    assert receipt["totals"]["accepted"] == 40


def test_a_member_prepared_from_dropped_bytes_is_judged_by_the_final_bytes(real_portal,
                                                                          tmp_path):
    """Accepted instances are kept where they lie in the upload file, so a member
    the follower hashed must still be those bytes when ingest keeps it.

    The right bytes go first but are dropped (460); the request that completes
    the upload then carries one member altered. Had the follower kept its
    early (matching) hash, the altered bytes would be stored under the right
    SHA-256."""
    from portal.blobstore import blob_store_for

    study, items, manifest = _study(tmp_path, series=1, per_series=40, rows=512, columns=512)
    real = _bundle_bytes(manifest, items)
    with tarfile.open(fileobj=io.BytesIO(real)) as tar:
        first = tar.getmember(items[0].name)
    altered = bytearray(real)
    altered[first.offset_data + first.size - 7] ^= 0xFF  # in the pixel data
    altered = bytes(altered)

    client = logged_in_client(real_portal)
    service = real_portal.running.app.state.tus_service
    session = requests.Session()
    session.headers.update({**client.headers(), "Tus-Resumable": "1.0.0"})
    url, upload_id = _create(session, client, len(real))
    followers = service.ingest._followers
    wrong = "sha256 " + base64.b64encode(hashlib.sha256(b"not these bytes").digest()).decode()
    answer = _patch_pausing(url, client, real, wrong, lambda: (
        upload_id in followers and items[0].name in followers[upload_id]._members))
    assert answer.startswith("HTTP/1.1 460"), answer

    sent = session.patch(url, data=altered, headers={
        "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert sent.status_code == 204, sent.text
    service.ingest.wait_idle(60)
    status, receipt = client.receipt(upload_id)
    assert status == 200
    verdicts = {i["name"]: (i["status"], i["reason"]) for i in receipt["instances"]}
    assert verdicts[items[0].name] == ("rejected", "sha256 mismatch")
    assert receipt["totals"]["accepted"] == 39
    store = blob_store_for(real_portal.running.data_dir)
    assert not store.exists(items[0].sha256)
    with store.open(items[1].sha256) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == items[1].sha256
