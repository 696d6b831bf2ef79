"""A DICOM association as a storage SCU sees it: negotiate, send messages, release.

Why our own small upper layer instead of pynetdicom's: pynetdicom decodes and
re-encodes every dataset and runs a reactor thread with a state machine per
PDU; here a message is the file's bytes framed into P-DATA-TF PDUs and
written with one ``sendall``, the response read synchronously on the same
thread. That is what makes C-STORE of small images several times faster
(see ``docs/benchmarks.md``). The protocol part is small and follows PS3.8;
the PDU byte layouts live in :mod:`.pdu`.

Faults are part of the protocol, not surprises:

* four separate timeouts (connect, association, DIMSE, release; per node);
* an A-ASSOCIATE-AC is checked: unknown context IDs are ignored, a context
  accepted with a transfer syntax we never proposed counts as rejected,
  rejection reasons are kept for the per-instance report;
* A-ASSOCIATE-RJ comes back as :class:`AssociationRejected` (``transient``
  for congestion, which the sender retries);
* any PDU that does not belong where it arrives, or cannot be parsed, makes
  us send A-ABORT (source: service provider, with the reason) and close;
  an A-ABORT from the peer is decoded (source, reason);
* the peer may release while we wait for a response (we answer
  A-RELEASE-RP); both sides releasing at once (release collision,
  PS3.8 7.2.2) is answered as the association requestor does;
* messages (command set and dataset) are cut into PDVs that respect the
  peer's maximum PDU length, however small.

``TCP_NODELAY`` is set on the socket: without it Nagle's algorithm and
delayed ACKs stall every request/response round trip. DICOM TLS (PS3.15
B.1) wraps the socket before the association request when the node asks.
"""

from __future__ import annotations

import logging
import socket
import ssl
import struct
import time
from collections.abc import Iterable
from typing import BinaryIO

from downloadmanager.core.dicomnet import pdu
from downloadmanager.core.dicomnet.dimse import Response, parse_response
from downloadmanager.core.dicomnet.errors import AssociationError, AssociationRejected, DimseError
from downloadmanager.core.dicomnet.messages import abort_reason, abort_source
from downloadmanager.core.dicomnet.nodes import DicomNode, Timeouts, TlsOptions

log = logging.getLogger(__name__)

OUR_MAX_PDU = 1 << 20  # what we accept from the peer (responses are tiny)
DEFAULT_SEND_PDU = 1 << 16  # when the peer sets no limit
LARGEST_SEND_PDU = 1 << 22  # never send PDUs larger than this, whatever the peer allows
_PDU_HEADER = struct.Struct(">BBI")
_PDV_OVERHEAD = 6  # PDV item length (4), context ID (1), control header (1)

#: Result code we give a context accepted with a transfer syntax that was never proposed.
UNPROPOSED_SYNTAX = -2


def fragment_size_for(peer_max_pdu: int) -> int:
    """The largest PDV payload that fits the peer's maximum PDU length (0 = no limit).

    The maximum PDU length counts the P-DATA-TF variable field, which holds
    the PDV item header (6 bytes) and the data: so ``max - 6``, with no
    floor above what the peer allows. A peer announcing fewer than 7 bytes
    cannot receive any data at all.
    """
    peer = peer_max_pdu or DEFAULT_SEND_PDU
    if peer <= _PDV_OVERHEAD:
        raise AssociationError("protocol_error",
                               detail=f"the PACS announces a maximum PDU length of {peer_max_pdu} bytes")
    return min(peer, LARGEST_SEND_PDU) - _PDV_OVERHEAD


def _check_contexts(accept: pdu.AssociateAccept,
                    proposed: dict[int, pdu.ProposedContext]) -> dict[int, pdu.AcceptedContext]:
    """The peer's answers, limited to contexts we proposed; unproposed syntaxes count as rejected."""
    results: dict[int, pdu.AcceptedContext] = {}
    for cid, ctx in accept.contexts.items():
        mine = proposed.get(cid)
        if mine is None:
            log.warning("the peer answered presentation context %d, which was never proposed; ignored", cid)
            continue
        if ctx.accepted and ctx.transfer_syntax not in mine.transfer_syntaxes:
            log.warning("the peer accepted context %d with transfer syntax %s, which was not proposed",
                        cid, ctx.transfer_syntax)
            ctx = pdu.AcceptedContext(cid, UNPROPOSED_SYNTAX, ctx.transfer_syntax)
        results[cid] = ctx
    return results


