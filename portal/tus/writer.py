"""Writing one PATCH's bytes into an upload's file, safely against stale requests.

Each upload has a :class:`UploadSlot` with a short-held I/O lock and a
generation counter. A new request *claims* the slot: it bumps the generation
(so an older request still streaming for the same upload is superseded),
reads the committed offset from the database and truncates the file to it
(dropping bytes an older request wrote but never committed). A superseded
request notices at its next write or commit and stops without touching the
file or the offset again. The I/O lock is held only for one buffer write, a
commit or a claim, never while waiting for the network, so the newer request
waits at most for one in-flight write and other uploads never wait at all.

Durability: bytes are written, flushed and fsynced *before* the offset moves
in the database, and the offset update is conditional on the old offset, so
the offset never goes back and never covers bytes that are not on disk.

Where the file system allows it (Linux), bytes go to disk with direct I/O
(:mod:`portal.direct_io`), past the page cache; elsewhere they are written
buffered, with writeback started early and written pages released.

All methods here do blocking I/O: call them from a worker thread.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from dicomkit.checksums import new_checksum
from portal.direct_io import DirectAppender, open_direct
from portal.libc import libc_function
from portal.tus.store import UploadStore


class Superseded(Exception):
    """A newer request for the same upload took over; this one must stop."""


@dataclass
class UploadSlot:
    """Per-upload coordination state, alive while any request uses the upload."""

    io_lock: threading.Lock = field(default_factory=threading.Lock)
    generation: int = 0
    users: int = 0


class SlotRegistry:
    """Hands out one :class:`UploadSlot` per upload id; the map lock is held for microseconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, UploadSlot] = {}

    def acquire(self, upload_id: str) -> UploadSlot:
        """The slot for UPLOAD_ID; pair every call with :meth:`release`."""
        with self._lock:
            slot = self._slots.get(upload_id)
            if slot is None:
                slot = self._slots[upload_id] = UploadSlot()
            slot.users += 1
            return slot

    def release(self, upload_id: str) -> None:
        """Forget the slot once no request uses it any more."""
        with self._lock:
            slot = self._slots.get(upload_id)
            if slot is not None:
                slot.users -= 1
                if slot.users <= 0:
                    del self._slots[upload_id]

    def active(self) -> int:
        """How many uploads have a request in progress (for tests and diagnostics)."""
        with self._lock:
            return len(self._slots)


# Start writing to disk every this many bytes while the transfer goes on, so
# the fsync before a PATCH's answer only waits for the last stretch.
WRITEBACK_EVERY_BYTES = 8 * 1024 * 1024
_fdatasync = getattr(os, "fdatasync", os.fsync)  # Windows and macOS have only fsync
_HAS_WRITEV = hasattr(os, "writev")
_IOV_MAX = 512
_SYNC_FILE_RANGE_WAIT_BEFORE = 1
_SYNC_FILE_RANGE_WRITE = 2
_SYNC_FILE_RANGE_WAIT_AFTER = 4
_HAS_FADVISE = hasattr(os, "posix_fadvise") and hasattr(os, "POSIX_FADV_DONTNEED")


