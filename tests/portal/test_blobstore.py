"""The content-addressed blob store: a committed blob is complete and on disk."""

from __future__ import annotations

import hashlib
import os

from portal.blobstore import BlobStore


def _synced_files(monkeypatch) -> list[int]:
    """Record the inode of every file fsync is called on (the real fsync still runs)."""
    seen: list[int] = []
    real = os.fsync

    def fsync(fd):
        seen.append(os.fstat(fd).st_ino)
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def _pending(store: BlobStore, data: bytes):
    pending = store.begin()
    pending.write(data)
    return pending


def test_commit_syncs_a_blob_closed_without_sync(tmp_path, monkeypatch):
    """A blob closed with sync=False (as ingest writes documents) is fsynced by commit."""
    store = BlobStore(tmp_path / "blobs")
    synced = _synced_files(monkeypatch)
    pending = _pending(store, b"%PDF-1.4 document")
    pending.close(sync=False)
    inode = os.stat(pending.temp_path).st_ino
    sha, created = store.commit(pending, hashlib.sha256(b"%PDF-1.4 document").hexdigest())
    assert created and inode in synced
    assert store.path(sha).read_bytes() == b"%PDF-1.4 document"


def test_commit_many_syncs_each_blob_exactly_once(tmp_path, monkeypatch):
    store = BlobStore(tmp_path / "blobs")
    synced = _synced_files(monkeypatch)
    blobs = [_pending(store, bytes([n]) * 100_000) for n in range(20)]
    for pending in blobs:
        pending.close(sync=False)
    inodes = [os.stat(p.temp_path).st_ino for p in blobs]
    results = store.commit_many([(p, p.sha256) for p in blobs])
    assert all(created for _, created in results)
    assert all(p.durable for p in blobs)
    assert sorted(i for i in synced if i in inodes) == sorted(inodes)  # each exactly once
    for n, (sha, _) in enumerate(results):
        assert store.path(sha).read_bytes() == bytes([n]) * 100_000


def test_a_blob_closed_without_sync_can_be_discarded(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    pending = _pending(store, b"x" * 1_000_000)
    pending.close(sync=False)
    pending.discard()
    assert not pending.temp_path.exists()
    assert not list((tmp_path / "blobs").glob("??/??/*"))


def test_a_blob_written_with_direct_io_holds_exactly_its_bytes(tmp_path):
    """Pieces of every alignment, as the verifier writes them while an upload arrives."""
    from portal import direct_io

    store = BlobStore(tmp_path / "blobs")
    pieces = [os.urandom(n) for n in (1, 4095, 4097, 1_000_003, 8 * 1024 * 1024 + 11, 7)]
    data = b"".join(pieces)
    pooled = len(direct_io._pool)
    pending = store.begin(direct=True)
    for piece in pieces:
        pending.write(memoryview(piece))
    pending.close(sync=False)
    sha, created = store.commit(pending, hashlib.sha256(data).hexdigest())
    assert created and pending.durable
    assert store.path(sha).read_bytes() == data
    assert len(direct_io._pool) >= max(pooled, 1)  # its staging buffer is back in the pool

    discarded = store.begin(direct=True)
    discarded.write(b"x" * 10_000)
    discarded.discard()
    assert not discarded.temp_path.exists()


def test_a_blob_committed_in_the_background_is_stored_once(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    first = store.commit_in_background(_pending(store, b"same bytes"))
    assert first.result() is True
    second = store.commit_in_background(_pending(store, b"same bytes"))
    assert second.result() is False  # identical bytes were there: nothing added
    assert store.path(hashlib.sha256(b"same bytes").hexdigest()).read_bytes() == b"same bytes"
    assert not list((tmp_path / "blobs" / "tmp").glob("*.part"))
