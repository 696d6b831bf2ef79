"""Benchmark the download of a study by access code against ``curl`` of the same archive.

Builds a study of about ``--mb`` MB (512x512 16-bit CT images, about 0.5 MB
each), stores it in a fresh portal data folder, starts the real portal
(``downloadmanager-portal serve``, a separate process on 127.0.0.1), creates
an access code and measures ``--repeat`` rounds (who goes first alternates;
dirty pages are flushed, untimed, before every timed run):

* reference: ``curl -o study.tar`` of ``/api/studies/{uid}/archive`` with the
  code token (bytes to disk, nothing else);
* ours: ``DownloadJob.run()`` - stream the same archive, SHA-256 of every
  instance, write each into the partial area, catalog from the headers seen
  while streaming, lay out the readable folders and move them into place.

Target: ours >= 0.8x curl's MB/s. Prints the best of each and the ratio of
every round (the machine is shared, so the spread matters).

Run: ``.venv/bin/python bench/download.py [--mb 1024] [--repeat 7] [--journaled-fs | --target-dir DIR]``

On ext4 without a journal (this project's build VM) creating thousands of
files right after others were deleted is slow (``recently_deleted``); use
``--journaled-fs`` (or ``--target-dir`` on a journaled file system) for
figures that mean something for users (docs/benchmarks.md, "Download").
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from downloadmanager.core.access_code import CodeInput  # noqa: E402
from downloadmanager.core.download.job import DownloadJob, redeem_and_list  # noqa: E402
from portal.accounts import add_membership, create_user  # noqa: E402
from portal.app import create_app  # noqa: E402
from portal.communities import create_community  # noqa: E402
from portal.config import Settings  # noqa: E402
from tests.dicom_factory import StudySpec  # noqa: E402
from tests.portal.conftest import free_port, portal_cli, wait_healthy  # noqa: E402
from tests.portal.seed import seed_study  # noqa: E402


PROFILE = "--profile" in sys.argv


def prepare(data: Path, megabytes: int) -> tuple[str, str]:
    """Seed the study; return (sender email, password)."""
    app = create_app(Settings(data_dir=data))
    engine = app.state.engine
    create_community(engine, "Bench", "bN1X")
    user_id, password = create_user(engine, "bench@example.org")
    add_membership(engine, user_id, "bN1X")
    count = max(2, megabytes * 2)  # ~0.5 MB per image
    per_series = 100
    seed_study(engine, data, "bN1X", StudySpec(birth_date="19700101"), sender_user_id=user_id,
               series_count=max(1, count // per_series), per_series=min(per_series, count))
    engine.dispose()
    return "bench@example.org", password


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process PID, all threads (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def release_pages(folder: Path) -> None:
    """Write FOLDER's files back and drop them from the page cache (untimed; Linux).

    Like curl's deleted output, the freed pages are then there for the next
    run to reuse: otherwise whichever run follows ours has to take 1 GB of
    memory the VM may already have handed back to its host (see "Uploads").
    """
    if not hasattr(os, "posix_fadvise"):
        return
    os.sync()
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def settle() -> None:
    """Flush earlier runs' dirty pages (untimed) so each timed run starts from the same state."""
    if hasattr(os, "sync"):
        os.sync()
    time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of our side")
    parser.add_argument("--target-dir", type=Path, default=None,
                        help="where curl and ours write (default: the run's temp folder), e.g. "
                             "a mounted file system of the kind users have")
    parser.add_argument("--journaled-fs", action="store_true",
                        help="write into a journaled ext4 made for this run (Linux, root; "
                             "see bench/journaled_fs.py)")
    args = parser.parse_args()
    if args.journaled_fs:
        from journaled_fs import journaled_ext4

        with journaled_ext4(size_gib=max(4, args.repeat * args.mb * 11 // 10240 + 2)) as mounted:
            args.target_dir = mounted
            run(args)
        return
    run(args)


def run(args: argparse.Namespace) -> None:
    """The benchmark with parsed ARGS."""
    from journaled_fs import has_journal

    if has_journal(args.target_dir or Path(tempfile.gettempdir())) is False:
        print("note: the output folder is on ext4 without a journal, where creating many "
              "files after others were deleted is slow; --journaled-fs gives figures that "
              "mean something for users (docs/benchmarks.md, Download)")
    base = Path(tempfile.mkdtemp(prefix="bench-download-"))
    outputs = base
    proc = None
    try:
        data = base / "portal"
        import tests.dicom_factory as factory
        original = factory.make_ct_dataset
        factory.make_ct_dataset = lambda *a, **k: original(*a, **{**k, "rows": 512, "columns": 512})
        email, password = prepare(data, args.mb)
        factory.make_ct_dataset = original
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([*portal_cli(), "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--data", str(data), "--public-url", url, "--log-level", "warning"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(url, timeout=60, process=proc)
        token = requests.post(f"{url}/api/login", json={"email": email, "password": password}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        [study] = requests.get(f"{url}/api/communities/bN1X/inbox", headers=headers).json()["studies"]
        created = requests.post(f"{url}/api/codes", headers=headers, json={
            "study_uids": [study["study_instance_uid"]], "birth_date": "1970-01-01", "weeks": 4}).json()
        session = redeem_and_list(url, CodeInput(created["code"].replace("-", "")), "1970-01-01")
        uid = study["study_instance_uid"]
        size = session.source.manifest(uid)["archive"]["size"]
        code_token = session.source.session.headers["Authorization"]
        if args.target_dir:
            outputs = Path(tempfile.mkdtemp(prefix="bench-download-", dir=args.target_dir))
        curl_times, our_times = [], []
        cpu: dict[str, list[tuple[float, float]]] = {"curl": [], "ours": []}  # (client, portal)

        def run_curl(n: int) -> None:
            out = outputs / f"curl-{n}.tar"
            settle()
            before = (own_cpu(resource.RUSAGE_CHILDREN), process_cpu(proc.pid))
            start = time.perf_counter()
            subprocess.run(["curl", "-sS", "-f", "-H", f"Authorization: {code_token}", "-o", str(out),
                            f"{url}/api/studies/{uid}/archive"], check=True)
            curl_times.append(time.perf_counter() - start)
            cpu["curl"].append((own_cpu(resource.RUSAGE_CHILDREN) - before[0],
                                process_cpu(proc.pid) - before[1]))
            assert out.stat().st_size == size
            out.unlink()

        def run_ours(n: int) -> None:
            target = outputs / f"ours-{n}"
            job = DownloadJob(session.source, [uid], target, f"bench{n}")
            settle()
            before = (own_cpu(resource.RUSAGE_SELF), process_cpu(proc.pid))
            start = time.perf_counter()
            if PROFILE:
                import cProfile
                import pstats
                prof = cProfile.Profile()
                result = prof.runcall(job.run)
                pstats.Stats(prof).sort_stats("tottime").print_stats(12)
            else:
                result = job.run()
            our_times.append(time.perf_counter() - start)
            cpu["ours"].append((own_cpu(resource.RUSAGE_SELF) - before[0],
                                process_cpu(proc.pid) - before[1]))
            assert result.instance_count == study["instance_count"]
            # Not deleted until the run ends (with OUTPUTS): ext4 skips inodes freed in the last
            # minute when it allocates new ones (``recently_deleted``), so
            # deleting 2,000 files right before the next round made every
            # file creation of that round scan past them - a cost of this
            # harness, not of a download into a folder in real use.
            release_pages(target)

        for n in range(args.repeat):
            # Alternate who goes first: the second writer of a round meets the
            # first one's dirty pages in the kernel's write-back.
            first, second = (run_curl, run_ours) if n % 2 == 0 else (run_ours, run_curl)
            first(n)
            second(n)
        mb = size / 1e6
        curl, ours = min(curl_times), min(our_times)
        ratios = sorted(c / o for c, o in zip(curl_times, our_times))
        print(f"archive: {mb:.0f} MB, {study['instance_count']} instances, {args.repeat} rounds")
        print(f"curl:                         {curl:.2f} s  {mb / curl:7.0f} MB/s  (best; all: "
              f"{', '.join(f'{mb / t:.0f}' for t in curl_times)} MB/s)")
        print(f"ours (verify + lay out):      {ours:.2f} s  {mb / ours:7.0f} MB/s  (best; all: "
              f"{', '.join(f'{mb / t:.0f}' for t in our_times)} MB/s)")
        print(f"ratio of bests {curl / ours:.2f}x; per round {', '.join(f'{r:.2f}' for r in ratios)} "
              f"(median {ratios[len(ratios) // 2]:.2f}x; target >= 0.8x)")
        for who, pairs in cpu.items():
            print(f"CPU per run, {who:4}: client {', '.join(f'{c:.2f}' for c, _ in pairs)} s; "
                  f"portal {', '.join(f'{p:.2f}' for _, p in pairs)} s")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(15)
        shutil.rmtree(outputs, ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
