"""The thumbnail worker process gives the same thumbnails as decoding in-process."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from downloadmanager.core.scan.model import InstanceSource
from downloadmanager.core.thumbnail_pool import ThumbnailPool
from downloadmanager.core.thumbnails import thumbnail_from_source, thumbnails_for_sources
from tests.dicom_factory import StudySpec, write_study


@pytest.fixture(scope="module")
def pool():
    """One worker process for the whole module (starting one takes a moment)."""
    pool = ThumbnailPool(workers=1)
    yield pool
    pool.shutdown()


@pytest.fixture
def images(tmp_path) -> list[Path]:
    write_study(tmp_path / "cd", StudySpec(), series=1, per_series=2, rows=64, columns=48)
    return sorted((tmp_path / "cd").rglob("*.dcm"))


def test_pool_gives_the_same_thumbnails_as_the_in_process_function(pool, images):
    rgb = Path(get_testdata_file("SC_rgb_rle.dcm"))
    sources = [InstanceSource(path) for path in [*images, rgb]]
    from_pool = pool.decode(sources, 32)
    assert pool.started
    expected = [thumbnail_from_source(path, 32) for path in [*images, rgb]]
    assert len(from_pool) == len(expected) == 3
    for got, want in zip(from_pool, expected):
        assert got is not None and got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)
    assert from_pool[0].shape == (32, 24) and from_pool[2].ndim == 3


def test_pool_reads_members_of_a_zip_archive(pool, images, tmp_path):
    archive = tmp_path / "cd.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(images[0], "dir/IM1")
    [thumb] = pool.decode([InstanceSource(archive, member="dir/IM1", display="cd.zip/dir/IM1")], 16)
    np.testing.assert_array_equal(thumb, thumbnail_from_source(images[0], 16))


def test_undecodable_missing_and_unreadable_sources_give_none(pool, images, tmp_path):
    garbage = tmp_path / "garbage.dcm"
    garbage.write_bytes(b"not a DICOM file at all")
    broken_zip = tmp_path / "broken.zip"
    broken_zip.write_bytes(b"PK but not really")
    sources = [InstanceSource(garbage), InstanceSource(tmp_path / "gone.dcm"),
               InstanceSource(broken_zip, member="IM1"),
               InstanceSource(Path(get_testdata_file("rtplan.dcm"))),  # no pixel data
               InstanceSource(images[0])]
    results = pool.decode(sources, 16)
    assert results[:4] == [None, None, None, None]
    assert results[4] is not None
    assert thumbnails_for_sources(sources, 16)[:4] == [None, None, None, None]


def test_shutdown_stops_the_worker_and_a_later_request_starts_a_new_one(images):
    pool = ThumbnailPool(workers=1)
    assert not pool.started  # created lazily: no process until the first request
    first = pool.decode([InstanceSource(images[0])], 16)
    processes = list(pool._executor._processes.values())
    assert processes and all(p.is_alive() for p in processes)
    pool.shutdown()
    assert not pool.started
    assert all(not p.is_alive() for p in processes)
    again = pool.decode([InstanceSource(images[0])], 16)
    np.testing.assert_array_equal(again[0], first[0])
    pool.shutdown()


def test_a_killed_worker_is_replaced(images):
    pool = ThumbnailPool(workers=1)
    try:
        pool.decode([InstanceSource(images[0])], 16)
        for process in pool._executor._processes.values():
            process.kill()
            process.join(10)
        [thumb] = pool.decode([InstanceSource(images[1])], 16)
        np.testing.assert_array_equal(thumb, thumbnail_from_source(images[1], 16))
    finally:
        pool.shutdown()


_ABRUPT_EXIT = r"""
import os, sys
from pathlib import Path
from downloadmanager.core.scan.model import InstanceSource
from downloadmanager.core.thumbnail_pool import ThumbnailPool
pool = ThumbnailPool(workers=1)
pool.decode([InstanceSource(Path(sys.argv[1]))], 16)
Path(sys.argv[2]).write_text(" ".join(map(str, pool._executor._processes)))
os._exit(0)  # like a crash: no shutdown, no atexit
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie counts as gone


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="checks processes through /proc")
def test_workers_end_when_the_program_ends_without_a_shutdown(images, tmp_path):
    """A crashed or killed program leaves no thumbnail worker behind."""
    import subprocess
    import sys
    import time

    root = Path(__file__).resolve().parents[1]
    pids = tmp_path / "workers.txt"
    # Output to a file, not a pipe: a stray worker would hold a pipe open.
    subprocess.run([sys.executable, "-c", _ABRUPT_EXIT, str(images[0]), str(pids)], cwd=root,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, timeout=120, check=True)
    workers = [int(pid) for pid in pids.read_text().split()]
    assert workers
    deadline = time.monotonic() + 30  # generous: waits for a condition, asserts no timing
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
