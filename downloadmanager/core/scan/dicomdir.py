"""Read a DICOMDIR: which files it references, and what its records say about them.

Fast path: our stream walker reads the Directory Record Sequence (a
2,000-image DICOMDIR in a few tens of milliseconds; pydicom needs about half
a second). Big endian or deflated DICOMDIRs, and ones our walker finds
malformed, go to pydicom. The record tree is followed through its offsets as
the standard says; when the offsets are missing or broken (real CDs have
both), the records are taken in file order, each PATIENT/STUDY/SERIES record
opening a new level.
"""

from __future__ import annotations

import dataclasses
import struct
import warnings
from dataclasses import dataclass, field
from typing import BinaryIO

from pydicom import dcmread

from dicomkit.bounded_io import BoundedReader
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian

from downloadmanager.core.scan.errors import HeaderError
from dicomkit.header import HeaderInfo, decode_elements, fill_from_dataset, uid_value
from dicomkit.stream import (
    ByteWindow,
    StreamInvalid,
    StreamTruncated,
    element_header,
    looks_explicit,
    read_items,
    skip_sequence,
)

_ROOT_OFFSET = 0x00041200
_RECORDS = 0x00041220
_NEXT = 0x00041400
_TYPE = 0x00041430
_LOWER = 0x00041420
_FILE_ID = 0x00041500
_REF_SOP_CLASS = 0x00041510
_REF_SOP_INSTANCE = 0x00041511
_REF_TRANSFER_SYNTAX = 0x00041512
_CHARSET = 0x00080005
_TRANSFER_SYNTAX = 0x00020010

_PATIENT_FIELDS = ("patient_name", "patient_id", "birth_date", "sex")
_STUDY_FIELDS = ("study_instance_uid", "study_date", "study_time", "study_description", "accession_number")
_SERIES_FIELDS = ("series_instance_uid", "series_number", "modality", "series_description")
_LEVELS = {"PATIENT": 0, "STUDY": 1, "SERIES": 2}


@dataclass(slots=True)
class DicomdirReference:
    """One file a DICOMDIR references, with what its records say about it.

    ``file_id`` holds the path components exactly as written (relative to the
    DICOMDIR's folder, e.g. ``("IMAGES", "IM000001")``).
    """

    file_id: tuple[str, ...]
    info: HeaderInfo


@dataclass(slots=True)
class _Record:
    offset: int
    record_type: str
    next_offset: int
    lower_offset: int
    file_id: tuple[str, ...]
    info: HeaderInfo = field(default_factory=HeaderInfo)


def read_dicomdir(fileobj: BinaryIO, size: int) -> list[DicomdirReference]:
    """Every file reference of the DICOMDIR in ``fileobj`` (``size`` bytes), in tree order.

    Raises
    ------
    HeaderError
        kind ``corrupt`` when the DICOMDIR cannot be read. ``OSError``
        propagates (the caller reports ``unreadable``).
    """
    try:
        records = _records_fast(fileobj, size)
    except _NeedsPydicom:
        records = _records_with_pydicom(fileobj, size)
    except StreamTruncated as exc:
        # Definitive: pydicom would list the records before the cut as if complete.
        raise HeaderError("corrupt", f"DICOMDIR is truncated: {exc}") from None
    except (StreamInvalid, struct.error, ValueError):
        # pydicom forgives more; if it fails too, its message stands.
        records = _records_with_pydicom(fileobj, size)
    return _references(records)


class _NeedsPydicom(Exception):
    """Internal: the transfer syntax is one our walker does not parse."""


def _records_fast(fileobj: BinaryIO, size: int) -> list[_Record]:
    # A DICOMDIR is small and read whole, in one read.
    win = ByteWindow(fileobj, size, first_read=size)
    head = win.buf
    pos = 132 if len(head) >= 132 and head[128:132] == b"DICM" else 0
    explicit = looks_explicit(win, pos)
    root_offset = 0
    charset: tuple[bytes | None, bytes] | None = None
    records_raw: list[tuple[int, dict[int, tuple[bytes | None, bytes]]]] = []
    while pos + 8 <= size:
        tag, vr, length, vpos = element_header(win, pos, explicit)
        if tag == _TRANSFER_SYNTAX:
            ts = uid_value((vr, win.get(vpos, length)))
            if ts in (ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian):
                raise _NeedsPydicom
        if tag >> 16 == 0x0002 and _group_ends(win, vpos + length, size):
            # The dataset may be encoded differently from the meta group.
            explicit = looks_explicit(win, vpos + length)
        if tag == _RECORDS:
            end = None if length == 0xFFFFFFFF else vpos + length
            records_raw = read_items(win, vpos, explicit, end, (0x0004, 0x0008, 0x0010, 0x0020))
            break
        if length == 0xFFFFFFFF:
            pos = skip_sequence(win, vpos, explicit and vr == b"SQ", 1)
            continue
        if vpos + length > size:
            raise StreamTruncated(f"element at byte {pos} declares {length} bytes beyond the end of the file")
        if tag == _ROOT_OFFSET and length == 4:
            root_offset = struct.unpack("<I", win.get(vpos, 4))[0]
        elif tag == _CHARSET:
            charset = (vr, win.get(vpos, length))
        pos = vpos + length
    else:
        raise StreamInvalid("no Directory Record Sequence (0004,1220): not a DICOMDIR")
    return [_record_from_raw(offset, elements, charset) for offset, elements in records_raw] + \
        [_Record(-1, "ROOT", root_offset, 0, ())]


