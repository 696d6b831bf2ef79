"""Read-only file wrappers that never read past their end.

:class:`BoundedReader` never asks for more bytes than the file has left:

pydicom reads a value with ``fp.read(declared_length)``. On a real file,
CPython allocates the whole requested buffer before reading, so a damaged
length field (``0xFFFFFFF0``) in a 40 KB file costs a 4 GB allocation (and a
``MemoryError`` on Windows). Clamping every read to the bytes that remain
checks the declared length against the file size *before* anything is
allocated; pydicom then sees a short read and reports the file as truncated.
Used wherever the program or the portal hands a file (not bytes) to pydicom.

:class:`FileWindow` is a stretch of a larger file seen as a file of its own
(a member of an archive, a blob inside the portal's upload file).
"""

from __future__ import annotations

import io
import os
from typing import BinaryIO


class BoundedReader(io.RawIOBase):
    """Wrap the seekable binary file RAW of SIZE bytes (measured when not given)."""

    def __init__(self, raw: BinaryIO, size: int | None = None) -> None:
        super().__init__()
        self._raw = raw
        if size is None:
            here = raw.tell()
            size = raw.seek(0, os.SEEK_END)
            raw.seek(here)
        self._size = size
        self.name = getattr(raw, "name", "<stream>")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        left = max(0, self._size - self._raw.tell())
        if n is None or n < 0 or n > left:
            n = left
        return self._raw.read(n)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        owned = getattr(self, "_owned", None)
        if owned is not None:
            owned.close()
        super().close()


def open_bounded(path: str | os.PathLike) -> BoundedReader:
    """Open PATH for reading through a :class:`BoundedReader` (closing it closes the file)."""
    raw = open(path, "rb")
    reader = BoundedReader(raw)
    reader._owned = raw  # noqa: SLF001 - closed with the reader
    return reader


class FileWindow(io.RawIOBase):
    """SIZE bytes at OFFSET of the file at PATH, read-only and seekable, as a file of its own.

    HEAD, the window's first bytes when the caller has them in memory
    already, is served from there; the file is opened only to read past it.
    Reads stop at the window's end.
    """

    def __init__(self, path: str | os.PathLike, offset: int, size: int,
                 head: bytes | memoryview = b"") -> None:
        super().__init__()
        self.name = os.fspath(path)
        self._offset = offset
        self._size = size
        self._head = head
        self._file: BinaryIO | None = None
        self._position = 0

    def open_now(self) -> "FileWindow":
        """Open the file at once (FileNotFoundError now rather than at the first read)."""
        if self._file is None:
            self._file = open(self.name, "rb", buffering=0)
        return self

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer) -> int:
        """Fill BUFFER as far as the window goes (across the end of the head: callers
        such as the header reader take a short read for the end of the file)."""
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._size - self._position)
        done = 0
        while done < wanted:
            if self._position < len(self._head):
                part = self._head[self._position:self._position + wanted - done]
                view[done:done + len(part)] = part
                got = len(part)
            else:
                self.open_now()
                self._file.seek(self._offset + self._position)
                got = self._file.readinto(view[done:wanted]) or 0
                if not got:
                    break  # the file is shorter than the window
            done += got
            self._position += got
        return done

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        super().close()
