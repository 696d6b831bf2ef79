"""Never send what the portal has: POST /api/uploads/present and bundles that leave instances out.

Everything over real HTTP against the real portal on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json

import pytest
import requests

from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.transfers.bundle import (
    BLOCK,
    VirtualBundle,
    build_manifest,
)
from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.runner import QueueRunner
from downloadmanager.core.transfers.settings import TransferSettings
from downloadmanager.core.transfers.sources import StudySource
from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.core.transfers.tus_client import TusClient
from tests.upload.conftest import COMMUNITY, MemoryUrlStore, items_of, logged_in_client, \
    study_source

pytestmark = pytest.mark.usefixtures("memory_keyring")


@pytest.fixture
def study(tmp_path):
    return study_source(tmp_path / "medium", series=2, per_series=4, rows=128, columns=128)


def _hashes(study) -> list[str]:
    return [hashlib.sha256(open(i.path, "rb").read()).hexdigest() for i in study.instances]


def _send(store, client, study) -> int:
    job_id = store.add_job(server=client.server, account=client.email, community=COMMUNITY,
                           study_instance_uid=study.study_instance_uid, items=items_of(study))
    QueueRunner(store, lambda server, account: client,
                settings=TransferSettings(chunk_size=64 * 1024), poll_interval=0.05).run()
    return job_id


def _user(real_portal, email: str, *, community: str | None = None) -> PortalClient:
    from portal.accounts import add_membership, create_user

    engine = real_portal.running.engine
    user_id, _ = create_user(engine, email, "Anderes-Passwort-5678")
    if community is not None:
        from portal.communities import create_community, community_by_code

        if community_by_code(engine, community) is None:
            create_community(engine, f"Praxis {community}", community)
        add_membership(engine, user_id, community)
    client = PortalClient(real_portal.url, email)
    client.login("Anderes-Passwort-5678")
    return client


def test_resending_a_study_sends_only_the_manifest(dm_home, real_portal, study):
    client = logged_in_client(real_portal)
    shas = _hashes(study)
    assert client.present_instances(COMMUNITY, study.study_instance_uid, shas) == set()
    with QueueStore() as store:
        first = _send(store, client, study)
        assert store.get_job(first).state is JobState.DONE
        assert client.present_instances(COMMUNITY, study.study_instance_uid, shas) == set(shas)
        second = _send(store, client, study)
        job = store.get_job(second)
    assert job.state is JobState.DONE, job.error
    manifest = json.loads(job.manifest)
    assert all(i["in_bundle"] is False for i in manifest["instances"])
    # The bundle is the manifest alone: header, manifest bytes, padding, end marker.
    manifest_blocks = -(-len(job.manifest) // BLOCK) * BLOCK
    assert job.bytes_total == BLOCK + manifest_blocks + 2 * BLOCK
    study_bytes = sum(i.size for i in study.instances)
    assert job.bytes_total < study_bytes * 0.05
    receipt = job.receipt
    assert receipt["state"] == "done"
    assert receipt["totals"]["expected"] == 8
    assert receipt["totals"]["accepted"] == 8
    assert receipt["totals"]["already_present"] == 8
    assert receipt["totals"]["bytes"] == study_bytes
    assert {e["sop_instance_uid"] for e in receipt["instances"]} == \
        {i.sop_instance_uid for i in study.instances}
    assert {e["status"] for e in receipt["instances"]} == {"already_present"}


def test_staged_before_the_portal_answers_that_it_holds_the_study(dm_home, real_portal, study):
    """Staging starts while the portal is asked; on a slow line the study is staged before
    the answer. The portal holds it: the job is hashed and sent as a resend (only the
    manifest), and "the CD can be removed" is said once."""
    from tests.tcp_proxy import TcpProxy

    with QueueStore() as store:
        assert store.get_job(_send(store, logged_in_client(real_portal), study)).state \
            is JobState.DONE
        port = int(real_portal.url.rsplit(":", 1)[1])
        with TcpProxy(("127.0.0.1", port), delay_up=0.3, delay_down=0.3) as proxy:
            client = logged_in_client(real_portal, f"http://127.0.0.1:{proxy.port}")
            job_id = store.add_job(server=client.server, account=client.email,
                                   community=COMMUNITY,
                                   study_instance_uid=study.study_instance_uid,
                                   items=items_of(study))
            staged: list[int] = []
            QueueRunner(store, lambda server, account: client, settings=TransferSettings(),
                        poll_interval=0.05, on_staged=staged.append).run()
        job = store.get_job(job_id)
    assert job.state is JobState.DONE, job.error
    assert staged == [job_id]
    assert all(i["in_bundle"] is False for i in json.loads(job.manifest)["instances"])
    assert job.receipt["totals"]["already_present"] == 8


def test_a_study_partly_held_sends_only_the_rest(dm_home, real_portal, tmp_path, study):
    client = logged_in_client(real_portal)
    half = StudySource(study.study_instance_uid, study.instances[:3])
    with QueueStore() as store:
        _send(store, client, half)
        job = store.get_job(_send(store, client, study))
    assert job.state is JobState.DONE, job.error
    sent = [i for i in json.loads(job.manifest)["instances"] if i.get("in_bundle", True)]
    assert len(sent) == 5
    statuses = sorted(e["status"] for e in job.receipt["instances"])
    assert statuses == ["accepted"] * 5 + ["already_present"] * 3


def test_not_an_oracle_across_communities(dm_home, real_portal, study):
    sender = logged_in_client(real_portal)
    shas = _hashes(study)
    with QueueStore() as store:
        _send(store, sender, study)
    stranger = _user(real_portal, "fremd@example.org", community="ZZ99")
    assert stranger.present_instances(COMMUNITY, study.study_instance_uid, shas) == set()
    member = _user(real_portal, "radiologie@example.org", community=COMMUNITY)
    assert member.present_instances(COMMUNITY, study.study_instance_uid, shas) == set(shas)
    # A colleague of the sender (same community) may know what the sender sent.
    from portal.accounts import add_membership, user_id_for_email

    engine = real_portal.running.engine
    from portal.communities import create_community

    create_community(engine, "Praxis Dr. Muster", "PRX1")
    add_membership(engine, user_id_for_email(engine, real_portal.email), "PRX1")
    colleague = _user(real_portal, "kollegin@example.org", community="PRX1")
    assert colleague.present_instances(COMMUNITY, study.study_instance_uid, shas) == set(shas)


def test_a_forged_left_out_instance_is_not_confirmed(dm_home, real_portal, study, tmp_path):
    """Claiming ``in_bundle: false`` for held bytes one never sent gets 'missing from bundle'."""
    sender = logged_in_client(real_portal)
    with QueueStore() as store:
        _send(store, sender, study)
    stranger = _user(real_portal, "fremd2@example.org", community="ZZ98")
    items = items_of(study)
    shas = {i.source_path: hashlib.sha256(open(i.source_path, "rb").read()).hexdigest()
            for i in items}
    for item in items:
        item.sha256 = shas[item.source_path]
    left_out = {items[0].sha256}
    manifest = build_manifest(study_instance_uid=study.study_instance_uid, note=None,
                              items=items, left_out=left_out)
    bundle = VirtualBundle.for_items(manifest, items)
    assert len(bundle) < sum(i.size for i in items) + 20 * BLOCK
    tus = TusClient(stranger.tus_endpoint, auth=stranger)
    url = tus.upload(bundle, MemoryUrlStore(), {"community": COMMUNITY})
    bundle.close()
    upload_id = url.rstrip("/").rsplit("/", 1)[-1]
    real_portal.running.app.state.tus_service.ingest.wait_idle(30)
    status, receipt = stranger.receipt(upload_id)
    assert status == 200
    assert receipt["state"] == "partial"
    entry = next(e for e in receipt["instances"] if e["name"] == items[0].name)
    assert entry["status"] == "rejected"
    assert entry["reason"] == "missing from bundle"


@pytest.mark.parametrize("body", [
    b"not json",
    json.dumps([1, 2]).encode(),
    json.dumps({"community": "toolong", "study_instance_uid": "1.2", "sha256": []}).encode(),
    json.dumps({"community": "bM1X", "study_instance_uid": "x.y", "sha256": []}).encode(),
    json.dumps({"community": "bM1X", "study_instance_uid": "1.2", "sha256": ["ABC"]}).encode(),
    json.dumps({"community": "bM1X", "study_instance_uid": "1.2", "sha256": "a" * 64}).encode(),
])
def test_bad_questions_get_400(real_portal, memory_keyring, body):
    client = logged_in_client(real_portal)
    response = requests.post(f"{real_portal.url}/api/uploads/present", data=body,
                             headers={**client.headers(), "Content-Type": "application/json"},
                             timeout=10)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_question_needs_a_login_and_an_existing_community(real_portal, memory_keyring):
    body = {"community": "QQ77", "study_instance_uid": "1.2", "sha256": ["a" * 64]}
    assert requests.post(f"{real_portal.url}/api/uploads/present", json=body,
                         timeout=10).status_code == 401
    client = logged_in_client(real_portal)
    response = client.request("POST", "/api/uploads/present", json=body)
    assert response.status_code == 404
