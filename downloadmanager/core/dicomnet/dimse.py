"""DIMSE command sets (PS3.7): C-ECHO-RQ, C-STORE-RQ, and reading responses.

Command sets are always Implicit VR Little Endian. They are encoded by hand
with ``struct`` (a C-STORE-RQ is seven elements): building them with pydicom
costs more than the rest of sending a small image.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1"
C_STORE_RQ = 0x0001
C_STORE_RSP = 0x8001
C_ECHO_RQ = 0x0030
C_ECHO_RSP = 0x8030
NO_DATASET = 0x0101
DATASET_PRESENT = 0x0000

# Status values (PS3.7 annex C and PS3.4 B.2.3) with names.
SUCCESS = 0x0000
STATUS_NAMES = {
    0x0000: "Success",
    0x0001: "Warning: requested optional attributes are not supported",
    0x0107: "Warning: attribute list error",
    0x0116: "Warning: attribute value out of range",
    0xB000: "Warning: coercion of data elements",
    0xB006: "Warning: elements discarded",
    0xB007: "Warning: data set does not match SOP class",
    0x0110: "Failure: processing failure",
    0x0111: "Failure: duplicate SOP instance",
    0x0117: "Failure: invalid SOP instance",
    0x0122: "Failure: SOP class not supported",
    0x0124: "Failure: not authorized",
    0x0210: "Failure: duplicate invocation",
    0x0211: "Failure: unrecognized operation",
    0x0212: "Failure: mistyped argument",
    0x0213: "Failure: resource limitation",
}

_TAG_LEN = struct.Struct("<HHI")
_US = struct.Struct("<HHIH")
_UL = struct.Struct("<HHII")


def status_category(status: int) -> str:
    """``"success"``, ``"warning"`` or ``"failure"`` for a DIMSE status."""
    if status == SUCCESS:
        return "success"
    if status in (0x0001, 0x0107, 0x0116) or 0xB000 <= status <= 0xBFFF:
        return "warning"
    return "failure"


def status_text(status: int) -> str:
    """Name of a status, e.g. ``0xA700 Failure: out of resources``."""
    name = STATUS_NAMES.get(status)
    if name is None:
        high = status & 0xFF00
        if high == 0xA700:
            name = "Failure: out of resources"
        elif high == 0xA900:
            name = "Failure: data set does not match SOP class"
        elif status & 0xF000 == 0xC000:
            name = "Failure: cannot understand"
        else:
            name = "Warning" if status_category(status) == "warning" else "Failure"
    return f"0x{status:04X} {name}"


def _ui(group: int, elem: int, uid: str) -> bytes:
    raw = uid.encode("ascii")
    if len(raw) % 2:
        raw += b"\x00"
    return _TAG_LEN.pack(group, elem, len(raw)) + raw


def _with_group_length(body: bytes) -> bytes:
    return _UL.pack(0x0000, 0x0000, 4, len(body)) + body


def c_store_rq(message_id: int, sop_class: str, sop_instance: str, priority: int = 0) -> bytes:
    """An encoded C-STORE-RQ command set."""
    return _with_group_length(b"".join([
        _ui(0x0000, 0x0002, sop_class),
        _US.pack(0x0000, 0x0100, 2, C_STORE_RQ),
        _US.pack(0x0000, 0x0110, 2, message_id & 0xFFFF),
        _US.pack(0x0000, 0x0700, 2, priority),
        _US.pack(0x0000, 0x0800, 2, DATASET_PRESENT),
        _ui(0x0000, 0x1000, sop_instance),
    ]))


def c_echo_rq(message_id: int) -> bytes:
    """An encoded C-ECHO-RQ command set."""
    return _with_group_length(b"".join([
        _ui(0x0000, 0x0002, VERIFICATION_SOP_CLASS),
        _US.pack(0x0000, 0x0100, 2, C_ECHO_RQ),
        _US.pack(0x0000, 0x0110, 2, message_id & 0xFFFF),
        _US.pack(0x0000, 0x0800, 2, NO_DATASET),
    ]))


@dataclass(frozen=True, slots=True)
class Response:
    """The fields of a DIMSE response the SCU checks."""

    command_field: int
    message_id_responded: int
    status: int
    error_comment: str
    affected_sop_instance: str
    has_dataset: bool


def parse_response(command: bytes) -> Response:
    """Read a response command set (Implicit VR Little Endian)."""
    values: dict[int, bytes] = {}
    pos = 0
    end = len(command)
    while pos + 8 <= end:
        group, elem, length = _TAG_LEN.unpack_from(command, pos)
        values[(group << 16) | elem] = command[pos + 8:pos + 8 + length]
        pos += 8 + length

    def us(tag: int, default: int = -1) -> int:
        raw = values.get(tag)
        return struct.unpack("<H", raw[:2])[0] if raw and len(raw) >= 2 else default

    def text(tag: int) -> str:
        return values.get(tag, b"").decode("latin-1").rstrip("\x00 ")

    return Response(
        command_field=us(0x00000100),
        message_id_responded=us(0x00000120),
        status=us(0x00000900),
        error_comment=text(0x00000902),
        affected_sop_instance=text(0x00001000),
        has_dataset=us(0x00000800, NO_DATASET) != NO_DATASET,
    )
