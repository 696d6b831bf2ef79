"""A DICOM association as a storage SCU sees it: negotiate, send messages, release.

Why our own small upper layer instead of pynetdicom's: pynetdicom decodes and
re-encodes every dataset and runs a reactor thread with a state machine per
PDU; here a message is the file's bytes framed into P-DATA-TF PDUs and
written with one ``sendall``, the response read synchronously on the same
thread. That is what makes C-STORE of small images several times faster
(see ``docs/benchmarks.md``). The protocol part is small and follows PS3.8;
the PDU byte layouts live in :mod:`.pdu`.

``TCP_NODELAY`` is set on the socket: without it Nagle's algorithm and
delayed ACKs stall every request/response round trip.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from typing import BinaryIO

from downloadmanager.core.dicomnet import pdu
from downloadmanager.core.dicomnet.dimse import Response, parse_response
from downloadmanager.core.dicomnet.errors import AssociationError, DimseError

OUR_MAX_PDU = 1 << 20  # what we accept from the peer (responses are tiny)
DEFAULT_SEND_PDU = 1 << 16  # when the peer sets no limit
_PDU_HEADER = struct.Struct(">BBI")


class Association:
    """An established association. Use :meth:`open`; close with :meth:`release` or :meth:`abort`.

    Attributes
    ----------
    contexts : the accepted presentation contexts, by ID (rejected ones are left out)
    results : every proposed context's answer, accepted or not
    """

    def __init__(self, sock: socket.socket, accept: pdu.AssociateAccept,
                 proposed: list[pdu.ProposedContext]) -> None:
        self._sock = sock
        self._reader: BinaryIO = sock.makefile("rb", buffering=65536)
        self.proposed = {c.context_id: c for c in proposed}
        self.results = accept.contexts
        self.contexts = {cid: c for cid, c in accept.contexts.items() if c.accepted}
        peer_max = accept.max_pdu_length or DEFAULT_SEND_PDU
        # Each PDU carries one PDV: 6 bytes of PDV header inside the variable field.
        self.fragment_size = max(1024, min(peer_max, 1 << 22) - 6)
        self.message_id = 0
        self.closed = False

    # -- setting up ------------------------------------------------------------------

    @classmethod
    def open(cls, host: str, port: int, called_ae: str, calling_ae: str,
             contexts: list[pdu.ProposedContext], timeout: float = 30.0) -> Association:
        """Connect and negotiate; raise :class:`AssociationError` when it does not work."""
        if not contexts or len(contexts) > 128:
            raise AssociationError("association_context_count", count=len(contexts))
        request = pdu.encode_associate_rq(called_ae, calling_ae, contexts, OUR_MAX_PDU)
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise AssociationError("association_cannot_connect", host=host, port=port,
                                   detail=str(exc.strerror or exc)) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(request)
            reader = sock.makefile("rb", buffering=65536)
            pdu_type, body = _read_pdu(reader)
            if pdu_type == pdu.A_ASSOCIATE_RJ:
                raise AssociationError("association_rejected", reason=pdu.describe_reject(body))
            if pdu_type == pdu.A_ABORT:
                raise AssociationError("association_request_aborted")
            if pdu_type != pdu.A_ASSOCIATE_AC:
                raise AssociationError("association_unexpected_pdu", pdu_type=pdu_type)
            accept = pdu.decode_associate_ac(body)
            reader.close()
        except (AssociationError, OSError, pdu.PduError) as exc:
            sock.close()
            if isinstance(exc, AssociationError):
                raise
            raise AssociationError("association_failed", host=host, port=port, detail=str(exc)) from None
        return cls(sock, accept, contexts)

    def set_timeout(self, seconds: float | None) -> None:
        """Timeout for each network read/write (DIMSE timeout)."""
        self._sock.settimeout(seconds)

    # -- messages --------------------------------------------------------------------

    def next_message_id(self) -> int:
        """A new message ID (1..65535, wrapping)."""
        self.message_id = self.message_id % 0xFFFF + 1
        return self.message_id

    def send_message(self, context_id: int, command: bytes, dataset: bytes | None = None,
                     dataset_stream: Iterable[bytes] | None = None) -> None:
        """Send one DIMSE message: the command set and, if any, the dataset.

        ``dataset`` is sent from memory; ``dataset_stream`` (chunks of any
        size, for large files) is re-cut into fragments as it comes.
        """
        frag = self.fragment_size
        parts = [pdu.p_data_header(context_id, len(command), True, True), command]
        try:
            if dataset is not None:
                view = memoryview(dataset)
                total = len(view)
                if total == 0:
                    parts.append(pdu.p_data_header(context_id, 0, False, True))
                for start in range(0, total, frag):
                    chunk = view[start:start + frag]
                    parts.append(pdu.p_data_header(context_id, len(chunk), False, start + frag >= total))
                    parts.append(chunk)
                self._sock.sendall(b"".join(parts))
            elif dataset_stream is not None:
                self._sock.sendall(b"".join(parts))
                self._send_stream(context_id, dataset_stream)
            else:
                self._sock.sendall(b"".join(parts))
        except OSError as exc:
            self.closed = True
            raise AssociationError("association_lost", detail=str(exc.strerror or exc)) from None

    def _send_stream(self, context_id: int, chunks: Iterable[bytes]) -> None:
        frag = self.fragment_size
        pending = b""
        for chunk in chunks:
            pending += chunk
            while len(pending) > frag:
                self._sock.sendall(pdu.p_data_header(context_id, frag, False, False) + pending[:frag])
                pending = pending[frag:]
        self._sock.sendall(pdu.p_data_header(context_id, len(pending), False, True) + pending)

    def receive_response(self) -> tuple[int, Response]:
        """Read one DIMSE response (command set; a dataset, if sent, is read and dropped)."""
        command = bytearray()
        context_id = 0
        command_done = False
        dataset_done = True
        response: Response | None = None
        while not command_done or not dataset_done:
            pdu_type, body = self._read()
            if pdu_type == pdu.A_ABORT:
                self.closed = True
                raise AssociationError("association_aborted")
            if pdu_type == pdu.A_RELEASE_RQ:
                self._sock.sendall(pdu.release_rp())
                self.closed = True
                raise AssociationError("association_released_early")
            if pdu_type != pdu.P_DATA_TF:
                raise DimseError("association_unexpected_pdu", pdu_type=pdu_type)
            for cid, control, data in pdu.iter_pdvs(body):
                context_id = cid
                if control & 0x01:
                    command += data
                    if control & 0x02:
                        command_done = True
                        response = parse_response(bytes(command))
                        dataset_done = not response.has_dataset
                elif control & 0x02:
                    dataset_done = True
        assert response is not None
        return context_id, response

    def _read(self) -> tuple[int, bytes]:
        try:
            return _read_pdu(self._reader)
        except socket.timeout:
            self.abort()
            raise DimseError("dimse_timeout") from None
        except (OSError, pdu.PduError) as exc:
            self.closed = True
            raise AssociationError("association_lost", detail=str(exc)) from None

    # -- ending ----------------------------------------------------------------------

    def release(self) -> None:
        """Orderly release (A-RELEASE-RQ, wait for RP); falls back to closing the socket."""
        if self.closed:
            self._close_socket()
            return
        try:
            self._sock.sendall(pdu.release_rq())
            for _ in range(4):
                pdu_type, _ = _read_pdu(self._reader)
                if pdu_type in (pdu.A_RELEASE_RP, pdu.A_ABORT):
                    break
        except (OSError, pdu.PduError):
            pass
        self.closed = True
        self._close_socket()

    def abort(self) -> None:
        """A-ABORT and close."""
        if not self.closed:
            try:
                self._sock.sendall(pdu.abort())
            except OSError:
                pass
        self.closed = True
        self._close_socket()

    def _close_socket(self) -> None:
        try:
            self._reader.close()
        finally:
            self._sock.close()

    def __enter__(self) -> Association:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.release()
        else:
            self.abort()


def _read_exact(reader: BinaryIO, n: int) -> bytes:
    data = reader.read(n)
    if data is None or len(data) < n:
        raise pdu.PduError("connection closed by the peer")
    return data


def _read_pdu(reader: BinaryIO) -> tuple[int, bytes]:
    pdu_type, _, length = _PDU_HEADER.unpack(_read_exact(reader, 6))
    if length > (1 << 26):
        raise pdu.PduError(f"PDU of {length} bytes is implausibly large")
    return pdu_type, _read_exact(reader, length)
