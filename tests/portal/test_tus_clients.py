"""Third-party tus clients against the real portal: tuspy (PyPI) and tus-js-client (npm).

Each uploads a real study bundle, resumes after its connection was cut in the
middle of a PATCH, and terminates an upload.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

from portal.schema import uploads
from tests.tcp_proxy import TcpProxy

from tests.portal.test_tus_helpers import (
    CuttingProxy,
    TusCalls,
    bundle_bytes,
    community,
    study_spec,
    wait_receipt,
    wait_writers_idle,
)

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
NODE_SCRIPT = NODE_DIR / "tus_upload.js"


@pytest.fixture
def sender(portal, make_user, tmp_path):
    user = make_user()
    spec = study_spec(tmp_path / "study", series=2, per_series=8, rows=256)
    data = bundle_bytes(spec)
    path = tmp_path / "bundle.tar"
    path.write_bytes(data)
    return TusCalls(portal.url, user.token), community(portal), path, spec


def upload_id(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


# -- tuspy -----------------------------------------------------------------------
def test_tuspy_uploads_a_bundle_with_checksums(portal, sender):
    calls, code, path, spec = sender
    client = tus_client.TusClient(f"{portal.url}/uploads/", headers=calls.auth)
    uploader = client.uploader(str(path), chunk_size=300_000, metadata={"community": code},
                               upload_checksum=True)
    uploader.upload()
    receipt = wait_receipt(calls, uploader.url)
    assert receipt["state"] == "done"
    assert receipt["totals"]["accepted"] == len(spec.instances)


def test_tuspy_resumes_after_a_cut_connection(portal, sender):
    calls, code, path, _ = sender
    size = path.stat().st_size
    proxy = CuttingProxy(int(portal.url.rsplit(":", 1)[1]), limit=size // 2)
    try:
        client = tus_client.TusClient(f"http://127.0.0.1:{proxy.port}/uploads/",
                                      headers=calls.auth)
        uploader = client.uploader(str(path), metadata={"community": code})
        with pytest.raises((TusCommunicationError, TusUploadFailed,
                            requests.exceptions.ConnectionError)):
            uploader.upload()
        assert proxy.cuts >= 1
        url = uploader.url
        wait_writers_idle(portal)
        kept = int(calls.head(f"{portal.url}/uploads/{upload_id(url)}")
                   .headers["Upload-Offset"])
        assert 0 < kept < size  # the bytes before the cut were kept
        proxy.limit = None
        resumed = client.uploader(str(path), url=url, metadata={"community": code})
        assert resumed.offset == kept
        resumed.upload()
    finally:
        proxy.close()
    receipt = wait_receipt(calls, f"{portal.url}/uploads/{upload_id(url)}")
    assert receipt["state"] == "done"  # every byte arrived exactly once


def test_tuspy_upload_can_be_terminated(portal, sender):
    calls, code, path, _ = sender
    client = tus_client.TusClient(f"{portal.url}/uploads/", headers=calls.auth)
    uploader = client.uploader(str(path), chunk_size=200_000, metadata={"community": code})
    uploader.upload_chunk()
    # tuspy has no termination call: send DELETE with the client's own headers.
    answer = requests.delete(uploader.url, headers={**client.headers, "Tus-Resumable": "1.0.0"})
    assert answer.status_code == 204
    with pytest.raises(TusCommunicationError) as failure:
        uploader.upload_chunk()
    assert failure.value.status_code == 410


# -- tus-js-client -----------------------------------------------------------------
def run_node(options: dict, timeout: float = 120) -> tuple[int, list[dict]]:
    node = shutil.which("node")
    assert node, "Node.js is needed (scripts/setup.sh installs it)"
    assert (NODE_DIR / "node_modules" / "tus-js-client").is_dir(), \
        "run scripts/setup.sh (npm ci in tests/node)"
    done = subprocess.run([node, str(NODE_SCRIPT), json.dumps(options)], capture_output=True,
                          text=True, timeout=timeout)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, events


def test_tus_js_client_uploads_a_bundle(portal, sender):
    calls, code, path, spec = sender
    status, events = run_node({"endpoint": f"{portal.url}/uploads/", "files": [str(path)],
                               "token": calls.auth["Authorization"].split()[1],
                               "metadata": {"community": code, "filename": "bundle.tar"},
                               "chunkSize": 1_000_000})
    assert status == 0, events
    success = next(e for e in events if e["event"] == "success")
    receipt = wait_receipt(calls, success["url"])
    assert receipt["state"] == "done"
    assert receipt["totals"]["accepted"] == len(spec.instances)


def test_tus_js_client_resumes_after_being_killed(portal, sender, tmp_path):
    calls, code, _, _ = sender
    portal.app.state.tus_service.ingest.stop()  # keep the received file for comparison
    data = os.urandom(48 * 1024 * 1024)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    # Through a 16 MiB/s link: on bare loopback the kernel's buffers can take
    # the whole file before the client notices it is half way and dies.
    proxy = TcpProxy(("127.0.0.1", int(portal.url.rsplit(":", 1)[1])), rate=16 * 1024 * 1024)
    base = {"endpoint": f"http://127.0.0.1:{proxy.port}/uploads/", "files": [str(path)],
            "token": calls.auth["Authorization"].split()[1], "metadata": {"community": code}}
    try:
        status, events = run_node({**base, "exitAfter": len(data) // 2})
    finally:
        proxy.close()
    base["endpoint"] = f"{portal.url}/uploads/"
    assert status == 3, events  # the process died in the middle of its PATCH
    url = next(e for e in events if e["event"] == "created")["url"]
    url = url.replace(f":{proxy.port}/", f":{portal.url.rsplit(':', 1)[1]}/")
    wait_writers_idle(portal)
    kept = int(calls.head(url).headers["Upload-Offset"])
    assert 0 < kept < len(data)  # the bytes that arrived before the kill were kept
    stored = portal.data_dir / "uploads" / upload_id(url)
    assert stored.read_bytes() == data[:kept]
    status, events = run_node({**base, "uploadUrl": url})
    assert status == 0, events
    assert next(e for e in events if e["event"] == "success")["url"] == url
    assert stored.read_bytes() == data


def test_tus_js_client_retries_and_resumes_after_a_cut(portal, sender):
    calls, code, path, spec = sender
    proxy = CuttingProxy(int(portal.url.rsplit(":", 1)[1]), limit=path.stat().st_size // 2,
                         once=True)
    try:
        status, events = run_node({"endpoint": f"http://127.0.0.1:{proxy.port}/uploads/",
                                   "files": [str(path)],
                                   "token": calls.auth["Authorization"].split()[1],
                                   "metadata": {"community": code}})
    finally:
        proxy.close()
    assert status == 0, events
    assert proxy.cuts == 1
    url = next(e for e in events if e["event"] == "success")["url"]
    receipt = wait_receipt(calls, f"{portal.url}/uploads/{upload_id(url)}")
    assert receipt["state"] == "done"
    with portal.engine.connect() as conn:
        # Resumed, not started again: still one upload.
        assert conn.execute(select(func.count()).select_from(uploads)).scalar() == 1


def test_tus_js_client_terminates(portal, sender):
    calls, code, path, _ = sender
    status, events = run_node({"endpoint": f"{portal.url}/uploads/", "files": [str(path)],
                               "token": calls.auth["Authorization"].split()[1],
                               "metadata": {"community": code}, "chunkSize": 200_000,
                               "terminateAfter": 400_000})
    assert status == 0, events
    url = next(e for e in events if e["event"] == "terminated")["url"]
    assert calls.head(url).status_code == 410
    assert not (portal.data_dir / "uploads" / upload_id(url)).exists()


def test_tus_js_client_without_token_is_refused(portal, sender):
    _, code, path, _ = sender
    status, events = run_node({"endpoint": f"{portal.url}/uploads/", "files": [str(path)],
                               "metadata": {"community": code}})
    assert status == 1
    assert "401" in events[-1]["message"]
