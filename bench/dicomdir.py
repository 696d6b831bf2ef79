"""Benchmark our DICOMDIR writer against DCMTK's ``dcmmkdir``, in the same run.

Generates N small synthetic CT instances (64x64 pixels) in the DICOM media
layout (``DICOM/PAT00001/STU00001/SER000nn/IMG000nn``, ISO 9660 names) and
measures, best of ``--repeat`` warm-cache runs:

* ours: ``scan(folder)`` (reads every file's header) + ``plan_media`` +
  ``write_dicomdir`` - everything needed to turn a folder into a medium;
* reference: ``dcmmkdir +r -Pgp +I +id folder`` (reads every file, writes
  the DICOMDIR).

Target: ours no slower than dcmmkdir (ratio >= 1.0).

Run: ``.venv/bin/python bench/dicomdir.py [--count 2000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from downloadmanager.core.archive import place_files, plan_media, write_dicomdir  # noqa: E402
from downloadmanager.core.scan import scan  # noqa: E402
from tests.dicom_factory import StudySpec, write_study  # noqa: E402


def make_medium(base: Path, count: int) -> Path:
    """COUNT instances in 20 series, laid out as a DICOM medium below BASE/medium."""
    per_series = max(1, count // 20)
    write_study(base / "src", StudySpec(), series=count // per_series, per_series=per_series)
    planned = plan_media(scan(base / "src"))
    place_files(planned, base / "medium", move=True)
    return base / "medium"


def run_ours(medium: Path) -> tuple[float, int]:
    start = time.perf_counter()
    result = scan(medium)
    planned = plan_media(result)
    write_dicomdir(planned, medium)
    elapsed = time.perf_counter() - start
    (medium / "DICOMDIR").unlink()
    return elapsed, len(planned)


def run_dcmmkdir(medium: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["/usr/bin/dcmmkdir", "+r", "-Pgp", "+I", "+id", str(medium),
                    "+D", str(medium / "DICOMDIR"), "DICOM"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    (medium / "DICOMDIR").unlink()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-dicomdir-"))
    try:
        medium = make_medium(base, args.count)
        run_ours(medium)  # warm the page cache
        ours = min(run_ours(medium)[0] for _ in range(args.repeat))
        theirs = min(run_dcmmkdir(medium) for _ in range(args.repeat))
        n = run_ours(medium)[1]
        print(f"instances: {n}")
        print(f"ours (scan + write DICOMDIR): {ours:.3f} s  ({n / ours:.0f} files/s)")
        print(f"dcmmkdir:                     {theirs:.3f} s  ({n / theirs:.0f} files/s)")
        print(f"ratio (dcmmkdir time / ours): {theirs / ours:.2f}x  (target >= 1.0)")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
