"""Atomic writes: the old file stays whole when writing fails, no temporary file is left."""

from __future__ import annotations

import pytest

from downloadmanager.core import atomic_file
from downloadmanager.core.atomic_file import write_bytes_atomic, write_text_atomic


def test_writes_and_replaces(tmp_path):
    target = tmp_path / "sub" / "settings.json"
    write_text_atomic(target, "erste Fassung äöü\n")
    write_text_atomic(target, "zweite\n")
    assert target.read_text(encoding="utf-8") == "zweite\n"
    assert [p.name for p in target.parent.iterdir()] == ["settings.json"]


def test_failed_replace_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "nodes.json"
    write_bytes_atomic(target, b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_file.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["nodes.json"]
