"""Verify as it arrives: hash, store and parse a bundle's members while its bytes come in.

After every PATCH that stored bytes (and every 16 MiB within a long one)
the ingest worker lets the upload's :class:`BundleFollower` read the members
that are now complete in the upload file: one thread walks the tar headers,
and a small shared pool streams each member through SHA-256 into a blob,
written with direct I/O, parses its DICOM header and has the blob committed
under its SHA-256 in the background (file and folder fsynced during the
upload, not after its last byte). When the last byte
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
replace (a checksum mismatch, a superseded request). For members that is
safe because ingest uses a prepared member only when its SHA-256 equals the
manifest's — then those were the right bytes — and otherwise reads the
member again from the final file. Headers have no such check, so whoever
cuts the file back tells the follower (:meth:`BundleFollower.rewind`), and
it forgets every header and member that reached past the cut.
"""

from __future__ import annotations

import logging
import tarfile
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from portal.blobstore import BlobStore
from portal.bundle import WalkedHeaders
from portal.direct_io import DirectReader
from portal.pools import shared_pool

log = logging.getLogger(__name__)

_BLOCK = 512
_READ_SIZE = 1024 * 1024
# The header is parsed from the member's first bytes; longer headers (rare)
# are read from the blob file instead.
_HEAD_BYTES = 128 * 1024
# Members up to this size are copied out of the read window and prepared by
# the shared pool, a few at a time: creating, writing (direct I/O waits for
# the disk) and hashing one member overlaps with the next. Larger members are
# streamed through the window by the follower's own thread.
_POOLED_MAX = 4 * 1024 * 1024
# Four: their waits for the disk overlap. (Two were enough while the request
# body's middleware held the GIL most of the time; see docs/benchmarks.md.)
_PREPARE_THREADS = 4
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
    # The blob's commit under ``sha256`` (result: True if this created it);
    # None when the blob existed already or the member is not DICOM.
    committing: Future | None
    header: dict | None
    not_dicom: bool

    def created(self) -> bool:
        """Whether the background commit created this blob (waits for it; False if it failed)."""
        if self.committing is None:
            return False
        try:
            return bool(self.committing.result())
        except Exception:  # noqa: BLE001 - the member is then read again by ingest
            return False


class BundleFollower:
    """Follows the upload file at PATH; ``advance`` handles what became complete."""

    def __init__(self, path: Path, blobs: BlobStore) -> None:
        self.path = path
        self.blobs = blobs
        self.position = 0  # where the next tar header starts
        self.stopped = False  # end of archive, a feature not followed, or an error
        self._discarded = False
        self._members: dict[str, Prepared] = {}
        self._headers: list[tarfile.TarInfo] = []  # every header before ``position``
        self._untaken: list[Prepared] = []  # prepared, then forgotten after a cut
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
                # Direct I/O both ways: the upload file was written past the
                # page cache, and so are the blobs (docs/benchmarks.md).
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
                self._untaken.append(prepared)
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
        """Hash PIECES (the member's bytes, in order) into a pending blob and parse its header."""
        pending = self.blobs.begin(direct=True)
        head = b""  # the member's first bytes: its header is parsed from them
        try:
            written = 0
            for data in pieces:
                if not head:
                    head = data if len(data) >= size else bytes(data[:_HEAD_BYTES])
                pending.write(data)
                written += len(data)
            if written != size:
                raise OSError("upload file shorter than its committed offset")
            pending.close(sync=False)
        except BaseException:
            pending.discard()
            raise
        sha = pending.sha256
        exists = self.blobs.exists(sha)
        try:
            header = read_header(self.blobs.path(sha) if exists else pending.temp_path, head,
                                 size)
        except ValueError:
            header = None
        committing: Future | None = None
        if exists or header is None:
            pending.discard()  # not DICOM: ingest reads it again and rejects it
        else:
            # Stored during the upload, not all at once after its last byte.
            committing = self.blobs.commit_in_background(pending)
        return Prepared(offset, size, sha, committing, header, header is None)

    def take(self, name: str, offset_data: int, size: int) -> Prepared | None:
        """The prepared member NAME if it is exactly the bundle's member (else None)."""
        with self._lock:
            found = self._members.get(name)
            if found is None or found.offset_data != offset_data or found.size != size:
                return None
            del self._members[name]
            self.taken += 1
            return found

    def untaken_blobs(self) -> list[str]:
        """SHA-256 of the blobs this follower created that ingest did not take.

        Waits for their commits. Only ingest may delete them (it knows which
        blobs rows refer to); for an upload that never completes, retention
        removes them (blob files without a row).
        """
        with self._lock:
            left = self._untaken + list(self._members.values())
            self._untaken, self._members = [], {}
        return [p.sha256 for p in left if p.created()]

    def discard(self) -> None:
        """Forget everything (the upload is verified or gone)."""
        with self._lock:
            self.stopped = self._discarded = True
            self._headers.clear()
            self._members.clear()
            self._untaken.clear()


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
