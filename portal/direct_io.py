"""Writing and reading upload bytes with direct I/O (``O_DIRECT``), past the page cache.

Why: a buffered write copies every byte into freshly allocated page-cache
pages which the kernel then writes back; on the benchmark VM (whose free
memory goes back to the host) taking those pages dominated the portal's
kernel time (docs/benchmarks.md, "Portal uploads"). With ``O_DIRECT`` the
disk reads the bytes straight from one reused, page-aligned staging buffer:
no page-cache pages, no writeback, and the ``fdatasync`` before each 204
only has to commit the size and flush the disk's cache.

Direct I/O needs the buffer address, the file offset and the length aligned
to the device's block size. So the bytes are staged in an ``mmap`` buffer
(page aligned) that starts at a block boundary of the file:

* a request starting mid-block (after a PATCH that ended mid-block) first
  reads that block's committed head back into the buffer, so its first
  direct write rewrites the head with the same bytes;
* whole blocks are written directly; the last partial block of a request is
  written through the ordinary (buffered) descriptor in :meth:`finish`, and
  the next request rewrites it.

:class:`DirectReader` reads the upload file back for the verifier while
the upload arrives (:mod:`portal.tus.follower`): the bytes were written past
the page cache, so a buffered read would first fill fresh page-cache pages
from the disk and then copy them.

Where ``O_DIRECT`` does not exist (Windows, macOS) or the file system refuses
it (``EINVAL``, e.g. tmpfs), :func:`open_direct` returns None or the
appender (reader) switches itself to buffered writes (reads); callers then keep their normal
path. Durability is unchanged: the caller fsyncs before it answers.

All methods do blocking I/O: call them from a worker thread.
"""

from __future__ import annotations

import errno
import mmap
import os
import threading

# Offsets and lengths of direct writes are multiples of this. 4096 covers
# devices with 512- and 4096-byte logical blocks; larger ones refuse with
# EINVAL and the appender falls back to buffered writes.
BLOCK = 4096
# The staging buffer; direct writes are at most this long.
STAGING_BYTES = 8 * 1024 * 1024
# Buffers kept for reuse (touching fresh anonymous memory costs page faults);
# at most 64 MiB stays allocated after a burst of concurrent uploads.
_POOL_MAX = 8
_O_DIRECT = getattr(os, "O_DIRECT", 0)
_REFUSED = (errno.EINVAL, getattr(errno, "EOPNOTSUPP", errno.EINVAL))

_pool: list[mmap.mmap] = []
_pool_lock = threading.Lock()


def _take_buffer() -> mmap.mmap:
    with _pool_lock:
        if _pool:
            return _pool.pop()
    return mmap.mmap(-1, STAGING_BYTES)


def _give_back(buffer: mmap.mmap) -> None:
    with _pool_lock:
        if len(_pool) < _POOL_MAX:
            _pool.append(buffer)
            return
    try:
        buffer.close()
    except BufferError:
        # A view of it is still alive (e.g. in the traceback of a failed
        # write): the mapping goes when that view does.
        pass


def open_direct(path: os.PathLike | str, mode: int = os.O_WRONLY) -> int | None:
    """An ``O_DIRECT`` descriptor for PATH (write-only unless MODE says), or None where
    direct I/O is unavailable."""
    if not _O_DIRECT:
        return None
    try:
        return os.open(path, mode | _O_DIRECT)
    except OSError as exc:
        if exc.errno in _REFUSED:
            return None
        raise


def _pread_into(fd: int, view: memoryview, offset: int) -> None:
    while view:
        got = os.preadv(fd, [view], offset)
        if got == 0:
            raise OSError(errno.EIO, "upload file is shorter than its committed offset")
        view = view[got:]
        offset += got


def _pwrite_all(fd: int, view: memoryview, offset: int) -> None:
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


