"""Helpers shared by the tus and ingest tests: bundles, raw tus requests, a cutting proxy.

(Named ``test_*`` so that it lives among the files of its owner; it holds no tests.)
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import socket
import tarfile
import threading
from dataclasses import dataclass
from pathlib import Path

import requests
from pydicom.uid import generate_uid

from portal.communities import create_community
from tests.dicom_factory import StudySpec, write_study

TUS = {"Tus-Resumable": "1.0.0"}
OCTET = {"Content-Type": "application/offset+octet-stream"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def community(portal, code: str | None = None, name: str = "Radiologie Test") -> str:
    """Create a community on PORTAL; returns its code."""
    return create_community(portal.engine, f"{name} {generate_uid()[-6:]}", code)["code"]


# -- bundles ---------------------------------------------------------------------
def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class BundleSpec:
    """What goes into a test bundle."""

    study_uid: str
    instances: list[dict]  # manifest entries
    payloads: dict[str, bytes]  # member name -> bytes
    documents: list[dict]
    note: str | None = "Bitte an Dr. Test"

    def manifest(self) -> dict:
        docs_bytes = sum(d["size"] for d in self.documents)
        return {
            "format": "downloadmanager-bundle", "version": 1,
            "created": "2026-11-27T21:30:00Z", "client": "tests",
            "study_instance_uid": self.study_uid, "note": self.note,
            "instances": self.instances, "documents": self.documents,
            "totals": {"instances": len(self.instances), "documents": len(self.documents),
                       "bytes": sum(i["size"] for i in self.instances) + docs_bytes},
        }


def study_spec(folder: Path, *, series: int = 2, per_series: int = 2,
               spec: StudySpec | None = None, pdf: bytes | None = None,
               rows: int = 32) -> BundleSpec:
    """A bundle spec for a synthetic study written into FOLDER."""
    spec = spec or StudySpec()
    paths = write_study(folder, spec, series=series, per_series=per_series, rows=rows,
                        columns=rows)
    from pydicom import dcmread

    instances, payloads = [], {}
    for index, path in enumerate(paths, start=1):
        data = path.read_bytes()
        ds = dcmread(path, stop_before_pixels=True)
        name = f"dicom/{index:06d}.dcm"
        instances.append({
            "name": name, "sop_instance_uid": ds.SOPInstanceUID,
            "sop_class_uid": ds.SOPClassUID, "series_instance_uid": ds.SeriesInstanceUID,
            "transfer_syntax_uid": ds.file_meta.TransferSyntaxUID,
            "size": len(data), "sha256": sha256(data)})
        payloads[name] = data
    documents = []
    if pdf is not None:
        name = "documents/01-einverstaendnis.pdf"
        documents.append({"name": name, "title": "Einverständnis.pdf",
                          "content_type": "application/pdf", "size": len(pdf),
                          "sha256": sha256(pdf)})
        payloads[name] = pdf
    return BundleSpec(spec.study_uid, instances, payloads, documents)


def tar_bytes(members: list[tuple[str, bytes]], extra: list[tarfile.TarInfo] = ()) -> bytes:
    """An uncompressed tar of (name, bytes) members plus raw TarInfo EXTRA entries."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    return out.getvalue()


def bundle_bytes(spec: BundleSpec, manifest: dict | None = None) -> bytes:
    manifest = manifest or spec.manifest()
    members = [("manifest.json", json.dumps(manifest).encode("utf-8"))]
    members += list(spec.payloads.items())
    return tar_bytes(members)


def minimal_pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


# -- raw tus -----------------------------------------------------------------------
class TusCalls:
    """Plain tus requests with a bearer token (one requests.Session)."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.auth = {"Authorization": f"Bearer {token}"}

    def headers(self, **extra) -> dict:
        return {**TUS, **self.auth, **extra}

    def create(self, length: int, code: str, body: bytes | None = None, **extra):
        headers = self.headers(**{"Upload-Length": str(length),
                                  "Upload-Metadata": f"community {b64(code)},filename "
                                                     f"{b64('bundle.tar')}"}, **extra)
        if body is not None:
            headers.update(OCTET)
        return self.session.post(f"{self.url}/uploads/", headers=headers, data=body,
                                 timeout=60)

    def create_url(self, length: int, code: str) -> str:
        answer = self.create(length, code)
        assert answer.status_code == 201, answer.text
        return self.url + answer.headers["Location"]

    def patch(self, upload_url: str, offset: int, data: bytes, **extra):
        headers = self.headers(**OCTET, **{"Upload-Offset": str(offset)})
        headers.update(extra)
        return self.session.patch(upload_url, headers=headers, data=data, timeout=60)

    def head(self, upload_url: str, **extra):
        return self.session.head(upload_url, headers=self.headers(**extra), timeout=60)

    def delete(self, upload_url: str):
        return self.session.delete(upload_url, headers=self.headers(), timeout=60)

    def receipt(self, upload_url: str):
        upload_id = upload_url.rstrip("/").rsplit("/", 1)[1]
        return self.session.get(f"{self.url}/api/uploads/{upload_id}/receipt",
                                headers=self.auth, timeout=60)

    def upload(self, data: bytes, code: str) -> str:
        """Create and send DATA in one PATCH; returns the upload URL."""
        url = self.create_url(len(data), code)
        answer = self.patch(url, 0, data)
        assert answer.status_code == 204, answer.text
        return url


def wait_receipt(calls: TusCalls, upload_url: str, timeout: float = 60.0) -> dict:
    """Poll the receipt endpoint until it answers 200."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = calls.receipt(upload_url)
        if answer.status_code == 200:
            return answer.json()
        assert answer.status_code == 202, answer.text
        time.sleep(0.05)
    raise AssertionError("no receipt in time")


def wait_writers_idle(portal, timeout: float = 10.0) -> None:
    """Wait until no request writes to any upload of PORTAL (e.g. after a cut)."""
    import time

    service = portal.app.state.tus_service
    deadline = time.monotonic() + timeout
    time.sleep(0.05)  # let the server see the disconnect first
    while service.slots.active() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert service.slots.active() == 0


# -- a TCP proxy that can cut connections ----------------------------------------
class CuttingProxy:
    """Forwards 127.0.0.1:port to TARGET_PORT; cuts every connection after LIMIT
    client->server bytes while ``limit`` is set (simulates a dropped line).
    With ONCE, only the first connection is cut, later ones pass."""

    def __init__(self, target_port: int, limit: int | None = None, once: bool = False) -> None:
        self.target_port = target_port
        self.limit = limit
        self.once = once
        self.cuts = 0
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(client, upstream, True),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False),
                             daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, upstream: bool) -> None:
        sent = 0
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if upstream and self.limit is not None and sent + len(data) > self.limit:
                    sink.sendall(data[:self.limit - sent])
                    self.cuts += 1
                    if self.once:
                        self.limit = None
                    break
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self) -> None:
        self._stop.set()
        self._server.close()
