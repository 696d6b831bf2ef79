"""Read the few header attributes we list and index from one DICOM file.

Used by the program's scanner and downloads and by the portal's ingest: one
reader, so a file is understood the same way on both sides.

Fast path: our own little-endian stream walker (``stream``) on the first
8 KiB of the file. Big endian and deflated files, and Part-10 files our walker
finds malformed, go to pydicom (``dcmread(stop_before_pixels=True)``), which
is slower but more forgiving. Text in the common single character sets
(default, Latin-1 and its siblings, UTF-8) is decoded with Python's codecs;
code extensions (ISO 2022) go to pydicom's charset helpers.

pydicom (with numpy) costs a third of a second to import, which every upload
from the command line would pay before its first byte: it is imported only
when a file needs it.
"""

from __future__ import annotations

import logging
import struct
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from dicomkit.bounded_io import BoundedReader
from dicomkit.stream import (
    ByteWindow,
    StreamInvalid,
    StreamTruncated,
    looks_explicit,
    walk_elements,
)

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"  # the SOP class of a DICOMDIR
ImplicitVRLittleEndian = "1.2.840.10008.1.2"
ExplicitVRLittleEndian = "1.2.840.10008.1.2.1"
DeflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99"
ExplicitVRBigEndian = "1.2.840.10008.1.2.2"

# Specific Character Set values of one term that Python decodes directly
# (the names pydicom maps them to); "" is the default repertoire, which
# pydicom reads as ISO 8859-1 too.
_SIMPLE_CHARSETS = {
    "": "latin_1", "ISO_IR 6": "latin_1", "ISO_IR 100": "latin_1",
    "ISO_IR 101": "iso8859_2", "ISO_IR 109": "iso8859_3", "ISO_IR 110": "iso8859_4",
    "ISO_IR 144": "iso8859_5", "ISO_IR 148": "iso8859_9", "ISO_IR 203": "iso8859_15",
    "ISO_IR 192": "utf_8",
}


class HeaderError(Exception):
    """A file's header could not be read as DICOM.

    ``kind`` is one of the problem kinds (``corrupt``, ``not_dicom``,
    ``unreadable``); ``detail`` says what is wrong in words a user can act on.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class _NoValuesInPydicomLog(logging.Filter):
    """Keep attribute values (patient names, IDs) out of pydicom's log messages.

    pydicom logs "Invalid value for VR PN: '<the value>'" when it reads a
    malformed value; our fallback paths make it read files of the medium.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Invalid value for VR"):
            record.msg = message.split(":", 1)[0] + " (value not logged)"
            record.args = ()
        return True


_pydicom_logger = logging.getLogger("pydicom")
if not any(isinstance(f, _NoValuesInPydicomLog) for f in _pydicom_logger.filters):
    _pydicom_logger.addFilter(_NoValuesInPydicomLog())

# File meta group (0002).
_META_SOP_CLASS = 0x00020002
_META_SOP_INSTANCE = 0x00020003
_META_TRANSFER_SYNTAX = 0x00020010
_META_WANTED = frozenset({_META_SOP_CLASS, _META_SOP_INSTANCE, _META_TRANSFER_SYNTAX})

# Dataset attributes: tag -> HeaderInfo field. Kept in one table so the
# pydicom fallback and the fast path fill the same fields.
_FIELDS = {
    0x00080016: "sop_class_uid",
    0x00080018: "sop_instance_uid",
    0x00080020: "study_date",
    0x00080030: "study_time",
    0x00080050: "accession_number",
    0x00080060: "modality",
    0x00081030: "study_description",
    0x0008103E: "series_description",
    0x00100010: "patient_name",
    0x00100020: "patient_id",
    0x00100030: "birth_date",
    0x00100040: "sex",
    0x0020000D: "study_instance_uid",
    0x0020000E: "series_instance_uid",
    0x00200011: "series_number",
    0x00200013: "instance_number",
}
_CHARSET = 0x00080005
_DIRECTORY_RECORDS = 0x00041220
_WANTED = frozenset(_FIELDS) | {_CHARSET, _DIRECTORY_RECORDS}
_LAST_WANTED = max(_FIELDS)
# Attributes whose text depends on the Specific Character Set.
_CHARSET_TEXT = {"accession_number", "study_description", "series_description", "patient_id"}
_INTEGERS = {"series_number", "instance_number"}
_BINARY_INTS = {b"US": "<H", b"SS": "<h", b"UL": "<I", b"SL": "<i"}


@dataclass(slots=True)
class HeaderInfo:
    """What one file's header says (empty strings for absent attributes)."""

    sop_instance_uid: str = ""
    sop_class_uid: str = ""
    transfer_syntax_uid: str = ""
    study_instance_uid: str = ""
    series_instance_uid: str = ""
    patient_name: str = ""
    patient_id: str = ""
    birth_date: str = ""
    sex: str = ""
    study_date: str = ""
    study_time: str = ""
    study_description: str = ""
    accession_number: str = ""
    modality: str = ""
    series_description: str = ""
    series_number: int | None = None
    instance_number: int | None = None
    is_dicomdir: bool = False
    bytes_read: int = 0
    #: The file has file meta information (group 0002): ``transfer_syntax_uid``
    #: is what it declares, not a guess from the dataset's first bytes.
    file_meta: bool = False


