"""Verify as it arrives: hash and parse a bundle's members while its bytes come in.

After every PATCH that stored bytes (and every 16 MiB within a long one)
the ingest worker lets the upload's :class:`BundleFollower` read the members
that are now complete in the upload file: one thread walks the tar headers,
and a small shared pool streams each member through SHA-256 and parses its
DICOM header. Nothing is copied: an accepted instance is kept where it is,
as a range of the upload file (:meth:`portal.blobstore.BlobStore.store_ranges`).
When the last byte
arrives, ingest (:mod:`portal.ingest`) checks the manifest against these
results instead of reading the whole bundle again, so the receipt follows
the last byte closely. Nothing is decided here: ingest applies exactly the
same checks, and a member the follower did not prepare (a portal restart, a
tar feature it does not follow, any error) takes the ordinary path.

The member headers it walks are handed to ingest as well
(:class:`portal.bundle.WalkedHeaders`): ingest checks them like any other
and reads only the headers after them, instead of one disk read per member
after the last byte.

The follower reads up to the file's current size, which may include bytes a
running request wrote but has not committed yet and a later request may
replace (a checksum mismatch, a superseded request). Bytes once written at
an offset change only by a cut: the writer truncates the file
(:class:`portal.tus.writer.ChunkWriter`) and tells the follower
(:meth:`BundleFollower.rewind`), which forgets every header and member that
reached past the cut. So a member still prepared when ingest takes it was
hashed from exactly the bytes the final file holds there, and ingest may
keep that range as the blob (it also uses it only when its SHA-256 equals
the manifest's, and otherwise reads the member again from the final file).
"""

from __future__ import annotations

import hashlib
import logging
import tarfile
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from portal.bundle import WalkedHeaders
from portal.direct_io import DirectReader
from portal.pools import shared_pool

log = logging.getLogger(__name__)

_BLOCK = 512
_READ_SIZE = 1024 * 1024
# The header is parsed from the member's first bytes; longer headers (rare)
# are read on from the upload file.
_HEAD_BYTES = 128 * 1024
# Members up to this size are copied out of the read window and hashed by
# the shared pool, a few at a time (hashing releases the GIL, so the next
# member is read meanwhile). Larger members are streamed through the window
# by the follower's own thread.
_POOLED_MAX = 4 * 1024 * 1024
_PREPARE_THREADS = 2
_IN_FLIGHT = 8  # members copied and waiting in the pool, per follower
# Header types followed; anything else (pax, GNU long names, sparse files,
# links) changes how the next bytes are read: ingest reads on from there.
_PLAIN_FILES = (tarfile.REGTYPE, tarfile.AREGTYPE)


def _prepare_pool() -> ThreadPoolExecutor:
    """The threads that prepare members of every followed upload."""
    return shared_pool("ingest-prepare", _PREPARE_THREADS)


@dataclass
class Prepared:
    """One member read while it arrived."""

    offset_data: int
    size: int
    sha256: str
    header: dict | None  # None: not DICOM


