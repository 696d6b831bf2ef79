"""The virtual tar bundle: valid tar, deterministic, any range producible."""

from __future__ import annotations

import hashlib
import io
import json
import random
import tarfile
from pathlib import Path

from downloadmanager.core.transfers.bundle import (
    VirtualBundle,
    build_manifest,
    document_member_name,
    fingerprint,
)
from downloadmanager.core.transfers.model import JobItem
from tests.upload.conftest import items_of


def _hashed(items):
    out = []
    for i in items:
        data = Path(i.source_path).read_bytes()
        out.append(JobItem(**{**i.__dict__, "sha256": hashlib.sha256(data).hexdigest()}))
    return out


def _bundle(study, tmp_path, attachments=()):
    items = _hashed(items_of(study, attachments))
    manifest = build_manifest(study_instance_uid=study.study_instance_uid, note="Befund folgt",
                              items=items)
    return VirtualBundle.for_items(manifest, items), manifest, items


def test_bundle_is_a_valid_tar_in_protocol_order(small_study, tmp_path):
    pdf = tmp_path / "Einverständnis.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * 1000)
    bundle, manifest, items = _bundle(small_study, tmp_path, [pdf])
    data = bundle.read(0, len(bundle))
    assert len(data) == len(bundle)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names[0] == "manifest.json"
        assert names[1:7] == [f"dicom/{n:06d}.dcm" for n in range(1, 7)]
        assert names[7] == "documents/01-einverstaendnis.pdf"
        parsed = json.loads(tar.extractfile("manifest.json").read())
        for entry in parsed["instances"]:
            content = tar.extractfile(entry["name"]).read()
            assert hashlib.sha256(content).hexdigest() == entry["sha256"]
            assert len(content) == entry["size"]
        assert parsed["documents"][0]["title"] == "Einverständnis.pdf"
        assert parsed["totals"]["bytes"] == sum(i.size for i in items)
        assert all(m.isreg() and m.mode == 0o644 for m in members)


def test_any_range_equals_the_slice_of_the_whole(small_study, tmp_path):
    bundle, _, _ = _bundle(small_study, tmp_path)
    whole = bundle.read(0, len(bundle))
    rng = random.Random(7)
    for _ in range(200):
        start = rng.randrange(len(whole))
        length = rng.randrange(len(whole) - start + 1)
        assert bundle.read(start, length) == whole[start:start + length]
    pieces = list(bundle.iter_range(100, 50_000, piece=4096))
    assert max(len(p) for p in pieces) <= 4096
    assert b"".join(pieces) == whole[100:50_100]


def test_pieces_read_into_a_reused_buffer_equal_the_slice(small_study, tmp_path):
    bundle, _, _ = _bundle(small_study, tmp_path)
    whole = bundle.read(0, len(bundle))
    buffer = bytearray(3000)  # not a multiple of 512: pieces straddle headers and data
    rng = random.Random(11)
    for _ in range(50):
        start = rng.randrange(len(whole))
        length = rng.randrange(len(whole) - start + 1)
        got = bytearray()
        for view in bundle.iter_into(start, length, buffer):
            assert view.obj is buffer and 0 < len(view) <= len(buffer)
            got += view
        assert bytes(got) == whole[start:start + length]


def test_same_inputs_give_same_bytes(small_study, tmp_path):
    bundle, manifest, items = _bundle(small_study, tmp_path)
    again = VirtualBundle.for_items(manifest, items)
    assert again.read(0, len(again)) == bundle.read(0, len(bundle))
    assert fingerprint(manifest) == hashlib.sha256(manifest).hexdigest()


def test_document_names_are_plain_ascii():
    assert document_member_name(1, "Einverständnis.pdf") == "documents/01-einverstaendnis.pdf"
    assert document_member_name(12, "Größe & Maß (final).PDF") == \
        "documents/12-groesse-mass-final.pdf"
    assert document_member_name(2, "§§§.pdf") == "documents/02-document.pdf"


def test_member_headers_are_byte_for_byte_what_tarfile_writes():
    from downloadmanager.core.transfers.bundle import _header, _tarfile_header

    names = ["manifest.json", "dicom/000001.dcm", "documents/01-befund.pdf", "x" * 100,
             "d" * 60 + "/" + "e" * 60, "ä/ü.dcm", "a" * 98 + "ä"]  # long: ustar prefix
    for name in names:
        for size in (0, 1, 511, 512, 526_000, 8 ** 11 - 1):
            for mtime in (0, 1_800_000_000, 8 ** 11 - 1):
                assert _header(name, size, mtime) == _tarfile_header(name, size, mtime), \
                    (name, size, mtime)
