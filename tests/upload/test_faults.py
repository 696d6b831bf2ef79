"""Faults: kill -9 of the uploader, portal killed and restarted, cut connections + latency.

Bytes are counted by ``tests.tcp_proxy.TcpProxy`` between client and portal, so
"at most one chunk sent again" is checked on the wire.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time

import pytest

from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.runner import QueueRunner
from downloadmanager.core.transfers.settings import TransferSettings
from downloadmanager.core.transfers.store import QueueStore
from tests.portal.conftest import free_port, portal_cli, wait_healthy
from tests.tcp_proxy import TcpProxy
from tests.upload.conftest import (
    COMMUNITY,
    ROOT,
    items_of,
    logged_in_client,
    start_portal_with_sender,
    study_source,
)

KIB, MIB = 1024, 1024 * 1024
# Per HTTP request (headers, receipt polls, logins): a generous allowance on the wire.
REQUEST_OVERHEAD = 2 * KIB

pytestmark = pytest.mark.slow


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def _job(cli):
    return json.loads(cli.run("transfers", "list", "--json").stdout)[0]


def test_kill_9_at_random_points_then_restart_completes(cli, real_portal, tmp_path):
    chunk = 256 * KIB
    study_source(tmp_path / "medium", series=2, per_series=12, rows=256, columns=256)
    cli.write_transfer_settings(chunk_size=chunk, max_chunk_size=chunk)
    rng = random.Random(20261127)
    # Slow enough (about 6 s for the study) that every kill point is reached
    # while uploading, whatever the machine's load.
    with TcpProxy(("127.0.0.1", _port(real_portal.url)), rate=512 * KIB) as proxy:
        server = f"http://127.0.0.1:{proxy.port}"
        login = cli.login(server, real_portal)
        assert login.returncode == 0, login.stderr
        queued = cli.run("upload", str(tmp_path / "medium"), "--community", COMMUNITY,
                         "--no-wait")
        assert queued.returncode == 0, queued.stderr
        proxy.reset_counters()
        kills = 0
        total = None
        for fraction in sorted(rng.uniform(0.1, 0.9) for _ in range(3)):
            runner = cli.start("transfers", "run")
            deadline = time.monotonic() + 60
            while total is None:
                # Asking the queue costs a process start: only until the size is known.
                job = _job(cli)
                if job["state"] == "uploading" and job["bytes_total"]:
                    total = job["bytes_total"]
                assert runner.poll() is None, runner.stderr.read()
                assert time.monotonic() < deadline, "upload did not start"
                time.sleep(0.02)
            while proxy.bytes_up < fraction * total:
                assert runner.poll() is None, runner.stderr.read()
                assert time.monotonic() < deadline, "upload did not progress"
                time.sleep(0.005)
            os.kill(runner.pid, signal.SIGKILL)
            runner.wait()
            runner.stdout.close()
            runner.stderr.close()
            kills += 1
        assert _job(cli)["state"] == "uploading"  # interrupted, not finished
        final = cli.run("transfers", "run")
        assert final.returncode == 0, final.stderr
        job = _job(cli)
        assert job["state"] == "done", job["error"]
        assert job["receipt"]["totals"]["accepted"] == 24
        requests_made = proxy.connections + job["bytes_total"] // chunk + 40
        assert proxy.bytes_up <= job["bytes_total"] + kills * chunk + \
            requests_made * REQUEST_OVERHEAD


def _serve(data_dir, port):
    proc = subprocess.Popen(
        [*portal_cli(), "serve", "--host", "127.0.0.1", "--port", str(port), "--data",
         str(data_dir), "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(f"http://127.0.0.1:{port}", timeout=60, process=proc)
    return proc


def test_portal_killed_and_restarted_mid_upload(dm_home, memory_keyring, tmp_path):
    data = tmp_path / "portal-data"
    setup = start_portal_with_sender(data)  # creates community and sender, then goes away
    setup.stop()
    portal = _serve(data, free_port())
    try:
        study = study_source(tmp_path / "medium", series=2, per_series=10, rows=256,
                             columns=256)
        with TcpProxy(("127.0.0.1", int(portal.args[portal.args.index("--port") + 1])),
                      rate=3 * MIB) as proxy:
            setup.url = f"http://127.0.0.1:{proxy.port}"
            client = logged_in_client(setup)
            with QueueStore() as store:
                job_id = store.add_job(server=client.server, account=client.email,
                                       community=COMMUNITY,
                                       study_instance_uid=study.study_instance_uid,
                                       items=items_of(study))
                runner = QueueRunner(store, lambda s, a: client, poll_interval=0.05,
                                     settings=TransferSettings(chunk_size=256 * KIB,
                                                               max_chunk_size=256 * KIB))
                import threading
                worker = threading.Thread(target=runner.run)
                worker.start()
                deadline = time.monotonic() + 60
                while True:
                    job = store.get_job(job_id, with_items=False)
                    if job.state is JobState.UPLOADING and job.bytes_done >= 1 * MIB:
                        break
                    assert time.monotonic() < deadline
                    time.sleep(0.02)
                portal.kill()  # SIGKILL: no goodbye to the client
                portal.wait()
                assert store.state_of(job_id) is JobState.UPLOADING  # really mid-upload
                proxy.cut_all()
                time.sleep(0.5)
                new_port = free_port()
                portal = _serve(data, new_port)
                proxy.set_upstream(("127.0.0.1", new_port))
                worker.join(timeout=120)
                assert not worker.is_alive()
                job = store.get_job(job_id)
        assert job.state is JobState.DONE, job.error
        assert job.receipt["totals"]["accepted"] == 20
    finally:
        portal.kill()
        portal.wait()


def test_cut_every_two_mib_with_50ms_rtt(dm_home, memory_keyring, real_portal, tmp_path):
    chunk = 512 * KIB
    study = study_source(tmp_path / "medium", series=2, per_series=20, rows=256, columns=256)
    with TcpProxy(("127.0.0.1", _port(real_portal.url)), delay_up=0.025, delay_down=0.025,
                  cut_every=2 * MIB) as proxy:
        client = logged_in_client(real_portal, f"http://127.0.0.1:{proxy.port}")
        with QueueStore() as store:
            job_id = store.add_job(server=client.server, account=client.email,
                                   community=COMMUNITY,
                                   study_instance_uid=study.study_instance_uid,
                                   items=items_of(study))
            QueueRunner(store, lambda s, a: client, poll_interval=0.05,
                        settings=TransferSettings(chunk_size=chunk,
                                                  max_chunk_size=chunk)).run()
            job = store.get_job(job_id)
        assert job.state is JobState.DONE, job.error
        assert job.receipt["totals"]["accepted"] == 40
        assert proxy.cuts >= 2
        requests_made = proxy.connections + job.bytes_total // chunk + 40
        assert proxy.bytes_up <= job.bytes_total + proxy.cuts * chunk + \
            requests_made * REQUEST_OVERHEAD


def test_pause_and_cancel_from_another_process_while_run_is_busy(cli, real_portal, tmp_path):
    study_source(tmp_path / "medium", series=2, per_series=10, rows=256, columns=256)
    cli.write_transfer_settings(chunk_size=128 * KIB, max_chunk_size=128 * KIB)
    # About 20 s for the whole study: pause and cancel land mid-upload even
    # though every look at the queue starts a process (2-4 s each on a loaded
    # 2-core machine, and the upload no longer waits for staging to end).
    with TcpProxy(("127.0.0.1", _port(real_portal.url)), rate=128 * KIB) as proxy:
        server = f"http://127.0.0.1:{proxy.port}"
        assert cli.login(server, real_portal).returncode == 0
        assert cli.run("upload", str(tmp_path / "medium"), "--community", COMMUNITY,
                       "--no-wait").returncode == 0
        job_id = str(_job(cli)["id"])
        runner = cli.start("transfers", "run")
        deadline = time.monotonic() + 60
        while not (_job(cli)["state"] == "uploading" and _job(cli)["bytes_done"] > 0):
            assert time.monotonic() < deadline and runner.poll() is None
            time.sleep(0.05)
        assert cli.run("transfers", "pause", job_id).returncode == 0
        out, err = runner.communicate(timeout=60)  # the runner notices and exits
        job = _job(cli)
        assert runner.returncode == 0, err
        assert job["state"] == "paused" and 0 < job["bytes_done"] < job["bytes_total"]
        url = job["upload_url"]

        # Slower for the second half, so the cancel below still lands mid-upload
        # after the three process starts it takes to see the upload going on.
        proxy.rate = 48 * KIB
        assert cli.run("transfers", "resume", job_id).returncode == 0
        paused_at = job["bytes_done"]
        runner = cli.start("transfers", "run")
        while not (_job(cli)["state"] == "uploading" and _job(cli)["bytes_done"] > paused_at):
            assert time.monotonic() < deadline + 60 and runner.poll() is None
            time.sleep(0.05)
        cancel = cli.run("transfers", "cancel", job_id, "--json")
        runner.communicate(timeout=60)
        assert cancel.returncode == 0, cancel.stderr
        job = _job(cli)
        assert job["state"] == "cancelled" and job["bytes_done"] < job["bytes_total"]
        import requests
        token = requests.post(f"{real_portal.url}/api/login", json={
            "email": real_portal.email, "password": real_portal.password}).json()["token"]
        head = requests.head(url.replace(str(proxy.port), str(_port(real_portal.url))),
                             headers={"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}"})
        assert head.status_code in (404, 410)  # terminated on the server (tus DELETE)
