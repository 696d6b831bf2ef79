"""Content-addressed store for instances and documents.

A blob is named by the SHA-256 of its bytes. Storing the same bytes twice
adds nothing. It is kept in one of two ways, and readers do not see which:

- **loose**, a file of its own at ``DATA/blobs/<sha[0:2]>/<sha[2:4]>/<sha>``.
  Every write goes to a temporary file in ``DATA/blobs/tmp`` first, is
  flushed and fsynced, and only then renamed to its final name, so a blob
  that exists under its name is always complete (documents, and instances
  where the upload file cannot be linked);
- **packed**, a range of the upload file it arrived in
  (:meth:`BlobStore.store_ranges`, :mod:`portal.blobpacks`): a verified
  bundle's instances are not copied at all.

The store knows nothing about the database: callers keep the ``blobs`` table
in step (ingest adds rows, retention deletes files whose rows it removed).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable

from portal.blobpacks import PACK_SUFFIX, PackIndex, open_range

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
    and either :meth:`BlobStore.commit` or :meth:`discard` it.
    """

    def __init__(self, temp_path: Path) -> None:
        self.temp_path = temp_path
        self._file: BinaryIO | None = open(temp_path, "wb")
        self._hash = hashlib.sha256()
        self.size = 0
        self._durable = False  # fsynced (the temporary file's bytes are on disk)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append DATA to the blob."""
        if self._file is None:
            raise BlobStoreError("blob already finished")
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of what was written so far."""
        return self._hash.hexdigest()

    def close(self, *, sync: bool = True) -> None:
        """Flush and fsync the temporary file (idempotent).

        ``sync=False`` leaves the fsync to the commit (:meth:`BlobStore.commit`
        or :meth:`BlobStore.commit_many`).
        """
        if self._file is not None:
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
        if self._file is not None:
            self._file.close()
            self._file = None
        self.temp_path.unlink(missing_ok=True)


def _loose_name(sha256: str) -> str:
    """Where the loose blob SHA256 lives, relative to the store's root."""
    return f"{sha256[0:2]}/{sha256[2:4]}/{sha256}"


