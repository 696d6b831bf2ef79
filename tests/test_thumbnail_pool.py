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