class DirectAppender:
    """Appends bytes to an open file from POSITION on, with direct I/O where it works.

    FD is the file's ordinary descriptor (read for a partial head block,
    written for the last partial block), DIRECT_FD an ``O_DIRECT`` one from
    :func:`open_direct`; the appender owns and closes DIRECT_FD.
    """

    def __init__(self, fd: int, direct_fd: int, position: int) -> None:
        self.fd = fd
        self._direct_fd: int | None = direct_fd
        self._buffer = _take_buffer()
        self._view = memoryview(self._buffer)
        self._base = position - position % BLOCK  # file offset of _view[0]
        self._fill = position - self._base
        if self._fill:
            try:
                _pread_into(fd, self._view[:self._fill], self._base)
            except BaseException:
                self.close()
                raise

    @property
    def direct(self) -> bool:
        """False once the file system refused a direct write (buffered from then on)."""
        return self._direct_fd is not None

    def append(self, pieces: list[bytes]) -> int:
        """Stage PIECES and write every whole block; returns the byte count appended."""
        total = 0
        for piece in pieces:
            data = memoryview(piece)
            total += len(data)
            while data:
                n = min(len(data), STAGING_BYTES - self._fill)
                self._view[self._fill:self._fill + n] = data[:n]
                self._fill += n
                data = data[n:]
                if self._fill == STAGING_BYTES:
                    self._write_blocks()
        self._write_blocks()
        return total

    def _write_blocks(self) -> None:
        whole = self._fill - self._fill % BLOCK
        if not whole:
            return
        if self._direct_fd is not None:
            try:
                _pwrite_all(self._direct_fd, self._view[:whole], self._base)
            except OSError as exc:
                if exc.errno not in _REFUSED:
                    raise
                # Opened fine but the write was refused (alignment the device
                # will not take): same bytes, buffered, from now on.
                self._close_direct()
                _pwrite_all(self.fd, self._view[:whole], self._base)
        else:
            _pwrite_all(self.fd, self._view[:whole], self._base)
        tail = self._fill - whole
        self._view[:tail] = self._view[whole:self._fill]
        self._base += whole
        self._fill = tail

    def finish(self) -> int:
        """Write the last partial block (buffered); returns the file offset after the last byte.

        The caller still has to fsync the file for durability.
        """
        if self._fill:
            _pwrite_all(self.fd, self._view[:self._fill], self._base)
        return self._base + self._fill

    def _close_direct(self) -> None:
        if self._direct_fd is not None:
            os.close(self._direct_fd)
            self._direct_fd = None

    def close(self) -> None:
        """Close the direct descriptor and return the buffer to the pool (idempotent)."""
        self._close_direct()
        if self._buffer is not None:
            self._view.release()
            _give_back(self._buffer)
            self._buffer = None


class DirectReader:
    """Reads ranges of a file (one growing at its end is fine), with direct I/O where it works.

    :meth:`read` serves from a page-aligned window of up to
    ``STAGING_BYTES`` that is refilled with one aligned read whenever a
    range is outside it; sequential readers thus cost one system call per
    window and no page-cache pages.
    """

    def __init__(self, path: os.PathLike | str) -> None:
        # Unbuffered: the window is the only copy (readinto also works on Windows,
        # which has no preadv).
        self._file = open(path, "rb", buffering=0)
        self._direct_fd = open_direct(path, os.O_RDONLY)
        self._buffer: mmap.mmap | None = _take_buffer()
        self._view = memoryview(self._buffer)
        self._base = 0  # file offset of _view[0]
        self._fill = 0  # valid bytes in the window

    def size(self) -> int:
        """The file's current size."""
        return os.fstat(self._file.fileno()).st_size

    def read(self, offset: int, length: int) -> memoryview:
        """Up to LENGTH bytes at OFFSET (fewer only at the end of the file).

        The view is valid until the next call. LENGTH may be at most
        ``STAGING_BYTES - BLOCK``.
        """
        if length > STAGING_BYTES - BLOCK:
            raise ValueError(f"read of {length} bytes is larger than the window")
        if offset < self._base or offset + length > self._base + self._fill:
            self._refill(offset - offset % BLOCK)
        start = offset - self._base
        return self._view[start:start + max(0, min(length, self._fill - start))]

    def _refill(self, base: int) -> None:
        self._base, self._fill = base, 0
        if self._direct_fd is not None:
            try:
                self._fill = _pread_direct(self._direct_fd, self._view, base)
                return
            except OSError as exc:
                if exc.errno not in _REFUSED:
                    raise
                os.close(self._direct_fd)
                self._direct_fd = None
        self._file.seek(base)
        while self._fill < len(self._view):
            got = self._file.readinto(self._view[self._fill:])
            if not got:
                break
            self._fill += got

    def close(self) -> None:
        """Close the descriptors and return the window to the pool (idempotent)."""
        if self._direct_fd is not None:
            os.close(self._direct_fd)
            self._direct_fd = None
        if self._buffer is not None:
            self._file.close()
            self._view.release()
            _give_back(self._buffer)
            self._buffer = None

    def __enter__(self) -> "DirectReader":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _pread_direct(fd: int, view: memoryview, offset: int) -> int:
    """Fill VIEW from OFFSET (both block aligned) as far as the file goes; returns the count."""
    got = 0
    while got < len(view):
        n = os.preadv(fd, [view[got:]], offset + got)
        got += n
        if n == 0 or n % BLOCK:
            break  # the end of the file (a direct read is short only there)
    return got
