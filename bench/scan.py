"""Benchmark the media scanner against a naive pydicom reader, in the same run.

Generates N synthetic CT instances of 512x512 16-bit pixels (about 0.5 MB
each) in a temporary folder, with ISO 9660 style names (8 uppercase
characters, no extension), and measures:

* full scan without DICOMDIR: ``downloadmanager.core.scan.scan`` versus
  ``os.walk`` + ``pydicom.dcmread(stop_before_pixels=True)`` of every file
  (the reference), in files/s, their ratio, and bytes read per file
  (``rchar`` of ``/proc/self/io``, Linux only);
* after writing a DICOMDIR with DCMTK's ``dcmmkdir``: the full scan with
  DICOMDIR and the ``quick`` scan (DICOMDIR only).

The page cache cannot be dropped without root tricks, so every figure is a
warm-cache figure: each reader runs once to warm up, then ``--repeat`` times;
the best run counts. Targets: full scan >= 4x the reference, <= 16 KiB read
per file, quick scan of 2,000 instances < 0.5 s.

Run: ``.venv/bin/python bench/scan.py [--count 2000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pydicom
from pydicom.uid import generate_uid

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from downloadmanager.core.scan import scan  # noqa: E402
from tests.dicom_factory import StudySpec, make_ct_dataset  # noqa: E402

PER_SERIES = 250
_SOP_TEMPLATE = "1.2.826.0.1.3680043.8.498.77.1.999999999"
_SERIES_TEMPLATE = "1.2.826.0.1.3680043.8.498.77.2.999999"


def generate(folder: Path, count: int) -> None:
    """Write ``count`` CT files: one made with pydicom, cloned by patching UIDs in its bytes."""
    spec = StudySpec(patient_name="Bench^Mark", patient_id="BENCH-1", study_uid=generate_uid())
    ds = make_ct_dataset(spec, series_uid=_SERIES_TEMPLATE, rows=512, columns=512,
                         sop_instance_uid=_SOP_TEMPLATE)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    template = buffer.getvalue()
    sop, series = _SOP_TEMPLATE.encode(), _SERIES_TEMPLATE.encode()
    assert template.count(sop) == 2 and template.count(series) == 1
    for index in range(count):
        series_index = index // PER_SERIES
        # Same length as the template, and no leading zero (not allowed in UIDs).
        data = template.replace(sop, _SOP_TEMPLATE[:-9].encode() + f"{index + 100_000_000:09d}".encode())
        data = data.replace(series, _SERIES_TEMPLATE[:-6].encode() + f"{series_index + 100_000:06d}".encode())
        target = folder / "DICOM" / f"S{series_index:07d}" / f"I{index:07d}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def write_dicomdir(folder: Path) -> None:
    """DCMTK's dcmmkdir writes a DICOMDIR for 2,000 files in about 2 s (pydicom: a minute)."""
    if not shutil.which("dcmmkdir"):
        raise SystemExit("dcmmkdir not found: apt-get install dcmtk (scripts/setup.sh does)")
    subprocess.run(["dcmmkdir", "-q", "+r", "+id", str(folder), "+D", str(folder / "DICOMDIR"), "DICOM"],
                   check=True)


def naive_read(folder: Path) -> int:
    """The reference: every file through pydicom, pixel data skipped."""
    count = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            if name == "DICOMDIR":
                continue
            ds = pydicom.dcmread(os.path.join(dirpath, name), stop_before_pixels=True)
            assert ds.SOPInstanceUID
            count += 1
    return count


def rchar() -> int | None:
    """Bytes this process has read so far (Linux), None elsewhere."""
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def best_of(repeat: int, function) -> tuple[float, object, int | None]:
    """Best wall time of ``repeat`` runs after one warm-up; bytes read by the best run."""
    function()
    best = (float("inf"), None, None)
    for _ in range(repeat):
        before = rchar()
        start = time.perf_counter()
        value = function()
        elapsed = time.perf_counter() - start
        after = rchar()
        if elapsed < best[0]:
            best = (elapsed, value, None if before is None else after - before)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    count = args.count
    with tempfile.TemporaryDirectory(prefix="dm-bench-scan-") as tmp:
        folder = Path(tmp) / "cd"
        start = time.perf_counter()
        generate(folder, count)
        print(f"generated {count} CT instances (512x512, "
              f"{(folder / 'DICOM' / 'S0000000' / 'I0000000').stat().st_size / 1e6:.2f} MB each) "
              f"in {time.perf_counter() - start:.1f} s; warm page cache for every figure")

        ours_t, result, ours_bytes = best_of(args.repeat, lambda: scan(folder))
        assert len(result.instances()) == count and not result.problems, result.problems[:3]
        naive_t, naive_n, naive_bytes = best_of(args.repeat, lambda: naive_read(folder))
        assert naive_n == count
        print(f"full scan, no DICOMDIR : {count / ours_t:8.0f} files/s ({ours_t:.3f} s), "
              f"{_per_file(ours_bytes, count)} read per file")
        print(f"naive pydicom reference: {count / naive_t:8.0f} files/s ({naive_t:.3f} s), "
              f"{_per_file(naive_bytes, count)} read per file")
        print(f"ratio                  : {naive_t / ours_t:8.1f} x  (target >= 4x)")

        start = time.perf_counter()
        write_dicomdir(folder)
        print(f"dcmmkdir wrote the DICOMDIR in {time.perf_counter() - start:.2f} s")
        full_t, result, full_bytes = best_of(args.repeat, lambda: scan(folder))
        assert len(result.instances()) == count and not result.problems, result.problems[:3]
        assert all(i.in_dicomdir for i in result.instances())
        quick_t, result, quick_bytes = best_of(args.repeat, lambda: scan(folder, quick=True))
        assert result.mode == "quick" and len(result.instances()) == count and not result.problems
        print(f"full scan with DICOMDIR: {count / full_t:8.0f} files/s ({full_t:.3f} s), "
              f"{_per_file(full_bytes, count)} read per file")
        print(f"quick scan (DICOMDIR)  : {quick_t:8.3f} s for {count} instances (target < 0.5 s), "
              f"{_per_file(quick_bytes, count)} read per file")


def _per_file(total: int | None, count: int) -> str:
    return "n/a" if total is None else f"{total / count / 1024:.1f} KiB"


if __name__ == "__main__":
    main()
