"""A small, careful walker over the little-endian DICOM byte stream.

It reads a file through a :class:`ByteWindow` (one first ``read()`` of
``FIRST_READ`` bytes, more only when the elements we want lie further on),
walks the top-level data elements, skips sequences of any nesting depth, and
hands back the raw bytes of the elements the caller asked for. It never reads
pixel data; at (7FE0,0010) it only compares the declared length with the file
size, which is how truncated images are found without reading them.

Big endian and deflated datasets are not handled here (``header`` hands them
to pydicom).
"""

from __future__ import annotations

import struct
from collections.abc import Collection
from typing import BinaryIO

FIRST_READ = 8192
# Once every wanted tag has been passed, stop reading at this many bytes per
# file even if the pixel data element has not been reached yet.
READ_BUDGET = 16384
MAX_SEQUENCE_DEPTH = 32
MAX_FRAGMENTS_CHECKED = 256

PIXEL_DATA = 0x7FE00010
ITEM = 0xFFFEE000
ITEM_DELIMITER = 0xFFFEE00D
SEQUENCE_DELIMITER = 0xFFFEE0DD
UNDEFINED = 0xFFFFFFFF
_SEQUENCE_DELIMITER_BYTES = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"

VALID_VRS = frozenset(
    vr.encode("ascii")
    for vr in (
        "AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST "
        "SV TM UC UI UL UN UR US UT UV"
    ).split()
)
# VRs whose explicit encoding has 2 reserved bytes and a 4-byte length.
LONG_VRS = frozenset(vr.encode("ascii") for vr in "OB OD OF OL OV OW SQ UC UR UT UN SV UV".split())

_TAG_LEN32 = struct.Struct("<HHI")
_TAG_VR_LEN16 = struct.Struct("<HH2sH")
_LEN32 = struct.Struct("<I")


class StreamTruncated(Exception):
    """The file ends before an element it declares (definitely corrupt)."""


class StreamInvalid(Exception):
    """The bytes are not a well-formed DICOM element stream."""


class _BudgetReached(Exception):
    """Internal: the read budget after the wanted tags is used up."""


class ByteWindow:
    """Lazily fetched bytes of one file: a first read, more on demand.

    Parameters
    ----------
    fileobj : binary file object, seekable when more than the first read is needed
    size : the file's size in bytes (from stat or the ZIP directory)
    """

    def __init__(self, fileobj: BinaryIO, size: int, first_read: int = FIRST_READ,
                 cheap_seek: bool = True) -> None:
        self.fileobj = fileobj
        # False for compressed ZIP members, where a forward seek decompresses
        # everything in between: then optional checks far ahead are skipped.
        self.cheap_seek = cheap_seek
        self.size = size
        self.buf = fileobj.read(min(first_read, size)) if size else b""
        self.offset = 0
        self.bytes_read = len(self.buf)
        self.limit: int | None = None  # set once the wanted tags are passed
        if len(self.buf) < min(first_read, size):
            raise StreamTruncated(f"file is shorter ({len(self.buf)} bytes) than its size says ({size})")

    def ensure(self, pos: int, n: int, chunk: int = FIRST_READ) -> tuple[bytes, int]:
        """Return ``(buffer, index)`` so that ``buffer[index:index+n]`` is bytes ``pos..pos+n``."""
        start = pos - self.offset
        if start >= 0 and start + n <= len(self.buf):
            return self.buf, start
        if pos + n > self.size:
            raise StreamTruncated(f"file ends at byte {self.size}, inside the element at byte {pos}")
        want = min(max(n, chunk), self.size - pos)
        if self.limit is not None and self.bytes_read + want > self.limit:
            raise _BudgetReached
        self.fileobj.seek(pos)
        data = self.fileobj.read(want)
        self.bytes_read += len(data)
        if len(data) < n:
            raise StreamTruncated(f"could read only {len(data)} of {n} bytes at byte {pos}")
        self.buf, self.offset = data, pos
        return data, 0

    def get(self, pos: int, n: int) -> bytes:
        """The ``n`` bytes at ``pos``."""
        buf, i = self.ensure(pos, n, chunk=max(n, FIRST_READ))
        return buf[i:i + n]


def element_header(win: ByteWindow, pos: int, explicit: bool) -> tuple[int, bytes | None, int, int]:
    """Read the element header at ``pos``: ``(tag, vr, length, value_pos)``."""
    buf, i = win.ensure(pos, 8)
    group, elem, length = _TAG_LEN32.unpack_from(buf, i)
    tag = group << 16 | elem
    if not explicit or group == 0xFFFE:  # item and delimiter tags never carry a VR
        return tag, None, length, pos + 8
    vr = buf[i + 4:i + 6]
    if vr in LONG_VRS:
        buf, i = win.ensure(pos, 12)
        return tag, vr, _LEN32.unpack_from(buf, i + 8)[0], pos + 12
    if vr in VALID_VRS:
        return tag, vr, _TAG_VR_LEN16.unpack_from(buf, i)[3], pos + 8
    raise StreamInvalid(f"invalid value representation {vr!r} in element ({group:04X},{elem:04X}) at byte {pos}")


