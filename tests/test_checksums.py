"""Chunk checksums (dicomkit.checksums): one definition, the same values whatever computes them."""

from __future__ import annotations

import hashlib
import os
import zlib

import pytest

from dicomkit import checksums
from dicomkit.checksums import ALGORITHMS, DIGEST_SIZES, new_checksum


def test_crc32_is_zlibs_crc32_in_pieces_and_whole():
    data = os.urandom(3 * 1024 * 1024 + 17)
    state = new_checksum("crc32")
    for start in range(0, len(data), 1_000_003):
        state.update(memoryview(data)[start:start + 1_000_003])
    assert state.digest() == zlib.crc32(data).to_bytes(4, "big")
    assert new_checksum("crc32").digest() == bytes(4)  # CRC of nothing


def test_the_fast_crc32_is_in_use_and_agrees_with_zlib():
    """ISA-L is a dependency (five times zlib's speed); its CRC-32 is zlib's."""
    pytest.importorskip("isal")
    assert checksums._crc32.__module__.startswith("isal")
    for size in (0, 1, 63, 64, 4095, 1_048_576 + 3):
        data = os.urandom(size)
        assert checksums._crc32(data, 12345) == zlib.crc32(data, 12345)


def test_copy_is_independent_and_every_algorithm_has_its_digest_size():
    for name in ALGORITHMS:
        state = new_checksum(name)
        state.update(b"first")
        copy = state.copy()
        copy.update(b"second")
        assert state.digest() != copy.digest()
        assert len(state.digest()) == DIGEST_SIZES[name]
    assert new_checksum("sha256").digest() == hashlib.sha256().digest()
    with pytest.raises(ValueError):
        new_checksum("md5")