def _group_ends(win: ByteWindow, pos: int, size: int) -> bool:
    """Whether the element at ``pos`` (if any) is outside group 0002."""
    if pos + 2 > size:
        return False
    buf, i = win.ensure(pos, 2)
    return buf[i] | buf[i + 1] << 8 != 0x0002


def _record_from_raw(offset: int, elements: dict[int, tuple[bytes | None, bytes]],
                     charset: tuple[bytes | None, bytes] | None) -> _Record:
    def number(tag: int) -> int:
        raw = elements.get(tag)
        return struct.unpack("<I", raw[1])[0] if raw is not None and len(raw[1]) == 4 else 0

    if _CHARSET not in elements and charset is not None:
        elements[_CHARSET] = charset  # records inherit the DICOMDIR's character set
    # The leaf's Referenced ... in File attributes name the instance.
    for ref_tag, tag in ((_REF_SOP_CLASS, 0x00080016), (_REF_SOP_INSTANCE, 0x00080018)):
        if ref_tag in elements:
            elements[tag] = elements[ref_tag]
    info = HeaderInfo()
    decode_elements(info, elements)
    info.transfer_syntax_uid = uid_value(elements.get(_REF_TRANSFER_SYNTAX))
    raw_id = elements.get(_FILE_ID)
    file_id = tuple(p.strip(" \x00") for p in raw_id[1].decode("latin-1").split("\\")) if raw_id else ()
    record_type = elements.get(_TYPE, (None, b""))[1].decode("latin-1").strip(" \x00").upper()
    return _Record(offset, record_type, number(_NEXT), number(_LOWER), tuple(p for p in file_id if p), info)


def _records_with_pydicom(fileobj: BinaryIO, size: int) -> list[_Record]:
    try:
        fileobj.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = dcmread(BoundedReader(fileobj, size))  # reads bounded by the file size
            records = []
            for item in ds.DirectoryRecordSequence:
                info = HeaderInfo()
                fill_from_dataset(info, item)
                info.sop_instance_uid = str(item.get("ReferencedSOPInstanceUIDInFile", "")).strip("\x00 ")
                info.sop_class_uid = str(item.get("ReferencedSOPClassUIDInFile", "")).strip("\x00 ")
                info.transfer_syntax_uid = str(item.get("ReferencedTransferSyntaxUIDInFile", "")).strip("\x00 ")
                file_id = item.get("ReferencedFileID")
                if isinstance(file_id, str):
                    file_id = [file_id]
                records.append(_Record(
                    item.seq_item_tell, str(item.get("DirectoryRecordType", "")).upper(),
                    int(item.get("OffsetOfTheNextDirectoryRecord", 0) or 0),
                    int(item.get("OffsetOfReferencedLowerLevelDirectoryEntity", 0) or 0),
                    tuple(str(p).strip() for p in (file_id or []) if str(p).strip()), info))
            root = int(ds.get("OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity", 0) or 0)
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - pydicom raises many kinds on junk
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise HeaderError("corrupt", f"DICOMDIR cannot be read: {detail}") from None
    return records + [_Record(-1, "ROOT", root, 0, ())]


def _references(records: list[_Record]) -> list[DicomdirReference]:
    """Walk the record tree (by offsets, or in file order) into file references."""
    root = records.pop()
    by_offset = {r.offset: r for r in records}
    ordered = _tree_order(root.next_offset, by_offset)
    if ordered is None or len(ordered) != len(records):
        ordered = _file_order(records)
    references = []
    for record, context in ordered:
        if not record.file_id:
            continue
        info = dataclasses.replace(record.info)
        for level, names in ((0, _PATIENT_FIELDS), (1, _STUDY_FIELDS), (2, _SERIES_FIELDS)):
            parent = context[level]
            if parent is not None:
                for name in names:
                    setattr(info, name, getattr(parent.info, name))
        references.append(DicomdirReference(record.file_id, info))
    return references


_Context = tuple["_Record | None", "_Record | None", "_Record | None"]


def _tree_order(first: int, by_offset: dict[int, _Record]) -> list[tuple[_Record, _Context]] | None:
    """Records in tree order with their patient/study/series ancestors; None if the offsets are broken."""
    if first not in by_offset:
        return None
    ordered: list[tuple[_Record, _Context]] = []
    seen: set[int] = set()
    stack: list[tuple[int, _Context]] = [(first, (None, None, None))]
    while stack:
        offset, context = stack.pop()
        siblings = []
        while offset:
            record = by_offset.get(offset)
            if record is None or offset in seen:
                return None  # dangling or circular offsets
            seen.add(offset)
            siblings.append(record)
            offset = record.next_offset
        lower = []
        for record in siblings:
            ordered.append((record, context))
            if record.lower_offset:
                lower.append((record.lower_offset, _with_level(context, record)))
        stack.extend(reversed(lower))
    return ordered


def _file_order(records: list[_Record]) -> list[tuple[_Record, _Context]]:
    """Records in file order; PATIENT, STUDY and SERIES records open levels."""
    context: list[_Record | None] = [None, None, None]
    ordered = []
    for record in records:
        level = _LEVELS.get(record.record_type)
        if level is not None:
            context[level] = record
            for deeper in range(level + 1, 3):
                context[deeper] = None
        ordered.append((record, (context[0], context[1], context[2])))
    return ordered


def _with_level(context: _Context, record: _Record) -> _Context:
    level = _LEVELS.get(record.record_type)
    if level is None:
        return context
    values = list(context)
    values[level] = record
    return (values[0], values[1], values[2])
