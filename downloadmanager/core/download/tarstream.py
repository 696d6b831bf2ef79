"""A strict, push-style reader for the portal's study archive (POSIX tar, ustar/pax).

The receiver hands it the bytes as they come off the network, as memoryviews
of its own reusable buffers; the parser walks headers and member data in
place and passes member bytes on as slices of those views (no copies), so
nothing is buffered whole. Tar headers sit at 512-byte positions, so reading
can start at the header of any member (that is how a download resumes).
Header checksums are verified; only regular files are reported; links,
devices and directories are skipped and never created. Member names are
returned as data, never used as paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

BLOCK = 512
MAX_META_SIZE = 1 << 20  # pax / GNU long-name data we are willing to hold in memory
_ZERO_BLOCK = bytes(BLOCK)


class TarFormatError(Exception):
    """The bytes are not a valid tar stream."""


class StreamTruncated(Exception):
    """The stream ended inside the archive (connection cut, short body)."""


@dataclass(slots=True)
class Member:
    """A regular file in the archive: where its header starts, its name and size."""

    header_offset: int
    name: str
    size: int


class MemberSink(Protocol):
    """Receives the regular files of the archive, in order."""

    def begin(self, member: Member) -> bool:
        """A member starts; return False to have its bytes skipped."""

    def data(self, view: memoryview) -> None:
        """The next bytes of the current member (a view into the receiver's buffer: copy to keep)."""

    def end(self, member: Member, end_offset: int) -> None:
        """The member is complete; END_OFFSET is the archive offset after its padding."""


def _octal(field: bytes) -> int:
    if field and field[0] & 0x80:  # base-256 (GNU) for big sizes
        return int.from_bytes(field[1:], "big")
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


# Parser states: what the next bytes are.
_HEADER, _META, _DATA, _SKIP, _DONE = range(5)


class TarStreamParser:
    """Feed archive bytes with :meth:`feed`; regular files go to a :class:`MemberSink`.

    ``offset`` is the absolute archive offset of the next byte expected
    (START_OFFSET must be a header position). After the last byte call
    :meth:`finish`: it raises :class:`StreamTruncated` unless the
    end-of-archive marker was seen.
    """

    def __init__(self, sink: MemberSink, start_offset: int = 0) -> None:
        self.sink = sink
        self.offset = start_offset
        self.done = False
        self._state = _HEADER
        self._acc = bytearray()  # a header or pax/long-name data being collected
        self._need = BLOCK
        self._remaining = 0  # bytes of member data (_DATA) or to skip (_SKIP)
        self._pad = 0
        self._member: Member | None = None
        self._meta_kind = b""
        self._pax: dict[str, str] = {}
        self._long_name: str | None = None
        self._start: int | None = None  # offset of the first header of the current member

    def feed(self, view: memoryview) -> bool:
        """Consume VIEW; True once the end of the archive was reached (later bytes are ignored)."""
        pos, end = 0, len(view)
        while pos < end and not self.done:
            state = self._state
            if state == _DATA:
                n = min(self._remaining, end - pos)
                self.sink.data(view[pos:pos + n])
                pos += n
                self.offset += n
                self._remaining -= n
                if not self._remaining:
                    self._after_data()
            elif state == _SKIP:
                n = min(self._remaining, end - pos)
                pos += n
                self.offset += n
                self._remaining -= n
                if not self._remaining:
                    self._state, self._need = _HEADER, BLOCK
            else:  # _HEADER or _META: collect exactly _need bytes
                n = min(self._need - len(self._acc), end - pos)
                self._acc += view[pos:pos + n]
                pos += n
                self.offset += n
                if len(self._acc) == self._need:
                    block, self._acc = bytes(self._acc), bytearray()
                    if state == _HEADER:
                        self._header(block)
                    else:
                        self._meta(block)
        return self.done

    def finish(self) -> None:
        """The stream ended: raise unless the archive's end marker was seen."""
        if not self.done:
            raise StreamTruncated(f"the archive ended early at offset {self.offset}")

    # -- internals ---------------------------------------------------------
    def _after_data(self) -> None:
        member = self._member
        self._member = None
        if self._pad:
            self._state, self._remaining = _SKIP, self._pad
        else:
            self._state, self._need = _HEADER, BLOCK
        self.sink.end(member, self.offset + self._pad)

    def _header(self, header: bytes) -> None:
        header_offset = self.offset - BLOCK
        if header == _ZERO_BLOCK:
            self.done = True
            self._state = _DONE
            return
        _check_header(header)
        if self._start is None:
            self._start = header_offset
        kind = header[156:157]
        size = _octal(header[124:136])
        if kind in (b"x", b"g", b"L"):
            if size > MAX_META_SIZE:
                raise TarFormatError("oversized pax or long-name header")
            self._meta_kind = kind
            self._pad = padding(size)
            if size == 0:
                self._meta(b"")
            else:
                self._state, self._need = _META, size
            return
        name = header[0:100].rstrip(b"\x00").decode("utf-8", "replace")
        prefix = header[345:500].rstrip(b"\x00").decode("utf-8", "replace")
        if prefix and header[257:262] == b"ustar":
            name = f"{prefix}/{name}"
        name = self._pax.get("path") or self._long_name or name
        if "size" in self._pax:
            try:
                size = int(self._pax["size"])
            except ValueError:
                raise TarFormatError("bad pax size") from None
            if size < 0:
                raise TarFormatError("bad pax size")
        start, self._start, self._pax, self._long_name = self._start, None, {}, None
        self._pad = padding(size)
        if kind in (b"0", b"\x00", b"7"):
            member = Member(start, name, size)
            if self.sink.begin(member):
                self._member = member
                if size:
                    self._state, self._remaining = _DATA, size
                else:
                    self._after_data()
                return
        # A member nobody wants, or a directory, link, device, FIFO ...: never created.
        self._skip(size + self._pad)

    def _meta(self, data: bytes) -> None:
        if self._meta_kind == b"x":
            self._pax = _pax_records(data)
        elif self._meta_kind == b"L":
            self._long_name = data.rstrip(b"\x00").decode("utf-8", "replace")
        self._skip(self._pad)

    def _skip(self, n: int) -> None:
        if n:
            self._state, self._remaining = _SKIP, n
        else:
            self._state, self._need = _HEADER, BLOCK