def looks_explicit(win: ByteWindow, pos: int) -> bool:
    """Whether the element at ``pos`` carries a valid explicit VR (pydicom's heuristic)."""
    buf, i = win.ensure(pos, 8)
    return buf[i + 4:i + 6] in VALID_VRS


def skip_sequence(win: ByteWindow, pos: int, explicit: bool, depth: int) -> int:
    """Skip the items of an undefined-length sequence starting at ``pos``; return the end."""
    if depth > MAX_SEQUENCE_DEPTH:
        raise StreamInvalid(f"sequences nested deeper than {MAX_SEQUENCE_DEPTH} levels")
    while True:
        buf, i = win.ensure(pos, 8)
        group, elem, length = _TAG_LEN32.unpack_from(buf, i)
        tag = group << 16 | elem
        pos += 8
        if tag == SEQUENCE_DELIMITER:
            return pos
        if tag != ITEM:
            raise StreamInvalid(f"expected a sequence item at byte {pos - 8}, found ({group:04X},{elem:04X})")
        if length == UNDEFINED:
            pos = _skip_item(win, pos, explicit, depth + 1)
        else:
            if pos + length > win.size:
                raise StreamTruncated(f"sequence item at byte {pos - 8} declares {length} bytes beyond the end of the file")
            pos += length


def _skip_item(win: ByteWindow, pos: int, explicit: bool, depth: int) -> int:
    """Skip the elements of an undefined-length item up to its delimiter; return the end."""
    while True:
        tag, vr, length, vpos = element_header(win, pos, explicit)
        if tag == ITEM_DELIMITER:
            return vpos
        if length == UNDEFINED:
            pos = skip_sequence(win, vpos, explicit and vr == b"SQ", depth)
        else:
            if vpos + length > win.size:
                raise StreamTruncated(f"element at byte {pos} declares {length} bytes beyond the end of the file")
            pos = vpos + length


def _check_encapsulated_pixels(win: ByteWindow, pos: int) -> None:
    """Make sure the fragments of encapsulated pixel data fit in the file.

    The cheap case: the file ends with the sequence delimiter. Otherwise walk
    the fragment headers (8 bytes each, no pixel bytes read).
    """
    if not win.cheap_seek:
        return
    if win.size - pos >= 8:
        win.fileobj.seek(win.size - 8)
        tail = win.fileobj.read(8)
        win.bytes_read += len(tail)
        if tail == _SEQUENCE_DELIMITER_BYTES:
            return
    for _ in range(MAX_FRAGMENTS_CHECKED):
        if pos + 8 > win.size:
            raise StreamTruncated("encapsulated pixel data is cut off (no sequence delimiter)")
        win.fileobj.seek(pos)
        head = win.fileobj.read(8)
        win.bytes_read += len(head)
        group, elem, length = _TAG_LEN32.unpack_from(head, 0)
        tag = group << 16 | elem
        if tag == SEQUENCE_DELIMITER:
            return
        if tag != ITEM or length == UNDEFINED:
            raise StreamInvalid(f"bad pixel data fragment at byte {pos}")
        if pos + 8 + length > win.size:
            raise StreamTruncated(
                f"pixel data fragment at byte {pos} declares {length} bytes, the file ends first")
        pos += 8 + length


