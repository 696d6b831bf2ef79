"""Direct-I/O appends of tus bytes (portal.direct_io), on real files.

Where the test folder's file system refuses ``O_DIRECT`` (older tmpfs,
Windows, macOS) the direct tests skip; the protocol test covers the whole
PATCH path on whatever file system the portal's data is.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from portal import direct_io as direct
from portal.direct_io import BLOCK, STAGING_BYTES, DirectAppender, open_direct
from tests.portal.test_tus_protocol import hold_ingest, idle, tus, upload_file  # noqa: F401


def _open_pair(path: Path) -> tuple[int, int]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    direct_fd = open_direct(path)
    if direct_fd is None:
        os.close(fd)
        pytest.skip(f"{path.parent} refuses O_DIRECT")
    return fd, direct_fd


def _append(path: Path, position: int, pieces: list[bytes]) -> tuple[int, bool]:
    """One request's worth: append PIECES at POSITION; returns (end, stayed direct)."""
    fd, direct_fd = _open_pair(path)
    try:
        os.ftruncate(fd, position)
        appender = DirectAppender(fd, direct_fd, position)
        try:
            assert appender.append(pieces) == sum(len(p) for p in pieces)
            end = appender.finish()
            os.fsync(fd)
            return end, appender.direct
        finally:
            appender.close()
    finally:
        os.close(fd)


def test_unaligned_requests_in_a_row_keep_every_byte(tmp_path):
    path = tmp_path / "upload"
    path.touch()
    data = os.urandom(STAGING_BYTES + 3 * BLOCK + 777)
    # Request boundaries mid-block, on a block, and a piece larger than the
    # staging buffer; pieces of odd sizes like the server hands them over.
    cuts = [0, 1, BLOCK - 1, BLOCK + 5, 2 * BLOCK + 5, 100_003, len(data)]
    for start, stop in itertools.pairwise(cuts):
        chunk = data[start:stop]
        pieces = [chunk[i:i + 65_521] for i in range(0, len(chunk), 65_521)]
        end, stayed_direct = _append(path, start, pieces)
        assert end == stop
        assert stayed_direct
        assert path.read_bytes() == data[:stop]


def test_a_request_can_overwrite_uncommitted_bytes(tmp_path):
    # A newer request starts at the committed offset, below bytes an older
    # (superseded) request wrote: the file is truncated and rewritten.
    path = tmp_path / "upload"
    path.touch()
    first = os.urandom(3 * BLOCK + 10)
    _append(path, 0, [first])
    second = os.urandom(BLOCK)
    end, _ = _append(path, BLOCK + 3, [second])
    assert end == 2 * BLOCK + 3
    assert path.read_bytes() == first[:BLOCK + 3] + second


def test_a_refused_direct_write_falls_back_to_buffered(tmp_path, monkeypatch):
    path = tmp_path / "upload"
    path.touch()
    # A 256-byte "block" puts direct writes at offsets no device accepts
    # (logical blocks are 512 bytes or more): the kernel answers EINVAL.
    monkeypatch.setattr(direct, "BLOCK", 256)
    head = os.urandom(256)
    path.write_bytes(head)
    body = [os.urandom(10_000), os.urandom(5_000)]
    end, stayed_direct = _append(path, 256, body)
    assert not stayed_direct
    assert end == 256 + 15_000
    assert path.read_bytes() == head + b"".join(body)


def test_patches_with_unaligned_sizes_arrive_exactly(tus):  # noqa: F811
    calls, code, portal = tus
    hold_ingest(portal)
    sizes = [1, BLOCK - 1, 5_000, STAGING_BYTES + 7, 3 * BLOCK]
    data = os.urandom(sum(sizes))
    url = calls.create_url(len(data), code)
    offset = 0
    for size in sizes:
        answer = calls.patch(url, offset, data[offset:offset + size])
        assert answer.status_code == 204, answer.text
        offset += size
        assert int(answer.headers["Upload-Offset"]) == offset
    idle(portal)
    assert upload_file(portal, url).read_bytes() == data


_DISK_ERROR_SCRIPT = r"""
import mmap, os, resource, signal, sys
from portal import direct_io as direct
from portal.direct_io import DirectAppender, open_direct
path = sys.argv[1]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
open(path, "wb").close()
direct_fd = open_direct(path)
if direct_fd is None:
    print("SKIP")
    raise SystemExit(0)
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))
fd = os.open(path, os.O_RDWR)
appender = DirectAppender(fd, direct_fd, 0)
while len(direct._pool) < direct._POOL_MAX:  # a full pool: the buffer is closed, not kept
    direct._pool.append(mmap.mmap(-1, 4096))
try:
    try:
        appender.append([bytes(3 << 20)])
    finally:
        appender.close()
except BaseException as exc:
    print(type(exc).__name__, getattr(exc, "errno", None))
"""


@pytest.mark.skipif(not hasattr(os, "O_DIRECT"), reason="no O_DIRECT here")
def test_a_disk_error_comes_out_as_itself_and_frees_the_buffer(tmp_path):
    """A write the disk refuses (here: file size limit) is reported as that OSError.

    Before, returning the staging buffer to a full pool while the failed
    write's traceback still held a view of it raised BufferError instead,
    and the upload's descriptor and slot leaked.
    """
    import errno
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", _DISK_ERROR_SCRIPT, str(tmp_path / "big.bin")],
                            capture_output=True, text=True, cwd=root, timeout=60)
    if result.stdout.strip() == "SKIP":
        pytest.skip(f"{tmp_path} refuses O_DIRECT")
    assert result.stdout.split() == ["OSError", str(errno.EFBIG)], result.stdout + result.stderr


def _reader_checks(path: Path, data: bytes) -> None:
    """Reads at offsets inside, across and past the reader's window give the file's bytes."""
    with direct.DirectReader(path) as reader:
        assert reader.size() == len(data)
        for offset, length in [(0, 512), (1, BLOCK), (STAGING_BYTES - 100, 1000),
                               (BLOCK * 3 + 17, 1_000_003), (len(data) - 10, 512),
                               (len(data), 512), (512, 512), (len(data) + BLOCK, 10)]:
            got = bytes(reader.read(offset, length))
            assert got == data[offset:offset + length], (offset, length)
        # The file grows (the upload goes on): the new bytes are read too.
        more = os.urandom(3 * BLOCK + 5)
        with open(path, "ab") as handle:
            handle.write(more)
        assert reader.size() == len(data) + len(more)
        assert bytes(reader.read(len(data) - 3, len(more) + 3)) == (data + more)[len(data) - 3:]
        with pytest.raises(ValueError):
            reader.read(0, STAGING_BYTES)


def test_the_reader_gives_the_file_bytes_at_any_offset(tmp_path):
    path = tmp_path / "upload"
    data = os.urandom(2 * STAGING_BYTES + 1234)
    path.write_bytes(data)
    os.sync()  # on disk, as the upload's direct writes leave it
    if open_direct(path, os.O_RDONLY) is None:
        pytest.skip(f"{tmp_path} refuses O_DIRECT")
    with direct.DirectReader(path) as reader:
        reader.read(0, 1)
        assert reader._direct_fd is not None  # it did read past the page cache
    _reader_checks(path, data)


def test_the_reader_falls_back_to_buffered_reads_when_direct_ones_are_refused(tmp_path,
                                                                              monkeypatch):
    path = tmp_path / "upload"
    data = os.urandom(STAGING_BYTES + 99_999)
    path.write_bytes(data)
    # 256-byte "blocks": direct reads at offsets no device accepts (EINVAL).
    monkeypatch.setattr(direct, "BLOCK", 256)
    _reader_checks(path, data)
