"""DICOM Upper Layer PDUs (PS3.8 section 9.3): the few a storage SCU needs.

Encoders for A-ASSOCIATE-RQ, P-DATA-TF, A-RELEASE-RQ/RP and A-ABORT, and a
decoder for A-ASSOCIATE-AC/RJ. PDU and item lengths are big endian (unlike
the DICOM datasets they carry). Kept separate from the socket code so that
the byte layouts can be tested on their own.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from downloadmanager.core.version import IMPLEMENTATION_CLASS_UID
from downloadmanager.core.version import IMPLEMENTATION_VERSION_NAME as IMPLEMENTATION_VERSION

APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"

A_ASSOCIATE_RQ = 0x01
A_ASSOCIATE_AC = 0x02
A_ASSOCIATE_RJ = 0x03
P_DATA_TF = 0x04
A_RELEASE_RQ = 0x05
A_RELEASE_RP = 0x06
A_ABORT = 0x07

class PduError(Exception):
    """Bytes from the peer that are not a valid PDU for this point of the protocol."""


@dataclass(frozen=True, slots=True)
class ProposedContext:
    """One presentation context to propose: odd ID, SOP class, transfer syntaxes in order of preference."""

    context_id: int
    abstract_syntax: str
    transfer_syntaxes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AcceptedContext:
    """The peer's answer for one proposed context."""

    context_id: int
    result: int
    transfer_syntax: str

    @property
    def accepted(self) -> bool:
        return self.result == 0


@dataclass(slots=True)
class AssociateAccept:
    """The parts of an A-ASSOCIATE-AC the SCU uses."""

    contexts: dict[int, AcceptedContext] = field(default_factory=dict)
    max_pdu_length: int = 0  # 0 = no limit


def _ae(title: str) -> bytes:
    raw = title.encode("ascii")
    if not 0 < len(raw) <= 16:
        raise ValueError(f"AE title {title!r} must be 1 to 16 ASCII characters")
    return raw.ljust(16, b" ")


def _item(item_type: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", item_type, 0, len(payload)) + payload


def encode_associate_rq(called_ae: str, calling_ae: str, contexts: list[ProposedContext],
                        max_pdu_length: int) -> bytes:
    """The A-ASSOCIATE-RQ PDU."""
    items = [_item(0x10, APPLICATION_CONTEXT.encode("ascii"))]
    for ctx in contexts:
        sub = [_item(0x30, ctx.abstract_syntax.encode("ascii"))]
        sub += [_item(0x40, ts.encode("ascii")) for ts in ctx.transfer_syntaxes]
        items.append(_item(0x20, struct.pack(">BBBB", ctx.context_id, 0, 0, 0) + b"".join(sub)))
    user = b"".join([
        _item(0x51, struct.pack(">I", max_pdu_length)),
        _item(0x52, IMPLEMENTATION_CLASS_UID.encode("ascii")),
        _item(0x55, IMPLEMENTATION_VERSION.encode("ascii")),
    ])
    items.append(_item(0x50, user))
    body = struct.pack(">HH", 1, 0) + _ae(called_ae) + _ae(calling_ae) + b"\x00" * 32 + b"".join(items)
    return struct.pack(">BBI", A_ASSOCIATE_RQ, 0, len(body)) + body


def _uid(raw: bytes) -> str:
    return raw.decode("ascii", "replace").rstrip("\x00 ")


def _sub_items(payload: bytes, what: str):
    """Yield (type, value) of the items in PAYLOAD; raise PduError when a length runs past the end."""
    pos = 0
    while pos < len(payload):
        if pos + 4 > len(payload):
            raise PduError(f"truncated item header in {what}")
        item_type, _, length = struct.unpack_from(">BBH", payload, pos)
        if pos + 4 + length > len(payload):
            raise PduError(f"item of type 0x{item_type:02X} in {what} claims {length} bytes, "
                           f"only {len(payload) - pos - 4} follow")
        yield item_type, payload[pos + 4:pos + 4 + length]
        pos += 4 + length


def decode_associate_ac(body: bytes) -> AssociateAccept:
    """Parse the variable items of an A-ASSOCIATE-AC body (after the 6-byte PDU header).

    Every item and sub-item length is checked against the bytes that are
    there (:class:`PduError` otherwise); unknown item types are skipped as
    PS3.8 asks.
    """
    if len(body) < 68:
        raise PduError("A-ASSOCIATE-AC too short")
    accept = AssociateAccept()
    for item_type, payload in _sub_items(body[68:], "A-ASSOCIATE-AC"):
        if item_type == 0x21:
            if len(payload) < 4:
                raise PduError("presentation context item too short")
            context_id, _, result, _ = struct.unpack_from(">BBBB", payload, 0)
            ts = ""
            for s_type, value in _sub_items(payload[4:], "presentation context item"):
                if s_type == 0x40:
                    ts = _uid(value)
            accept.contexts[context_id] = AcceptedContext(context_id, result, ts)
        elif item_type == 0x50:
            for s_type, value in _sub_items(payload, "user information item"):
                if s_type == 0x51:
                    if len(value) != 4:
                        raise PduError("maximum length sub-item is not 4 bytes")
                    accept.max_pdu_length = struct.unpack(">I", value)[0]
    return accept


@dataclass(frozen=True, slots=True)
class Reject:
    """An A-ASSOCIATE-RJ: result 1 = permanent, 2 = transient; source and reason (PS3.8 9.3.4)."""

    result: int
    source: int
    reason: int


def decode_reject(body: bytes) -> Reject:
    """The fields of an A-ASSOCIATE-RJ body."""
    if len(body) < 4:
        raise PduError("A-ASSOCIATE-RJ too short")
    return Reject(body[1], body[2], body[3])


def decode_abort(body: bytes) -> tuple[int, int]:
    """(source, reason) of an A-ABORT body; (0, 0) when it is too short to say."""
    if len(body) < 4:
        return 0, 0
    return body[2], body[3]


def p_data_header(context_id: int, fragment_length: int, is_command: bool, is_last: bool) -> bytes:
    """PDU header plus PDV item header for one fragment of FRAGMENT_LENGTH bytes."""
    control = (0x01 if is_command else 0x00) | (0x02 if is_last else 0x00)
    return struct.pack(">BBIIBB", P_DATA_TF, 0, fragment_length + 6, fragment_length + 2,
                       context_id, control)


def release_rq() -> bytes:
    """A-RELEASE-RQ."""
    return struct.pack(">BBII", A_RELEASE_RQ, 0, 4, 0)


def release_rp() -> bytes:
    """A-RELEASE-RP."""
    return struct.pack(">BBII", A_RELEASE_RP, 0, 4, 0)


def abort(source: int = 0, reason: int = 0) -> bytes:
    """A-ABORT: source 0 = service user (us, by choice), 2 = service provider (protocol error, with REASON)."""
    return struct.pack(">BBIBBBB", A_ABORT, 0, 4, 0, 0, source, reason)


def iter_pdvs(body: bytes) -> list[tuple[int, int, bytes]]:
    """The PDV items of a P-DATA-TF body: ``[(context_id, control, data)]``."""
    out = []
    pos = 0
    while pos + 6 <= len(body):
        length, context_id, control = struct.unpack_from(">IBB", body, pos)
        if length < 2 or pos + 4 + length > len(body):
            raise PduError("malformed PDV item in P-DATA-TF")
        out.append((context_id, control, body[pos + 6:pos + 4 + length]))
        pos += 4 + length
    return out
