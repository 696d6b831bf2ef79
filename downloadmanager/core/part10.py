"""Bare datasets (no preamble, no file meta) made into DICOM Part-10 files, on disk.

The meta group comes from :mod:`dicomkit.part10` (the portal uses the same);
here the program copies and rewrites files with it: while staging an upload
and while publishing a download.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import BinaryIO

from dicomkit.part10 import HEAD_BYTES, Part10Error, is_part10
from dicomkit.part10 import meta_for_bare as _meta_for_bare
from dicomkit.part10 import prefix_for as _prefix_for
from downloadmanager.core.version import IMPLEMENTATION_VERSION_NAME

__all__ = ["Part10Error", "copy_as_part10", "is_part10", "meta_for_bare", "prefix_for",
           "wrap_file_in_place"]


def meta_for_bare(data_head: bytes) -> bytes:
    """Preamble, ``DICM`` and meta group for a bare dataset, naming this program's version."""
    return _meta_for_bare(data_head, IMPLEMENTATION_VERSION_NAME)


def prefix_for(head: bytes) -> bytes:
    """What to write before a file starting with HEAD to make it Part 10 (b"" when nothing can or must be)."""
    return _prefix_for(head, IMPLEMENTATION_VERSION_NAME)


def copy_as_part10(src: BinaryIO, dst: BinaryIO, chunk: int = 1 << 20) -> None:
    """Copy the instance SRC to DST, putting a meta group in front of a bare dataset."""
    head = src.read(HEAD_BYTES)
    dst.write(prefix_for(head))
    dst.write(head)
    shutil.copyfileobj(src, dst, chunk)


def wrap_file_in_place(path: Path) -> bool:
    """Rewrite PATH as a Part-10 file if it holds a bare dataset; True when it did.

    The new file is written beside it and moved over it (atomic on the same
    disk), so an interruption leaves either the old or the new file.
    Part-10 files and files that are not datasets are left alone.
    """
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if is_part10(head):
        return False
    try:
        prefix = meta_for_bare(head)
    except Part10Error:
        return False
    temp = path.with_name(path.name + ".p10")
    try:
        with open(path, "rb") as src, open(temp, "wb") as out:
            out.write(prefix)
            while block := src.read(1 << 20):
                out.write(block)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return True
