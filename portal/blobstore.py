"""Content-addressed file store for instances and documents.

A blob is named by the SHA-256 of its bytes and lives at
``DATA/blobs/<sha[0:2]>/<sha[2:4]>/<sha>``. Storing the same bytes twice adds
nothing. Every write goes to a temporary file in ``DATA/blobs/tmp`` first, is
flushed and fsynced, and only then renamed to its final name, so a blob that
exists under its name is always complete.

The store knows nothing about the database: callers keep the ``blobs`` table
in step (ingest adds rows, retention deletes files whose rows it removed).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Iterable

from portal.direct_io import DirectAppender, open_direct
from portal.pools import shared_pool

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_READ_SIZE = 1024 * 1024


class BlobStoreError(RuntimeError):
    """A blob could not be stored or read (bad name, content mismatch, I/O error)."""


def _fsync_directory(path: Path) -> None:
    """Make a rename durable; directories cannot be opened on Windows, so skip there."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    # Writable: Windows cannot flush a file opened for reading only.
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _background_syncs() -> ThreadPoolExecutor:
    """The threads that commit blobs in the background (:meth:`BlobStore.commit_in_background`)."""
    return shared_pool("blob-sync", 4)


def _parallel(func, items: list) -> None:
    """Run FUNC on every item in a few threads (fsyncs that the disk can group)."""
    if len(items) <= 1:
        for item in items:
            func(item)
        return
    with ThreadPoolExecutor(max_workers=min(32, len(items))) as pool:
        list(pool.map(func, items))


class PendingBlob:
    """A blob being written: bytes go to a temporary file and are hashed on the way.

    Use :meth:`BlobStore.begin`; then :meth:`write` any number of times,
    and either :meth:`BlobStore.commit` or :meth:`discard` it. With DIRECT
    the bytes go to disk with direct I/O where the system has it
    (:class:`portal.direct_io.DirectAppender`): no page-cache pages to fill
    and write back, and the fsync has little left to do.
    """

    def __init__(self, temp_path: Path, direct: bool = False) -> None:
        self.temp_path = temp_path
        self._file: BinaryIO | None = open(temp_path, "wb")
        self._appender: DirectAppender | None = None
        if direct:
            direct_fd = open_direct(temp_path)
            if direct_fd is not None:
                try:
                    self._appender = DirectAppender(self._file.fileno(), direct_fd, 0)
                except BaseException:
                    os.close(direct_fd)
                    self._file.close()
                    raise
        self._hash = hashlib.sha256()
        self.size = 0
        self._durable = False  # fsynced (the temporary file's bytes are on disk)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append DATA to the blob."""
        if self._file is None:
            raise BlobStoreError("blob already finished")
        if self._appender is not None:
            self._appender.append([data])
        else:
            self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    def _finish_direct(self, *, keep: bool) -> None:
        """Write the direct appender's last partial block (if KEEP) and free its buffer."""
        appender, self._appender = self._appender, None
        if appender is not None:
            try:
                if keep:
                    appender.finish()
            finally:
                appender.close()

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of what was written so far."""
        return self._hash.hexdigest()

    def close(self, *, sync: bool = True) -> None:
        """Flush and fsync the temporary file (idempotent).

        ``sync=False`` leaves the fsync to the commit (:meth:`BlobStore.commit`,
        :meth:`BlobStore.commit_many` or :meth:`BlobStore.commit_in_background`).
        """
        if self._file is not None:
            self._finish_direct(keep=True)
            self._file.flush()
            if sync:
                os.fsync(self._file.fileno())
                self._durable = True
            self._file.close()
            self._file = None
        elif sync:
            self.make_durable()

    def make_durable(self) -> None:
        """Return once the finished blob's bytes are on disk (fsync now if not yet)."""
        self.close(sync=False)
        if not self._durable:
            _fsync_file(self.temp_path)
            self._durable = True

    @property
    def durable(self) -> bool:
        """True once the bytes are known to be on disk."""
        return self._durable

    def discard(self) -> None:
        """Drop the temporary file; nothing is stored."""
        self._finish_direct(keep=False)
        if self._file is not None:
            self._file.close()
            self._file = None
        self.temp_path.unlink(missing_ok=True)