class BlobStore:
    """Content-addressed files under ROOT (normally ``DATA/blobs``)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._tmp = self.root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)
        self._packs = PackIndex(self.root)

    # -- names ---------------------------------------------------------------
    @staticmethod
    def check_sha(sha256: str) -> str:
        """Return SHA256 if it is 64 lowercase hex digits, else raise BlobStoreError."""
        if not isinstance(sha256, str) or not _SHA256_HEX.match(sha256):
            raise BlobStoreError(f"not a SHA-256 hex digest: {sha256!r}")
        return sha256

    def path(self, sha256: str) -> Path:
        """Where the blob SHA256 lives as a loose file (whether or not it does).

        A packed blob has no file of its own: read blobs with :meth:`open`.
        """
        return self.root / _loose_name(self.check_sha(sha256))

    def _is_loose(self, sha256: str) -> bool:
        """Whether the blob SHA256 (checked already) is stored as a loose file."""
        # os.path on strings: ingest asks this for every instance of a
        # bundle after its last byte, and pathlib costs ten times the stat.
        return os.path.isfile(os.path.join(self.root, _loose_name(sha256)))

    def exists(self, sha256: str) -> bool:
        """True if the blob is stored (loose or packed)."""
        return self._is_loose(self.check_sha(sha256)) or self._packs.locate(sha256) is not None

    def open(self, sha256: str) -> BinaryIO:
        """Open the blob for binary reading (seekable); FileNotFoundError if missing."""
        try:
            return open(self.path(sha256), "rb")
        except FileNotFoundError:
            found = self._packs.locate(sha256)
            if found is None:
                raise
            return open_range(*found)

    def size(self, sha256: str) -> int:
        """Size in bytes of a stored blob."""
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            found = self._packs.locate(sha256)
            if found is None:
                raise
            return found[2]

    def modified(self, sha256: str) -> float:
        """When the blob's file (a packed blob's pack) was last written, as a timestamp.

        For retention's sweep of blobs without a row. A packed blob whose
        pack file is gone counts as written long ago (0.0): it cannot be
        read, and retention removes its row. One whose pack still has
        another name (:func:`_ingest_pending`) counts as written now.
        """
        try:
            return self.path(sha256).stat().st_mtime
        except FileNotFoundError:
            found = self._packs.locate(sha256)
            if found is None:
                raise
            try:
                stat = found[0].stat()
            except FileNotFoundError:
                return 0.0
            return time.time() if _ingest_pending(stat) else stat.st_mtime

    # -- writing -------------------------------------------------------------
    def begin(self) -> PendingBlob:
        """Start writing a blob whose hash is not known yet."""
        return PendingBlob(self._tmp / f"{secrets.token_hex(12)}.part")

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

    def store_ranges(self, path: Path | str, keep: list[tuple[str, int, int]],
                     others: Iterable[tuple[int, int]] = ()) -> "StoredRanges":
        """Store ranges of the file at PATH as blobs without copying them.

        KEEP lists ``(sha256, offset, size)``; the caller has checked each
        range's SHA-256 (ingest: every accepted instance of a bundle). The
        file is hard-linked into the pack folder and fsynced, then the
        ranges are recorded (:mod:`portal.blobpacks`). A file that is a pack
        already (an ingest of it stopped before its commit) gets a new name
        for its new ranges; the discard protects the rows of every name. Where
        the file cannot be linked (another file system) each blob is copied
        to a loose file.

        Nothing of PATH changes here: the returned :class:`StoredRanges`
        discards the ranges of blobs stored already and OTHERS ``(offset,
        size)`` (what else the file holds) when the caller calls its
        :meth:`StoredRanges.discard_rest`, once it has committed what it
        stored (a crash before must leave PATH as it was, to be read again).
        """
        path = Path(path)
        created: dict[int, bool] = {}
        new: list[tuple[str, int, int]] = []
        discard = [(offset, size) for offset, size in others]
        packed = self._packs.packs_of([self.check_sha(sha) for sha, _, _ in keep])
        # Packs that are this very file: an ingest of it that stopped before
        # its commit linked and recorded it already. Their rows are protected
        # from this file's discards like the rows of its new pack.
        same = self._same_file_packs(path, set(packed.values()))
        seen = set(packed)
        for index, (sha, offset, size) in enumerate(keep):
            if sha in seen or self._is_loose(sha):
                created[index] = False
                discard.append((offset, size))
            else:
                new.append((sha, offset, size))
            seen.add(sha)
        pack = self._packs.folder / same[0] if same else None
        if new:
            # Always a new name, also for a file that is a pack already: a
            # retention pass may remove that one with its last blob meanwhile.
            new_pack, added = self._pack(path, new)
            pack = new_pack or pack
            for index, (sha, _, _) in enumerate(keep):
                if index not in created:
                    created[index] = added[sha]
            # Another ingest packed the same bytes a moment ago: that copy counts.
            discard += [(offset, size) for sha, offset, size in new if not added[sha]]
        return StoredRanges([(sha, created[index]) for index, (sha, _, _) in enumerate(keep)],
                            self._packs, pack, discard, same)

    def _same_file_packs(self, path: Path, names: set[str]) -> list[str]:
        """Of the pack NAMES, those that are the file at PATH (other names of it)."""
        if not names or path.stat().st_nlink < 2:
            return []  # a file with one name is no pack yet: no pack to stat
        same = []
        for name in sorted(names):
            try:
                if os.path.samefile(self._packs.folder / name, path):
                    same.append(name)
            except OSError:
                pass
        return same

    def _pack(self, path: Path, new: list[tuple[str, int, int]]
              ) -> tuple[Path | None, dict[str, bool]]:
        """Link PATH into the pack folder and record NEW in it.

        Returns the pack (None if nothing was recorded in one) and per
        SHA-256 whether it was stored now.
        """
        folder = self._packs.folder
        folder.mkdir(exist_ok=True)
        pack = folder / f"{secrets.token_hex(12)}{PACK_SUFFIX}"
        # A link keeps the file's time: touched first, the pack looks new to
        # the sweeps of orphans (clean_temporary, retention) from the moment
        # it exists until its rows do, however long ago the upload finished.
        os.utime(path)
        try:
            os.link(path, pack)
        except OSError:
            return None, self._copy_loose(path, new)
        _fsync_file(pack)  # the writer fdatasynced the bytes; now size and blocks too
        _fsync_directory(folder)
        added = self._packs.add(pack.name, new)
        if not any(added):
            pack.unlink()
            pack = None
        return pack, {sha: ok for (sha, _, _), ok in zip(new, added)}

    def _copy_loose(self, path: Path, new: list[tuple[str, int, int]]) -> dict[str, bool]:
        """Store NEW's ranges of PATH as loose blobs (when PATH cannot be linked)."""
        pendings: list[tuple[PendingBlob, str]] = []
        try:
            for sha, offset, size in new:
                pending = self.begin()
                pendings.append((pending, sha))
                with open_range(path, offset, size) as source:
                    while chunk := source.read(_READ_SIZE):
                        pending.write(chunk)
            return dict(self.commit_many(pendings))
        except BaseException:
            for pending, _ in pendings:
                pending.discard()
            raise

    def delete(self, sha256: str) -> bool:
        """Remove a blob; True if it existed. Callers remove the ``blobs`` row.

        A packed blob's bytes are discarded from its pack, and a pack that
        holds no blob any more is removed.
        """
        existed = False
        try:
            self.path(sha256).unlink()
            existed = True
        except FileNotFoundError:
            pass
        found = self._packs.remove(sha256)
        if found is not None:
            pack, offset, size, still_used = found
            if still_used:
                try:
                    self._packs.discard(pack, [(offset, size)])
                except FileNotFoundError:
                    pass  # the pack is gone already: nothing left to discard
            else:
                try:
                    pack.unlink(missing_ok=True)
                except PermissionError:
                    # Windows, while a reader has it open: without rows it is an
                    # orphan now, which clean_temporary removes later.
                    pass
            existed = True
        return existed

    def iter_shas(self) -> Iterable[str]:
        """Every stored blob's SHA-256, loose or packed (for consistency checks and purges)."""
        loose: set[str] = set()
        for first in sorted(p for p in self.root.iterdir()
                            if p.is_dir() and p.name not in ("tmp", self._packs.folder.name)):
            for second in sorted(p for p in first.iterdir() if p.is_dir()):
                for blob in sorted(second.iterdir()):
                    if _SHA256_HEX.match(blob.name):
                        loose.add(blob.name)
                        yield blob.name
        for sha in self._packs.shas():
            if sha not in loose:
                yield sha

    def clean_temporary(self, older_than_seconds: float = 3600.0) -> int:
        """Remove leftovers older than the given age: temporary files and orphan packs.

        A temporary file is an interrupted write; a pack without any blob
        recorded in it was linked by an ingest that stopped before it
        recorded them. The age limit keeps work that is still in progress
        alive. Returns how many files were removed.
        """
        cutoff = time.time() - older_than_seconds
        removed = 0
        old_packs: list[Path] = []
        if self._packs.folder.is_dir():
            old_packs = [p for p in self._packs.folder.glob(f"*{PACK_SUFFIX}")
                         if _older(p, cutoff)]
        used = self._packs.used_packs([p.name for p in old_packs])
        orphans = [p for p in old_packs if p.name not in used]
        for leftover in [*self._tmp.glob("*.part"), *orphans]:
            try:
                stat = leftover.stat()
                if stat.st_mtime >= cutoff or _ingest_pending(stat):
                    continue
                # Asked again right before: an ingest may have recorded it since.
                if leftover.suffix == PACK_SUFFIX and self._packs.used_packs([leftover.name]):
                    continue
                leftover.unlink()
                removed += 1
            except OSError:
                pass
        return removed


