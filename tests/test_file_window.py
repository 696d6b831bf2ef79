"""dicomkit.bounded_io.FileWindow: a stretch of a larger file as a file of its own."""

from __future__ import annotations

import io
import os

from dicomkit.bounded_io import FileWindow


def test_a_window_reads_seeks_and_ends_like_a_file(tmp_path):
    data = os.urandom(10_000)
    path = tmp_path / "big"
    path.write_bytes(data)
    with FileWindow(path, 1000, 5000) as window:
        assert window.read(10) == data[1000:1010]
        assert window.seek(-7, io.SEEK_END) == 4993
        assert window.read() == data[5993:6000]  # stops at the window's end
        assert window.read(5) == b""
        window.seek(100)
        assert window.tell() == 100
        assert io.BufferedReader(window).read(50) == data[1100:1150]


def test_the_head_in_memory_and_the_file_behind_it_read_as_one(tmp_path):
    data = os.urandom(8000)
    path = tmp_path / "member"
    path.write_bytes(b"x" * 512 + data)
    head = bytearray(data[:300])  # what the caller has already
    with FileWindow(path, 512, len(data), head) as window:
        buffer = bytearray(1000)
        assert window.readinto(buffer) == 1000  # across the head's end, one full read
        assert bytes(buffer) == data[:1000]
        window.seek(250)
        assert window.read(100) == data[250:350]
        window.seek(0)
        assert window.read() == data
    head[:] = bytes(300)  # only the head was read from memory, never the file's start
    with FileWindow(path, 512, 300, head) as window:
        assert window.read() == bytes(300)


def test_a_file_shorter_than_its_window_gives_a_short_read(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(b"abcdef")
    with FileWindow(path, 2, 100) as window:
        assert window.read() == b"cdef"
