"""Reading what the portal stored, Part-10 or not, and handing it out as Part 10.

Older clients uploaded bare datasets (no preamble, no File Meta Information)
as they were found on old media; the current client wraps them while staging.
The portal reads both (:func:`read_stored_dataset`) and puts a meta group in
front of a bare dataset whenever it hands an instance out
(:func:`part10_prefix`, built by :mod:`dicomkit.part10` like the program's):
the stored bytes stay as they are.
"""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO

from pydicom import dcmread
from pydicom.dataset import Dataset

from dicomkit.bounded_io import BoundedReader
from dicomkit.part10 import HEAD_BYTES, is_part10, prefix_for

__all__ = ["StoredFileError", "is_part10", "part10_prefix", "read_stored_dataset"]

IMPLEMENTATION_VERSION_NAME = "DLMGR_PORTAL"


class StoredFileError(Exception):
    """A stored file cannot be read as DICOM (the message names the reason)."""


def read_stored_dataset(handle: BinaryIO, *, stop_before_pixels: bool = True) -> Dataset:
    """Read a stored instance, Part 10 or bare; raise :class:`StoredFileError` when it is not DICOM."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = handle if isinstance(handle, io.BytesIO) else BoundedReader(handle)
            return dcmread(reader, stop_before_pixels=stop_before_pixels, force=True)
        except Exception as exc:  # noqa: BLE001 - pydicom raises many kinds on garbage
            raise StoredFileError(f"{type(exc).__name__}: {str(exc)[:200]}") from None


def part10_prefix(handle: BinaryIO) -> bytes:
    """The bytes to put before a stored instance so that it is a Part-10 file (b"" if it is one).

    Reads the first few KiB of HANDLE. A bare dataset gets preamble, ``DICM``
    and a meta group built from its SOP Class/Instance UID and its encoding.
    """
    return prefix_for(handle.read(HEAD_BYTES), IMPLEMENTATION_VERSION_NAME)
