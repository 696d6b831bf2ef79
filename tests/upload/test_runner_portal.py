"""The whole engine in-process against the real portal: queue -> stage -> tus -> receipt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from downloadmanager.core import paths
from downloadmanager.core.transfers import controls
from downloadmanager.cli.messages import describe_stored
from downloadmanager.core.errors import decode_stored, render_stored
from downloadmanager.core.transfers.errors import JobControlInterrupt
from downloadmanager.core.transfers.job_runner import JobRunner
from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.runner import QueueRunner
from downloadmanager.core.transfers.settings import TransferSettings
from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.core.transfers.tus_client import TusClient
from tests.upload.conftest import COMMUNITY, items_of, logged_in_client, study_source

pytestmark = pytest.mark.usefixtures("memory_keyring")

KIB = 1024


def _queue(store, client, study, **kw):
    return store.add_job(server=client.server, account=client.email, community=COMMUNITY,
                         study_instance_uid=study.study_instance_uid, items=items_of(study), **kw)


def _runner(store, client, **settings):
    options = {"chunk_size": 64 * KIB, **settings}
    options.setdefault("max_chunk_size", options["chunk_size"])  # fixed chunks: countable
    return QueueRunner(store, lambda server, account: client,
                       settings=TransferSettings(**options), poll_interval=0.05)


@pytest.fixture
def study(tmp_path):
    return study_source(tmp_path / "medium", series=2, per_series=4, rows=128, columns=128)


def test_study_is_uploaded_verified_and_staging_removed(dm_home, real_portal, study):
    client = logged_in_client(real_portal)
    with QueueStore() as store:
        job_id = _queue(store, client, study, note="Bitte um Befund")
        _runner(store, client).run()
        job = store.get_job(job_id)
    assert job.state is JobState.DONE, job.error
    assert job.receipt["state"] == "done"
    assert job.receipt["totals"]["accepted"] == 8
    assert {e["sop_instance_uid"] for e in job.receipt["instances"]} == \
        {i.sop_instance_uid for i in study.instances}
    assert job.bytes_done == job.bytes_total > 0
    assert not any(paths.staging_dir().iterdir())


def test_partial_acceptance_fails_with_reasons_and_keeps_receipt(dm_home, real_portal, study):
    client = logged_in_client(real_portal)
    with QueueStore() as store:
        job_id = _queue(store, client, study)
        runner = _runner(store, client)
        ctx = runner.context(client.server, client.email)
        # Stage, then let one staged file rot (same size) before the upload.
        job = store.get_job(job_id)
        JobRunner(job_id, ctx)._prepare(job)
        job = store.get_job(job_id)
        victim = Path(job.items[2].staged_path)
        data = bytearray(victim.read_bytes())
        data[-10:] = b"\x00" * 10 if data[-10:] != b"\x00" * 10 else b"\x01" * 10
        victim.write_bytes(bytes(data))
        runner.run()
        job = store.get_job(job_id)
    assert job.state is JobState.FAILED
    error = decode_stored(job.error)
    assert error["code"] == "receipt_incomplete"
    assert "1 of 8 files were not accepted" in render_stored(job.error, "en")
    assert "dicom/000003.dcm: sha256 mismatch" in render_stored(job.error, "en")
    assert "1 von 8 Dateien" in render_stored(job.error, "de")
    assert job.receipt["state"] == "partial"
    assert json.dumps(job.receipt)  # kept as JSON with the job


def test_a_receipt_that_cannot_be_read_fails_the_job_and_is_kept(dm_home, real_portal, study,
                                                                 monkeypatch):
    client = logged_in_client(real_portal)
    garbled = {"state": "done", "instances": ["not an object"]}
    monkeypatch.setattr(client, "receipt", lambda upload_id, wait=0.0: (200, garbled))
    with QueueStore() as store:
        job_id = _queue(store, client, study)
        _runner(store, client).run()
        job = store.get_job(job_id)
    assert job.state is JobState.FAILED
    assert decode_stored(job.error)["code"] == "unexpected_error"
    assert job.receipt == garbled


def test_pause_resume_cancel_retry(dm_home, real_portal, study):
    client = logged_in_client(real_portal)
    with QueueStore() as store:
        job_id = _queue(store, client, study)
        runner = _runner(store, client, chunk_size=64 * KIB)
        ctx = runner.context(client.server, client.email)
        paused_once = []
        real_control = JobRunner._control

        def pause_after_two_chunks(self):
            # Staging and sending run at once: pause once two chunks are confirmed.
            if not paused_once and \
                    store.get_job(job_id, with_items=False).bytes_done >= 2 * 64 * KIB:
                paused_once.append(1)
                controls.pause(store, job_id)
            real_control(self)

        JobRunner._control = pause_after_two_chunks
        try:
            assert JobRunner(job_id, ctx).run() is JobState.PAUSED
        finally:
            JobRunner._control = real_control
        paused = store.get_job(job_id)
        assert 0 < paused.bytes_done < paused.bytes_total
        assert paused.upload_url
        runner.run()  # a paused job is not runnable: the queue counts as empty
        assert store.state_of(job_id) is JobState.PAUSED

        controls.resume(store, job_id)
        runner.run()
        assert store.state_of(job_id) is JobState.DONE
        with pytest.raises(controls.ControlError, match="is done"):
            controls.pause(store, job_id)

        # cancel a second job mid-upload: the server-side upload is terminated
        second = _queue(store, client, study_source(Path(paths.cache_dir()) / "m2"))
        JobRunner(second, ctx)._prepare(store.get_job(second))
        job = store.get_job(second)
        ctx_url_store = __import__("downloadmanager.core.transfers.job_runner",
                                   fromlist=["_JobUrlStore"])._JobUrlStore(store, job)
        tus = JobRunner(second, ctx)._tus()
        url = tus.create(job.bytes_total, {"community": COMMUNITY})
        ctx_url_store.save(url)
        assert controls.cancel(store, second, client)
        assert store.state_of(second) is JobState.CANCELLED
        head = requests.head(url, headers={"Tus-Resumable": "1.0.0", **client.headers()})
        assert head.status_code in (404, 410)
        controls.retry(store, second)
        runner.run()
        assert store.state_of(second) is JobState.DONE


def test_expired_upload_on_the_server_starts_a_new_one(dm_home, tmp_path, study):
    from tests.upload.conftest import start_portal_with_sender

    setup = start_portal_with_sender(tmp_path / "p", upload_expiry_seconds=1)
    try:
        client = logged_in_client(setup)
        with QueueStore() as store:
            job_id = _queue(store, client, study)
            runner = _runner(store, client)
            ctx = runner.context(client.server, client.email)
            job_runner = JobRunner(job_id, ctx)
            job_runner._prepare(store.get_job(job_id))
            job = store.get_job(job_id)
            tus = job_runner._tus()
            old_url = tus.create(job.bytes_total, {"community": COMMUNITY})
            store.remember_upload_url(job, old_url)
            import time
            time.sleep(1.5)  # let the server expire the upload (not a timing assertion)
            runner.run()
            job = store.get_job(job_id)
        assert job.state is JobState.DONE, job.error
        assert job.upload_url != old_url
    finally:
        setup.stop()


def test_full_disk_on_staging_fails_clearly_and_retry_succeeds(dm_home, real_portal, study):
    client = logged_in_client(real_portal)
    with QueueStore() as store:
        job_id = _queue(store, client, study)
        full = QueueRunner(store, lambda s, a: client, settings=TransferSettings(),
                           free_space=lambda path: 1024, poll_interval=0.05)
        full.run()
        job = store.get_job(job_id)
        assert job.state is JobState.FAILED
        assert decode_stored(job.error)["code"] == "disk_full"
        assert "Not enough free disk space" in render_stored(job.error, "en")
        # The command line adds the command that helps; the core message names none.
        assert "downloadmanager" not in render_stored(job.error, "en")
        assert f"transfers retry {job_id}" in describe_stored(job.error, "en", job=job_id)
        assert len(job.items) == 8
        controls.retry(store, job_id)
        _runner(store, client).run()
        assert store.state_of(job_id) is JobState.DONE


def test_expired_token_is_renewed_with_the_stored_password(dm_home, tmp_path, study):
    from tests.upload.conftest import start_portal_with_sender

    setup = start_portal_with_sender(tmp_path / "p", token_ttl_seconds=1)
    try:
        client = logged_in_client(setup)
        first_token = client.headers()["Authorization"]
        import time
        time.sleep(1.2)  # the token expires on the server
        with QueueStore() as store:
            job_id = _queue(store, client, study)
            _runner(store, client).run()
            assert store.state_of(job_id) is JobState.DONE, store.get_job(job_id).error
        assert client.headers()["Authorization"] != first_token
    finally:
        setup.stop()


def test_control_interrupt_is_raised_between_chunks(dm_home, real_portal, study):
    client = logged_in_client(real_portal)
    with QueueStore() as store:
        job_id = _queue(store, client, study)
        ctx = _runner(store, client).context(client.server, client.email)
        runner = JobRunner(job_id, ctx)
        store.set_state(job_id, JobState.CANCELLED)
        with pytest.raises(JobControlInterrupt):
            runner._control()


def test_corrupted_chunk_is_refused_by_checksum_and_sent_again(dm_home, real_portal, study):
    from tests.tcp_proxy import TcpProxy

    port = int(real_portal.url.rsplit(":", 1)[1])
    with TcpProxy(("127.0.0.1", port), corrupt_at=150 * KIB) as proxy:
        client = logged_in_client(real_portal, f"http://127.0.0.1:{proxy.port}")
        with QueueStore() as store:
            job_id = _queue(store, client, study)
            _runner(store, client).run()
            job = store.get_job(job_id)
        assert proxy.corrupted == 1
    # The portal answered 460 for the damaged chunk; the resent one was accepted.
    assert job.state is JobState.DONE, job.error
    # Caught by CRC-32, the cheapest checksum the portal offers (dicomkit.checksums).
    assert TusClient(client.tus_endpoint, auth=client).capabilities().checksum == "crc32"
    assert job.receipt["totals"]["rejected"] == 0
    assert proxy.bytes_up >= job.bytes_total + 32 * KIB


def test_runner_waits_for_the_time_window(dm_home, real_portal, study):
    from datetime import datetime, timedelta

    client = logged_in_client(real_portal)
    clock = {"now": datetime(2026, 11, 27, 12, 0)}
    slept = []

    def fake_sleep(seconds):
        slept.append(seconds)
        clock["now"] += timedelta(seconds=seconds)

    with QueueStore() as store:
        job_id = _queue(store, client, study)
        runner = QueueRunner(store, lambda s, a: client, poll_interval=0.05,
                             settings=TransferSettings(chunk_size=64 * KIB,
                                                       max_chunk_size=64 * KIB,
                                                       time_window="19:00-07:00"),
                             now=lambda: clock["now"], sleep=fake_sleep)
        runner.run()
        assert store.state_of(job_id) is JobState.DONE
    assert sum(slept) == pytest.approx(7 * 3600)
    assert clock["now"].hour == 19


def test_unreachable_portal_leaves_the_job_queued_for_the_next_run(dm_home, real_portal, study):
    from downloadmanager.core.portal_client import PortalClient
    from tests.portal.conftest import free_port

    client = logged_in_client(real_portal)
    with QueueStore() as store:
        job_id = _queue(store, client, study)
        nowhere = PortalClient(f"http://127.0.0.1:{free_port()}", client.email)
        nowhere._token = "unused"  # the upload fails on the network, not on the login
        runner = QueueRunner(store, lambda s, a: nowhere, poll_interval=0.05,
                             settings=TransferSettings(chunk_size=64 * KIB))
        runner.context = _with_fast_retries(runner.context)
        runner.run()  # returns: the job is deferred, not retried forever
        job = store.get_job(job_id)
        assert job.state is JobState.QUEUED
        shown = render_stored(job.error, "en")
        assert "could not be reached" in shown and "continues automatically" in shown
        assert "automatisch fortgesetzt" in render_stored(job.error, "de")
        _runner(store, client).run()  # next start: the portal is back
        assert store.state_of(job_id) is JobState.DONE


def _with_fast_retries(make_context):
    def context(server, account):
        ctx = make_context(server, account)
        ctx.tus_max_attempts = 2
        ctx.sleep = lambda seconds: None
        return ctx
    return context