# Start writeback without waiting (Linux).
_sync_file_range = libc_function("sync_file_range",
                                 [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint])


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the kernel to start writing [OFFSET, OFFSET+LENGTH) to disk, without waiting.

    Only an optimisation: durability still comes from the fsync in
    :meth:`ChunkWriter.commit`. Where the call does not exist it does nothing.
    """
    if _sync_file_range is not None:
        _sync_file_range(fd, offset, length, _SYNC_FILE_RANGE_WRITE)


def release_written(fd: int, offset: int, length: int) -> None:
    """Wait until [OFFSET, OFFSET+LENGTH) is on disk, then drop it from the page cache.

    The next writes of the upload then reuse these just-freed pages instead
    of taking fresh ones, so an upload holds ~16 MiB of page cache instead of
    its whole size. On the benchmark VM, whose free memory goes back to the
    host, taking fresh pages cost the portal ~1 s of kernel time per GB
    (docs/benchmarks.md). The price: verification reads the file back from
    disk. Only an optimisation (Linux); elsewhere nothing happens. Durability
    still comes from the fsync in :meth:`ChunkWriter.commit` (only clean
    pages are dropped).
    """
    if _sync_file_range is None or not _HAS_FADVISE:
        return
    _sync_file_range(fd, offset, length, _SYNC_FILE_RANGE_WAIT_BEFORE
                     | _SYNC_FILE_RANGE_WRITE | _SYNC_FILE_RANGE_WAIT_AFTER)
    os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)


def write_pieces(fd: int, pieces: list[bytes]) -> int:
    """Write PIECES in order at the file position; returns the byte count.

    ``os.writev`` hands all pieces to the kernel without joining them first
    (one copy less); elsewhere they are joined.
    """
    total = sum(len(p) for p in pieces)
    if not _HAS_WRITEV:
        _write_all(fd, b"".join(pieces))
        return total
    views = [memoryview(p) for p in pieces if p]
    while views:
        written = os.writev(fd, views[:_IOV_MAX])
        # Drop what was written, keep the rest of a partly written piece.
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if written:
            views[0] = views[0][written:]
    return total


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class ChunkWriter:
    """Writes one request's body at the upload's committed offset."""

    def __init__(self, store: UploadStore, slot: UploadSlot, upload_id: str,
                 checksum_algorithm: str | None,
                 on_cut: Callable[[int], None] | None = None) -> None:
        """ON_CUT(size) is called whenever the file is cut back to SIZE bytes
        (bytes written but not committed are dropped), with the I/O lock held:
        the verifier following the file must forget what it read past SIZE."""
        self.store = store
        self._on_cut = on_cut
        self.slot = slot
        self.upload_id = upload_id
        self.generation = -1
        self.start = 0
        self.length = 0
        self.written = 0
        self._synced = 0
        self._released = 0
        self._fd: int | None = None
        self._direct: DirectAppender | None = None
        self._hash = new_checksum(checksum_algorithm) if checksum_algorithm else None

    @property
    def superseded(self) -> bool:
        """True once a newer request claimed the upload (read without the lock: a hint)."""
        return self.slot.generation != self.generation

    def claim(self) -> tuple[int, str]:
        """Become the upload's writer; returns ``(committed offset, state)``.

        Truncates the file to the committed offset only while the upload is
        still receiving bytes (a finished upload's file belongs to ingest).
        """
        with self.slot.io_lock:
            self.slot.generation += 1
            self.generation = self.slot.generation
            record = self.store.get(self.upload_id)
            if record is None:
                raise Superseded("upload vanished")
            self.start = record.offset
            self.length = record.length
            if record.state == "uploading":
                flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
                self._fd = os.open(self.store.file_path(self.upload_id), flags, 0o600)
                self._cut_back()
                os.lseek(self._fd, self.start, os.SEEK_SET)
                direct_fd = open_direct(self.store.file_path(self.upload_id))
                if direct_fd is not None:
                    self._direct = DirectAppender(self._fd, direct_fd, self.start)
            return record.offset, record.state

    def _cut_back(self) -> None:
        """Truncate the file to the committed offset (I/O lock held) and say so if it shrank."""
        longer = os.fstat(self._fd).st_size > self.start
        os.ftruncate(self._fd, self.start)
        if longer and self._on_cut is not None:
            self._on_cut(self.start)

    def write(self, pieces: list[bytes]) -> None:
        """Append PIECES (in order) after what this request wrote so far."""
        with self.slot.io_lock:
            if self.superseded or self._fd is None:
                raise Superseded("a newer request took over this upload")
            if self._direct is not None:
                self.written += self._direct.append(pieces)
            else:
                self.written += write_pieces(self._fd, pieces)
            if self._hash is not None:
                for piece in pieces:
                    self._hash.update(piece)
            if self._direct is not None and self._direct.direct:
                return  # no page cache to write back or release
            if self.written - self._synced >= WRITEBACK_EVERY_BYTES:
                start_writeback(self._fd, self.start + self._synced,
                                self.written - self._synced)
                # The stretch before the one just started has had a whole
                # stretch's time to reach the disk: release its pages.
                if self._released < self._synced:
                    release_written(self._fd, self.start + self._released,
                                    self._synced - self._released)
                    self._released = self._synced
                self._synced = self.written

    def checksum_matches(self, digest: bytes) -> bool:
        """Whether the bytes written by this request have DIGEST."""
        return self._hash is not None and self._hash.digest() == digest

    def commit(self) -> int:
        """Make the written bytes durable, then advance the offset; returns the new offset."""
        with self.slot.io_lock:
            if self.superseded or self._fd is None:
                raise Superseded("a newer request took over this upload")
            if self.written == 0:
                return self.start
            if self._direct is not None:
                self._direct.finish()
            _fdatasync(self._fd)
            new_offset = self.start + self.written
            engine: Engine = self.store.engine
            with engine.begin() as conn:
                if not self.store.advance(conn, self.upload_id, self.start, new_offset,
                                          self.length):
                    raise Superseded("the upload's offset moved under this request")
            return new_offset

    def discard(self) -> None:
        """Drop everything this request wrote (the committed offset stays)."""
        with self.slot.io_lock:
            if not self.superseded and self._fd is not None:
                self._cut_back()
            self.written = self._synced = self._released = 0

    def close(self) -> None:
        """Close the file (idempotent; the descriptor is closed even if the appender fails).

        Taken under the I/O lock: if the request was cancelled while a worker
        thread still writes a batch, closing waits for that write (at most one
        batch) instead of pulling the descriptor and the staging buffer from
        under it.
        """
        with self.slot.io_lock:
            try:
                if self._direct is not None:
                    direct, self._direct = self._direct, None
                    direct.close()
            finally:
                if self._fd is not None:
                    fd, self._fd = self._fd, None
                    os.close(fd)
