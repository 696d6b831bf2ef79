"""Fuzzed input: ≥ 10,000 mutated files through scanner, thumbnailer, staging, portal ingest and metadata.

Fixed seed (``FUZZ_SEED``), ``FUZZ_COUNT`` files (default 10,000; more for a
longer run). Contracts: no unhandled exception anywhere, every file the
scanner does not list as an instance is named in its problems list, and
memory stays bounded: reading a file never allocates what a declared length
asks for before checking it against the file's size (tracemalloc peak per
file, on the length-mutating kinds).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tracemalloc
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from downloadmanager.core.scan import scan
from tests.fuzz.mutate import COUNT, mutants
from tests.fuzz.targets import EXTRA_TARGETS, TARGETS

CHUNK = 500
#: A 64 KiB file must not make any target allocate more than this at once.
MEMORY_BOUND = 48 << 20
_MEASURED_KINDS = ("length", "undefined", "huge_pixels", "combo")


def _run_targets(path, data, findings, kind, measure: bool) -> int:
    peak = 0
    for name, target in TARGETS + EXTRA_TARGETS:
        if measure:
            tracemalloc.start()
        try:
            target(path, data)
        except Exception as exc:  # noqa: BLE001 - collected as findings
            findings.append((name, path.name, kind, f"{type(exc).__name__}: {str(exc)[:200]}"))
        finally:
            if measure:
                peak = max(peak, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
    return peak


def _worker(folder: str, start: int, count: int):
    """Run mutants START..START+COUNT-1 (in a worker process); return what was found."""
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.ERROR)  # pydicom's complaints about broken files are expected here
    findings, kinds, big = [], Counter(), []
    measured = _run_chunk(Path(folder), list(mutants(count, start)), findings, kinds, big)
    return findings, kinds, big, measured


@pytest.mark.timeout(900)
def test_fuzzed_files_never_crash_and_are_always_accounted_for(tmp_path):
    findings: list[tuple[str, str, str, str]] = []
    kinds: Counter = Counter()
    big = []
    measured = 0
    # Chunks of mutants in as many processes as there are cores (2 here): the
    # mutants are a pure function of their index, so the split changes nothing.
    workers = max(1, min(int(os.environ.get("FUZZ_WORKERS", os.cpu_count() or 1)), 8))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        jobs = [pool.submit(_worker, str(tmp_path), start, min(CHUNK, COUNT - start))
                for start in range(0, COUNT, CHUNK)]
        for job in jobs:
            f, k, b, m = job.result()
            findings += f
            kinds.update(k)
            big += b
            measured += m
    assert sum(kinds.values()) == COUNT >= int(os.environ.get("FUZZ_MIN", "10000"))
    assert measured >= COUNT // 20, measured
    assert not findings, f"{len(findings)} findings, first: {findings[:10]}"
    assert not big, f"memory above {MEMORY_BOUND >> 20} MiB: {big[:10]}"


def _run_chunk(tmp_path, batch, findings, kinds, big) -> int:
    folder = Path(tmp_path) / f"chunk{batch[0].index:06d}"
    folder.mkdir()
    paths = {}
    for m in batch:
        path = folder / f"{m.index:06d}_{m.kind}_{m.seed_name}"
        path.write_bytes(m.data)
        paths[path.name] = m
        kinds[m.kind] += 1
    # Scanner: every file is an instance or a named problem.
    try:
        result = scan(folder)
    except Exception as exc:  # noqa: BLE001
        findings.append(("scanner", folder.name, "chunk", f"{type(exc).__name__}: {exc}"))
    else:
        seen = {i.source.display or i.source.path.name for i in result.instances()}
        seen |= {p.path for p in result.problems}
        seen |= set(result.dicomdirs)  # a (mutated) DICOMDIR that still reads is a directory, not an instance
        details = " ".join(p.detail for p in result.problems)  # "referenced by <DICOMDIR file>, ..."
        missing = [n for n in paths if n not in seen and not any(s.endswith(n) for s in seen)
                   and n not in details]
        if missing:
            findings.append(("scanner", folder.name, "accounting", f"not named: {missing[:5]}"))
    measured = 0
    for name, m in paths.items():
        # Memory is traced (slow) for every 4th file of the kinds that forge lengths.
        measure = m.kind in _MEASURED_KINDS and m.index % 4 == 0
        peak = _run_targets(folder / name, m.data, findings, m.kind, measure)
        if measure:
            measured += 1
            if peak > MEMORY_BOUND:
                big.append((name, peak >> 20))
    shutil.rmtree(folder)
    return measured
