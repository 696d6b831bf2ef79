"""A strict, streaming reader for the portal's study archive (POSIX tar, ustar/pax).

It reads headers and member data from a stream of byte chunks as they come
off the network, so nothing is buffered whole and a download can resume at
any member boundary (tar headers sit at 512-byte positions, so reading can
start at the header of any member). Header checksums are verified; only
regular files are reported; links, devices and directories are skipped and
never created. Member names are returned as data, never used as paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

BLOCK = 512


class TarFormatError(Exception):
    """The bytes are not a valid tar stream."""


class StreamTruncated(Exception):
    """The stream ended inside the archive (connection cut, short body)."""


class ByteFeed:
    """Reads exact or bounded amounts from an iterator of chunks; counts what was consumed."""

    def __init__(self, chunks: Iterator[bytes], start_offset: int = 0) -> None:
        self._chunks = chunks
        self._buf = b""
        self._pos = 0
        self.offset = start_offset  # absolute archive offset of the next unread byte

    def _fill(self) -> bool:
        for chunk in self._chunks:
            if chunk:
                self._buf, self._pos = chunk, 0
                return True
        return False

    def read_upto(self, n: int) -> bytes:
        """Up to N bytes (at least 1 unless the stream ended)."""
        if self._pos >= len(self._buf) and not self._fill():
            return b""
        data = self._buf[self._pos:self._pos + n]
        self._pos += len(data)
        self.offset += len(data)
        return data

    def read_exact(self, n: int) -> bytes:
        parts = []
        need = n
        while need:
            data = self.read_upto(need)
            if not data:
                raise StreamTruncated(f"stream ended {need} bytes early at archive offset {self.offset}")
            parts.append(data)
            need -= len(data)
        return b"".join(parts) if len(parts) != 1 else parts[0]

    def skip(self, n: int) -> None:
        while n:
            data = self.read_upto(min(n, 1 << 20))
            if not data:
                raise StreamTruncated(f"stream ended while skipping at archive offset {self.offset}")
            n -= len(data)


@dataclass(slots=True)
class Member:
    """A regular file in the archive: where its header starts, its name and size."""

    header_offset: int
    name: str
    size: int


def _octal(field: bytes) -> int:
    if field and field[0] & 0x80:  # base-256 (GNU) for big sizes
        value = int.from_bytes(field[1:], "big")
        return value
    text = field.rstrip(b"\x00 ").strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarFormatError(f"bad number field {field!r}") from None


def _check_header(header: bytes) -> None:
    stored = _octal(header[148:156])
    computed = sum(header[:148]) + 8 * 32 + sum(header[156:])
    if stored != computed:
        raise TarFormatError("tar header checksum mismatch")


def _pax_records(data: bytes) -> dict[str, str]:
    records = {}
    pos = 0
    while pos < len(data):
        space = data.find(b" ", pos)
        if space < 0:
            break
        try:
            length = int(data[pos:space])
        except ValueError:
            raise TarFormatError("bad pax record") from None
        if length <= 0:
            raise TarFormatError("bad pax record length")
        record = data[space + 1:pos + length - 1]
        key, _, value = record.partition(b"=")
        records[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
        pos += length
    return records


def padding(size: int) -> int:
    """Bytes of zero padding after a member of SIZE bytes."""
    return (-size) % BLOCK


def next_member(feed: ByteFeed) -> Member | None:
    """Read headers up to the next regular file; None at the end of the archive.

    Non-file members (directories, links, devices, global pax headers) are
    skipped with their data. The caller must then consume exactly
    ``member.size`` bytes and ``padding(member.size)`` more.
    """
    pax: dict[str, str] = {}
    long_name: str | None = None
    start: int | None = None
    while True:
        header_offset = feed.offset
        header = feed.read_exact(BLOCK)
        if header == b"\x00" * BLOCK:
            return None
        _check_header(header)
        if start is None:
            start = header_offset
        kind = header[156:157]
        size = _octal(header[124:136])
        if kind in (b"x", b"g"):
            data = feed.read_exact(size)
            feed.skip(padding(size))
            if kind == b"x":
                pax = _pax_records(data)
            continue
        if kind == b"L":  # GNU long name
            long_name = feed.read_exact(size).rstrip(b"\x00").decode("utf-8", "replace")
            feed.skip(padding(size))
            continue
        name = header[0:100].rstrip(b"\x00").decode("utf-8", "replace")
        prefix = header[345:500].rstrip(b"\x00").decode("utf-8", "replace")
        if prefix and header[257:262] == b"ustar":
            name = f"{prefix}/{name}"
        name = pax.get("path") or long_name or name
        if "size" in pax:
            try:
                size = int(pax["size"])
            except ValueError:
                raise TarFormatError("bad pax size") from None
        if kind in (b"0", b"\x00", b"7"):
            return Member(start, name, size)
        # Directory, link, device, FIFO ...: never created; skip its data.
        feed.skip(size + padding(size))
        pax, long_name, start = {}, None, None


_END = object()


def prefetched(chunks: Iterator[bytes], depth: int = 8) -> Iterator[bytes]:
    """Iterate CHUNKS read ahead by a helper thread (network receive overlaps hashing and writing).

    Socket reads, SHA-256 and file writes all release the GIL, so on two
    cores the receive and the verify-and-write work run side by side. An
    exception of the reading side is re-raised in the consumer.
    """
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def pump() -> None:
        try:
            for chunk in chunks:
                if not offer(chunk):
                    return
            offer(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            offer(exc)

    thread = threading.Thread(target=pump, name="archive-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