def _connect(host: str, port: int, timeouts: Timeouts, tls: TlsOptions) -> socket.socket:
    try:
        sock = socket.create_connection((host, port), timeout=timeouts.connect)
    except socket.timeout:
        raise AssociationError("connect_timeout", host=host, port=port,
                               seconds=f"{timeouts.connect:g}") from None
    except OSError as exc:
        raise AssociationError("connect_failed", host=host, port=port,
                               detail=exc.strerror or str(exc)) from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if not tls.enabled:
        return sock
    try:
        context = ssl.create_default_context(cafile=tls.ca_file or None)
        if not tls.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if tls.client_cert:
            context.load_cert_chain(tls.client_cert, tls.client_key or None)
        return context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        sock.close()
        raise AssociationError("tls_untrusted", host=host,
                               detail=exc.verify_message or str(exc)) from None
    except (ssl.SSLError, OSError) as exc:
        sock.close()
        detail = "timeout" if isinstance(exc, socket.timeout) else (
            getattr(exc, "reason", None) or exc.strerror or str(exc))
        raise AssociationError("tls_failed", host=host, port=port, detail=detail) from None


class Association:
    """An established association. Use :meth:`open`; close with :meth:`release` or :meth:`abort`.

    Attributes
    ----------
    contexts : the accepted presentation contexts, by ID (rejected ones are left out)
    results : every answered context's result (accepted or not; see ``UNPROPOSED_SYNTAX``)
    """

    def __init__(self, sock: socket.socket, reader: BinaryIO, accept: pdu.AssociateAccept,
                 proposed: list[pdu.ProposedContext], timeouts: Timeouts | None = None) -> None:
        self._sock = sock
        self._reader = reader
        self.timeouts = timeouts or Timeouts()
        self.proposed = {c.context_id: c for c in proposed}
        self.results = _check_contexts(accept, self.proposed)
        self.contexts = {cid: c for cid, c in self.results.items() if c.accepted}
        self.peer_max_pdu = accept.max_pdu_length
        self.fragment_size = fragment_size_for(accept.max_pdu_length)
        self.message_id = 0
        self.closed = False
        self._sock.settimeout(self.timeouts.dimse)

    # -- setting up ------------------------------------------------------------------

    @classmethod
    def open(cls, host: str, port: int, called_ae: str, calling_ae: str,
             contexts: list[pdu.ProposedContext], timeout: float | Timeouts = 30.0,
             tls: TlsOptions | None = None) -> Association:
        """Connect and negotiate; raise :class:`AssociationError` (or ``AssociationRejected``)."""
        timeouts = timeout if isinstance(timeout, Timeouts) else Timeouts(timeout, timeout, timeout, timeout)
        if not contexts or len(contexts) > 128:
            raise AssociationError("association_context_count", count=len(contexts))
        request = pdu.encode_associate_rq(called_ae, calling_ae, contexts, OUR_MAX_PDU)
        sock = _connect(host, port, timeouts, tls or TlsOptions())
        reader = sock.makefile("rb", buffering=65536)
        try:
            sock.settimeout(timeouts.association)
            sock.sendall(request)
            pdu_type, body = _read_pdu(reader)
            if pdu_type == pdu.A_ASSOCIATE_RJ:
                rj = pdu.decode_reject(body)
                raise AssociationRejected(rj.result, rj.source, rj.reason)
            if pdu_type == pdu.A_ABORT:
                source, reason = pdu.decode_abort(body)
                raise AssociationError("peer_aborted", source=abort_source(source),
                                       reason=abort_reason(reason))
            if pdu_type != pdu.A_ASSOCIATE_AC:
                _send_quietly(sock, pdu.abort(2, 2))
                raise AssociationError("protocol_error",
                                       detail=f"PDU type 0x{pdu_type:02X} instead of A-ASSOCIATE-AC")
            accept = pdu.decode_associate_ac(body)
            return cls(sock, reader, accept, contexts, timeouts)
        except socket.timeout:
            _send_quietly(sock, pdu.abort(0, 0))
            _close(reader, sock)
            raise AssociationError("association_timeout", seconds=f"{timeouts.association:g}") from None
        except pdu.PduError as exc:
            _send_quietly(sock, pdu.abort(2, 6))
            _close(reader, sock)
            raise AssociationError("protocol_error", detail=str(exc)) from None
        except OSError as exc:
            _close(reader, sock)
            raise AssociationError("connection_lost", detail=exc.strerror or str(exc)) from None
        except BaseException:
            _close(reader, sock)
            raise

    @classmethod
    def to_node(cls, node: DicomNode, contexts: list[pdu.ProposedContext]) -> Association:
        """:meth:`open` with NODE's address, AE titles, timeouts and TLS options."""
        return cls.open(node.host, node.port, node.ae_title, node.calling_ae, contexts,
                        node.timeouts, node.tls)

    def set_timeout(self, seconds: float | None) -> None:
        """Override the DIMSE timeout (seconds to wait for each response)."""
        self.timeouts = Timeouts(self.timeouts.connect, self.timeouts.association,
                                 seconds or self.timeouts.dimse, self.timeouts.release)
        self._sock.settimeout(self.timeouts.dimse)

    # -- messages --------------------------------------------------------------------

    def next_message_id(self) -> int:
        """A new message ID (1..65535, wrapping)."""
        self.message_id = self.message_id % 0xFFFF + 1
        return self.message_id

    def _frames(self, context_id: int, data, is_command: bool) -> list:
        """DATA cut into PDUs of at most the fragment size (an empty DATA still gets its last PDV)."""
        frag = self.fragment_size
        view = memoryview(data)
        total = len(view)
        if total == 0:
            return [pdu.p_data_header(context_id, 0, is_command, True)]
        parts = []
        for start in range(0, total, frag):
            chunk = view[start:start + frag]
            parts.append(pdu.p_data_header(context_id, len(chunk), is_command, start + frag >= total))
            parts.append(chunk)
        return parts

    def send_message(self, context_id: int, command: bytes, dataset: bytes | None = None,
                     dataset_stream: Iterable[bytes] | None = None) -> None:
        """Send one DIMSE message: the command set and, if any, the dataset.

        ``dataset`` is sent from memory; ``dataset_stream`` (chunks of any
        size, for large files) is re-cut into fragments as it comes.
        """
        parts = self._frames(context_id, command, True)
        try:
            if dataset is not None:
                parts += self._frames(context_id, dataset, False)
                self._sock.sendall(b"".join(parts))
            elif dataset_stream is not None:
                self._sock.sendall(b"".join(parts))
                self._send_stream(context_id, dataset_stream)
            else:
                self._sock.sendall(b"".join(parts))
        except socket.timeout:
            self.abort()
            raise DimseError("dimse_timeout", seconds=f"{self.timeouts.dimse:g}") from None
        except OSError as exc:
            self._lost(exc)

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
        """Read one DIMSE response (command set; a dataset, if sent, is read and dropped).

        Raises :class:`DimseError` on timeout and :class:`AssociationError`
        when the association ended or the peer broke the protocol (then we
        have sent A-ABORT and closed the socket).
        """
        command = bytearray()
        context_id = 0
        command_done = False
        dataset_done = True
        response: Response | None = None
        while not command_done or not dataset_done:
            pdu_type, body = self._read()
            if pdu_type == pdu.A_ABORT:
                self.closed = True
                self._close_socket()
                source, reason = pdu.decode_abort(body)
                raise AssociationError("peer_aborted", source=abort_source(source),
                                       reason=abort_reason(reason))
            if pdu_type == pdu.A_RELEASE_RQ:
                _send_quietly(self._sock, pdu.release_rp())
                self.closed = True
                self._close_socket()
                raise AssociationError("peer_released")
            if pdu_type != pdu.P_DATA_TF:
                self._protocol_abort(f"unexpected PDU type 0x{pdu_type:02X} while waiting for a response",
                                     reason=2 if pdu_type in (1, 2, 3, 6) else 1)
            try:
                pdvs = pdu.iter_pdvs(body)
            except pdu.PduError as exc:
                self._protocol_abort(str(exc), reason=6)
            for cid, control, data in pdvs:
                if cid not in self.contexts:
                    self._protocol_abort(f"PDV for presentation context {cid}, which is not accepted",
                                         reason=6)
                context_id = cid
                if control & 0x01:
                    if command_done:
                        self._protocol_abort("a second command set before the first was answered", 5)
                    command += data
                    if len(command) > (1 << 20):
                        self._protocol_abort("a response command set larger than 1 MiB", 6)
                    if control & 0x02:
                        command_done = True
                        response = parse_response(bytes(command))
                        dataset_done = not response.has_dataset
                elif not command_done:
                    self._protocol_abort("a dataset fragment before the command set", 5)
                elif control & 0x02:
                    dataset_done = True
        assert response is not None
        return context_id, response

    def _protocol_abort(self, detail: str, reason: int = 2):
        """Send A-ABORT (service provider, REASON), close, and raise AssociationError."""
        self.abort(source=2, reason=reason)
        raise AssociationError("protocol_error", detail=detail)

    def _lost(self, exc: BaseException):
        self.closed = True
        self._close_socket()
        detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise AssociationError("connection_lost", detail=detail) from None

    def _read(self) -> tuple[int, bytes]:
        try:
            return _read_pdu(self._reader)
        except socket.timeout:
            self.abort()
            raise DimseError("dimse_timeout", seconds=f"{self.timeouts.dimse:g}") from None
        except pdu.PduError as exc:
            self._protocol_abort(str(exc), reason=6)
        except OSError as exc:
            self._lost(exc)
        raise AssertionError("unreachable")

    # -- ending ----------------------------------------------------------------------

    def release(self) -> None:
        """Orderly release: A-RELEASE-RQ, then wait (release timeout) for A-RELEASE-RP.

        A release collision (the peer sends A-RELEASE-RQ too) is answered
        with A-RELEASE-RP, then we keep waiting for the peer's RP (PS3.8
        7.2.2, as association requestor). A late response (P-DATA) is
        skipped. No RP in time, or anything else: A-ABORT and close.
        """
        if self.closed:
            self._close_socket()
            return
        deadline = time.monotonic() + self.timeouts.release
        try:
            self._sock.sendall(pdu.release_rq())
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                self._sock.settimeout(left)
                pdu_type, _ = _read_pdu(self._reader)
                if pdu_type in (pdu.A_RELEASE_RP, pdu.A_ABORT):
                    break
                if pdu_type == pdu.A_RELEASE_RQ:
                    self._sock.sendall(pdu.release_rp())
                    continue
                if pdu_type != pdu.P_DATA_TF:
                    _send_quietly(self._sock, pdu.abort(2, 2))
                    break
        except socket.timeout:
            log.info("no A-RELEASE-RP within %gs; aborting the association", self.timeouts.release)
            _send_quietly(self._sock, pdu.abort(0, 0))
        except (OSError, pdu.PduError):
            pass
        self.closed = True
        self._close_socket()

    def abort(self, source: int = 0, reason: int = 0) -> None:
        """A-ABORT and close (SOURCE 0: we chose to; 2: protocol error, with REASON)."""
        if not self.closed:
            _send_quietly(self._sock, pdu.abort(source, reason))
        self.closed = True
        self._close_socket()

    def _close_socket(self) -> None:
        _close(self._reader, self._sock)

    def __enter__(self) -> Association:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.release()
        else:
            self.abort()


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.settimeout(2.0)
        sock.sendall(data)
    except OSError:
        pass


def _close(reader: BinaryIO, sock: socket.socket) -> None:
    try:
        reader.close()
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _read_exact(reader: BinaryIO, n: int) -> bytes:
    data = reader.read(n)
    if data is None or len(data) < n:
        raise OSError("connection closed by the peer")
    return data


def _read_pdu(reader: BinaryIO) -> tuple[int, bytes]:
    pdu_type, _, length = _PDU_HEADER.unpack(_read_exact(reader, 6))
    if pdu_type not in (1, 2, 3, 4, 5, 6, 7):
        raise pdu.PduError(f"unknown PDU type 0x{pdu_type:02X}")
    if length > OUR_MAX_PDU + 6 and pdu_type == pdu.P_DATA_TF or length > (1 << 26):
        raise pdu.PduError(f"PDU of {length} bytes is larger than we accept")
    return pdu_type, _read_exact(reader, length)