def _ingest_pending(stat: os.stat_result) -> bool:
    """True for a pack that has another name: its upload file is still there.

    Ingest removes the upload file once its verdict is committed; until
    then (also across a restart, however long) it may verify the file
    again, so the orphan sweeps must not discard or remove anything of it.
    """
    return stat.st_nlink > 1


def _older(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except OSError:
        return False


def blob_store_for(data_dir: Path | str) -> BlobStore:
    """The portal's blob store under DATA_DIR (``DATA/blobs``)."""
    return BlobStore(Path(data_dir) / "blobs")


@dataclass
class StoredRanges:
    """What :meth:`BlobStore.store_ranges` stored, and what it left to discard."""

    created: list[tuple[str, bool]]  # (sha256, stored now) per kept range
    _packs: PackIndex = field(repr=False)
    pack: Path | None = None  # the pack the file is, if any blob is recorded in it
    _discard: list[tuple[int, int]] = field(default_factory=list, repr=False)
    # Every pack name of the same file: their rows are protected from the discard too.
    _names: list[str] = field(default_factory=list, repr=False)

    def discard_rest(self) -> None:
        """Discard what the pack holds besides its blobs (call after committing).

        Idempotent, and never touches a recorded blob's bytes
        (:meth:`PackIndex.discard`); a pack removed meanwhile (its blobs
        were dropped again) needs nothing.
        """
        if self.pack is None or not self._discard:
            return
        try:
            self._packs.discard(self.pack, self._discard, also=self._names)
        except FileNotFoundError:
            pass
