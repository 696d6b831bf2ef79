"""Open an instance's bytes wherever they are: a file, or a member of a ZIP archive."""

from __future__ import annotations

import zipfile
from typing import BinaryIO

from downloadmanager.core.scan.model import Instance, InstanceSource


def open_instance(instance: Instance) -> BinaryIO:
    """Open the instance's bytes for reading, as a binary file object.

    The object is seekable for files and for ZIP members (seeking backwards in
    a compressed member re-reads it from the start). Close it when done (use
    ``with``). Raises ``OSError`` when the medium is gone or unreadable, and
    ``zipfile.BadZipFile`` when the archive is damaged.
    """
    return open_source(instance.source)


def open_source(source: InstanceSource) -> BinaryIO:
    """Open the bytes of ``source`` (see ``open_instance``)."""
    if source.member is None:
        return open(source.path, "rb")
    archive = zipfile.ZipFile(source.path, "r")
    try:
        member = archive.open(source.member, "r")
    finally:
        # The member keeps the archive's file open until it is closed itself
        # (zipfile counts references), so the archive object can go now.
        archive.close()
    return member
