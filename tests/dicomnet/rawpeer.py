"""A scripted DICOM peer on a raw socket: answers with exactly the PDUs a test asks for.

pynetdicom is a well-behaved SCP; protocol faults (an A-ASSOCIATE-AC with an
unknown context ID or a syntax we never proposed, item lengths that run past
the PDU, unexpected PDUs, release from its side, release collisions) need a
peer that misbehaves on purpose. Each connection runs ``behaviour(peer, conn_index)``
of the test; helpers here parse and build the few PDUs involved.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field


def _item(item_type: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", item_type, 0, len(payload)) + payload


@dataclass
class Proposed:
    context_id: int
    abstract_syntax: str
    transfer_syntaxes: list[str]


def parse_rq(body: bytes) -> list[Proposed]:
    """Presentation contexts of an A-ASSOCIATE-RQ body."""
    out, pos = [], 68
    while pos + 4 <= len(body):
        t, _, n = struct.unpack_from(">BBH", body, pos)
        payload = body[pos + 4:pos + 4 + n]
        pos += 4 + n
        if t == 0x20:
            cid, sub, abstract, tss = payload[0], 4, "", []
            while sub + 4 <= len(payload):
                st, _, sn = struct.unpack_from(">BBH", payload, sub)
                value = payload[sub + 4:sub + 4 + sn].decode().rstrip("\x00")
                if st == 0x30:
                    abstract = value
                elif st == 0x40:
                    tss.append(value)
                sub += 4 + sn
            out.append(Proposed(cid, abstract, tss))
    return out


def build_ac(answers: list[tuple[int, int, str]], max_pdu: int = 16384, raw_items: bytes = b"") -> bytes:
    """An A-ASSOCIATE-AC with (context ID, result, transfer syntax) answers."""
    items = _item(0x10, b"1.2.840.10008.3.1.1.1")
    for cid, result, ts in answers:
        items += _item(0x21, bytes([cid, 0, result, 0]) + _item(0x40, ts.encode()))
    items += raw_items
    items += _item(0x50, _item(0x51, struct.pack(">I", max_pdu)) + _item(0x52, b"1.2.3.4"))
    body = struct.pack(">HH", 1, 0) + b"RAW".ljust(16) + b"SCU".ljust(16) + bytes(32) + items
    return struct.pack(">BBI", 2, 0, len(body)) + body


def pdu(pdu_type: int, body: bytes) -> bytes:
    return struct.pack(">BBI", pdu_type, 0, len(body)) + body


RELEASE_RQ = pdu(5, bytes(4))
RELEASE_RP = pdu(6, bytes(4))


def abort(source: int, reason: int) -> bytes:
    return pdu(7, bytes([0, 0, source, reason]))


def _elements(data: bytes) -> dict[int, bytes]:
    out, pos = {}, 0
    while pos + 8 <= len(data):
        g, e, n = struct.unpack_from("<HHI", data, pos)
        out[(g << 16) | e] = data[pos + 8:pos + 8 + n]
        pos += 8 + n
    return out


def store_rsp(command: bytes, status: int = 0) -> bytes:
    """The C-STORE-RSP command set answering the request COMMAND."""
    req = _elements(command)

    def ui(tag, raw):
        raw = raw if len(raw) % 2 == 0 else raw + b"\x00"
        return struct.pack("<HHI", 0, tag, len(raw)) + raw

    def us(tag, value):
        return struct.pack("<HHIH", 0, tag, 2, value)

    msg_id = struct.unpack("<H", req[0x00000110][:2])[0]
    body = (ui(0x0002, req[0x00000002]) + us(0x0100, 0x8001) + us(0x0120, msg_id)
            + us(0x0800, 0x0101) + us(0x0900, status) + ui(0x1000, req[0x00001000]))
    return struct.pack("<HHII", 0, 0, 4, len(body)) + body


@dataclass
class Conn:
    """One accepted connection with reading helpers."""

    sock: socket.socket
    seen: list[tuple[int, int]] = field(default_factory=list)  # (pdu type, length) received

    def read_pdu(self) -> tuple[int, bytes]:
        head = self._exact(6)
        t, _, n = struct.unpack(">BBI", head)
        body = self._exact(n)
        self.seen.append((t, n))
        return t, body

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_message(self) -> tuple[int, bytes] | None:
        """Read one whole DIMSE request: (context ID, command bytes); None when something else came."""
        command, done_cmd, done_data, cid = b"", False, False, 0
        while not (done_cmd and done_data):
            t, body = self.read_pdu()
            if t != 4:
                self.last_other = (t, body)
                return None
            pos = 0
            while pos + 6 <= len(body):
                n, cid, control = struct.unpack_from(">IBB", body, pos)
                data = body[pos + 6:pos + 4 + n]
                pos += 4 + n
                if control & 1:
                    command += data
                    done_cmd = bool(control & 2)
                elif control & 2:
                    done_data = True
        return cid, command

    def answer_store(self, cid: int, command: bytes, status: int = 0) -> None:
        rsp = store_rsp(command, status)
        self.send(pdu(4, struct.pack(">IBB", len(rsp) + 2, cid, 3) + rsp))

    def serve_stores(self) -> None:
        """Behave like a good storage SCP until release (answer RP) or close."""
        while True:
            try:
                msg = self.read_message()
            except ConnectionError:
                return
            if msg is None:
                if self.last_other[0] == 5:
                    self.send(RELEASE_RP)
                return
            self.answer_store(*msg)


class RawPeer:
    """Listen on 127.0.0.1; run BEHAVIOUR(conn, index, proposed) for each association request."""

    def __init__(self, behaviour) -> None:
        self.behaviour = behaviour
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.conns: list[Conn] = []
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        index = 0
        while True:
            try:
                sock, _ = self.server.accept()
            except OSError:
                return
            sock.settimeout(10)
            conn = Conn(sock)
            self.conns.append(conn)
            try:
                t, body = conn.read_pdu()
                assert t == 1
                self.behaviour(conn, index, parse_rq(body))
            except (OSError, ConnectionError):
                pass
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(exc)
            finally:
                sock.close()
            index += 1

    def close(self) -> None:
        self.server.close()
        self._thread.join(5)


def accept_all(proposed: list[Proposed]) -> list[tuple[int, int, str]]:
    return [(p.context_id, 0, p.transfer_syntaxes[0]) for p in proposed]
