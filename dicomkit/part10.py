"""Bare datasets (no preamble, no file meta) and the meta group that makes them Part 10.

Old CDs and some modalities write the dataset alone. PS3.10 wants every file
on media to start with the 128-byte preamble, ``DICM`` and the File Meta
Information group; a DICOMDIR may reference Part-10 files only. Wrapping is
lossless: the meta group is built from the dataset (SOP Class/Instance UID,
the transfer syntax the dataset is actually encoded in) and written before
the dataset bytes, which stay exactly as they were.

The program wraps files while staging and downloading
(``downloadmanager.core.part10``); the portal puts the same prefix in front
of a bare dataset older clients stored whenever it hands one out
(``portal.part10``). Each passes its own implementation version name.
"""

from __future__ import annotations

import io
import struct
import warnings

from dicomkit.identity import IMPLEMENTATION_CLASS_UID

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
#: Enough of a file to read the identifying attributes of any sane dataset.
HEAD_BYTES = 4096


class Part10Error(Exception):
    """The bytes are not a dataset that can be wrapped (message says why)."""


def is_part10(head: bytes) -> bool:
    """True when HEAD (the first 132+ bytes of a file) has the Part-10 preamble and ``DICM``."""
    return len(head) >= 132 and head[128:132] == b"DICM"


def encoding_of(first: bytes) -> str:
    """The transfer syntax a bare dataset starting with FIRST is encoded in."""
    if len(first) < 8:
        raise Part10Error("too short to be a DICOM dataset")
    group_le = struct.unpack_from("<H", first, 0)[0]
    group_be = struct.unpack_from(">H", first, 0)[0]
    explicit = first[4:6].isalpha() and first[4:6].isupper()
    if explicit and group_be in (0x0008, 0x0010, 0x0018, 0x0020) and group_le not in (0x0008, 0x0010):
        return EXPLICIT_BE
    return EXPLICIT_LE if explicit else IMPLICIT_LE


def meta_for_bare(data_head: bytes, version_name: str) -> bytes:
    """Preamble + ``DICM`` + File Meta group for the bare dataset whose first bytes are DATA_HEAD.

    VERSION_NAME is the writer's Implementation Version Name. Raises
    :class:`Part10Error` when the bytes do not look like a dataset with SOP
    Class and SOP Instance UID.
    """
    # pydicom only here: the program's staging (and so the window's start) imports this module.
    from pydicom import dcmread
    from pydicom.dataset import FileMetaDataset
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_file_meta_info

    ts = encoding_of(data_head)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = dcmread(io.BytesIO(data_head), force=True, stop_before_pixels=True,
                         specific_tags=["SOPClassUID", "SOPInstanceUID"])
            sop_class = str(ds.get("SOPClassUID", "") or "")
            sop_instance = str(ds.get("SOPInstanceUID", "") or "")
        except Exception as exc:  # noqa: BLE001 - garbage raises many kinds
            raise Part10Error(f"not a DICOM dataset ({type(exc).__name__})") from None
    if not sop_class or not sop_instance:
        raise Part10Error("the dataset has no SOP Class UID or SOP Instance UID")
    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = version_name
    fp = DicomBytesIO()
    fp.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(fp, meta, enforce_standard=True)
    return fp.getvalue()


def prefix_for(head: bytes, version_name: str) -> bytes:
    """What to write before a file starting with HEAD to make it Part 10.

    b"" when it is Part 10 already, or when it cannot be wrapped (then it is
    handed out as it is).
    """
    if is_part10(head):
        return b""
    try:
        return meta_for_bare(head, version_name)
    except Part10Error:
        return b""
