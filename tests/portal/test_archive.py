"""The whole-study archive (tar, ranges, ETag), the manifest and documents."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest
import requests

from portal.communities import create_community
from tests.dicom_factory import StudySpec
from tests.portal.seed import make_pdf, seed_study


@pytest.fixture
def study_and_user(portal, make_user):
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    study = seed_study(portal.engine, portal.data_dir, "bM1X", StudySpec(),
                       series_count=2, per_series=4,
                       docs={"Einverständnis.pdf": make_pdf("Einverstanden"),
                             "../evil.pdf": make_pdf("x")})
    return study, make_user("bM1X")


def archive_url(portal, study):
    return f"{portal.url}/api/studies/{study.uid}/archive"


def test_archive_is_a_tar_with_every_file_and_manifest(portal, study_and_user):
    study, user = study_and_user
    answer = requests.get(archive_url(portal, study), headers=user.headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-tar"
    assert int(answer.headers["content-length"]) == len(answer.content)
    with tarfile.open(fileobj=io.BytesIO(answer.content)) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        contents = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    assert names[0] == "manifest.json"
    assert manifest["totals"]["instances"] == 8 and manifest["totals"]["documents"] == 2
    for entry in manifest["instances"]:
        data = contents[entry["path"]]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
        assert study.files[entry["sop_instance_uid"]] == data
    doc_paths = [d["path"] for d in manifest["documents"]]
    assert doc_paths == ["documents/01-Einverständnis.pdf", "documents/02-_evil.pdf"]
    assert contents[doc_paths[0]] == study.documents["Einverständnis.pdf"]
    assert all(not n.startswith(("/", "..")) and "/../" not in n for n in names)
    # The same request gives the same bytes and ETag (deterministic).
    again = requests.get(archive_url(portal, study), headers=user.headers)
    assert again.content == answer.content and again.headers["etag"] == answer.headers["etag"]


def test_archive_ranges_resume_to_identical_bytes(portal, study_and_user):
    study, user = study_and_user
    head = requests.head(archive_url(portal, study), headers=user.headers)
    assert head.status_code == 200 and head.content == b""
    size, etag = int(head.headers["content-length"]), head.headers["etag"]
    assert head.headers["accept-ranges"] == "bytes"
    full = requests.get(archive_url(portal, study), headers=user.headers).content
    assert len(full) == size and size > 30_000
    # Download in uneven pieces, as a client resuming after breaks would.
    pieces, offset = [], 0
    for step in (700, 5000, 333, 20_000):
        end = min(offset + step, size) - 1
        part = requests.get(archive_url(portal, study), headers={
            **user.headers, "Range": f"bytes={offset}-{end}", "If-Range": etag})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes {offset}-{end}/{size}"
        pieces.append(part.content)
        offset = end + 1
    rest = requests.get(archive_url(portal, study), headers={
        **user.headers, "Range": f"bytes={offset}-", "If-Range": etag})
    assert rest.status_code == 206
    pieces.append(rest.content)
    assert b"".join(pieces) == full
    suffix = requests.get(archive_url(portal, study), headers={**user.headers,
                                                                "Range": "bytes=-100"})
    assert suffix.status_code == 206 and suffix.content == full[-100:]
    stale = requests.get(archive_url(portal, study), headers={
        **user.headers, "Range": "bytes=0-9", "If-Range": '"something-else"'})
    assert stale.status_code == 200 and stale.content == full
    beyond = requests.get(archive_url(portal, study), headers={
        **user.headers, "Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    cached = requests.get(archive_url(portal, study), headers={**user.headers,
                                                                "If-None-Match": etag})
    assert cached.status_code == 304


def test_manifest_lists_hashes_sizes_uids_and_documents(portal, study_and_user):
    study, user = study_and_user
    manifest = requests.get(f"{portal.url}/api/studies/{study.uid}/manifest",
                            headers=user.headers).json()
    assert manifest["study_instance_uid"] == study.uid
    by_sop = {i["sop_instance_uid"]: i for i in manifest["instances"]}
    assert set(by_sop) == set(study.files)
    for sop, data in study.files.items():
        assert by_sop[sop]["sha256"] == hashlib.sha256(data).hexdigest()
        assert by_sop[sop]["size"] == len(data)
        assert by_sop[sop]["series_instance_uid"] in study.series
        assert sop in study.series[by_sop[sop]["series_instance_uid"]]
    assert {d["filename"] for d in manifest["documents"]} == set(study.documents)
    head = requests.head(f"{portal.url}/api/studies/{study.uid}/archive", headers=user.headers)
    assert manifest["archive"]["size"] == int(head.headers["content-length"])
    assert manifest["archive"]["etag"] == head.headers["etag"]


def test_documents_list_and_download(portal, study_and_user):
    study, user = study_and_user
    listing = requests.get(f"{portal.url}/api/studies/{study.uid}/documents",
                           headers=user.headers)
    assert listing.status_code == 200
    docs = {d["filename"]: d for d in listing.json()}
    assert set(docs) == set(study.documents)
    for name, data in study.documents.items():
        answer = requests.get(f"{portal.url}{docs[name]['url']}", headers=user.headers)
        assert answer.status_code == 200 and answer.content == data
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF-")
    assert requests.get(f"{portal.url}/api/studies/{study.uid}/documents/99999",
                        headers=user.headers).status_code == 404


def test_reader_gives_the_same_bytes_for_any_piece_boundaries(tmp_path):
    """Pieces that start and end inside headers, blobs, padding and empty files join up exactly."""
    import random
    from types import SimpleNamespace

    from portal.archive import layout_for
    from portal.blobstore import BlobStore
    from portal.segments import SegmentReader

    store = BlobStore(tmp_path / "blobs")
    rng = random.Random(7)
    contents = [rng.randbytes(n) for n in (0, 1, 511, 512, 513, 70_000, 5 * 1024 * 1024 + 3)]
    items = []
    for n, data in enumerate(contents):
        sha, _ = store.put_bytes(data)
        items.append(SimpleNamespace(
            series_instance_uid="1.2.3", sop_instance_uid=f"1.2.3.{n}", sop_class_uid="1.2",
            series_number=1, modality="CT", instance_number=n, transfer_syntax_uid="1.2.840.10008.1.2.1",
            size=len(data), sha256=sha))
    layout = layout_for("1.2", items, [], 0)
    reader = SegmentReader(layout.segments, store)
    whole = bytes(reader.read(0, layout.size))
    assert len(whole) == layout.size
    with tarfile.open(fileobj=io.BytesIO(whole)) as tar:
        got = [tar.extractfile(f"dicom/1.2.3/1.2.3.{n}.dcm").read() for n in range(len(contents))]
    assert got == contents
    pieces, pos = [], 0
    while pos < layout.size:  # random boundaries, including 1-byte pieces
        size = min(layout.size - pos, rng.choice([1, 7, 512, 4096, 100_000, 3 * 1024 * 1024]))
        pieces.append(bytes(reader.read(pos, size)))
        pos += size
    reader.close()
    assert b"".join(pieces) == whole
    # A blob shorter than its record is an error, never silently short bytes.
    victim = store.path(items[5].sha256)
    victim.write_bytes(contents[5][:100])
    broken = SegmentReader(layout.segments, store)
    start = next(seg.offset for seg in layout.segments if seg.sha256 == items[5].sha256)
    with pytest.raises(OSError, match="shorter than recorded"):
        broken.read(start, 1000)
    broken.close()


def test_layout_cache_reuses_only_identical_inputs():
    from types import SimpleNamespace

    from portal.archive import LayoutCache

    def item(n, sha):
        return SimpleNamespace(series_instance_uid="1.2.3", sop_instance_uid=f"1.2.3.{n}", sop_class_uid="1.2",
                               series_number=1, modality="CT", instance_number=n,
                               transfer_syntax_uid="1.2.840.10008.1.2.1", size=10, sha256=sha * 64)

    class Row(tuple):  # database rows are tuples with attribute access
        def __new__(cls, ns):
            obj = super().__new__(cls, tuple(vars(ns).values()))
            obj.__dict__.update(vars(ns))
            return obj

    cache = LayoutCache(size=2)
    items = [Row(item(1, "a")), Row(item(2, "b"))]
    first = cache.get("1.2", items, [], 100)
    assert cache.get("1.2", list(items), [], 100) is first
    changed = cache.get("1.2", [items[0], Row(item(2, "c"))], [], 100)
    assert changed.etag != first.etag
    assert cache.get("1.2", items, [], 101).etag != first.etag  # newer upload time
    with_doc = cache.get("1.2", items, [{"id": 1, "filename": "a.pdf", "size": 3, "sha256": "d" * 64}], 100)
    assert with_doc.etag != first.etag and with_doc.manifest["totals"]["documents"] == 1
