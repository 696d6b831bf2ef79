"""Portal download throughput: archive and WADO-RS against a plain static file server.

Both servers run on 127.0.0.1 in this run. Our portal runs as operators run
it (``downloadmanager-portal serve``, one uvicorn process) and serves a
seeded study of N synthetic CT instances (512x512, 16-bit, ~0.5 MB each):

1. ``GET /api/studies/{uid}/archive`` (tar assembled on the fly from blobs);
2. ``GET /dicomweb/studies/{uid}`` (WADO-RS multipart/related);

and the reference, Python's ``http.server`` (ThreadingHTTPServer, sendfile-
free static file serving) serving the very same archive bytes as one file.
Every download is read completely with requests (1 MiB chunks). Warm cache,
best of --rounds. Run:

    .venv/bin/python bench/portal_download.py [--instances 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.accounts import add_membership, create_user  # noqa: E402
from portal.communities import create_community  # noqa: E402
from portal.config import Settings  # noqa: E402
from portal.db import open_database  # noqa: E402
from tests.dicom_factory import StudySpec, write_study  # noqa: E402
from tests.portal.conftest import free_port, portal_cli, wait_healthy  # noqa: E402
from tests.portal.seed import seed_study  # noqa: E402

MIB = 1024 * 1024


def timed_get(url: str, headers: dict | None = None) -> tuple[float, int]:
    """Seconds and bytes for one complete download."""
    start = time.perf_counter()
    total = 0
    with requests.get(url, headers=headers, stream=True, timeout=600) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_content(MIB):
            total += len(chunk)
    return time.perf_counter() - start, total


def best(rounds: int, url: str, headers: dict | None = None) -> tuple[float, int]:
    timed_get(url, headers)  # warm-up
    runs = [timed_get(url, headers) for _ in range(rounds)]
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        engine = open_database(Settings(data_dir=data))
        create_community(engine, "Bench", "Bn01")
        user_id, password = create_user(engine, "bench@example.org")
        add_membership(engine, user_id, "Bn01")
        files = write_study(tmp / "study", StudySpec(), series=3,
                            per_series=max(1, args.instances // 3), rows=512, columns=512)
        study = seed_study(engine, data, "Bn01", files=files)
        engine.dispose()

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        portal = subprocess.Popen([*portal_cli(), "serve", "--data", str(data), "--port",
                                   str(port), "--log-level", "warning"], cwd=ROOT)
        static_port = free_port()
        static_dir = tmp / "static"
        static_dir.mkdir()
        static = None
        try:
            wait_healthy(url, timeout=60, process=portal)
            token = requests.post(f"{url}/api/login", json={
                "email": "bench@example.org", "password": password}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            archive_url = f"{url}/api/studies/{study.uid}/archive"
            (static_dir / "study.tar").write_bytes(requests.get(archive_url,
                                                                headers=headers).content)
            static = subprocess.Popen(
                [sys.executable, "-m", "http.server", str(static_port), "--bind", "127.0.0.1",
                 "--directory", str(static_dir)], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            static_url = f"http://127.0.0.1:{static_port}/study.tar"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    requests.head(static_url, timeout=2)
                    break
                except requests.ConnectionError:
                    time.sleep(0.05)

            ref_s, ref_bytes = best(args.rounds, static_url)
            tar_s, tar_bytes = best(args.rounds, archive_url, headers)
            wado_s, wado_bytes = best(args.rounds, f"{url}/dicomweb/studies/{study.uid}", {
                **headers, "Accept": 'multipart/related; type="application/dicom"'})
        finally:
            portal.terminate()
            portal.wait(timeout=30)
            if static is not None:
                static.terminate()
                static.wait(timeout=30)

    def rate(seconds: float, size: int) -> float:
        return size / MIB / seconds

    print(f"instances: {len(files)}, archive {tar_bytes / MIB:.1f} MiB")
    print(f"reference http.server static file: {rate(ref_s, ref_bytes):8.1f} MiB/s")
    print(f"portal archive (tar from blobs):   {rate(tar_s, tar_bytes):8.1f} MiB/s "
          f"= {rate(tar_s, tar_bytes) / rate(ref_s, ref_bytes):.2f}x reference")
    print(f"portal WADO-RS retrieve study:     {rate(wado_s, wado_bytes):8.1f} MiB/s "
          f"= {rate(wado_s, wado_bytes) / rate(ref_s, ref_bytes):.2f}x reference")


if __name__ == "__main__":
    main()