class BlobStore:
    """Content-addressed files under ROOT (normally ``DATA/blobs``)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._tmp = self.root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)

    # -- names ---------------------------------------------------------------
    @staticmethod
    def check_sha(sha256: str) -> str:
        """Return SHA256 if it is 64 lowercase hex digits, else raise BlobStoreError."""
        if not isinstance(sha256, str) or not _SHA256_HEX.match(sha256):
            raise BlobStoreError(f"not a SHA-256 hex digest: {sha256!r}")
        return sha256

    def path(self, sha256: str) -> Path:
        """Where the blob SHA256 lives (whether or not it exists)."""
        self.check_sha(sha256)
        return self.root / sha256[0:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        """True if the blob is stored."""
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """Open the blob for binary reading; raises FileNotFoundError if missing."""
        return open(self.path(sha256), "rb")

    def size(self, sha256: str) -> int:
        """Size in bytes of a stored blob."""
        return self.path(sha256).stat().st_size

    # -- writing -------------------------------------------------------------
    def begin(self, *, direct: bool = False) -> PendingBlob:
        """Start writing a blob whose hash is not known yet (DIRECT: see :class:`PendingBlob`)."""
        return PendingBlob(self._tmp / f"{secrets.token_hex(12)}.part", direct=direct)

    def commit(self, pending: PendingBlob, expected_sha256: str | None = None) -> tuple[str, bool]:
        """Move a finished PendingBlob to its content address.

        Returns ``(sha256, created)``; ``created`` is False when identical bytes
        were already stored (the temporary file is then dropped). With
        EXPECTED_SHA256 the content must match, else BlobStoreError and nothing
        is stored.
        """
        pending.make_durable()
        sha = pending.sha256
        if expected_sha256 is not None and sha != expected_sha256:
            pending.discard()
            raise BlobStoreError(f"content hash {sha} differs from expected {expected_sha256}")
        final = self.path(sha)
        if final.is_file():
            pending.discard()
            return sha, False
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(pending.temp_path, final)
        _fsync_directory(final.parent)
        return sha, True

    def commit_in_background(self, pending: PendingBlob) -> Future:
        """Commit a finished blob under its own SHA-256 in a background thread.

        For blobs prepared while an upload arrives: the file's and its
        folder's fsyncs happen during the upload, not after its last byte
        (2,000 folder fsyncs took 0.37 s then). Such a blob is stored before
        anyone checked it against a manifest; it is complete and named by its
        content like any other, and the caller removes it if it is not used
        (without a row, retention removes it too). The future's result is
        ``created`` as :meth:`commit` returns it.
        """
        pending.close(sync=False)
        return _background_syncs().submit(lambda: self.commit(pending)[1])

    def commit_many(self, pendings: list[tuple[PendingBlob, str]]) -> list[tuple[str, bool]]:
        """Commit many finished blobs (each with its expected SHA-256) at once.

        Same guarantee as :meth:`commit` (a blob under its name is complete and
        durable when this returns), but the fsyncs of all files, then of all
        their folders, run in parallel: the file system commits them together
        instead of one journal commit per file (a bundle of 1,000 instances
        spent most of its verification in 2,000 fsyncs one after another).
        Raises BlobStoreError before renaming anything if a content differs.
        """
        for pending, expected in pendings:
            pending.close(sync=False)
            if pending.sha256 != expected:
                raise BlobStoreError(f"content hash {pending.sha256} differs from expected "
                                     f"{expected}")
        _parallel(lambda pending: pending.make_durable(), [p for p, _ in pendings])
        results: list[tuple[str, bool]] = []
        folders: set[Path] = set()
        for pending, expected in pendings:
            final = self.path(expected)
            if final.is_file():
                pending.discard()
                results.append((expected, False))
                continue
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(pending.temp_path, final)
            folders.add(final.parent)
            results.append((expected, True))
        _parallel(_fsync_directory, sorted(folders))
        return results

    def put_stream(self, source: BinaryIO, expected_sha256: str | None = None) -> tuple[str, bool]:
        """Store everything readable from SOURCE; returns ``(sha256, created)``."""
        pending = self.begin()
        try:
            while True:
                chunk = source.read(_READ_SIZE)
                if not chunk:
                    break
                pending.write(chunk)
        except BaseException:
            pending.discard()
            raise
        return self.commit(pending, expected_sha256)

    def put_bytes(self, data: bytes, expected_sha256: str | None = None) -> tuple[str, bool]:
        """Store DATA; returns ``(sha256, created)``."""
        pending = self.begin()
        try:
            pending.write(data)
        except BaseException:
            pending.discard()
            raise
        return self.commit(pending, expected_sha256)

    def put_file(self, path: Path | str, expected_sha256: str | None = None) -> tuple[str, bool]:
        """Store a copy of the file at PATH; returns ``(sha256, created)``."""
        with open(path, "rb") as source:
            return self.put_stream(source, expected_sha256)

    def delete(self, sha256: str) -> bool:
        """Remove a blob; True if it existed. Callers remove the ``blobs`` row."""
        try:
            self.path(sha256).unlink()
            return True
        except FileNotFoundError:
            return False

    def iter_shas(self) -> Iterable[str]:
        """Every stored blob's SHA-256 (for consistency checks and purges)."""
        for first in sorted(p for p in self.root.iterdir() if p.is_dir() and p.name != "tmp"):
            for second in sorted(p for p in first.iterdir() if p.is_dir()):
                for blob in sorted(second.iterdir()):
                    if _SHA256_HEX.match(blob.name):
                        yield blob.name

    def clean_temporary(self, older_than_seconds: float = 3600.0) -> int:
        """Remove temporary files of interrupted writes older than the given age.

        The age limit keeps writes that are still in progress alive.
        Returns how many files were removed.
        """
        cutoff = time.time() - older_than_seconds
        removed = 0
        for part in self._tmp.glob("*.part"):
            try:
                if part.stat().st_mtime < cutoff:
                    part.unlink()
                    removed += 1
            except OSError:
                pass
        return removed


def blob_store_for(data_dir: Path | str) -> BlobStore:
    """The portal's blob store under DATA_DIR (``DATA/blobs``)."""
    return BlobStore(Path(data_dir) / "blobs")
