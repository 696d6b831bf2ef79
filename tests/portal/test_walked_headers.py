"""Ingest reads on from the headers the follower walked, with the same verdicts as reading them all.

Each archive is judged twice by ``open_bundle``: from its start, and from
where a :class:`portal.tus.follower.BundleFollower` that walked the whole
file stopped (its headers handed over as ``WalkedHeaders``). Same members at
the same offsets, or the same error.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest

from portal.blobstore import BlobStore
from portal.bundle import BundleError, open_bundle
from portal.tus.follower import BundleFollower
from tests.portal.test_tus_helpers import study_spec, tar_bytes


def _verdict(path, walked=None):
    try:
        with open_bundle(path, walked) as bundle:
            return {name: (m.offset_data, m.size) for name, m in bundle.members.items()}, \
                bundle.headers_walked
    except BundleError as exc:
        return str(exc), 0


def _judged_both_ways(tmp_path, data: bytes):
    path = tmp_path / "upload"
    path.write_bytes(data)
    follower = BundleFollower(path)
    follower.advance()
    walked = follower.walked()
    follower.discard()
    plain, _ = _verdict(path)
    followed, used = _verdict(path, walked)
    assert followed == plain
    return plain, used, walked


def _spec_members(tmp_path, manifest_last=False):
    spec = study_spec(tmp_path / "study", series=1, per_series=3)
    manifest = ("manifest.json", json.dumps(spec.manifest()).encode())
    payloads = list(spec.payloads.items())
    return [*payloads, manifest] if manifest_last else [manifest, *payloads]


@pytest.mark.parametrize("manifest_last", [False, True])
def test_a_good_bundle_reads_on_from_the_walked_headers(tmp_path, manifest_last):
    members, used, walked = _judged_both_ways(
        tmp_path, tar_bytes(_spec_members(tmp_path, manifest_last)))
    assert isinstance(members, dict) and len(members) == 3
    assert used == 4  # every header came from the follower
    assert len(walked.headers) == 4


def test_a_bad_name_among_the_walked_headers_is_the_same_error(tmp_path):
    members = _spec_members(tmp_path) + [("../../outside.dcm", b"payload")]
    verdict, _, walked = _judged_both_ways(tmp_path, tar_bytes(members))
    assert "traversal" in verdict
    assert any(h.name == "../../outside.dcm" for h in walked.headers)


def test_directories_are_walked_and_ignored_alike(tmp_path):
    folder = tarfile.TarInfo("dicom")
    folder.type = tarfile.DIRTYPE
    members = _spec_members(tmp_path)
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(folder)
        for name, payload in members:
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    verdict, used, _ = _judged_both_ways(tmp_path, data.getvalue())
    assert isinstance(verdict, dict) and len(verdict) == 3 and used == 4


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_the_follower_stops_at_a_link_and_ingest_reads_on_from_there(tmp_path, kind):
    link = tarfile.TarInfo("dicom/000009.dcm")
    link.type = kind
    link.linkname = "/etc/passwd"
    verdict, used, walked = _judged_both_ways(tmp_path,
                                              tar_bytes(_spec_members(tmp_path), [link]))
    assert "link" in verdict
    assert all(h.name != "dicom/000009.dcm" for h in walked.headers)


def test_pax_headers_after_the_walked_ones_are_read_by_tarfile(tmp_path):
    long_name = "documents/01-" + "x" * 120 + ".pdf"  # needs a pax header in ustar's place
    members = _spec_members(tmp_path) + [(long_name, b"%PDF-1.4 tiny")]
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, payload in members:
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    verdict, used, walked = _judged_both_ways(tmp_path, data.getvalue())
    assert "not listed in the manifest" in verdict  # the manifest names no document
    assert long_name in verdict
    assert len(walked.headers) == 4  # the follower stopped at the pax header


def test_a_cut_makes_the_follower_forget_what_lay_past_it(tmp_path):
    data = tar_bytes(_spec_members(tmp_path))
    path = tmp_path / "upload"
    path.write_bytes(data)
    follower = BundleFollower(path)
    follower.advance()
    before = follower.walked()
    second = before.headers[2]
    # The file is cut inside the third member's data and written again.
    cut = second.offset_data + 10
    follower.rewind(cut)
    after = follower.walked()
    assert [h.name for h in after.headers] == [h.name for h in before.headers[:2]]
    assert after.position == second.offset
    follower.advance()  # the bytes are back: walked again
    assert [h.name for h in follower.walked().headers] == [h.name for h in before.headers]
    follower.discard()
    assert follower.walked() is None


def test_a_verified_bundle_keeps_its_instances_where_they_arrived(tmp_path):
    """Nothing is copied: accepted instances become ranges of the upload file
    (a pack), and what else the file held is discarded from it."""
    from portal.ingest import verify_bundle

    members = _spec_members(tmp_path)
    data = tar_bytes(members)
    path = tmp_path / "upload"
    path.write_bytes(data)
    blobs = BlobStore(tmp_path / "blobs")
    follower = BundleFollower(path)
    follower.advance()
    with open_bundle(path, follower.walked()) as bundle:
        found = verify_bundle(bundle, blobs, follower=follower)
        manifest_range = [r for r in bundle.data_ranges()
                          if r[0] not in {m.offset_data for m in bundle.members.values()}]
    assert follower.taken == 3
    assert [r.status for r in found.instances] == ["accepted"] * 3
    shas = sorted(i.entry.sha256 for i in found.instances)
    assert sorted(found.created_blobs) == shas
    assert not list((tmp_path / "blobs").glob("??/??/*"))  # no file per instance
    (pack,) = (tmp_path / "blobs" / "packs").glob("*.pack")
    ((offset, size),) = manifest_range
    # The rest goes once the caller has committed its verdict (ingest_upload).
    assert pack.read_bytes() == data
    found.stored.discard_rest()
    for result in found.instances:
        with blobs.open(result.entry.sha256) as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == result.entry.sha256
    assert pack.read_bytes()[offset:offset + size] == bytes(size)  # the manifest is gone
