"""Chunk checksums hashed ahead: every header equals the digest of exactly its range."""

from __future__ import annotations

import base64
import hashlib
import zlib
import random

import pytest

from downloadmanager.core.transfers.bundle import VirtualBundle
from downloadmanager.core.transfers.chunk_checksum import ChecksumAhead

MANIFEST = b'{"created": "2026-01-01T00:00:00Z"}'


@pytest.fixture
def bundle(tmp_path):
    rng = random.Random(3)
    members = []
    for n, size in enumerate([70_000, 1, 0, 200_003, 65_536, 150_000]):
        path = tmp_path / f"{n}.bin"
        path.write_bytes(rng.randbytes(size))
        members.append((f"dicom/{n:06d}.dcm", str(path), size))
    bundle = VirtualBundle(MANIFEST, members)
    yield bundle
    bundle.close()


def _expected(bundle: VirtualBundle, offset: int, length: int, algorithm: str = "sha256") -> str:
    data = bundle.read(offset, length)
    digest = zlib.crc32(data).to_bytes(4, "big") if algorithm == "crc32" \
        else hashlib.new(algorithm, data).digest()
    return f"{algorithm} {base64.b64encode(digest).decode('ascii')}"


@pytest.mark.parametrize("algorithm", ["crc32", "sha256", "sha1"])
def test_headers_of_growing_chunks_hashed_ahead(bundle, algorithm):
    ahead = ChecksumAhead(bundle, algorithm, piece=10_000, align=16_384)
    try:
        offset, length = 0, 16_384
        while offset < len(bundle):
            length = min(length, len(bundle) - offset)
            assert ahead.header(offset, length) == _expected(bundle, offset, length, algorithm)
            ahead.start(offset + length, 4 * length)
            offset += length
            length *= 3  # grows, and not always to a kept state: the rest is hashed at once
    finally:
        ahead.close()


def test_ready_counts_what_was_hashed_from_that_offset_only(bundle):
    ahead = ChecksumAhead(bundle, "sha256", piece=8_192, align=16_384)
    try:
        ahead.start(1_024, 100_000)
        assert ahead.header(1_024, 100_000) == _expected(bundle, 1_024, 100_000)  # waits
        assert ahead.ready(1_024) == 100_000  # the end of the pass is kept as well
        assert ahead.ready(0) == 0
        # A range that does not start where hashing started (a resume after an
        # error): hashed on the spot, and the pass ahead is dropped.
        assert ahead.header(5_000, 30_000) == _expected(bundle, 5_000, 30_000)
        assert ahead.ready(1_024) == 0
    finally:
        ahead.close()


def test_a_range_longer_than_the_pass_is_completed_on_the_spot(bundle):
    ahead = ChecksumAhead(bundle, "sha256", piece=4_096, align=16_384)
    try:
        ahead.start(2_048, 40_000)
        assert ahead.header(2_048, 200_000) == _expected(bundle, 2_048, 200_000)
    finally:
        ahead.close()


def test_a_file_that_shrank_fails_the_header_not_silently(bundle, tmp_path):
    (tmp_path / "3.bin").write_bytes(b"short")
    ahead = ChecksumAhead(bundle, "sha256", piece=8_192, align=16_384)
    try:
        ahead.start(0, len(bundle))
        with pytest.raises(OSError, match="shorter than when it was queued"):
            ahead.header(0, len(bundle))
    finally:
        ahead.close()


def test_while_staging_goes_on_the_hashing_follows_it_and_reads_nothing_beyond(bundle):
    """The bytes of a bundle being staged exist only up to the staged prefix: the
    thread hashes what exists, waits, and hashes on as the prefix grows, so the
    next chunk's digest is ready without reading it on the spot."""
    import threading

    from downloadmanager.core.transfers.pipeline import StagedPrefix

    prefix = StagedPrefix(len(bundle))
    prefix.advance(50_000)
    ahead = ChecksumAhead(bundle, "crc32", piece=10_000, align=16_384, available=prefix.wait)
    read_to: list[int] = []  # where each read of the hashing thread ended
    real_read = ahead._bundle.iter_into
    ahead._bundle.iter_into = lambda offset, size, buf: read_to.append(offset + size) \
        or real_read(offset, size, buf)
    waited = threading.Event()
    try:
        ahead.start(0, 300_000)
        while ahead.ready(0) < 49_152 and not waited.wait(0.01):
            pass
        waited.wait(0.1)  # time to read beyond, were it to
        assert 49_152 <= ahead.ready(0) <= 50_000  # stops where staging stands
        assert read_to and max(read_to) <= 50_000  # and read nothing beyond
        prefix.advance(len(bundle))  # staging goes on (to the end)
        while ahead.ready(0) < 294_912 and not waited.wait(0.01):
            pass
        assert ahead.ready(0) >= 294_912
        direct_reads = []
        real = ahead._direct.iter_into
        ahead._direct.iter_into = lambda *a: direct_reads.append(a) or real(*a)
        assert ahead.header(0, 294_912) == _expected(bundle, 0, 294_912, "crc32")
        assert direct_reads == []  # all of it was hashed ahead
    finally:
        prefix.advance(len(bundle))
        ahead.close()
