"""The content-addressed blob store: a committed blob is complete and on disk."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

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


def _file_of_ranges(path, pieces: list[bytes]) -> list[tuple[str, int, int]]:
    """Write PIECES one after another, each padded to 512 bytes as in a tar; their ranges."""
    ranges, offset = [], 0
    with open(path, "wb") as out:
        for piece in pieces:
            out.write(piece + bytes(-len(piece) % 512))
            ranges.append((hashlib.sha256(piece).hexdigest(), offset, len(piece)))
            offset += len(piece) + (-len(piece) % 512)
    return ranges


def _packs(store: BlobStore) -> list:
    return sorted((store.root / "packs").glob("*.pack"))


def test_ranges_of_a_file_are_stored_as_packed_blobs_without_a_copy(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    pieces = [os.urandom(n) for n in (1, 4095, 4097, 1_000_003)] + [b"the manifest"]
    upload = tmp_path / "upload"
    ranges = _file_of_ranges(upload, pieces)
    *keep, manifest = ranges
    before = upload.read_bytes()
    stored = store.store_ranges(upload, keep, [manifest[1:]])
    assert stored.created == [(sha, True) for sha, _, _ in keep]
    (pack,) = _packs(store)
    assert stored.pack == pack
    assert os.stat(pack).st_ino == os.stat(upload).st_ino  # linked, not copied
    # Nothing is discarded before the caller has committed what it stored.
    assert upload.read_bytes() == before
    stored.discard_rest()
    assert not list((tmp_path / "blobs").glob("??/??/*"))  # no file per blob
    for (sha, _, size), piece in zip(keep, pieces):
        assert store.exists(sha) and store.size(sha) == size
        with store.open(sha) as handle:
            assert handle.read() == piece
            handle.seek(size // 2)
            assert handle.read(10) == piece[size // 2:size // 2 + 10]
            assert handle.tell() == min(size, size // 2 + 10)
            assert handle.read() == piece[size // 2 + 10:]  # ends at the blob's end
    assert sorted(store.iter_shas()) == sorted(sha for sha, _, _ in keep)
    # What else the file held is gone from it (the upload file is the same inode).
    _, offset, size = manifest
    assert pack.read_bytes()[offset:offset + size] == bytes(size)
    upload.unlink()  # as ingest does: the pack keeps the bytes
    with store.open(keep[3][0]) as handle:
        assert handle.read() == pieces[3]


def test_bytes_stored_already_are_not_packed_again(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    loose_sha, _ = store.put_bytes(b"stored loose before")
    upload = tmp_path / "upload"
    ranges = _file_of_ranges(upload, [b"stored loose before", b"new bytes", b"new bytes"])
    stored = store.store_ranges(upload, ranges)
    new_sha = hashlib.sha256(b"new bytes").hexdigest()
    assert stored.created == [(loose_sha, False), (new_sha, True), (new_sha, False)]
    stored.discard_rest()
    (pack,) = _packs(store)
    data = pack.read_bytes()
    assert b"stored loose before" not in data  # its range was discarded
    assert data.count(b"new bytes") == 1  # the second copy too

    again = tmp_path / "again"
    ranges = _file_of_ranges(again, [b"new bytes"])
    stored = store.store_ranges(again, ranges)
    assert stored.created == [(new_sha, False)] and stored.pack is None
    stored.discard_rest()  # nothing to do
    assert len(_packs(store)) == 1  # nothing new: no pack linked
    assert again.read_bytes()[:9] == b"new bytes"


def test_deleting_packed_blobs_discards_their_bytes_then_the_pack(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    upload = tmp_path / "upload"
    pieces = [b"first image " * 1000, b"second image " * 1000]
    (first, _, _), (second, offset, size) = ranges = _file_of_ranges(upload, pieces)
    store.store_ranges(upload, ranges)
    upload.unlink()
    (pack,) = _packs(store)
    assert store.delete(second)
    assert not store.exists(second) and store.exists(first)
    assert pack.read_bytes()[offset:offset + size] == bytes(size)  # gone from the pack
    assert b"second image" not in pack.read_bytes()
    with store.open(first) as handle:
        assert handle.read() == pieces[0]
    assert store.delete(first)
    assert _packs(store) == []  # the last blob took the pack with it
    assert list(store.iter_shas()) == []
    assert not store.delete(first)


def test_discarding_falls_back_to_zeros_where_holes_cannot_be_punched(tmp_path, monkeypatch):
    from portal import blobpacks

    monkeypatch.setattr(blobpacks, "_fallocate", None)  # as on Windows
    store = BlobStore(tmp_path / "blobs")
    upload = tmp_path / "upload"
    ranges = _file_of_ranges(upload, [b"kept", b"rejected member " * 100])
    store.store_ranges(upload, ranges[:1], [ranges[1][1:]]).discard_rest()
    (pack,) = _packs(store)
    assert b"rejected member" not in pack.read_bytes()
    with store.open(ranges[0][0]) as handle:
        assert handle.read() == b"kept"
    assert pack.stat().st_size == upload.stat().st_size  # same size, zeros in place


def test_a_file_that_cannot_be_linked_is_stored_as_loose_blobs(tmp_path, monkeypatch):
    def no_link(*_):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    store = BlobStore(tmp_path / "blobs")
    upload = tmp_path / "upload"
    pieces = [b"one", b"two" * 5000]
    ranges = _file_of_ranges(upload, pieces)
    stored = store.store_ranges(upload, ranges)
    assert stored.created == [(sha, True) for sha, _, _ in ranges]
    stored.discard_rest()
    assert _packs(store) == []
    for (sha, _, _), piece in zip(ranges, pieces):
        assert store.path(sha).read_bytes() == piece


def test_a_pack_without_blobs_is_removed_once_old(tmp_path):
    """An ingest stopped between linking the pack and recording its blobs."""
    store = BlobStore(tmp_path / "blobs")
    (store.root / "packs").mkdir()
    orphan = store.root / "packs" / "0123456789abcdef01234567.pack"
    orphan.write_bytes(b"x" * 1000)
    upload = tmp_path / "upload"
    store.store_ranges(upload, _file_of_ranges(upload, [b"recorded"]))
    assert store.clean_temporary(3600) == 0  # young: maybe still in progress
    old = time.time() - 7200
    for pack in _packs(store):
        os.utime(pack, (old, old))
    assert store.clean_temporary(3600) == 1
    assert len(_packs(store)) == 1 and not orphan.exists()
    assert store.exists(hashlib.sha256(b"recorded").hexdigest())


def test_a_discard_never_touches_bytes_a_blob_is_recorded_in(tmp_path):
    """Whatever range a caller asks to discard, recorded blobs keep their bytes."""
    store = BlobStore(tmp_path / "blobs")
    upload = tmp_path / "upload"
    pieces = [b"a" * 3000, b"kept image " * 500, b"c" * 3000]
    ranges = _file_of_ranges(upload, pieces)
    _, offset, size = ranges[1]
    stored = store.store_ranges(upload, ranges[1:2],
                                # overlapping the kept range, covering it, and the rest
                                [(0, offset + 10), (offset - 5, size + 100), (0, 20000)])
    stored.discard_rest()
    with store.open(ranges[1][0]) as handle:
        assert handle.read() == pieces[1]
    data = stored.pack.read_bytes()
    assert b"a" not in data[:offset] and b"c" not in data[offset + size:]


def test_subtract_ranges():
    from portal.blobpacks import subtract_ranges

    assert subtract_ranges([(0, 100)], []) == [(0, 100)]
    assert subtract_ranges([(0, 100)], [(10, 20)]) == [(0, 10), (30, 70)]
    assert subtract_ranges([(0, 100)], [(50, 10), (0, 10)]) == [(10, 40), (60, 40)]
    assert subtract_ranges([(0, 100)], [(0, 100)]) == []
    assert subtract_ranges([(20, 10)], [(0, 25), (28, 100)]) == [(25, 3)]
    assert subtract_ranges([(0, 10), (200, 10)], [(5, 200)]) == [(0, 5), (205, 5)]
    assert subtract_ranges([(0, 10)], [(10, 5), (0, 0)]) == [(0, 10)]


def test_a_new_pack_of_an_old_upload_file_outlives_the_orphan_sweep(tmp_path, monkeypatch):
    """Linking keeps the upload file's time: the pack must still look new until recorded."""
    from portal.blobpacks import PackIndex

    store = BlobStore(tmp_path / "blobs")
    upload = tmp_path / "upload"
    ranges = _file_of_ranges(upload, [b"an image finished long ago"])
    old = time.time() - 7 * 3600  # completed hours ago, ingested after a restart
    os.utime(upload, (old, old))
    add = PackIndex.add

    def sweep_then_add(self, pack, entries):
        # Retention's sweep runs between the link and the rows.
        assert store.clean_temporary(3600) == 0
        return add(self, pack, entries)

    monkeypatch.setattr(PackIndex, "add", sweep_then_add)
    stored = store.store_ranges(upload, ranges)
    stored.discard_rest()
    assert stored.pack.exists()
    with store.open(ranges[0][0]) as handle:
        assert handle.read() == b"an image finished long ago"