class BundleFollower:
    """Follows the upload file at PATH; ``advance`` handles what became complete."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.position = 0  # where the next tar header starts
        self.stopped = False  # end of archive, a feature not followed, or an error
        self._discarded = False
        self._members: dict[str, Prepared] = {}
        self._headers: list[tarfile.TarInfo] = []  # every header before ``position``
        self._lock = threading.Lock()
        self._cut_lock = threading.Lock()  # held for microseconds, never while reading
        self._cut: int | None = None  # the file was cut back to this size since the last look
        self.taken = 0  # members ingest used (logged)
        self.scheduled = False  # an advance is queued already

    def advance(self) -> None:
        """Prepare every DICOM member whose bytes are all in the upload file now."""
        from portal.ingest import read_header  # late: portal.ingest imports this package

        with self._lock:
            self.scheduled = False
            self._forget_cut_bytes()
            if self.stopped:
                return
            in_flight: deque[tuple[str, Future]] = deque()
            try:
                # Direct I/O: the upload file was written past the page cache.
                with DirectReader(self.path) as reader:
                    self._walk(reader, in_flight, read_header)
            except Exception:  # never fatal: ingest reads what is not prepared
                log.warning("following upload file %s stopped", self.path.name, exc_info=True)
                self.stopped = True
            finally:
                while in_flight:
                    self._collect(*in_flight.popleft())
                # A cut while this walk read: what it read past the cut may be stale.
                self._forget_cut_bytes()

    def rewind(self, size: int) -> None:
        """The upload file was cut back to SIZE bytes (a request's bytes were dropped).

        Cheap and non-blocking (called with the upload's I/O lock held): the
        follower applies it before and after its next walk.
        """
        with self._cut_lock:
            self._cut = size if self._cut is None else min(self._cut, size)

    def _forget_cut_bytes(self) -> None:
        """Forget headers and prepared members that reach past a cut (``_lock`` held)."""
        with self._cut_lock:
            cut, self._cut = self._cut, None
        if cut is None:
            return
        walked_to = self.position + _BLOCK  # the walk read up to here, or stopped here
        for index, header in enumerate(self._headers):
            if header.offset_data + header.size > cut:
                self.position = header.offset
                del self._headers[index:]
                break
        for name, prepared in list(self._members.items()):
            if prepared.offset_data + prepared.size > cut:
                del self._members[name]
        if walked_to > cut and not self._discarded:
            self.stopped = False  # what stopped the walk may have been stale bytes

    def walked(self) -> WalkedHeaders | None:
        """The headers walked so far, for ingest (None once discarded)."""
        with self._lock:
            self._forget_cut_bytes()
            if self._discarded:
                return None
            return WalkedHeaders(list(self._headers), self.position)

    def _walk(self, reader: DirectReader, in_flight: deque, read_header) -> None:
        """Walk the tar headers from ``position`` to the end of the committed bytes."""
        committed = reader.size()
        while self.position + _BLOCK <= committed:
            block = bytes(reader.read(self.position, _BLOCK))
            if len(block) < _BLOCK or block == bytes(_BLOCK):
                self.stopped = True
                return
            info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
            # As tarfile sets them (ingest checks these headers, see walked()).
            info.offset, info.offset_data = self.position, self.position + _BLOCK
            if info.isdir():
                # tarfile reads no data after a directory header either.
                self._headers.append(info)
                self.position += _BLOCK
                continue
            if info.type not in _PLAIN_FILES:
                self.stopped = True  # links, pax, long names: ingest decides
                return
            offset, end = self.position + _BLOCK, self.position + _BLOCK + info.size
            if end > committed:
                return
            self._headers.append(info)
            if info.name.startswith("dicom/") and info.name not in self._members:
                if info.size <= _POOLED_MAX:
                    data = _read_exactly(reader, offset, info.size)
                    if len(in_flight) >= _IN_FLIGHT:
                        self._collect(*in_flight.popleft())
                    in_flight.append((info.name, _prepare_pool().submit(
                        self._prepare, [data], offset, info.size, read_header)))
                else:
                    self._members[info.name] = self._prepare(
                        _window_pieces(reader, offset, info.size), offset, info.size,
                        read_header)
            self.position = end + (-info.size) % _BLOCK

    def _collect(self, name: str, future: Future) -> None:
        try:
            self._members[name] = future.result()
        except Exception:  # that member is read again by ingest
            log.warning("preparing a member of upload file %s failed", self.path.name,
                        exc_info=True)

    def _prepare(self, pieces, offset: int, size: int, read_header) -> Prepared:
        """Hash PIECES (the member's bytes, in order) and parse its DICOM header."""
        digest = hashlib.sha256()
        head = b""  # the member's first bytes: its header is parsed from them
        read = 0
        for data in pieces:
            if not head:
                head = data if len(data) >= size else bytes(data[:_HEAD_BYTES])
            digest.update(data)
            read += len(data)
        if read != size:
            raise OSError("upload file shorter than its committed offset")
        try:
            header = read_header(self.path, head, size, offset)
        except ValueError:
            header = None  # not DICOM: ingest reads it again and rejects it
        return Prepared(offset, size, digest.hexdigest(), header)

    def take(self, name: str, offset_data: int, size: int) -> Prepared | None:
        """The prepared member NAME if it is exactly the bundle's member (else None)."""
        with self._lock:
            found = self._members.get(name)
            if found is None or found.offset_data != offset_data or found.size != size:
                return None
            del self._members[name]
            self.taken += 1
            return found

    def discard(self) -> None:
        """Forget everything (the upload is verified or gone)."""
        with self._lock:
            self.stopped = self._discarded = True
            self._headers.clear()
            self._members.clear()


def _read_exactly(reader: DirectReader, offset: int, size: int) -> bytes:
    """SIZE bytes at OFFSET as one bytes object (shorter only if the file is)."""
    return b"".join(bytes(piece) for piece in _window_pieces(reader, offset, size))


def _window_pieces(reader: DirectReader, offset: int, size: int):
    """The bytes at OFFSET..OFFSET+SIZE as views of the reader's window, in order."""
    position, end = offset, offset + size
    while position < end:
        data = reader.read(position, min(_READ_SIZE, end - position))
        if not data:
            return
        yield data
        position += len(data)
