"""Packed blobs: instances kept inside the upload file they arrived in.

A bundle's members are whole files at known offsets of the upload file.
Instead of copying each accepted instance into a file of its own (creating
a thousand files cost the portal more CPU than receiving the bytes, see
``docs/benchmarks.md``), ingest hard-links the upload file into
``DATA/blobs/packs/`` and records where each blob lies in it:
``DATA/blobs/packs.sqlite``, one row per SHA-256 (pack, offset, size).

- A pack row is only written after the pack file and its folder are
  fsynced, so a blob that has a row is complete and durable.
- Ranges of a pack that hold nothing kept (the manifest, a rejected member, a
  member whose blob was stored already) are discarded once ingest has
  committed its verdict (until then the upload file, the pack's other name,
  must stay as it arrived: a restarted ingest reads it again), and a blob's
  range is discarded when it is deleted: the file system frees (punches) it
  where it can, otherwise it is overwritten with zeros, so deleted images do
  not linger in a pack that still holds other blobs. A pack whose last row
  is gone is removed.
- A discard never touches a range a row still records (:meth:`PackIndex.discard`),
  whatever its caller computed.
- A pack without any row (the portal stopped between link and rows) is an
  orphan, removed after a grace period like an interrupted write.

:class:`portal.blobstore.BlobStore` is the only user; callers see blobs by
SHA-256 whether they are loose files or packed.
"""

from __future__ import annotations

import ctypes
import errno
import io
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from dicomkit.bounded_io import FileWindow
from dicomkit.sqlite_wal import use_wal
from portal.libc import libc_function

INDEX_NAME = "packs.sqlite"
PACKS_FOLDER = "packs"
PACK_SUFFIX = ".pack"
_ZEROS = bytes(1024 * 1024)
_BATCH = 500
_OPEN_MAX = 8
_open: OrderedDict[str, tuple[sqlite3.Connection, threading.Lock]] = OrderedDict()
_cache_lock = threading.Lock()


class PackIndex:
    """Where packed blobs lie: the SQLite file ``packs.sqlite`` under the blob store's root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / PACKS_FOLDER
        self._db_path = root / INDEX_NAME

    # -- the index -----------------------------------------------------------
    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """The index's connection, for this caller alone while the block runs."""
        with _connection(self._db_path) as conn:
            yield conn

    def locate(self, sha256: str) -> tuple[Path, int, int] | None:
        """``(pack file, offset, size)`` of a packed blob, or None."""
        if not self._db_path.exists():
            return None
        with self._db() as db:
            row = db.execute("SELECT pack, offset, size FROM packed WHERE sha256 = ?",
                             (sha256,)).fetchone()
        return None if row is None else (self.folder / row[0], row[1], row[2])

    def shas(self) -> list[str]:
        """Every packed blob's SHA-256."""
        if not self._db_path.exists():
            return []
        with self._db() as db:
            return [row[0] for row in db.execute("SELECT sha256 FROM packed")]

    def add(self, pack: str, entries: list[tuple[str, int, int]]) -> list[bool]:
        """Record ENTRIES (sha, offset, size) as lying in PACK; per entry, whether it is new.

        One transaction: a blob already packed elsewhere keeps its place.
        """
        added: list[bool] = []
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                for sha, offset, size in entries:
                    cursor = db.execute("INSERT OR IGNORE INTO packed (sha256, pack, offset, "
                                        "size) VALUES (?, ?, ?, ?)", (sha, pack, offset, size))
                    added.append(cursor.rowcount == 1)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return added

    def remove(self, sha256: str) -> tuple[Path, int, int, bool] | None:
        """Forget a packed blob: ``(pack file, offset, size, pack still used)`` or None."""
        if not self._db_path.exists():
            return None
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT pack, offset, size FROM packed WHERE sha256 = ?",
                                 (sha256,)).fetchone()
                used = False
                if row is not None:
                    db.execute("DELETE FROM packed WHERE sha256 = ?", (sha256,))
                    used = db.execute("SELECT 1 FROM packed WHERE pack = ? LIMIT 1",
                                      (row[0],)).fetchone() is not None
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return None if row is None else (self.folder / row[0], row[1], row[2], used)

    def ranges_in(self, pack: str) -> list[tuple[int, int]]:
        """``(offset, size)`` of every blob recorded in the pack file named PACK."""
        if not self._db_path.exists():
            return []
        with self._db() as db:
            return [(row[0], row[1]) for row in db.execute(
                "SELECT offset, size FROM packed WHERE pack = ? ORDER BY offset", (pack,))]

    def discard(self, pack: Path, ranges: list[tuple[int, int]],
                also: Iterable[str] = ()) -> None:
        """Discard RANGES of PACK (see :func:`discard_ranges`), except what a row records.

        The rows are read right before: bytes a blob is recorded in are never
        punched or zeroed, even if a caller's list overlaps them. ALSO names
        other packs that are the same file (their rows are protected too).
        """
        recorded = [r for name in {pack.name, *also} for r in self.ranges_in(name)]
        discard_ranges(pack, subtract_ranges(ranges, recorded))

    def packs_of(self, shas: list[str]) -> dict[str, str]:
        """Of SHAS, those packed already, with the name of the pack each lies in."""
        if not shas or not self._db_path.exists():
            return {}
        found: dict[str, str] = {}
        with self._db() as db:
            for start in range(0, len(shas), _BATCH):
                part = shas[start:start + _BATCH]
                marks = ",".join("?" * len(part))
                found.update(db.execute(
                    f"SELECT sha256, pack FROM packed WHERE sha256 IN ({marks})", part))
        return found

    def used_packs(self, names: list[str]) -> set[str]:
        """Of the pack file NAMES, those that still hold a blob."""
        return self._present("pack", names)

    def _present(self, column: str, values: list[str]) -> set[str]:
        """Of VALUES, those found in COLUMN of some row."""
        if not values or not self._db_path.exists():
            return set()
        found: set[str] = set()
        with self._db() as db:
            for start in range(0, len(values), _BATCH):
                part = values[start:start + _BATCH]
                marks = ",".join("?" * len(part))
                found.update(row[0] for row in db.execute(
                    f"SELECT DISTINCT {column} FROM packed WHERE {column} IN ({marks})", part))
        return found


