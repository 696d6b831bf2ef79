"""List every file of a medium: folders (lazily, with ``os.scandir``) and ZIP archives.

The walk only lists names and sizes; it never opens a file for writing and
never runs anything. Symlink loops are cut by remembering every directory's
``(st_dev, st_ino)``; links that point nowhere, FIFOs and devices become
``unreadable`` problems instead of being opened (opening a FIFO would block).
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from downloadmanager.core.scan.model import InstanceSource, Problem, ProblemKind


@dataclass(slots=True)
class FileEntry:
    """One file to examine: on disk, or a member of a ZIP archive."""

    source: InstanceSource
    size: int
    zip_info: zipfile.ZipInfo | None = None

    @property
    def display(self) -> str:
        return self.source.display


def is_zip_name(name: str) -> bool:
    """Whether a file name says ZIP archive (case-insensitive, ISO 9660 ';1' allowed)."""
    return strip_version(name).lower().endswith(".zip")


def strip_version(name: str) -> str:
    """Drop an ISO 9660 version suffix (``IM1;1`` -> ``IM1``) and a bare trailing dot."""
    base, sep, version = name.rpartition(";")
    if sep and version.isdigit():
        name = base
    return name[:-1] if name.endswith(".") and name not in (".", "..") else name


def is_dicomdir_name(name: str) -> bool:
    """Whether a file name is DICOMDIR (any case, ISO 9660 suffixes allowed)."""
    return strip_version(name).upper() == "DICOMDIR"


def walk_tree(root: Path, display_root: str,
              on_problem: Callable[[Problem], None]) -> Iterator[FileEntry]:
    """Yield every regular file below ``root`` (lazily; ZIPs are yielded as files).

    ``display_root`` prefixes the displayed paths ("" for the scanned folder).
    Problems (unreadable folders, broken links, special files) go to
    ``on_problem``; the walk never raises for them.
    """
    visited: set[tuple[int, int] | str] = set()
    try:
        visited.add(_folder_identity(str(root), os.stat(root)))
    except OSError as exc:
        on_problem(Problem(display_root or ".", ProblemKind.UNREADABLE, _os_detail(exc)))
        return
    # An explicit stack instead of recursion: media can be deeply nested.
    stack: list[tuple[str, str]] = [(str(root), display_root)]
    while stack:
        folder, display = stack.pop()
        try:
            iterator = os.scandir(folder)
        except OSError as exc:
            on_problem(Problem(display or ".", ProblemKind.UNREADABLE, f"folder cannot be listed: {_os_detail(exc)}"))
            continue
        subfolders: list[tuple[str, str]] = []
        with iterator:
            while True:
                try:
                    entry = next(iterator)
                except StopIteration:
                    break
                except OSError as exc:
                    on_problem(Problem(display or ".", ProblemKind.UNREADABLE,
                                       f"folder listing broke off: {_os_detail(exc)}"))
                    break
                shown = f"{display}/{entry.name}" if display else entry.name
                found = _classify(entry, shown, visited, on_problem)
                if found == "dir":
                    subfolders.append((entry.path, shown))
                elif found is not None:
                    yield found
        # Reverse so that folders are visited in listing order.
        stack.extend(reversed(subfolders))


def _classify(entry: os.DirEntry, shown: str, visited: set[tuple[int, int] | str],
              on_problem: Callable[[Problem], None]) -> FileEntry | str | None:
    """A FileEntry for a file, "dir" for a folder to enter, None for anything else."""
    try:
        st = entry.stat()  # follows links: a link to a file is scanned as that file
    except FileNotFoundError:
        on_problem(Problem(shown, ProblemKind.UNREADABLE, "link points to nothing (broken link)"))
        return None
    except OSError as exc:
        on_problem(Problem(shown, ProblemKind.UNREADABLE, _os_detail(exc)))
        return None
    if stat.S_ISDIR(st.st_mode):
        key = _folder_identity(entry.path, st)
        if key in visited:
            return None  # a symlink loop or a second link to a folder already scanned
        visited.add(key)
        return "dir"
    if not stat.S_ISREG(st.st_mode):
        on_problem(Problem(shown, ProblemKind.UNREADABLE, "not a regular file (FIFO, socket or device); not opened"))
        return None
    return FileEntry(InstanceSource(Path(entry.path), None, shown), st.st_size)


def single_file(path: Path, display: str) -> FileEntry:
    """The entry for a scan of a single file."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(f"{path} is not a regular file")
    return FileEntry(InstanceSource(path, None, display), st.st_size)


def zip_members(archive: FileEntry, zf: zipfile.ZipFile,
                on_problem: Callable[[Problem], None]) -> list[FileEntry]:
    """The files inside an open ZIP archive, as entries shown as ``archive.zip/dir/file``.

    Nested archives are reported, not opened: their members cannot be
    streamed without unpacking the outer archive.
    """
    members: list[FileEntry] = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        # Windows tools sometimes store backslashes; show and match with "/".
        name = info.filename.replace("\\", "/").lstrip("/")
        shown = f"{archive.display}/{name}"
        if is_zip_name(name.rsplit("/", 1)[-1]):
            on_problem(Problem(shown, ProblemKind.NOT_DICOM,
                               "ZIP archive inside a ZIP archive is not scanned: unpack the outer archive first"))
            continue
        members.append(FileEntry(InstanceSource(archive.source.path, info.filename, shown),
                                 info.file_size, info))
    return members


def _folder_identity(path: str, st: os.stat_result) -> tuple[int, int] | str:
    """What identifies a folder however it is reached (device and inode)."""
    if os.name == "nt":
        # DirEntry.stat() leaves st_ino at 0 on Windows; os.stat() fills it.
        st = os.stat(path)
    if st.st_ino:
        return (st.st_dev, st.st_ino)
    return os.path.realpath(path)  # file systems without inode numbers


def _os_detail(exc: OSError) -> str:
    """A short, user-facing description of an OS error (no absolute paths)."""
    return exc.strerror or type(exc).__name__
