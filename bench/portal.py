"""Portal upload throughput against @tus/server + @tus/file-store, with tus-js-client.

Both servers run on 127.0.0.1 in this run; the same client (tus-js-client in
Node.js, tests/node/tus_upload.js) sends the same bytes with the same chunk
size to each. Measured:

1. one 1 GiB upload to our portal vs the same to @tus/server (target: ours
   at least 1.2x theirs);
2. 20 concurrent 50 MiB uploads to our portal vs its single-stream
   throughput (target: aggregate at least 80 % of single stream);
3. the ceiling: the same 1 GiB upload to a "discard" tus endpoint
   (tests/node/tus_discard_server.mjs: reads and drops the bytes, no disk),
   i.e. what tus-js-client can send at most on this machine. If the ceiling
   is below 1.2x the reference, no server can meet target 1 here.

Our portal runs as operators run it (``downloadmanager-portal serve``:
uvicorn with uvloop and httptools, one process) and fsyncs every PATCH before
it answers; @tus/file-store does not fsync. Run:

    .venv/bin/python bench/portal.py [--size-mib 1024] [--chunk-mib 64] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / "tests" / "node"
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def random_file(path: Path, size: int) -> Path:
    """SIZE random bytes at PATH (incompressible, like image data)."""
    block = os.urandom(8 * MIB)
    with open(path, "wb") as out:
        left = size
        while left:
            n = min(left, len(block))
            out.write(block[:n])
            left -= n
            block = block[1:] + block[:1]  # not identical blocks
    return path


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.options(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start_portal(data: Path) -> tuple[subprocess.Popen, str, str, str]:
    """Serve a portal on DATA; returns (process, base URL, token, community code)."""
    from portal.accounts import create_user
    from portal.communities import create_community
    from portal.config import Settings
    from portal.db import open_database

    engine = open_database(Settings(data_dir=data))
    _user_id, password = create_user(engine, "bench@example.org")
    code = create_community(engine, "Benchmark community")["code"]
    engine.dispose()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cli = Path(sys.executable).with_name("downloadmanager-portal")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "portal.cli"]
    proc = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--data", str(data), "--log-level", "warning"], cwd=ROOT)
    wait_http(f"{url}/healthz")
    token = requests.post(f"{url}/api/login", json={"email": "bench@example.org",
                                                    "password": password}).json()["token"]
    return proc, url, token, code


def start_tus_server(directory: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(["node", str(NODE_DIR / "tus_server.mjs"), str(port),
                             str(directory)], cwd=NODE_DIR)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/files/")
    return proc, url


def start_discard_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(["node", str(NODE_DIR / "tus_discard_server.mjs"), str(port)],
                            cwd=NODE_DIR)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/files/")
    return proc, url


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_client(endpoint: str, files: list[Path], chunk: int, token: str | None = None,
               metadata: dict | None = None) -> float:
    """Upload FILES concurrently with tus-js-client; returns wall seconds."""
    options = {"endpoint": endpoint, "files": [str(f) for f in files], "chunkSize": chunk,
               "metadata": metadata or {}}
    if token:
        options["token"] = token
    started = time.perf_counter()
    done = subprocess.run(["node", str(NODE_DIR / "tus_upload.js"), json.dumps(options)],
                          capture_output=True, text=True, timeout=1800, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"tus-js-client failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    finished = [e for e in events if e["event"] == "success"]
    assert len(finished) == len(files), events
    return seconds


def clear(directory: Path) -> None:
    for entry in directory.iterdir():
        if entry.is_file():
            entry.unlink()


def wait_portal_idle(data: Path, timeout: float = 600) -> None:
    """Wait until the portal verified (and removed) every completed upload file."""
    deadline = time.monotonic() + timeout
    uploads = data / "uploads"
    while time.monotonic() < deadline:
        if not any(p.is_file() for p in uploads.iterdir()):
            return
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="single upload size")
    parser.add_argument("--chunk-mib", type=int, default=64, help="PATCH size for both servers")
    parser.add_argument("--streams", type=int, default=20)
    parser.add_argument("--stream-mib", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where to put files (default: a temporary folder)")
    args = parser.parse_args(argv)
    if not (NODE_DIR / "node_modules" / "@tus" / "server").is_dir():
        print("run scripts/setup.sh first (npm ci in tests/node)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-portal-", dir=args.workdir))
    chunk = args.chunk_mib * MIB
    procs: list[subprocess.Popen] = []
    try:
        big = random_file(work / "big.bin", args.size_mib * MIB)
        small = [random_file(work / f"small-{i:02d}.bin", args.stream_mib * MIB)
                 for i in range(args.streams)]
        portal_data = work / "portal"
        portal, portal_url, token, code = start_portal(portal_data)
        procs.append(portal)
        tus_dir = work / "tus-server"
        tus_dir.mkdir()
        theirs, theirs_url = start_tus_server(tus_dir)
        procs.append(theirs)
        discard, discard_url = start_discard_server()
        procs.append(discard)
        meta = {"community": code, "filename": "bench.bin"}
        ours_single, theirs_single, ours_multi, ceiling_single = [], [], [], []
        for round_no in range(1, args.rounds + 1):
            seconds = run_client(f"{discard_url}/files/", [big], chunk)
            ceiling_single.append(big.stat().st_size / seconds / MIB)
            seconds = run_client(f"{theirs_url}/files/", [big], chunk)
            theirs_single.append(big.stat().st_size / seconds / MIB)
            clear(tus_dir)
            seconds = run_client(f"{portal_url}/uploads/", [big], chunk, token, meta)
            ours_single.append(big.stat().st_size / seconds / MIB)
            wait_portal_idle(portal_data)
            seconds = run_client(f"{portal_url}/uploads/", small, chunk, token, meta)
            ours_multi.append(sum(f.stat().st_size for f in small) / seconds / MIB)
            wait_portal_idle(portal_data)
            print(f"round {round_no}: discard (ceiling) {ceiling_single[-1]:.0f} MiB/s, "
                  f"@tus/server {theirs_single[-1]:.0f} MiB/s, "
                  f"portal {ours_single[-1]:.0f} MiB/s, portal {args.streams} streams "
                  f"{ours_multi[-1]:.0f} MiB/s; ceiling/ref "
                  f"{ceiling_single[-1] / theirs_single[-1]:.2f}x, portal/ref "
                  f"{ours_single[-1] / theirs_single[-1]:.2f}x", flush=True)
        ours = statistics.median(ours_single)
        theirs_rate = statistics.median(theirs_single)
        multi = statistics.median(ours_multi)
        ceiling = statistics.median(ceiling_single)
        print(f"\nsingle {args.size_mib} MiB upload, {args.chunk_mib} MiB chunks, "
              f"tus-js-client {len(ours_single)} rounds (median):")
        print(f"  @tus/server + @tus/file-store: {theirs_rate:7.0f} MiB/s")
        print(f"  portal (fsync per PATCH):      {ours:7.0f} MiB/s   ratio {ours / theirs_rate:.2f}x"
              f" (target >= 1.2x)")
        print(f"  discard endpoint (ceiling):    {ceiling:7.0f} MiB/s   ratio "
              f"{ceiling / theirs_rate:.2f}x of @tus/server, portal reaches "
              f"{ours / ceiling:.0%} of it")
        if ceiling < 1.2 * theirs_rate:
            print("  -> the ceiling is below 1.2x the reference: no server can meet the "
                  "target with this client on this machine")
        print(f"{args.streams} concurrent x {args.stream_mib} MiB to the portal:")
        print(f"  aggregate:                     {multi:7.0f} MiB/s   "
              f"{multi / ours:.0%} of single stream (target >= 80 %)")
        return 0
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