def read_header(fileobj: BinaryIO, size: int, *, cheap_seek: bool = True,
                need_series: bool = True) -> HeaderInfo:
    """Read the header of one file without touching its pixel data.

    Parameters
    ----------
    fileobj : the open file (binary); must be seekable if more than the first
        8 KiB are needed
    size : its size in bytes
    cheap_seek : False for compressed ZIP members (skips optional look-aheads)
    need_series : False accepts an instance without Series Instance UID (the
        portal takes the sender's manifest's); SOP and Study Instance UID are
        always required

    Raises
    ------
    HeaderError
        with kind ``not_dicom`` or ``corrupt``. I/O errors (``OSError``)
        propagate so the caller can report them as ``unreadable``.
    """
    if size == 0:
        raise HeaderError("not_dicom", "empty file (0 bytes)")
    try:
        win = ByteWindow(fileobj, size, cheap_seek=cheap_seek)
    except StreamTruncated as exc:
        raise HeaderError("corrupt", str(exc)) from None
    head = win.buf
    part10 = len(head) >= 132 and head[128:132] == b"DICM"
    if part10:
        start = 132
    else:
        start = 0
        if len(head) < 8 or struct.unpack_from("<H", head, 0)[0] not in (0x0002, 0x0004, 0x0008):
            raise HeaderError("not_dicom", "not a DICOM file (no DICM marker, no DICOM dataset start)")
    try:
        info = _read_fast(win, start, part10)
    except _NeedsPydicom:
        info = _read_with_pydicom(fileobj, size)
    except StreamTruncated as exc:
        raise HeaderError("corrupt", f"truncated: {exc}") from None
    except (StreamInvalid, struct.error, ValueError) as exc:
        if not part10:
            raise HeaderError("not_dicom", f"not a DICOM file ({exc})") from None
        # pydicom forgives more quirks of real-world writers than we do;
        # its verdict (and its message) stands.
        info = _read_with_pydicom(fileobj, size)
    if not info.is_dicomdir:
        require_identity(info, need_series)
    return info


class _NeedsPydicom(Exception):
    """Internal: the transfer syntax is one our walker does not parse."""


def _read_fast(win: ByteWindow, pos: int, part10: bool) -> HeaderInfo:
    info = HeaderInfo()
    ts = ""
    meta_sop_instance = ""
    if _group_at(win, pos) == 0x0002:
        info.file_meta = True
        meta, pos = walk_elements(win, pos, looks_explicit(win, pos), _META_WANTED,
                                  0xFFFFFFFF, stop_group=0x0002)
        ts = uid_value(meta.get(_META_TRANSFER_SYNTAX))
        info.sop_class_uid = uid_value(meta.get(_META_SOP_CLASS))
        meta_sop_instance = uid_value(meta.get(_META_SOP_INSTANCE))
        if info.sop_class_uid == MEDIA_STORAGE_DIRECTORY:
            info.is_dicomdir = True
            info.bytes_read = win.bytes_read
            return info
    elif part10:
        raise StreamInvalid("no file meta information after the DICM marker")
    if ts in (ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian):
        raise _NeedsPydicom
    if pos >= win.size:
        raise StreamTruncated("the file holds file meta information but no dataset")
    # Like pydicom, trust the bytes over the declared transfer syntax: some
    # writers label implicit datasets explicit and vice versa.
    explicit = looks_explicit(win, pos)
    if not ts:
        ts = ExplicitVRLittleEndian if explicit else ImplicitVRLittleEndian
    elements, _ = walk_elements(win, pos, explicit, _WANTED, _LAST_WANTED)
    if _DIRECTORY_RECORDS in elements:
        info.is_dicomdir = True
        info.bytes_read = win.bytes_read
        return info
    decode_elements(info, elements)
    info.transfer_syntax_uid = ts
    if not info.sop_instance_uid:
        info.sop_instance_uid = meta_sop_instance
    info.bytes_read = win.bytes_read
    return info


def _group_at(win: ByteWindow, pos: int) -> int:
    buf, i = win.ensure(pos, 2)
    return struct.unpack_from("<H", buf, i)[0]


def uid_value(element: tuple[bytes | None, bytes] | None) -> str:
    """The text of a raw UI element ("" when absent)."""
    if element is None:
        return ""
    return element[1].decode("ascii", "replace").strip("\x00 ")


