"""Scan a medium (folder, CD, single file or ZIP) into a catalog and a list of problems.

Order of work:

1. list every file (``walker``), ZIP archives by their central directory;
2. read every DICOMDIR found (any depth, also inside ZIPs) and match its
   references to the listed files: case-insensitively, ignoring ISO 9660
   ``;1`` suffixes; references without a file are ``missing`` problems;
3. full mode: read the header of every other file (``header``), so files no
   DICOMDIR references are found too; quick mode: take the catalog from the
   DICOMDIR records alone (files only checked to exist).

The medium is only ever opened for reading; nothing on it is executed.
"""

from __future__ import annotations

import logging
import os
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from downloadmanager.core.scan.catalog import CatalogBuilder
from downloadmanager.core.scan.errors import HeaderError, ScanCancelled, ScanError
from downloadmanager.core.scan.model import Problem, ProblemKind, ScanProgress, ScanResult
from downloadmanager.core.scan.walker import (
    FileEntry,
    is_dicomdir_name,
    is_zip_name,
    single_file,
    strip_version,
    walk_tree,
    zip_members,
)

if TYPE_CHECKING:
    from downloadmanager.core.scan.dicomdir import DicomdirReference
    from dicomkit.header import HeaderInfo

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[ScanProgress], None]

_ZIP_MAGIC = b"PK\x03\x04"
_LISTING_PROGRESS_EVERY = 200


def open_file(path: Path) -> BinaryIO:
    """Open a file of the medium for reading (unbuffered: one ``read()`` is one system call).

    The single place where the scanner opens files on disk.
    """
    return open(path, "rb", buffering=0)


def scan(root: str | Path, *, quick: bool = False,
         progress: ProgressCallback | None = None,
         cancel: threading.Event | Callable[[], bool] | None = None) -> ScanResult:
    """Scan ``root`` (a folder, a single file, or a ZIP archive).

    Parameters
    ----------
    root : what to scan. A file named DICOMDIR stands for its folder.
    quick : take the catalog from the DICOMDIR(s) alone: referenced files are
        checked to exist, not opened (files whose records lack a UID are
        still read). Without any DICOMDIR a quick scan is a full scan; the
        result's ``mode`` says which one ran.
    progress : called with a ``ScanProgress(files_done, files_total,
        current_path)`` after each file; ``files_total`` is None while the
        medium is still being listed. Runs on the scanning thread.
    cancel : a ``threading.Event`` or a callable returning True to stop.

    Returns
    -------
    ScanResult
        the catalog and every problem found. Problems with single files
        never raise.

    Raises
    ------
    ScanError
        when ``root`` is missing or cannot be read at all.
    ScanCancelled
        when ``cancel`` was set; no partial result is returned.
    """
    return _ScanSession(Path(root), progress, cancel).run(quick)


class _ArchiveCache:
    """Keeps the most recently used ZIP archive open while its members are read."""

    def __init__(self) -> None:
        self._path: Path | None = None
        self._zip: zipfile.ZipFile | None = None

    def get(self, path: Path) -> zipfile.ZipFile:
        if self._path != path or self._zip is None:
            self.close()
            self._zip = zipfile.ZipFile(open_file(path), "r")
            self._path = path
        return self._zip

    def close(self) -> None:
        if self._zip is not None:
            fp = self._zip.fp
            self._zip.close()
            if fp is not None:
                fp.close()
        self._zip, self._path = None, None


