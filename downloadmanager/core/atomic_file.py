"""Write a small file atomically: a crash or a full disk never leaves half a file.

Settings, node lists, the account file and PDFs all go through here: the
bytes go to a temporary file in the same folder, which then replaces the
target in one ``os.replace`` (atomic on POSIX and Windows).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Replace PATH with DATA atomically (creating its folder); return PATH."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    """Replace PATH with TEXT (UTF-8) atomically; return PATH."""
    return write_bytes_atomic(path, text.encode("utf-8"))