@contextmanager
def _connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the index at PATH, held under its lock while the block runs.

    Connections are kept open (a lookup per blob read must not open the
    file each time), shared by all threads one at a time, at most
    :data:`_OPEN_MAX` indexes (tests open many portals in one process).
    """
    key = str(path)
    with _cache_lock:
        entry = _open.get(key)
    if entry is None:
        # Opened outside the cache's lock: creating the table may wait for
        # another process's lock, which must not hold up other indexes.
        opened = (_open_index(key), threading.Lock())
        with _cache_lock:
            entry = _open.setdefault(key, opened)
        if entry is not opened:
            opened[0].close()  # another thread was quicker
    with _cache_lock:
        _open[key] = entry  # back in, if evicted meanwhile
        _open.move_to_end(key)  # the most recently used last
        while len(_open) > _OPEN_MAX:
            # Not closed here: a thread may be about to use it; the last
            # reference's release closes it.
            _open.popitem(last=False)
    conn, lock = entry
    with lock:
        yield conn


def _open_index(key: str) -> sqlite3.Connection:
    """A new connection to the index file KEY, its table created if need be."""
    conn = sqlite3.connect(key, timeout=30.0, isolation_level=None, check_same_thread=False)
    use_wal(conn)
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS packed (sha256 TEXT PRIMARY KEY, "
                 "pack TEXT NOT NULL, offset INTEGER NOT NULL, size INTEGER NOT NULL)")
    conn.execute("CREATE INDEX IF NOT EXISTS packed_pack ON packed (pack)")
    return conn


def open_range(path: Path, offset: int, size: int) -> io.BufferedReader:
    """A buffered reader over SIZE bytes at OFFSET of PATH (a packed blob).

    The pack is opened at once: a pack removed afterwards stays readable
    through this reader (as an open loose file does after it is deleted).
    """
    return io.BufferedReader(FileWindow(path, offset, size).open_now(),
                             buffer_size=1024 * 1024)


_FALLOC_FL_KEEP_SIZE = 0x01
_FALLOC_FL_PUNCH_HOLE = 0x02


# Punches holes (Linux); elsewhere discarded bytes are overwritten with zeros.
# fallocate64 takes 64-bit offsets on 32-bit systems too (where plain
# fallocate's off_t is 32 bits); on 64-bit glibc the two are the same.
_fallocate = (libc_function("fallocate64", [ctypes.c_int, ctypes.c_int, ctypes.c_int64,
                                            ctypes.c_int64])
              or libc_function("fallocate", [ctypes.c_int, ctypes.c_int, ctypes.c_int64,
                                             ctypes.c_int64]))


def subtract_ranges(ranges: list[tuple[int, int]],
                    keep: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of RANGES ``(offset, size)`` outside every range of KEEP."""
    keep = sorted((offset, offset + size) for offset, size in keep if size > 0)
    result: list[tuple[int, int]] = []
    for offset, size in ranges:
        start, end = offset, offset + size
        for keep_start, keep_end in keep:
            if keep_end <= start or keep_start >= end:
                continue
            if keep_start > start:
                result.append((start, keep_start - start))
            start = max(start, keep_end)
            if start >= end:
                break
        if start < end:
            result.append((start, end - start))
    return result


def discard_ranges(path: Path, ranges: list[tuple[int, int]]) -> None:
    """Make the bytes of RANGES (offset, size) in PATH unreadable: punched, or zeroed.

    The file keeps its size. Punching frees the blocks (and reads give
    zeros); where the file system cannot punch, zeros are written over the
    bytes. Either way the old bytes are fsynced away before this returns.
    """
    ranges = [(offset, size) for offset, size in ranges if size > 0]
    if not ranges:
        return
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        for offset, size in ranges:
            if not _punch(fd, offset, size):
                _write_zeros(fd, offset, size)
        os.fsync(fd)
    finally:
        os.close(fd)


def _punch(fd: int, offset: int, size: int) -> bool:
    """Punch a hole; False where the system or file system cannot."""
    if _fallocate is None:
        return False
    if _fallocate(fd, _FALLOC_FL_PUNCH_HOLE | _FALLOC_FL_KEEP_SIZE, offset, size) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
        return False
    raise OSError(error, os.strerror(error))


def _write_zeros(fd: int, offset: int, size: int) -> None:
    position, end = offset, offset + size
    while position < end:
        piece = _ZEROS[:min(len(_ZEROS), end - position)]
        if hasattr(os, "pwrite"):
            position += os.pwrite(fd, piece, position)
        else:  # Windows
            os.lseek(fd, position, os.SEEK_SET)
            position += os.write(fd, piece)
