"""Reading what the portal stored, Part-10 or not, and handing it out as Part 10.

Older clients uploaded bare datasets (no preamble, no File Meta Information)
as they were found on old media; the current client wraps them while staging.
The portal reads both (:func:`read_stored_dataset`) and puts a meta group in
front of a bare dataset whenever it hands an instance out
(:func:`part10_prefix`): the stored bytes stay as they are.

This is the portal's twin of ``downloadmanager/core/part10.py`` (the portal
cannot import the client); keep the two in step.
"""

from __future__ import annotations

import io
import struct
import warnings
from typing import BinaryIO

from pydicom import dcmread

from dicomkit.bounded_io import BoundedReader
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_file_meta_info

#: The Downloadmanager project's UID root (UUID-derived, PS3.5 B.2) + ".1", as in the client.
IMPLEMENTATION_CLASS_UID = "2.25.312679361022133061762463472992952959271.1"
IMPLEMENTATION_VERSION_NAME = "DLMGR_PORTAL"
_HEAD = 4096


class StoredFileError(Exception):
    """A stored file cannot be read as DICOM (the message names the reason)."""


def is_part10(head: bytes) -> bool:
    """True when HEAD starts with the 128-byte preamble and ``DICM``."""
    return len(head) >= 132 and head[128:132] == b"DICM"


def read_stored_dataset(handle: BinaryIO, *, stop_before_pixels: bool = True) -> Dataset:
    """Read a stored instance, Part 10 or bare; raise :class:`StoredFileError` when it is not DICOM."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = handle if isinstance(handle, io.BytesIO) else BoundedReader(handle)
            return dcmread(reader, stop_before_pixels=stop_before_pixels, force=True)
        except Exception as exc:  # noqa: BLE001 - pydicom raises many kinds on garbage
            raise StoredFileError(f"{type(exc).__name__}: {str(exc)[:200]}") from None


def _encoding_of(first: bytes) -> str:
    explicit = len(first) >= 6 and first[4:6].isalpha() and first[4:6].isupper()
    if explicit and struct.unpack_from(">H", first, 0)[0] in (0x0008, 0x0010, 0x0018, 0x0020) \
            and struct.unpack_from("<H", first, 0)[0] not in (0x0008, 0x0010):
        return "1.2.840.10008.1.2.2"
    return "1.2.840.10008.1.2.1" if explicit else "1.2.840.10008.1.2"


def part10_prefix(handle: BinaryIO) -> bytes:
    """The bytes to put before a stored instance so that it is a Part-10 file (b"" if it is one).

    Reads the first few KiB of HANDLE. A bare dataset gets preamble, ``DICM``
    and a meta group built from its SOP Class/Instance UID and its encoding.
    """
    head = handle.read(_HEAD)
    if is_part10(head) or len(head) < 8:
        return b""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = dcmread(io.BytesIO(head), force=True, stop_before_pixels=True,
                         specific_tags=["SOPClassUID", "SOPInstanceUID"])
            sop_class = str(ds.get("SOPClassUID", "") or "")
            sop_instance = str(ds.get("SOPInstanceUID", "") or "")
        except Exception:  # noqa: BLE001 - not wrappable: hand it out as stored
            return b""
    if not sop_class or not sop_instance:
        return b""
    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = _encoding_of(head)
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    fp = DicomBytesIO()
    fp.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(fp, meta, enforce_standard=True)
    return fp.getvalue()
