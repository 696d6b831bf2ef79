"""A deliberately misbehaving portal: path-traversal names, wrong checksums, truncated bodies.

Whatever it sends, nothing is written outside the target folder and nothing
unverified is shown as complete.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from downloadmanager.core.portal_client import DownloadError, StudySource
from downloadmanager.core.download.job import DownloadJob
from downloadmanager.core.download.partial import PARTIAL_DIR_NAME
from tests.dicom_factory import StudySpec, write_study

STUDY = "1.2.3.4"


class Behaviour:
    def __init__(self, files: dict[str, bytes], *, names=None, sop_uids=None, corrupt=(), truncate_first=0,
                 extra_members=(), always_truncate=False):
        self.files = files  # sop uid -> bytes
        self.names = names or {uid: f"dicom/1.2/{uid}.dcm" for uid in files}
        self.sop_uids = sop_uids or {uid: uid for uid in files}
        self.corrupt = set(corrupt)
        self.truncate_first = truncate_first
        self.always_truncate = always_truncate
        self.extra_members = extra_members
        self.archive_requests = 0

    def manifest(self) -> dict:
        return {"study_instance_uid": STUDY, "instances": [
            {"path": self.names[uid], "sop_instance_uid": self.sop_uids[uid], "size": len(data),
             "sha256": hashlib.sha256(data).hexdigest()} for uid, data in self.files.items()],
            "documents": [], "archive": {"format": "tar", "size": len(self.archive()), "etag": '"v1"'}}

    def archive(self) -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for uid, data in self.files.items():
                if uid in self.corrupt:
                    data = data[:-4] + b"XXXX"
                info = tarfile.TarInfo(self.names[uid])
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            for name, data in self.extra_members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            link = tarfile.TarInfo("evil-link")
            link.type = tarfile.SYMTYPE
            link.linkname = "/etc/passwd"
            tar.addfile(link)
        return buf.getvalue()


def _serve(behaviour: Behaviour):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path.endswith("/manifest"):
                body = json.dumps(behaviour.manifest()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            data = behaviour.archive()
            behaviour.archive_requests += 1
            start = 0
            rng = self.headers.get("Range")
            if rng:
                start = int(rng.split("=")[1].split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            body = data[start:]
            if behaviour.always_truncate or behaviour.archive_requests <= behaviour.truncate_first:
                # Promise the whole body, send part of it, hang up.
                self.wfile.write(body[:max(1, len(body) // 3)])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def files(tmp_path):
    paths = write_study(tmp_path / "src", StudySpec(), series=1, per_series=6)
    from pydicom import dcmread
    return {str(dcmread(p).SOPInstanceUID): p.read_bytes() for p in paths}


def _run(behaviour, tmp_path):
    server = _serve(behaviour)
    try:
        source = StudySource(f"http://127.0.0.1:{server.server_address[1]}", "token")
        target = tmp_path / "box" / "target"
        target.parent.mkdir()
        job = DownloadJob(source, [STUDY], target, "job", retry_delay=0.01)
        return target, job.run
    finally:
        pass


def _outside(tmp_path: Path) -> list[str]:
    """Everything under tmp_path/box that is not inside the target."""
    box = tmp_path / "box"
    return [str(p) for p in box.rglob("*") if not p.is_relative_to(box / "target")]


def test_traversal_names_never_become_paths(tmp_path, files):
    uids = list(files)
    names = {uid: f"../../escape-{n}.dcm" if n % 2 else f"/abs/escape-{n}.dcm" for n, uid in enumerate(uids)}
    sops = {uid: ("../../../" + uid) if n == 0 else uid for n, uid in enumerate(uids)}
    behaviour = Behaviour(files, names=names, sop_uids=sops,
                          extra_members=[("../../outside.txt", b"pwned"), ("dicom/x/../../../y.dcm", b"no")])
    target, run = _run(behaviour, tmp_path)
    result = run()
    assert result.instance_count == 6
    assert _outside(tmp_path) == []
    assert not list(tmp_path.rglob("outside.txt")) and not list(tmp_path.rglob("escape-*"))
    assert not list(tmp_path.rglob("evil-link"))
    written = sorted(target.rglob("*.dcm"))
    assert {p.read_bytes() for p in written} == set(files.values())
    assert not (target / PARTIAL_DIR_NAME).exists()


def test_wrong_checksum_is_never_shown_as_complete(tmp_path, files):
    bad = list(files)[2]
    behaviour = Behaviour(files, corrupt=[bad])
    target, run = _run(behaviour, tmp_path)
    with pytest.raises(DownloadError) as info:
        run()
    assert info.value.key == "download_incomplete"
    assert "1 von 6" in info.value.message("de")  # the other five are verified
    # Only the hidden partial area exists; no study folder was published.
    assert [p.name for p in target.iterdir()] == [PARTIAL_DIR_NAME]
    partial_files = [p for p in (target / PARTIAL_DIR_NAME).rglob("*.dcm")]
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() in
               {hashlib.sha256(d).hexdigest() for d in files.values()} for p in partial_files)
    assert len(partial_files) == 5  # the damaged file was deleted, not kept unverified
    assert _outside(tmp_path) == []


def test_truncated_bodies_are_resumed(tmp_path, files):
    behaviour = Behaviour(files, truncate_first=3)
    target, run = _run(behaviour, tmp_path)
    result = run()
    assert result.instance_count == 6
    assert behaviour.archive_requests >= 4
    assert {p.read_bytes() for p in target.rglob("*.dcm")} == set(files.values())


def test_always_truncated_fails_cleanly(tmp_path, files):
    behaviour = Behaviour(files, always_truncate=True)
    target, run = _run(behaviour, tmp_path)
    with pytest.raises(DownloadError) as info:
        run()
    assert info.value.key == "download_incomplete"
    assert [p.name for p in target.iterdir()] == [PARTIAL_DIR_NAME]
    if os.name == "posix":
        assert (target / PARTIAL_DIR_NAME).stat().st_mode & 0o777 == 0o700


class _RepeatsFirstMember(Behaviour):
    """An archive whose first member comes twice in a row, the second copy damaged."""

    def archive(self) -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for n, (uid, data) in enumerate(self.files.items()):
                for copy in ([data, data[:-4] + b"XXXX"] if n == 0 else [data]):
                    info = tarfile.TarInfo(self.names[uid])
                    info.size = len(copy)
                    tar.addfile(info, io.BytesIO(copy))
        return buf.getvalue()


@pytest.mark.parametrize("attempt", range(3))  # the old failure depended on thread timing
def test_a_repeated_member_never_spoils_the_verified_copy(tmp_path, files, attempt):
    target, run = _run(_RepeatsFirstMember(files), tmp_path)
    result = run()
    assert result.instance_count == len(files)
    assert {p.read_bytes() for p in target.rglob("*.dcm")} == set(files.values())
    assert _outside(tmp_path) == []
