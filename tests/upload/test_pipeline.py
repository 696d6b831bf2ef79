"""Upload while staging: the bundle goes out while the medium is still being read.

The medium is simulated with the reader's test hook
(``DOWNLOADMANAGER_SIMULATED_READ_RATE``), the portal is the real one over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
from sqlalchemy import select

from downloadmanager.core.transfers import controls
from downloadmanager.core.transfers.bundle import is_manifest_last
from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.runner import QueueRunner
from downloadmanager.core.transfers.settings import TransferSettings
from downloadmanager.core.transfers.sources import SIMULATED_READ_RATE_ENV
from downloadmanager.core.transfers.store import QueueStore
from portal.schema import uploads
from tests.tcp_proxy import TcpProxy
from tests.upload.conftest import COMMUNITY, items_of, logged_in_client, study_source

KIB = 1024


@pytest.fixture
def study(tmp_path):
    # 20 instances of about 130 KB: about 2.6 MB.
    return study_source(tmp_path / "medium", series=2, per_series=10, rows=256, columns=256)


def _queue(store, client, study):
    return store.add_job(server=client.server, account=client.email, community=COMMUNITY,
                         study_instance_uid=study.study_instance_uid, items=items_of(study))


def _portal_offsets(real_portal) -> list[int]:
    with real_portal.running.engine.connect() as conn:
        return [int(o) for o in conn.execute(select(uploads.c.offset)).scalars()]


@pytest.mark.usefixtures("memory_keyring")
def test_upload_runs_while_staging_and_is_verified(dm_home, real_portal, study, monkeypatch):
    monkeypatch.setenv(SIMULATED_READ_RATE_ENV, str(2 * 1024 * 1024))
    client = logged_in_client(real_portal)
    at_staged: list[int] = []
    with QueueStore() as store:
        job_id = _queue(store, client, study)
        runner = QueueRunner(store, lambda server, account: client,
                             settings=TransferSettings(chunk_size=64 * KIB,
                                                       max_chunk_size=64 * KIB),
                             poll_interval=0.05,
                             on_staged=lambda j: at_staged.extend(_portal_offsets(real_portal)))
        runner.run()
        job = store.get_job(job_id)
    assert job.state is JobState.DONE, job.error
    assert is_manifest_last(job.manifest)
    # When the last file was staged the portal held part of the bundle already.
    assert len(at_staged) == 1 and 0 < at_staged[0] < job.bytes_total
    assert job.receipt["state"] == "done"
    assert job.receipt["totals"]["accepted"] == 20
    assert {e["sop_instance_uid"] for e in job.receipt["instances"]} == \
        {i.sop_instance_uid for i in study.instances}


@pytest.mark.usefixtures("memory_keyring")
def test_with_default_chunks_the_line_starts_long_before_a_whole_chunk_is_read(
        dm_home, real_portal, study, monkeypatch):
    """A 2.6 MB study read at 2 MiB/s with 8 MiB chunks: the first chunk does not wait
    for 8 MiB (the whole study) but leaves after 1 MiB, so the portal holds bytes
    while the disc is still being read."""
    monkeypatch.setenv(SIMULATED_READ_RATE_ENV, str(2 * 1024 * 1024))
    client = logged_in_client(real_portal)
    at_staged: list[int] = []
    with QueueStore() as store:
        job_id = _queue(store, client, study)
        runner = QueueRunner(store, lambda server, account: client, settings=TransferSettings(),
                             poll_interval=0.05,
                             on_staged=lambda j: at_staged.extend(_portal_offsets(real_portal)))
        runner.run()
        job = store.get_job(job_id)
    assert job.state is JobState.DONE, job.error
    assert TransferSettings().chunk_size > job.bytes_total
    assert len(at_staged) == 1 and 1024 * KIB <= at_staged[0] < job.bytes_total


def test_pipelined_chunks_start_small_double_and_stop_at_a_second_of_the_line():
    from downloadmanager.core.transfers.tus_client import PIPELINE_FIRST, pipelined_chunk_wanted

    mib = 1024 * KIB
    assert pipelined_chunk_wanted(0, 0.0, 8 * mib) == PIPELINE_FIRST == mib
    assert pipelined_chunk_wanted(mib, 0.0, 8 * mib) == 2 * mib
    assert pipelined_chunk_wanted(2 * mib, 50 * mib, 8 * mib) == 4 * mib
    assert pipelined_chunk_wanted(16 * mib, 50 * mib, 8 * mib) == 8 * mib  # the chunk size
    assert pipelined_chunk_wanted(16 * mib, 5e6, 64 * mib) == 5_000_000  # 1 s of 40 Mbit/s
    assert pipelined_chunk_wanted(16 * mib, 1e5, 64 * mib) == mib  # never below the first
    assert pipelined_chunk_wanted(0, 0.0, 64 * KIB) == 64 * KIB  # small fixed chunks stay


@pytest.mark.usefixtures("memory_keyring")
def test_pause_while_staging_and_uploading_then_resume(dm_home, real_portal, study,
                                                       monkeypatch):
    monkeypatch.setenv(SIMULATED_READ_RATE_ENV, str(1024 * 1024))
    client = logged_in_client(real_portal)
    with QueueStore() as store:
        job_id = _queue(store, client, study)

        runner = QueueRunner(store, lambda server, account: client,
                             settings=TransferSettings(chunk_size=64 * KIB,
                                                       max_chunk_size=64 * KIB),
                             poll_interval=0.05)
        thread = threading.Thread(target=runner.run)
        thread.start()
        deadline = time.monotonic() + 60
        with QueueStore() as other:
            while not any(_portal_offsets(real_portal)):
                assert time.monotonic() < deadline
                time.sleep(0.01)
            assert other.state_of(job_id) is JobState.STAGING
            controls.pause(other, job_id)
        thread.join(60)
        paused = store.get_job(job_id)
        assert paused.state is JobState.PAUSED
        assert paused.manifest is None  # stopped in the middle of staging
        assert paused.receipt is None
        sent = max(_portal_offsets(real_portal))
        controls.resume(store, job_id)
        runner.run()
        job = store.get_job(job_id)
    assert job.state is JobState.DONE, job.error
    assert job.receipt["totals"]["accepted"] == 20
    assert len(_portal_offsets(real_portal)) == 1  # the same upload went on
    assert sent < job.bytes_total


def test_cli_says_the_cd_can_be_removed(cli, real_portal, tmp_path):
    """A medium that is staged (as a CD is; here forced with --staging always)."""
    study_source(tmp_path / "medium", series=1, per_series=3)
    login = cli.login(real_portal.url, real_portal)
    assert login.returncode == 0, login.stderr
    cli.env["LANG"] = "de_DE.UTF-8"
    cli.env.pop("LC_ALL", None)
    cli.env.pop("LC_MESSAGES", None)
    done = cli.run("upload", str(tmp_path / "medium"), "--community", COMMUNITY,
                   "--staging", "always")
    assert done.returncode == 0, done.stderr
    assert "Die CD kann entnommen werden" in done.stderr
    cli.env["LANG"] = "en_US.UTF-8"
    again = cli.run("upload", str(tmp_path / "medium"), "--community", COMMUNITY,
                    "--staging", "always")
    assert again.returncode == 0, again.stderr
    assert "The CD can be removed" in again.stderr
    assert all(job["staging"] for job in json.loads(cli.run("transfers", "list",
                                                            "--json").stdout))


def test_a_folder_on_a_local_disk_is_read_in_place(cli, real_portal, tmp_path):
    """The default policy copies only what can go away (CDs, USB media, network
    drives): a folder on this computer's disk is hashed and sent where it is."""
    study_source(tmp_path / "medium", series=1, per_series=3)
    login = cli.login(real_portal.url, real_portal)
    assert login.returncode == 0, login.stderr
    done = cli.run("upload", str(tmp_path / "medium"), "--community", COMMUNITY)
    assert done.returncode == 0, done.stderr
    assert "The CD can be removed" not in done.stderr
    assert "Every file has been read" in done.stderr
    job = json.loads(cli.run("transfers", "list", "--json").stdout)[0]
    assert job["state"] == "done" and job["staging"] is False
    assert job["receipt"]["totals"]["accepted"] == 3


