"""What the fuzz suite feeds each mutated file through, and the contract each must keep.

Every target takes the file (path and bytes) and returns quietly when the
contract holds; a contract violation raises ``AssertionError``, anything
else that escapes is an unhandled exception (a finding).

Rendered images (issue 11, being built on another branch): add a target to
:data:`EXTRA_TARGETS` - e.g. ``("rendered", render_target)`` calling the
portal's renderer on the stored bytes and asserting it returns an image or
a clean 4xx-style error - and it runs over every mutant with the others.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from downloadmanager.core.part10 import is_part10, wrap_file_in_place
from downloadmanager.core.thumbnails import thumbnail_from_source
from portal.ingest import read_header as portal_read_header
from portal.part10 import StoredFileError, part10_prefix, read_stored_dataset

Target = Callable[[Path, bytes], None]


def thumbnailer(path: Path, data: bytes) -> None:
    """A thumbnail or None; never an exception."""
    thumb = thumbnail_from_source(data, 48)
    assert thumb is None or (isinstance(thumb, np.ndarray) and thumb.dtype == np.uint8)
    if zlib.crc32(path.name.encode()) % 8 == 0:  # sometimes also the way the GUI's pool reads: a file
        with open(path, "rb") as fh:
            thumbnail_from_source(fh, 48)


def staging(path: Path, data: bytes) -> None:
    """The per-file staging step (Part-10 wrap): the dataset bytes stay, the file ends Part 10 or as it was."""
    copy = path.with_name(path.name + ".staged")
    copy.write_bytes(data)
    try:
        if wrap_file_in_place(copy):
            staged = copy.read_bytes()
            assert is_part10(staged) and staged.endswith(data)
        else:
            assert copy.read_bytes() == data
    finally:
        copy.unlink(missing_ok=True)


def portal_ingest_header(path: Path, data: bytes) -> None:
    """The portal's ingest check: a header dict, or ValueError (the instance is then rejected)."""
    try:
        header = portal_read_header(path)
    except ValueError:
        return
    assert header["sop_instance_uid"] and header["study_instance_uid"]


def portal_metadata(path: Path, data: bytes) -> None:
    """What WADO-RS metadata does with a stored file: JSON or a clean StoredFileError, and a Part-10 prefix."""
    try:
        ds = read_stored_dataset(io.BytesIO(data))
        ds.to_json_dict(bulk_data_threshold=1 << 30, suppress_invalid_tags=True)
    except StoredFileError:
        pass
    except Exception:  # noqa: BLE001 - the endpoint catches these too (returns DB-only metadata)
        pass
    prefix = part10_prefix(io.BytesIO(data))
    assert prefix == b"" or is_part10(prefix)


TARGETS: list[tuple[str, Target]] = [
    ("thumbnailer", thumbnailer),
    ("staging", staging),
    ("portal_ingest_header", portal_ingest_header),
    ("portal_metadata", portal_metadata),
]

#: Hook for targets other branches add (rendered images): ("name", function).
EXTRA_TARGETS: list[tuple[str, Target]] = []
