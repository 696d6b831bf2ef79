"""Response bodies assembled from literal bytes and stored blobs, read piece by piece.

The study archive (tar headers, files, padding) and the WADO-RS multipart
body (part headers, files, boundaries) are both a list of :class:`Segment`:
literal bytes, or a stretch of a blob. Any byte range of such a body can be
read without building it, which is what makes ``Range`` requests cheap.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import anyio

_PIECE = 4 * 1024 * 1024  # per read and socket write while streaming


@dataclass(frozen=True)
class Segment:
    """A piece of a body at OFFSET: literal DATA, or SIZE bytes of blob SHA256."""

    offset: int
    size: int
    data: bytes | None = None
    sha256: str | None = None


def segments_of(parts: Iterable[bytes | tuple[str, int]]) -> tuple[list[Segment], int]:
    """Lay out PARTS (literal bytes, or ``(sha256, size)`` of a blob) end to end; returns (segments, size)."""
    segments, offset = [], 0
    for part in parts:
        if isinstance(part, bytes):
            if not part:
                continue
            segments.append(Segment(offset, len(part), data=part))
            offset += len(part)
        else:
            sha, size = part
            segments.append(Segment(offset, size, sha256=sha))
            offset += size
    return segments, offset


class SegmentReader:
    """Reads byte ranges of a segmented body into fresh buffers (blocking: run it in a worker thread).

    One call assembles a whole piece (literal headers, blob bytes read
    straight into the buffer, padding), so streaming a study costs one thread
    hop and one socket write per piece instead of several per file. The blob
    being read stays open from one piece to the next. Fresh buffers, because
    the server's transport may still hold the previous piece when it asks
    for the next one.
    """

    def __init__(self, segments: Sequence[Segment], store) -> None:
        self._segments = segments
        self._starts = [seg.offset for seg in segments]
        self._store = store
        self._open_sha: str | None = None
        self._handle = None

    def read(self, start: int, size: int) -> memoryview:
        """The SIZE bytes from offset START (which must lie inside the body)."""
        view = memoryview(bytearray(size))
        index = bisect.bisect_right(self._starts, start) - 1
        pos = 0
        while pos < size:
            seg = self._segments[index]
            lo = start + pos - seg.offset
            take = min(seg.size - lo, size - pos)
            if seg.data is not None:
                view[pos:pos + take] = seg.data[lo:lo + take]
            elif take > 0:
                self._read_blob(seg.sha256, lo, view[pos:pos + take])
            pos += take
            index += 1
        return view

    def _read_blob(self, sha256: str, offset: int, into: memoryview) -> None:
        if sha256 != self._open_sha:
            self.close()
            self._handle = self._store.open(sha256)
            self._open_sha = sha256
        self._handle.seek(offset)
        done = 0
        while done < len(into):
            n = self._handle.readinto(into[done:])
            if not n:
                raise OSError(f"blob {sha256[:12]}… is shorter than recorded")
            done += n

    def close(self) -> None:
        """Close the blob file that is open (idempotent)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._open_sha = None


async def stream_range(segments: Sequence[Segment], store, start: int, end: int):
    """Yield the body's bytes START..END (inclusive) in pieces of up to 4 MiB."""
    reader = SegmentReader(segments, store)
    try:
        pos = start
        while pos <= end:
            size = min(_PIECE, end - pos + 1)
            yield await anyio.to_thread.run_sync(reader.read, pos, size)
            pos += size
    finally:
        reader.close()
