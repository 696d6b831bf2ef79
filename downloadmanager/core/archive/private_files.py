"""Owner-only folders and files for downloaded patient data.

On POSIX, folders are created ``0o700`` and files ``0o600`` (independent of
the umask: modes are set explicitly). On Windows, POSIX modes mean nothing;
files created below the user's profile inherit its ACL, which already grants
access only to the user, SYSTEM and administrators. We do not rewrite ACLs
there (that would need pywin32); the GUI suggests a folder inside the profile.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

DIR_MODE = 0o700
FILE_MODE = 0o600
_POSIX = os.name == "posix"


def make_private_dir(path: Path) -> Path:
    """Create PATH (and parents) and make it owner-only; return it."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if _POSIX:
        os.chmod(path, DIR_MODE)
    return path


def make_private_dirs_below(root: Path, path: Path) -> Path:
    """Create PATH and every missing folder between ROOT and PATH owner-only."""
    missing = []
    current = path
    while current != root and not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        if _POSIX:
            os.chmod(folder, DIR_MODE)
    return path


def open_private(path: Path, mode: str = "wb") -> BinaryIO:
    """Open PATH for binary writing ("wb") or appending ("ab") with owner-only permissions."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)
    flags |= os.O_APPEND if mode == "ab" else os.O_TRUNC
    fd = os.open(path, flags, FILE_MODE)
    if _POSIX:
        os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode)


def make_private_file(path: Path) -> None:
    """Set owner-only permissions on an existing file."""
    if _POSIX:
        os.chmod(path, FILE_MODE)