def test_a_blob_whose_pack_is_gone_counts_as_old_and_can_be_deleted(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    upload = tmp_path / "upload"
    ranges = _file_of_ranges(upload, [b"lost with its pack"])
    store.store_ranges(upload, ranges).discard_rest()
    upload.unlink()
    (pack,) = _packs(store)
    pack.unlink()  # e.g. removed by hand
    sha = ranges[0][0]
    assert store.modified(sha) == 0.0
    with pytest.raises(FileNotFoundError):
        store.open(sha)
    assert store.delete(sha)
    assert not store.exists(sha)


def test_storing_a_file_again_after_a_stop_before_the_commit_protects_its_first_rows(tmp_path):
    """A re-ingest of the same upload file (its first ingest recorded rows, then stopped)."""
    store = BlobStore(tmp_path / "blobs")
    upload = tmp_path / "upload"
    pieces = [b"X was stored before " * 50, b"Y is new " * 50, b"manifest"]
    (x, _, _), (y, y_offset, y_size), manifest = _file_of_ranges(upload, pieces)
    store.put_bytes(pieces[0])
    first = store.store_ranges(upload, [(x, 0, len(pieces[0])), (y, y_offset, y_size)],
                               [manifest[1:]])
    assert first.created == [(x, False), (y, True)]
    # Stopped here (no discard_rest, no commit); meanwhile retention removed X.
    assert store.delete(x)
    again = store.store_ranges(upload, [(x, 0, len(pieces[0])), (y, y_offset, y_size)],
                               [manifest[1:]])
    assert again.created == [(x, True), (y, False)]
    assert again.pack != first.pack and os.path.samefile(again.pack, first.pack)
    again.discard_rest()  # Y's range is on its list: Y counts as stored already
    for sha, piece in ((x, pieces[0]), (y, pieces[1])):
        with store.open(sha) as handle:
            assert handle.read() == piece
    assert b"manifest" not in first.pack.read_bytes()


def test_the_orphan_sweep_asks_again_before_it_removes_a_pack(tmp_path, monkeypatch):
    from portal.blobpacks import PackIndex

    store = BlobStore(tmp_path / "blobs")
    upload = tmp_path / "upload"
    ranges = _file_of_ranges(upload, [b"recorded a moment ago"])
    stored = store.store_ranges(upload, ranges)
    upload.unlink()  # else the pack counts as pending whatever the rows say
    old = time.time() - 7200
    os.utime(stored.pack, (old, old))
    calls = []
    used_packs = PackIndex.used_packs

    def stale_first(self, names):
        # The first look (all old packs at once) predates the rows.
        calls.append(names)
        return set() if len(calls) == 1 else used_packs(self, names)

    monkeypatch.setattr(PackIndex, "used_packs", stale_first)
    assert store.clean_temporary(3600) == 0
    assert stored.pack.exists() and len(calls) == 2


def test_the_sweeps_leave_a_pack_alone_while_its_upload_file_is_there(tmp_path):
    """An ingest that stopped before its commit verifies the file again after a restart,
    however long that takes: its rows have no blobs row yet, but are no orphans."""
    store = BlobStore(tmp_path / "blobs")
    upload = tmp_path / "upload"
    ranges = _file_of_ranges(upload, [b"recorded, not committed"])
    stored = store.store_ranges(upload, ranges)
    orphan_upload = tmp_path / "linked, not recorded"
    orphan_upload.write_bytes(b"x" * 1000)
    (store.root / "packs" / "0123456789abcdef01234567.pack").hardlink_to(orphan_upload)
    old = time.time() - 7 * 3600
    for pack in _packs(store):
        os.utime(pack, (old, old))
    sha = ranges[0][0]
    assert store.modified(sha) > time.time() - 60  # counts as written now
    assert store.clean_temporary(3600) == 0
    upload.unlink()  # the verdict is committed: from now on the pack is on its own
    orphan_upload.unlink()
    assert store.modified(sha) == pytest.approx(old, abs=2)
    assert store.clean_temporary(3600) == 1
    assert stored.pack.exists()
