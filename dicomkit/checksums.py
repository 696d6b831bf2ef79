"""The checksums of tus chunks (``Upload-Checksum``), one definition for the program and the portal.

``crc32`` (CRC-32 as in zlib, gzip and Ethernet; the value is its four bytes
big endian, as S3's ``x-amz-checksum-crc32``), ``sha1`` and ``sha256``. A
chunk's checksum only guards the bytes on their way: every instance is
checked against the SHA-256 in the manifest anyway. CRC-32 does that job
at a fraction of SHA-256's cost, which both sides pay for every byte, so the
program prefers it. It is computed with ISA-L (``isal``: 35 GB/s here, with
the CPU's carry-less multiplication) where that package is installed, else
with zlib (6.7 GB/s; 0.08 CPU-s per side for 526 MB); the values are the same.
"""

from __future__ import annotations

import hashlib

try:
    from isal.isal_zlib import crc32 as _crc32
except ImportError:  # a platform without its wheel: the same CRC, slower
    from zlib import crc32 as _crc32

# In the program's order of preference.
ALGORITHMS = ("crc32", "sha256", "sha1")
DIGEST_SIZES = {"crc32": 4, "sha1": 20, "sha256": 32}


class Crc32:
    """CRC-32 with hashlib's interface (``update``, ``digest``, ``copy``)."""

    name = "crc32"
    digest_size = 4

    def __init__(self, value: int = 0) -> None:
        self._value = value

    def update(self, data) -> None:
        """Add DATA (bytes-like)."""
        self._value = _crc32(data, self._value)

    def digest(self) -> bytes:
        """The four bytes of the CRC, most significant first."""
        return self._value.to_bytes(4, "big")

    def copy(self) -> "Crc32":
        """An independent copy of the current state."""
        return Crc32(self._value)


def new_checksum(algorithm: str):
    """A fresh checksum state for ALGORITHM (one of :data:`ALGORITHMS`)."""
    if algorithm == "crc32":
        return Crc32()
    if algorithm in ("sha1", "sha256"):
        return hashlib.new(algorithm)
    raise ValueError(f"unknown checksum algorithm {algorithm!r}")
