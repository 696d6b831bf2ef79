"""Benchmark C-STORE: our sender versus DCMTK ``storescu``, same ``storescp``, same run.

Generates N small synthetic CT instances (64x64 pixels, about 9 KB), starts
DCMTK's ``storescp`` (``/usr/bin/storescp``, storing to a temp folder) inside
a private network namespace (it listens on 0.0.0.0), and sends the folder:

* reference: ``TCP_NODELAY=1 /usr/bin/storescu +sd +r`` (one association);
* ours, send phase: ``StoreJob.run()`` on the scanned instances, timed inside
  the process (interpreter start and scan excluded);
* ours, whole command: ``downloadmanager send DIR --to AET@127.0.0.1:PORT``
  (Python start, scan and send), timed from outside like storescu.

Both clients run inside the namespace. Target: ours >= 0.5x storescu's files/s.
Needs root (``ip netns``).

Run: ``.venv/bin/python bench/cstore.py [--count 2000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dicom_factory import StudySpec, write_study  # noqa: E402
from tests.dicomnet.netns import in_netns, network_namespace, wait_for_port  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
PORT = 11112
SEND_PHASE = """
import json, sys, time
sys.path.insert(0, {root!r})
from downloadmanager.core.scan import scan
from downloadmanager.core.dicomnet import parse_node_spec, StoreJob
instances = scan({folder!r}).instances()
job = StoreJob(instances, parse_node_spec("STORESCP@127.0.0.1:{port}"))
start = time.perf_counter()
report = job.run()
print(json.dumps({{"seconds": time.perf_counter() - start, "stored": report.stored, "failed": report.failed}}))
"""


def run_storescu(ns: str, folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run(in_netns(ns, ["env", "TCP_NODELAY=1", "/usr/bin/storescu", "-aec", "STORESCP",
                                 "+sd", "+r", "127.0.0.1", str(PORT), str(folder)]),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run_ours_send_phase(ns: str, folder: Path, count: int) -> float:
    code = SEND_PHASE.format(root=str(ROOT), folder=str(folder), port=PORT)
    out = subprocess.run(in_netns(ns, [PYTHON, "-c", code]), check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["stored"] != count or result["failed"]:
        raise SystemExit(f"our sender did not store everything: {result}")
    return result["seconds"]


def run_ours_command(ns: str, folder: Path) -> float:
    start = time.perf_counter()
    # --again: every repeat sends everything (the send journal would skip what is stored).
    subprocess.run(in_netns(ns, [PYTHON, "-m", "downloadmanager", "send", str(folder),
                                 "--to", f"STORESCP@127.0.0.1:{PORT}", "--again"]),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-cstore-"))
    try:
        folder = base / "study"
        per_series = max(1, args.count // 10)
        write_study(folder, StudySpec(), series=args.count // per_series, per_series=per_series)
        count = len(list(folder.iterdir()))
        with network_namespace("dm-bench") as ns:
            out = base / "received"
            out.mkdir()
            env = {"TCP_NODELAY": "1"}
            scp = subprocess.Popen(in_netns(ns, ["env", *[f"{k}={v}" for k, v in env.items()],
                                                 "/usr/bin/storescp", "-aet", "STORESCP", "-od", str(out),
                                                 str(PORT)]),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for_port(ns, PORT)
                # Interleaved runs, best of each: the machine is shared, so
                # a slow moment should not hit one side only.
                theirs, ours, ours_cmd = [], [], []
                for _ in range(args.repeat):
                    theirs.append(run_storescu(ns, folder))
                    ours.append(run_ours_send_phase(ns, folder, count))
                    ours_cmd.append(run_ours_command(ns, folder))
                theirs, ours, ours_cmd = min(theirs), min(ours), min(ours_cmd)
            finally:
                scp.terminate()
                scp.wait(10)
        print(f"instances: {count}")
        print(f"storescu (TCP_NODELAY=1):     {theirs:.3f} s  {count / theirs:7.0f} files/s")
        print(f"ours, send phase:             {ours:.3f} s  {count / ours:7.0f} files/s"
              f"  ratio {theirs / ours:.2f}x")
        print(f"ours, whole command (+scan):  {ours_cmd:.3f} s  {count / ours_cmd:7.0f} files/s"
              f"  ratio {theirs / ours_cmd:.2f}x  (target >= 0.5x)")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
