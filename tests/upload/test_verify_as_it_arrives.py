"""The portal verifies a bundle while it arrives, with the same verdicts as after the fact.

Real portal over HTTP; the upload goes in small chunks so the portal's
follower (portal/tus/follower.py) prepares members between PATCHes.
"""

from __future__ import annotations

import hashlib
import logging
import re

import pytest

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
    # Nothing of the refused members stays in the blob store.
    blobs = real_portal.running.app.state.tus_service.blobs
    assert not blobs.exists(items[2].sha256)
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