@pytest.mark.slow
def test_kill_9_while_staging_and_uploading_then_restart(cli, real_portal, tmp_path):
    chunk = 128 * KIB
    study_source(tmp_path / "medium", series=2, per_series=10, rows=256, columns=256)
    cli.write_transfer_settings(chunk_size=chunk, max_chunk_size=chunk)
    port = int(real_portal.url.rsplit(":", 1)[1])
    with TcpProxy(("127.0.0.1", port)) as proxy:
        server = f"http://127.0.0.1:{proxy.port}"
        login = cli.login(server, real_portal)
        assert login.returncode == 0, login.stderr
        queued = cli.run("upload", str(tmp_path / "medium"), "--community", COMMUNITY,
                         "--no-wait", "--staging", "always")
        assert queued.returncode == 0, queued.stderr
        proxy.reset_counters()
        # About 2.6 MB read at 512 KiB/s: staging takes about 5 s.
        cli.env[SIMULATED_READ_RATE_ENV] = str(512 * KIB)
        runner = cli.start("transfers", "run")
        deadline = time.monotonic() + 60
        while not any(_portal_offsets(real_portal)) or max(_portal_offsets(real_portal)) < 4 * chunk:
            assert runner.poll() is None, runner.stderr.read()
            assert time.monotonic() < deadline, "upload did not start"
            time.sleep(0.01)
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
        runner.stdout.close()
        runner.stderr.close()
        job = json.loads(cli.run("transfers", "list", "--json").stdout)[0]
        assert job["state"] == "staging"  # killed while still reading the medium
        assert job["receipt"] is None
        cli.env.pop(SIMULATED_READ_RATE_ENV)
        final = cli.run("transfers", "run")
        assert final.returncode == 0, final.stderr
        job = json.loads(cli.run("transfers", "list", "--json").stdout)[0]
        assert job["state"] == "done", job["error"]
        assert job["receipt"]["totals"]["accepted"] == 20
        requests_made = proxy.connections + job["bytes_total"] // chunk + 40
        assert proxy.bytes_up <= job["bytes_total"] + chunk + requests_made * 2 * KIB
