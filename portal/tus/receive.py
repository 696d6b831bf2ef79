"""Streaming a request body into a :class:`ChunkWriter` without blocking the event loop.

Body pieces from the server (typically 64 KiB) are gathered into batches of
a few MiB; each batch is written (direct I/O or ``writev``, see
:class:`ChunkWriter`) by a worker thread while the next one is being
received, so network and disk overlap and the event loop neither copies body
bytes nor waits for the disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from starlette.requests import ClientDisconnect, Request

from portal.pools import shared_pool
from portal.tus.headers import TusError
from portal.tus.writer import ChunkWriter, Superseded

# Big enough that thread hand-offs and syscalls are rare, small enough that
# twenty concurrent uploads hold well under a gigabyte.
FLUSH_BYTES = 4 * 1024 * 1024

# While a long request comes in, the verifier is told about new bytes this often.
NOTIFY_BYTES = 16 * 1024 * 1024

def io_executor() -> ThreadPoolExecutor:
    """The thread pool for upload file I/O (shared by all requests, created on first use)."""
    return shared_pool("tus-io", 16)


async def run_io(func, *args):
    """Run blocking FUNC(*ARGS) in the upload I/O pool."""
    return await asyncio.get_running_loop().run_in_executor(io_executor(), func, *args)


@dataclass
class BodyResult:
    """How reading a request body ended."""

    received: int
    disconnected: bool


async def stream_body(request: Request, writer: ChunkWriter, limit: int,
                      on_written: Callable[[], None] | None = None) -> BodyResult:
    """Write REQUEST's body through WRITER; at most LIMIT bytes, else 413.

    Raises :class:`Superseded` if a newer request took over. On a client
    disconnect the bytes received so far are written (the caller decides
    whether to keep them) and ``disconnected`` is True. ON_WRITTEN is called
    whenever another NOTIFY_BYTES are in the file (the verifier follows them
    while a long request is still coming in).
    """
    pieces: list[bytes] = []
    buffered = 0
    pending: asyncio.Future | None = None
    received = 0
    disconnected = False
    notified = 0
    try:
        try:
            async for piece in request.stream():
                if not piece:
                    continue
                if writer.superseded:
                    raise Superseded("a newer request took over this upload")
                received += len(piece)
                if received > limit:
                    raise TusError(413, f"the request carries more than the {limit} bytes "
                                        "the upload still expects")
                # Pieces are kept as they came and written with one writev:
                # the event loop never copies body bytes.
                pieces.append(piece)
                buffered += len(piece)
                if buffered >= FLUSH_BYTES:
                    if pending is not None:
                        await pending
                        if on_written is not None and received - notified >= NOTIFY_BYTES:
                            notified = received
                            on_written()
                    batch, pieces, buffered = pieces, [], 0
                    pending = asyncio.ensure_future(run_io(writer.write, batch))
        except ClientDisconnect:
            disconnected = True
        if pending is not None:
            await pending
            pending = None
        if pieces:
            await run_io(writer.write, pieces)
    finally:
        if pending is not None:
            # Never leave a write running behind the caller's discard/commit.
            await asyncio.gather(pending, return_exceptions=True)
    return BodyResult(received=received, disconnected=disconnected)