def walk_elements(win: ByteWindow, pos: int, explicit: bool, wanted: Collection[int],
                  last_wanted: int, stop_group: int | None = None,
                  ) -> tuple[dict[int, tuple[bytes | None, bytes]], int]:
    """Walk top-level elements from ``pos``; return ``({tag: (vr, value)}, end)``.

    ``value`` is the raw value bytes of each ``wanted`` tag found; ``end`` is
    the byte position where the walk stopped (where the next group starts
    when ``stop_group`` is given).

    Stops at the pixel data (after checking its declared length against the
    file size), at the end of the file, at the first tag whose group is past
    ``stop_group`` (used for the file meta group), or when the read budget is
    used up after ``last_wanted`` has been passed.
    """
    found: dict[int, tuple[bytes | None, bytes]] = {}
    size = win.size
    # The hot loop of the scanner: element headers are parsed straight from
    # the window's buffer with local names; ``ensure`` (a new read) is only
    # called when an element lies outside the bytes already read.
    unpack_explicit, unpack_implicit = _TAG_VR_LEN16.unpack_from, _TAG_LEN32.unpack_from
    unpack_len32 = _LEN32.unpack_from
    long_vrs, valid_vrs = LONG_VRS, VALID_VRS
    buf, base = win.buf, win.offset
    blen = len(buf)
    budget_open = stop_group is None  # the meta group never starts the budget
    try:
        while pos < size:
            if size - pos < 8:
                # Too few bytes for an element: zero padding is harmless,
                # anything else is an element header cut off.
                if win.get(pos, size - pos).strip(b"\x00"):
                    raise StreamTruncated(f"file ends inside an element header at byte {pos}")
                break
            i = pos - base
            if i < 0 or i + 12 > blen:
                buf, i = win.ensure(pos, min(12, size - pos))
                base, blen = pos - i, len(buf)
            if explicit:
                group, elem, vr, length = unpack_explicit(buf, i)
                if vr in long_vrs:
                    if size - pos < 12:
                        raise StreamTruncated(f"file ends inside the element header at byte {pos}")
                    length = unpack_len32(buf, i + 8)[0]
                    vpos = pos + 12
                elif vr in valid_vrs:
                    vpos = pos + 8
                elif group == 0xFFFE:
                    raise StreamInvalid(f"unexpected item tag at top level at byte {pos}")
                elif stop_group is not None and group != stop_group:
                    break
                else:
                    raise StreamInvalid(
                        f"invalid value representation {vr!r} in element ({group:04X},{elem:04X}) at byte {pos}")
            else:
                group, elem, length = unpack_implicit(buf, i)
                vr = None
                vpos = pos + 8
            if stop_group is not None and group != stop_group:
                break
            tag = group << 16 | elem
            if budget_open and tag > last_wanted:
                win.limit = max(READ_BUDGET, win.bytes_read)
                budget_open = False
            if tag == PIXEL_DATA:
                if length == UNDEFINED:
                    _check_encapsulated_pixels(win, vpos)
                elif vpos + length > size:
                    raise StreamTruncated(
                        f"pixel data declares {length} bytes but only {size - vpos} are in the file")
                pos = vpos
                break
            if group == 0xFFFE:
                raise StreamInvalid(f"unexpected item tag at top level at byte {pos}")
            if length == UNDEFINED:
                # Undefined length: a sequence (explicit SQ, UN or implicit VR);
                # the items of explicit UN are implicit VR by definition.
                if tag in wanted:
                    found[tag] = (vr, b"")
                pos = skip_sequence(win, vpos, explicit and vr == b"SQ", 1)
                buf, base = win.buf, win.offset
                blen = len(buf)
                continue
            end = vpos + length
            if end > size:
                raise StreamTruncated(
                    f"element ({group:04X},{elem:04X}) declares {length} bytes "
                    f"but only {size - vpos} are left in the file")
            if tag in wanted:
                j = vpos - base
                if j >= 0 and j + length <= blen:
                    found[tag] = (vr, buf[j:j + length])
                else:
                    found[tag] = (vr, win.get(vpos, length))
                    buf, base = win.buf, win.offset
                    blen = len(buf)
            pos = end
    except _BudgetReached:
        pass
    return found, pos


def read_items(win: ByteWindow, pos: int, explicit: bool, end: int | None,
               groups: Collection[int]) -> list[tuple[int, dict[int, tuple[bytes | None, bytes]]]]:
    """Read the items of a sequence whose value starts at ``pos``.

    ``end`` is the end of a defined-length sequence, or None when it is ended
    by a delimiter. Returns ``(item_offset, {tag: (vr, value)})`` per item,
    keeping only elements of the given ``groups``; nested sequences (icons
    in DICOMDIR records) are skipped.
    """
    items: list[tuple[int, dict[int, tuple[bytes | None, bytes]]]] = []
    size = win.size
    while (end is None or pos < end) and pos < size:
        buf, i = win.ensure(pos, 8)
        group, elem, length = _TAG_LEN32.unpack_from(buf, i)
        tag = group << 16 | elem
        if tag == SEQUENCE_DELIMITER:
            break
        if tag != ITEM:
            raise StreamInvalid(f"expected a sequence item at byte {pos}, found ({group:04X},{elem:04X})")
        item_offset = pos
        pos += 8
        item_end = None if length == UNDEFINED else pos + length
        elements: dict[int, tuple[bytes | None, bytes]] = {}
        while item_end is None or pos < item_end:
            if pos == size:
                # Lengths that overshoot the end of the file at an element
                # boundary: writers that removed elements without fixing
                # the lengths do this; pydicom accepts it too.
                break
            tag, vr, length, vpos = element_header(win, pos, explicit)
            if tag == ITEM_DELIMITER:
                pos = vpos
                break
            if length == UNDEFINED:
                pos = skip_sequence(win, vpos, explicit and vr == b"SQ", 1)
                continue
            if vpos + length > size:
                raise StreamTruncated(f"element at byte {pos} declares {length} bytes beyond the end of the file")
            if tag >> 16 in groups and vr != b"SQ":
                elements[tag] = (vr, win.get(vpos, length))
            pos = vpos + length
        items.append((item_offset, elements))
    return items