class _ScanSession:
    def __init__(self, root: Path, progress: ProgressCallback | None,
                 cancel: threading.Event | Callable[[], bool] | None) -> None:
        self.root = root
        self.progress = progress
        self.cancel = cancel
        self.problems: list[Problem] = []
        self.builder = CatalogBuilder()
        self.archives = _ArchiveCache()
        self.files_examined = 0
        self.referenced: set[str] = set()  # displays of files some DICOMDIR references
        self._failed_dicomdirs: set[str] = set()
        self._renamed_dicomdirs: list[str] = []  # DICOMDIRs found by content under another name

    # -- driving ---------------------------------------------------------
    def run(self, quick: bool) -> ScanResult:
        try:
            entries = self._list_entries()
            dicomdirs = [e for e in entries if is_dicomdir_name(e.display.rsplit("/", 1)[-1])]
            others = [e for e in entries if not is_dicomdir_name(e.display.rsplit("/", 1)[-1])]
            resolved = self._read_dicomdirs(dicomdirs, others)
            read_dicomdirs = [d.display for d in dicomdirs if d.display not in self._failed_dicomdirs]
            if quick and read_dicomdirs:
                self._list_from_dicomdirs(resolved)
                mode = "quick"
            else:
                self._read_all(others)
                mode = "full"
        finally:
            self.archives.close()
        patients = self.builder.patients()
        for patient in patients:
            for study in patient.studies.values():
                for instance in study.instances():
                    instance.in_dicomdir = instance.source.display in self.referenced
        self.problems.sort(key=lambda p: (p.path, p.kind.value))
        return ScanResult(root=self.root, mode=mode, patients=patients, problems=self.problems,
                          files_examined=self.files_examined,
                          dicomdirs=read_dicomdirs + sorted(self._renamed_dicomdirs))

    def _check_cancel(self) -> None:
        cancel = self.cancel
        if cancel is None:
            return
        stop = cancel.is_set() if isinstance(cancel, threading.Event) else cancel()
        if stop:
            raise ScanCancelled(self.files_examined)

    def _report(self, done: int, total: int | None, display: str) -> None:
        if self.progress is not None:
            self.progress(ScanProgress(done, total, display))

    # -- step 1: list ----------------------------------------------------
    def _list_entries(self) -> list[FileEntry]:
        root = self.root
        if not root.exists() and not root.is_symlink():
            raise ScanError("medium_missing", path=str(root))
        if root.is_file() and is_dicomdir_name(root.name):
            root = self.root = root.parent  # a DICOMDIR stands for its medium
        entries: list[FileEntry] = []
        if root.is_dir():
            try:
                with os.scandir(root) as listing:
                    next(listing, None)
            except OSError as exc:
                raise ScanError("medium_not_readable", path=str(root),
                                detail=str(exc.strerror or exc)) from None
            found: Iterator[FileEntry] = walk_tree(root, "", self.problems.append)
        elif root.is_file():
            try:
                with open_file(root) as f:
                    f.read(1)
                found = iter([single_file(root, root.name)])
            except OSError as exc:
                raise ScanError("medium_not_readable", path=str(root),
                                detail=str(exc.strerror or exc)) from None
        else:
            raise ScanError("medium_not_a_folder_or_file", path=str(root))
        listed = 0
        for entry in found:
            listed += 1
            if is_zip_name(entry.display.rsplit("/", 1)[-1]):
                entries.extend(self._expand_archive(entry))
            else:
                entries.append(entry)
            if listed % _LISTING_PROGRESS_EVERY == 0:
                self._check_cancel()
                self._report(listed, None, entry.display)
        entries.sort(key=lambda e: e.display)
        return entries

    def _expand_archive(self, archive: FileEntry) -> list[FileEntry]:
        """The members of a ZIP archive on disk (its central directory only is read)."""
        self.files_examined += 1
        try:
            with open_file(archive.source.path) as f, zipfile.ZipFile(f, "r") as zf:
                return zip_members(archive, zf, self.problems.append)
        except OSError as exc:
            self.problems.append(Problem(archive.display, ProblemKind.UNREADABLE, exc.strerror or str(exc)))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            self.problems.append(Problem(archive.display, ProblemKind.CORRUPT, f"damaged ZIP archive: {exc}"))
        return []

    # -- step 2: DICOMDIRs -----------------------------------------------
    def _read_dicomdirs(self, dicomdirs: list[FileEntry],
                        others: list[FileEntry]) -> list[tuple[DicomdirReference, FileEntry]]:
        """Read each DICOMDIR; return its references matched to files (missing ones reported)."""
        if not dicomdirs:
            return []
        index: dict[str, list[FileEntry]] = {}
        for entry in others:
            index.setdefault(_match_key(entry.display), []).append(entry)
        resolved: list[tuple[DicomdirReference, FileEntry]] = []
        for dicomdir in dicomdirs:
            self._check_cancel()
            self.files_examined += 1
            try:
                references = self._with_entry(dicomdir, lambda f, size, _cheap: _header().read_dicomdir(f, size))
            except _EntryProblem as problem:
                self.problems.append(problem.problem)
                self._failed_dicomdirs.add(dicomdir.display)
                continue
            folder = dicomdir.display.rpartition("/")[0]
            for reference in references:
                shown = "/".join(([folder] if folder else []) + list(reference.file_id))
                if ".." in reference.file_id:
                    self.problems.append(Problem(shown, ProblemKind.MISSING,
                                                 f"referenced by {dicomdir.display}, but points outside the medium"))
                    continue
                candidates = index.get(_match_key(shown), [])
                entry = next((c for c in candidates if c.display == shown), candidates[0] if candidates else None)
                if entry is None:
                    self.problems.append(Problem(shown, ProblemKind.MISSING,
                                                 f"referenced by {dicomdir.display}, but not on the medium"))
                    continue
                self.referenced.add(entry.display)
                resolved.append((reference, entry))
        return resolved

    # -- step 3: the catalog ---------------------------------------------
    def _list_from_dicomdirs(self, resolved: list[tuple[DicomdirReference, FileEntry]]) -> None:
        """Quick mode: the DICOMDIR records are the catalog; files are not opened."""
        total = len(resolved)
        seen: set[str] = set()
        for done, (reference, entry) in enumerate(resolved, 1):
            self._check_cancel()
            if entry.display in seen:  # referenced by two DICOMDIRs
                self._report(done, total, entry.display)
                continue
            seen.add(entry.display)
            self.files_examined += 1
            info = reference.info
            verified = False
            try:
                _header().require_identity(info)
            except HeaderError:
                # The records do not name this instance fully: read its header.
                info, verified = self._read_info(entry), True
            if info is not None:
                self._add(info, entry, verified=verified)
            self._report(done, total, entry.display)

    def _read_all(self, entries: list[FileEntry]) -> None:
        """Full mode: read every file's header (a growing list: unnamed ZIPs add members)."""
        work = list(entries)
        done = 0
        while done < len(work):
            self._check_cancel()
            entry = work[done]
            done += 1
            self.files_examined += 1
            info = self._read_info(entry, work)
            if info is not None:
                self._add(info, entry, verified=True)
            self._report(done, len(work), entry.display)

    def _add(self, info: HeaderInfo, entry: FileEntry, *, verified: bool) -> None:
        added = self.builder.add(info, entry.source, entry.size, verified=verified)
        if isinstance(added, Problem):
            self.problems.append(added)

    def _read_info(self, entry: FileEntry, work: list[FileEntry] | None = None) -> HeaderInfo | None:
        """The header of one file, or None after reporting why it cannot be listed."""
        try:
            info = self._with_entry(entry, lambda f, size, cheap: _header().read_header(f, size, cheap_seek=cheap))
        except _EntryProblem as problem:
            if (problem.problem.kind is ProblemKind.NOT_DICOM and work is not None
                    and entry.zip_info is None and self._is_unnamed_zip(entry)):
                work.extend(self._expand_archive(entry))
                self.files_examined -= 1  # counted once, as the archive
                return None
            self.problems.append(problem.problem)
            return None
        if info.is_dicomdir:
            # A DICOMDIR under another name: its references count as well.
            self.files_examined -= 1
            self._read_dicomdirs([entry], [e for e in (work or []) if e is not entry])
            if entry.display not in self._failed_dicomdirs:
                self._renamed_dicomdirs.append(entry.display)
            return None
        return info

    def _is_unnamed_zip(self, entry: FileEntry) -> bool:
        try:
            with open_file(entry.source.path) as f:
                return f.read(4) == _ZIP_MAGIC
        except OSError:
            return False

    def _with_entry(self, entry: FileEntry, reader: Callable[[BinaryIO, int, bool], object]):
        """Run ``reader(fileobj, size, cheap_seek)`` on an entry; map every failure to a problem."""
        referenced = entry.display in self.referenced
        try:
            if entry.zip_info is None:
                with open_file(entry.source.path) as f:
                    return reader(f, entry.size, True)
            archive = self.archives.get(entry.source.path)
            with archive.open(entry.zip_info, "r") as f:
                return reader(f, entry.size, entry.zip_info.compress_type == zipfile.ZIP_STORED)
        except HeaderError as exc:
            kind = ProblemKind(exc.kind)
            detail = exc.detail
            if kind is ProblemKind.NOT_DICOM and referenced:
                kind, detail = ProblemKind.CORRUPT, f"referenced by a DICOMDIR, but {detail}"
            raise _EntryProblem(Problem(entry.display, kind, detail)) from None
        except OSError as exc:
            raise _EntryProblem(Problem(entry.display, ProblemKind.UNREADABLE,
                                        exc.strerror or str(exc) or type(exc).__name__)) from None
        except RuntimeError as exc:  # zipfile: encrypted member
            raise _EntryProblem(Problem(entry.display, ProblemKind.UNREADABLE,
                                        f"cannot be read: {exc}")) from None
        except NotImplementedError as exc:  # zipfile: compression method not supported
            raise _EntryProblem(Problem(entry.display, ProblemKind.UNREADABLE,
                                        f"cannot be unpacked: {exc}")) from None
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise _EntryProblem(Problem(entry.display, ProblemKind.CORRUPT,
                                        f"damaged ZIP member: {exc}")) from None
        except Exception as exc:  # noqa: BLE001 - junk on a medium must never stop the scan
            logger.debug("unexpected error while reading a file of the medium", exc_info=True)
            raise _EntryProblem(Problem(entry.display, ProblemKind.CORRUPT,
                                        f"unreadable DICOM header ({type(exc).__name__})")) from None


class _EntryProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def _match_key(display: str) -> str:
    """How DICOMDIR references are matched to files: per component, case-folded, no ';1'."""
    return "/".join(strip_version(part).casefold() for part in display.split("/"))


class _HeaderReaders:
    """The header and DICOMDIR readers, imported on first use.

    A scan that finds no file (and ``downloadmanager --help``) never imports
    them; pydicom (and numpy, a third of a second) comes only with a DICOMDIR
    or a file the fast header reader hands to pydicom (see ``header``).
    """

    def __init__(self) -> None:
        from dicomkit.header import read_header, require_identity

        self.read_header = read_header
        self.require_identity = require_identity

    @staticmethod
    def read_dicomdir(*args, **kwargs):
        """:func:`~downloadmanager.core.scan.dicomdir.read_dicomdir`; brings pydicom."""
        from downloadmanager.core.scan.dicomdir import read_dicomdir

        return read_dicomdir(*args, **kwargs)


_readers: _HeaderReaders | None = None


def _header() -> _HeaderReaders:
    global _readers
    if _readers is None:
        _readers = _HeaderReaders()
    return _readers