def decode_elements(info: HeaderInfo, elements: dict[int, tuple[bytes | None, bytes]]) -> None:
    """Decode raw little-endian values ``{tag: (vr, bytes)}`` into ``info``'s fields.

    Text is decoded with the Specific Character Set found among ``elements``
    (the default repertoire when there is none).
    """
    charset = elements.get(_CHARSET)
    terms = [t.strip(" \x00") for t in charset[1].decode("ascii", "replace").split("\\")] \
        if charset is not None and charset[1].strip(b" \x00") else [""]
    codec = _SIMPLE_CHARSETS.get(terms[0]) if len(terms) == 1 else None
    for tag, (vr, raw) in elements.items():
        name = _FIELDS.get(tag)
        if name is None:
            continue
        if name in _INTEGERS:
            setattr(info, name, _integer(vr, raw))
        elif raw.isascii() and b"\x1b" not in raw:  # ESC: ISO 2022 code extensions
            setattr(info, name, raw.decode("ascii").strip("\x00 "))
        elif name == "patient_name" or name in _CHARSET_TEXT:
            setattr(info, name, _decode_text(raw, codec, terms, name == "patient_name"))
        else:
            # UIDs, dates and code strings are ASCII by definition; keep what we can.
            setattr(info, name, raw.decode("latin-1").strip("\x00 "))


def _decode_text(raw: bytes, codec: str | None, terms: list[str], person_name: bool) -> str:
    """Text of a value in the character set TERMS (CODEC when Python decodes it alone)."""
    if codec is not None:
        try:
            return raw.decode(codec).strip("\x00 ")
        except UnicodeDecodeError:
            pass  # pydicom's forgiving decoder decides what the bytes say
    from pydicom.charset import TEXT_VR_DELIMS, convert_encodings, decode_bytes
    from pydicom.valuerep import PersonName

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown terms fall back to the default, like pydicom
        encodings = convert_encodings(terms if terms != [""] else None)
        if person_name:
            return str(PersonName(raw, encodings)).strip("\x00 ")
        return decode_bytes(raw, encodings, TEXT_VR_DELIMS).strip("\x00 ")


def _integer(vr: bytes | None, raw: bytes) -> int | None:
    """An IS value (or a binary integer from writers that chose another VR)."""
    fmt = _BINARY_INTS.get(vr or b"")
    if fmt is not None and len(raw) == struct.calcsize(fmt):
        return struct.unpack(fmt, raw)[0]
    text = raw.decode("latin-1").strip("\x00 ").split("\\")[0]
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))
        except ValueError:
            return None


def require_identity(info: HeaderInfo, need_series: bool = True) -> None:
    """Raise ``HeaderError`` (corrupt) unless ``info`` has the UIDs a listing needs.

    The SOP and Study Instance UIDs, and with NEED_SERIES the Series Instance UID.
    """
    missing = [label for label, value in (
        ("SOP Instance UID", info.sop_instance_uid),
        ("Study Instance UID", info.study_instance_uid),
        ("Series Instance UID", info.series_instance_uid if need_series else "-"),
    ) if not value]
    if missing:
        raise HeaderError("corrupt", "required attribute missing: " + ", ".join(missing))


def fill_from_dataset(info: HeaderInfo, ds: "Dataset") -> None:
    """Fill ``info``'s fields from a dataset pydicom has read (and decoded)."""
    for tag, name in _FIELDS.items():
        element = ds.get(tag)
        if element is None or element.value is None:
            continue
        value = element.value
        if name in _INTEGERS:
            setattr(info, name, _integer(None, str(value).encode()))
        else:
            setattr(info, name, str(value).strip("\x00 "))


def _read_with_pydicom(fileobj: BinaryIO, size: int) -> HeaderInfo:
    """The slow, forgiving path: pydicom reads the header (pixel data skipped).

    Reads are bounded by the file's SIZE, so a damaged length field cannot make
    pydicom allocate gigabytes (see :mod:`dicomkit.bounded_io`).
    """
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    try:
        fileobj.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = dcmread(BoundedReader(fileobj, size), stop_before_pixels=True)
            info = HeaderInfo()
            meta = getattr(ds, "file_meta", None)
            info.transfer_syntax_uid = str(meta.get("TransferSyntaxUID", "")) if meta else ""
            info.file_meta = bool(info.transfer_syntax_uid)
            if meta is not None and meta.get("MediaStorageSOPClassUID") == MEDIA_STORAGE_DIRECTORY \
                    or "DirectoryRecordSequence" in ds:
                info.is_dicomdir = True
                return info
            fill_from_dataset(info, ds)
            if not info.sop_instance_uid and meta is not None:
                info.sop_instance_uid = str(meta.get("MediaStorageSOPInstanceUID", "")).strip("\x00 ")
            if not info.transfer_syntax_uid:
                info.transfer_syntax_uid = ImplicitVRLittleEndian
    except OSError:
        raise
    except (InvalidDicomError, Exception) as exc:  # noqa: BLE001 - pydicom raises many kinds on junk
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise HeaderError("corrupt", f"unparsable DICOM header: {detail}") from None
    return info
