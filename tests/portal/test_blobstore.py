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


def test_blobs_synced_in_the_background_are_committed_without_a_second_fsync(tmp_path,
                                                                            monkeypatch):
    store = BlobStore(tmp_path / "blobs")
    synced = _synced_files(monkeypatch)
    blobs = [_pending(store, bytes([n]) * 100_000) for n in range(20)]
    for pending in blobs:
        pending.sync_in_background()
    inodes = [os.stat(p.temp_path).st_ino for p in blobs]
    results = store.commit_many([(p, p.sha256) for p in blobs])
    assert all(created for _, created in results)
    assert all(p.durable for p in blobs)
    assert sorted(i for i in synced if i in inodes) == sorted(inodes)  # each exactly once
    for n, (sha, _) in enumerate(results):
        assert store.path(sha).read_bytes() == bytes([n]) * 100_000


def test_a_blob_syncing_in_the_background_can_be_discarded(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    pending = _pending(store, b"x" * 1_000_000)
    pending.sync_in_background()
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
    pending.sync_in_background()
    sha, created = store.commit(pending, hashlib.sha256(data).hexdigest())
    assert created and pending.durable
    assert store.path(sha).read_bytes() == data
    assert len(direct_io._pool) >= max(pooled, 1)  # its staging buffer is back in the pool

    discarded = store.begin(direct=True)
    discarded.write(b"x" * 10_000)
    discarded.discard()
    assert not discarded.temp_path.exists()


def test_commit_many_hands_only_unsynced_blobs_to_threads(tmp_path, monkeypatch):
    """Blobs whose background fsync ended are settled at once; the rest are synced."""
    import portal.blobstore as blobstore

    store = BlobStore(tmp_path / "blobs")
    synced_early = [_pending(store, bytes([n]) * 50_000) for n in range(6)]
    for pending in synced_early:
        pending.sync_in_background()
    for pending in synced_early:
        pending._syncing.result()  # the background fsyncs have ended
    late = [_pending(store, bytes([100 + n]) * 50_000) for n in range(3)]
    for pending in late:
        pending.close(sync=False)
    handed = []
    real_parallel = blobstore._parallel

    def parallel(func, items):
        handed.extend(items)
        return real_parallel(func, items)

    monkeypatch.setattr(blobstore, "_parallel", parallel)
    assert not late[0].settled()
    results = store.commit_many([(p, p.sha256) for p in synced_early + late])
    assert {id(p) for p in handed if isinstance(p, blobstore.PendingBlob)} == \
        {id(p) for p in late}
    assert all(p.durable for p in synced_early + late)
    assert all(store.path(sha).is_file() for sha, _ in results)
