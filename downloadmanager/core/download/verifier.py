"""Check every received member against its SHA-256 on a second thread, then commit it.

The receiving thread writes member bytes to their file in the partial area and hands
the very same bytes (memoryviews of its receive buffers, no copies) to the
:class:`Verifier`. Its thread hashes them (``hashlib`` releases the GIL for
large updates, so hashing runs beside the socket reads and file writes on a
second core) and, at the end of a member, compares the digest with the
manifest's. Only a member whose digest matches is recorded in the journal
(the journal, not the file's presence, says what is verified: a resume
trusts nothing else, and publishing takes only journalled files); its DICOM
header is parsed from the first bytes kept in memory, so no file has to be
read again to build the catalog. A member that does not match is deleted and
reported as damaged. Files are written under their final partial name, not
renamed after verification: renaming while the receiver creates the next
files in the same folder made both threads contend for the folder's lock.

Receive buffers go back to the receiver only after the thread is done with
every view into them (a ``release`` job queued behind those views), so the
bytes hashed are exactly the bytes written.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from downloadmanager.core.download.tarstream import Member
from downloadmanager.core.scan import HeaderError, HeaderInfo, read_header

log = logging.getLogger(__name__)

HEADER_PREFIX = 32 * 1024  # first bytes of each instance kept to parse its header
HEADER_TAIL = 8  # last bytes (encapsulated pixel data ends with a sequence delimiter)

_BEGIN, _DATA, _END, _RELEASE, _STOP = range(5)


@dataclass(slots=True)
class PendingMember:
    """A member being received: where it goes, what it must hash to, its first and last bytes."""

    member: Member
    sha256: str
    target: Path  # written in place; trusted only once journalled
    keep_header: bool
    prefix: bytearray = field(default_factory=bytearray)
    tail: bytes = b""
    end_offset: int = 0

    def remember(self, view: memoryview) -> None:
        """Keep the bytes the header parser may need (cheap: small copies only)."""
        if not self.keep_header:
            return
        if len(self.prefix) < HEADER_PREFIX:
            self.prefix += view[:HEADER_PREFIX - len(self.prefix)]
        if len(view) >= HEADER_TAIL:
            self.tail = bytes(view[-HEADER_TAIL:])
        else:
            self.tail = (self.tail + bytes(view))[-HEADER_TAIL:]


class _KnownBytes:
    """A read-only file object over the bytes of a member we kept (its start and its end).

    A read of anything else sets ``overran``: the header is then read from
    the file on disk instead.
    """

    def __init__(self, pending: PendingMember) -> None:
        self.prefix = bytes(pending.prefix)
        self.tail = pending.tail
        self.size = pending.member.size
        self.pos = 0
        self.overran = False

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos if whence == 0 else (self.pos + pos if whence == 1 else self.size + pos)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def read(self, n: int = -1) -> bytes:
        start = self.pos
        stop = self.size if n is None or n < 0 else min(self.size, start + n)
        if stop <= len(self.prefix):
            data = self.prefix[start:stop]
        elif start >= self.size - len(self.tail):
            base = self.size - len(self.tail)
            data = self.tail[start - base:stop - base]
        else:
            self.overran = True
            data = b""
        self.pos = start + len(data)
        return data


def header_from_memory(pending: PendingMember) -> HeaderInfo | HeaderError | None:
    """The member's DICOM header from its kept bytes; None when more bytes are needed."""
    known = _KnownBytes(pending)
    try:
        info: HeaderInfo | HeaderError = read_header(known, pending.member.size)  # type: ignore[arg-type]
    except HeaderError as exc:
        info = exc
    except Exception:  # noqa: BLE001 - e.g. the pydicom fallback on a short view; decided from disk
        return None
    return None if known.overran else info


def header_from_disk(path: Path, size: int) -> HeaderInfo | HeaderError:
    """The DICOM header of a verified file (read from disk)."""
    try:
        with open(path, "rb", buffering=0) as fh:
            return read_header(fh, size)
    except HeaderError as exc:
        return exc
    except OSError as exc:
        return HeaderError("unreadable", exc.strerror or str(exc))


CommitCallback = Callable[[PendingMember], None]
DamagedCallback = Callable[[Member], None]


class Verifier:
    """The hashing thread (see module docstring). Use as a context manager."""

    def __init__(self, free_buffers: queue.SimpleQueue, on_verified: CommitCallback,
                 on_damaged: DamagedCallback) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._free = free_buffers
        self._on_verified = on_verified
        self._on_damaged = on_damaged
        self.headers: dict[str, HeaderInfo | HeaderError] = {}
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="archive-verify", daemon=True)

    def __enter__(self) -> Verifier:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- called by the receiving thread ------------------------------------
    def begin(self, pending: PendingMember) -> None:
        self._jobs.put((_BEGIN, pending))

    def data(self, view: memoryview) -> None:
        self._jobs.put((_DATA, view))

    def end(self, pending: PendingMember) -> None:
        self._jobs.put((_END, pending))

    def release(self, buffer: bytearray) -> None:
        """Give BUFFER back to the receiver once every view queued before is hashed."""
        self._jobs.put((_RELEASE, buffer))

    def close(self) -> None:
        """Finish every queued job, then stop the thread (idempotent)."""
        if self._thread.is_alive():
            self._jobs.put((_STOP, None))
            self._thread.join()

    def check(self) -> None:
        """Re-raise an error of the thread (e.g. disk full while renaming) in the caller."""
        if self.error is not None:
            raise self.error

    # -- the thread ----------------------------------------------------------
    def _run(self) -> None:
        digest = None
        while True:
            op, arg = self._jobs.get()
            if op == _DATA:
                if digest is not None:
                    digest.update(arg)
            elif op == _BEGIN:
                digest = hashlib.sha256()
            elif op == _END:
                if digest is not None and self.error is None:
                    try:
                        self._finish(arg, digest.hexdigest())
                    except BaseException as exc:  # noqa: BLE001 - handed to the receiver
                        self.error = exc
                digest = None
            elif op == _RELEASE:
                self._free.put(arg)
            else:
                return

    def _finish(self, pending: PendingMember, hexdigest: str) -> None:
        if hexdigest != pending.sha256:
            pending.target.unlink(missing_ok=True)
            self._on_damaged(pending.member)
            return
        if pending.keep_header:
            info = header_from_memory(pending)
            self.headers[pending.member.name] = (
                info if info is not None else header_from_disk(pending.target, pending.member.size))
        self._on_verified(pending)
