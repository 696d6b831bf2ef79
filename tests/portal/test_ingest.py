"""Verified ingest of uploaded bundles over real HTTP: receipts, blobs and the index."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from portal.blobstore import blob_store_for
from portal.schema import blobs, documents, instances, series, studies, uploads
from tests.dicom_factory import StudySpec
from tests.portal.test_tus_helpers import (
    BundleSpec,
    TusCalls,
    bundle_bytes,
    community,
    minimal_pdf,
    sha256,
    study_spec,
    tar_bytes,
    wait_receipt,
)


@pytest.fixture
def sender(portal, make_user):
    user = make_user()
    return TusCalls(portal.url, user.token), community(portal), user


def blob_files(portal) -> set[str]:
    """Every stored blob's SHA-256, loose or packed."""
    return set(blob_store_for(portal.data_dir).iter_shas())


def pack_bytes(portal) -> bytes:
    """What the packs hold (the upload files accepted instances were kept in)."""
    return b"".join(p.read_bytes() for p in (portal.data_dir / "blobs").glob("packs/*.pack"))


def send(calls: TusCalls, code: str, data: bytes) -> tuple[str, dict]:
    url = calls.upload(data, code)
    return url, wait_receipt(calls, url)


def rows(portal, table, *where):
    with portal.engine.connect() as conn:
        return conn.execute(select(table).where(*where)).all()


def test_good_bundle_is_stored_indexed_and_receipted(portal, sender, tmp_path):
    calls, code, user = sender
    spec = study_spec(tmp_path / "study", series=2, per_series=3,
                      spec=StudySpec(patient_name="Müller^Jürgen", charset="ISO_IR 100"),
                      pdf=minimal_pdf())
    url, receipt = send(calls, code, bundle_bytes(spec))
    assert receipt["state"] == "done", receipt
    assert receipt["community"] == code
    assert receipt["study_instance_uid"] == spec.study_uid
    assert receipt["totals"]["expected"] == receipt["totals"]["accepted"] == 6
    assert receipt["totals"]["rejected"] == 0
    assert receipt["totals"]["bytes"] == sum(len(v) for v in spec.payloads.values())
    assert all(i["status"] == "accepted" and i["reason"] is None for i in receipt["instances"])
    assert receipt["documents"][0]["status"] == "accepted"

    # Every instance is a content-addressed blob with its row.
    expected_shas = {i["sha256"] for i in spec.instances} | {spec.documents[0]["sha256"]}
    assert blob_files(portal) == expected_shas
    store = blob_store_for(portal.data_dir)
    for sha in expected_shas:
        with store.open(sha) as handle:
            assert sha256(handle.read()) == sha
    # The instances stayed where they arrived (one pack), the document is a file.
    assert len(list((portal.data_dir / "blobs" / "packs").glob("*.pack"))) == 1
    assert {p.name for p in (portal.data_dir / "blobs").glob("??/??/*")} == \
        {spec.documents[0]["sha256"]}
    assert {r.sha256 for r in rows(portal, blobs)} == expected_shas

    (study,) = rows(portal, studies)
    assert study.study_instance_uid == spec.study_uid
    assert study.patient_name == "Müller^Jürgen"  # decoded with ISO_IR 100
    assert study.sender_user_id == user.id
    assert study.note == spec.note
    assert study.instance_count == 6 and study.modalities == "CT"
    assert study.bytes == sum(i["size"] for i in spec.instances)
    delta = study.expires_at - study.received_at
    assert delta.days == portal.settings.retention_days
    assert len(rows(portal, series, series.c.study_id == study.id)) == 2
    assert len(rows(portal, instances)) == 6
    (doc,) = rows(portal, documents)
    assert doc.filename == "Einverständnis.pdf" and doc.study_id == study.id
    (upload,) = rows(portal, uploads)
    assert upload.state == "done" and upload.study_id == study.id
    # The upload's bytes are gone once verified; the receipt stays.
    assert not (portal.data_dir / "uploads" / upload.id).exists()
    assert calls.receipt(url).json() == receipt


def test_identical_reupload_is_already_present_and_adds_nothing(portal, sender, tmp_path):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", pdf=minimal_pdf())
    data = bundle_bytes(spec)
    _, first = send(calls, code, data)
    assert first["state"] == "done"
    before_files = blob_files(portal)
    before_mtimes = {p: p.stat().st_mtime_ns for p in (portal.data_dir / "blobs").rglob("*")
                     if p.is_file() and "packs.sqlite" not in p.name}
    _, second = send(calls, code, data)
    assert second["state"] == "done"
    assert {i["status"] for i in second["instances"]} == {"already_present"}
    assert second["totals"]["already_present"] == len(spec.instances)
    assert second["documents"][0]["status"] == "already_present"
    assert blob_files(portal) == before_files
    assert {p: p.stat().st_mtime_ns for p in before_mtimes} == before_mtimes
    assert len(rows(portal, studies)) == 1
    assert len(rows(portal, instances)) == len(spec.instances)
    assert len(rows(portal, documents)) == 1


def test_same_study_to_two_communities_gives_two_studies_one_blob_set(portal, sender,
                                                                       tmp_path):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study")
    data = bundle_bytes(spec)
    send(calls, code, data)
    files = blob_files(portal)
    _, receipt = send(calls, community(portal), data)
    assert receipt["state"] == "done"
    assert {i["status"] for i in receipt["instances"]} == {"accepted"}
    assert blob_files(portal) == files
    assert len(rows(portal, studies)) == 2


def test_wrong_sha_in_manifest_rejects_that_instance(portal, sender, tmp_path):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study")
    bad = spec.instances[1]
    bad["sha256"] = "0" * 64
    _, receipt = send(calls, code, bundle_bytes(spec))
    assert receipt["state"] == "partial"
    assert receipt["totals"] == {**receipt["totals"], "expected": 4, "accepted": 3,
                                 "rejected": 1}
    verdicts = {i["name"]: (i["status"], i["reason"]) for i in receipt["instances"]}
    assert verdicts[bad["name"]] == ("rejected", "sha256 mismatch")
    assert "0" * 64 not in blob_files(portal)
    assert sha256(spec.payloads[bad["name"]]) not in blob_files(portal)
    # Its bytes arrived in the upload file the others are kept in: discarded from it.
    assert pack_bytes(portal) and spec.payloads[bad["name"]] not in pack_bytes(portal)
    assert spec.payloads[spec.instances[0]["name"]] in pack_bytes(portal)
    assert len(rows(portal, instances)) == 3


def test_non_dicom_member_is_rejected(portal, sender, tmp_path):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=2)
    junk = b"this is a text file, not an image\n" * 20
    name = spec.instances[0]["name"]
    spec.payloads[name] = junk
    spec.instances[0].update(size=len(junk), sha256=sha256(junk))
    _, receipt = send(calls, code, bundle_bytes(spec))
    assert receipt["state"] == "partial"
    verdict = next(i for i in receipt["instances"] if i["name"] == name)
    assert (verdict["status"], verdict["reason"]) == ("rejected", "not DICOM")
    assert sha256(junk) not in blob_files(portal)
    assert pack_bytes(portal) and junk not in pack_bytes(portal)
    assert b"sop_instance_uid" not in pack_bytes(portal)  # nor the manifest


def test_instance_of_another_study_and_wrong_sop_uid_are_rejected(portal, sender, tmp_path):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "a", series=1, per_series=3)
    other = study_spec(tmp_path / "b", series=1, per_series=1)
    foreign = other.payloads["dicom/000001.dcm"]
    spec.payloads["dicom/000002.dcm"] = foreign
    spec.instances[1].update(size=len(foreign), sha256=sha256(foreign),
                             sop_instance_uid=other.instances[0]["sop_instance_uid"])
    spec.instances[2]["sop_instance_uid"] = "1.2.3.4.5"
    _, receipt = send(calls, code, bundle_bytes(spec))
    reasons = [i["reason"] for i in receipt["instances"]]
    assert reasons == [None, "study differs from manifest",
                       "SOP Instance UID differs from manifest"]
    assert receipt["state"] == "partial"


def test_missing_member_is_reported(portal, sender, tmp_path):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=2)
    del spec.payloads["dicom/000002.dcm"]
    _, receipt = send(calls, code, bundle_bytes(spec))
    assert receipt["instances"][1]["reason"] == "missing from bundle"
    assert receipt["state"] == "partial"


def _rejected(calls, code, portal, data: bytes) -> dict:
    _, receipt = send(calls, code, data)
    assert receipt["state"] == "rejected", receipt
    assert receipt["reason"]
    assert blob_files(portal) == set()
    assert rows(portal, studies) == []
    return receipt


def test_not_a_tar_is_a_rejected_bundle(portal, sender):
    calls, code, _ = sender
    receipt = _rejected(calls, code, portal, b"PK\x03\x04 this is a zip, not a tar" * 50)
    assert "tar" in receipt["reason"]


def test_missing_manifest_is_a_rejected_bundle(portal, sender, tmp_path):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=1)
    receipt = _rejected(calls, code, portal, tar_bytes(list(spec.payloads.items())))
    assert "manifest.json" in receipt["reason"]


@pytest.mark.parametrize("mutate, words", [
    (lambda m: m.update(format="zip"), "format"),
    (lambda m: m.update(version=99), "version"),
    (lambda m: m["totals"].update(bytes=1), "totals.bytes"),
    (lambda m: m["totals"].update(instances=7), "totals.instances"),
    (lambda m: m["instances"][0].update(sha256="XYZ"), "sha256"),
    (lambda m: m["instances"][0].update(name="../etc/passwd"), "name"),
    (lambda m: m.update(instances=[]), "instances"),
])
def test_bad_manifest_is_a_rejected_bundle(portal, sender, tmp_path, mutate, words):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=2)
    manifest = spec.manifest()
    mutate(manifest)
    receipt = _rejected(calls, code, portal, bundle_bytes(spec, manifest))
    assert words in receipt["reason"]


def test_manifest_that_is_not_json_is_a_rejected_bundle(portal, sender):
    calls, code, _ = sender
    receipt = _rejected(calls, code, portal, tar_bytes([("manifest.json", b"{nope")]))
    assert "JSON" in receipt["reason"]


@pytest.mark.parametrize("evil", ["../../outside.dcm", "/etc/passwd", "dicom/../../x.dcm",
                                  "C:/x.dcm", "c:x.dcm", "dicom\\..\\x.dcm", "..", "dicom/.."])
def test_traversal_member_names_reject_the_bundle(portal, sender, tmp_path, evil):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=1)
    members = [("manifest.json", json.dumps(spec.manifest()).encode())]
    members += list(spec.payloads.items()) + [(evil, b"payload")]
    receipt = _rejected(calls, code, portal, tar_bytes(members))
    assert "traversal" in receipt["reason"]
    assert not (portal.data_dir.parent / "outside.dcm").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_links_reject_the_bundle(portal, sender, tmp_path, kind):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=1)
    link = tarfile.TarInfo("dicom/000002.dcm")
    link.type = kind
    link.linkname = "/etc/passwd" if kind == tarfile.SYMTYPE else "dicom/000001.dcm"
    members = [("manifest.json", json.dumps(spec.manifest()).encode())]
    members += list(spec.payloads.items())
    receipt = _rejected(calls, code, portal, tar_bytes(members, [link]))
    assert "link" in receipt["reason"]


def _sparse_bundle(spec: BundleSpec, folder: Path, tar_format: str) -> bytes:
    """SPEC as a tar by GNU tar --sparse: the first instance ends in a 16 KiB hole."""
    names = sorted(spec.payloads)
    for name, data in spec.payloads.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    first = folder / names[0]
    os.truncate(first, first.stat().st_size + 16384)  # a hole, not written zeros
    whole = first.read_bytes()
    entry = next(i for i in spec.instances if i["name"] == names[0])
    entry["size"], entry["sha256"] = len(whole), sha256(whole)
    (folder / "manifest.json").write_text(json.dumps(spec.manifest()))
    target = folder.parent / f"{folder.name}.tar"
    subprocess.run(["tar", f"--format={tar_format}", "--sparse", "-cf", str(target), "-C",
                    str(folder), "manifest.json", *names], check=True)
    with tarfile.open(target) as archive:
        member = archive.getmember(names[0])
        if member.sparse is None and member.type != tarfile.GNUTYPE_SPARSE:
            pytest.skip("this file system keeps no holes: tar wrote no sparse member")
    return target.read_bytes()


@pytest.mark.parametrize("tar_format", ["gnu", "posix"])
def test_sparse_members_reject_the_bundle(portal, sender, tmp_path, tar_format):
    # A sparse member's (offset, size) in the file does not hold its bytes:
    # kept in place it would be a blob whose bytes differ from its SHA-256,
    # and discarding it would punch into the members after it.
    calls, code, _ = sender
    # Enough bytes after the sparse member for its stated size to fit in the file.
    spec = study_spec(tmp_path / "study", series=1, per_series=4, rows=64)
    data = _sparse_bundle(spec, tmp_path / "sparse", tar_format)
    receipt = _rejected(calls, code, portal, data)
    assert "sparse" in receipt["reason"]
    assert pack_bytes(portal) == b""


def test_unlisted_member_rejects_the_bundle(portal, sender, tmp_path):
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=1)
    data = tar_bytes([("manifest.json", json.dumps(spec.manifest()).encode()),
                      *spec.payloads.items(), ("dicom/000099.dcm", b"extra")])
    receipt = _rejected(calls, code, portal, data)
    assert "not listed" in receipt["reason"]


def test_pdf_that_is_not_a_pdf_is_rejected(portal, sender, tmp_path):
    calls, code, _ = sender
    fake = b"<html>not a pdf</html>"
    spec = study_spec(tmp_path / "study", series=1, per_series=1, pdf=fake)
    _, receipt = send(calls, code, bundle_bytes(spec))
    assert receipt["state"] == "partial"
    assert receipt["documents"][0]["reason"] == "not a PDF document"
    assert rows(portal, documents) == []


def test_restart_during_ingest_picks_the_upload_up(portal_factory, make_user, tmp_path):
    first = portal_factory()
    user = make_user(target=first)
    calls = TusCalls(first.url, user.token)
    code = community(first)
    spec = study_spec(tmp_path / "study")
    data = bundle_bytes(spec)
    # Simulate "stopped while verifying": the worker is off, the upload completes.
    first.app.state.tus_service.ingest.stop()
    url = calls.upload(data, code)
    assert calls.receipt(url).status_code == 202
    assert calls.receipt(url).json()["state"] == "ingesting"
    first.stop()

    from tests.portal.conftest import login, start_portal

    second = start_portal(first.data_dir)
    try:
        token = login(second.url, user.email, user.password)
        again = TusCalls(second.url, token)
        receipt = wait_receipt(again, url.replace(first.url, second.url))
        assert receipt["state"] == "done"
        assert receipt["totals"]["accepted"] == len(spec.instances)
        assert len(rows(second, instances)) == len(spec.instances)
    finally:
        second.stop()


def test_row_marked_ingesting_is_verified_by_a_new_app(portal, sender, tmp_path):
    """The recovery path with a fresh app on the same DATA (no HTTP upload needed)."""
    calls, code, user = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=2)
    data = bundle_bytes(spec)
    url = calls.create_url(len(data), code)
    upload_id = url.rsplit("/", 1)[1]
    # Bytes written straight to the file, the row flipped to ingesting by hand.
    portal.app.state.tus_service.ingest.stop()
    Path(portal.data_dir / "uploads" / upload_id).write_bytes(data)
    with portal.engine.begin() as conn:
        conn.execute(update(uploads).where(uploads.c.id == upload_id)
                     .values(offset=len(data), state="ingesting"))
    from portal.tus import service_for, start_ingest_worker, stop_ingest_worker

    portal.app.state.tus_service = None
    worker = start_ingest_worker(portal.app)
    try:
        assert worker.wait_idle(60)
        assert service_for(portal.app).receipt_of(upload_id)["state"] == "done"
    finally:
        stop_ingest_worker(portal.app)


class _Crash(BaseException):
    """The portal process dying: none of ingest's except clauses runs."""


def test_a_crash_between_storing_and_committing_is_verified_again(portal, sender, tmp_path,
                                                                  monkeypatch):
    # The accepted instances are recorded in a pack (the upload file's other
    # name) before the verdict is committed. A restart then verifies the
    # same file again: it must still be as it arrived (manifest, every member).
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=3)
    data = bundle_bytes(spec)
    url = calls.create_url(len(data), code)
    upload_id = url.rsplit("/", 1)[1]
    worker = portal.app.state.tus_service.ingest
    worker.stop()
    upload_file = Path(portal.data_dir / "uploads" / upload_id)
    upload_file.write_bytes(data)
    with portal.engine.begin() as conn:
        conn.execute(update(uploads).where(uploads.c.id == upload_id)
                     .values(offset=len(data), state="ingesting"))
    from portal import ingest

    def crash(*_args, **_kwargs):
        raise _Crash()

    monkeypatch.setattr(ingest.StudyIndexer, "index", crash)
    with pytest.raises(_Crash):
        ingest.ingest_upload(worker.store, worker.blobs, worker.settings, upload_id)
    assert upload_file.read_bytes() == data  # nothing discarded before the commit
    assert pack_bytes(portal)  # the pack was linked and recorded
    monkeypatch.undo()

    from portal.tus import service_for, start_ingest_worker, stop_ingest_worker

    portal.app.state.tus_service = None
    restarted = start_ingest_worker(portal.app)
    try:
        assert restarted.wait_idle(60)
        receipt = service_for(portal.app).receipt_of(upload_id)
    finally:
        stop_ingest_worker(portal.app)
    assert receipt["state"] == "done", receipt
    assert receipt["totals"]["accepted"] == len(spec.instances)
    store = blob_store_for(portal.data_dir)
    for name, payload in spec.payloads.items():
        with store.open(sha256(payload)) as handle:
            assert handle.read() == payload, name
    assert len(rows(portal, instances)) == len(spec.instances)


def test_upload_by_the_client_bundle_writer_is_accepted(portal, sender, tmp_path):
    """Interoperability: the desktop client's own bundle bytes pass verification."""
    bundle_mod = pytest.importorskip("downloadmanager.core.transfers.bundle")
    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=3)
    folder = tmp_path / "client"
    folder.mkdir()
    members = []
    for entry in spec.instances:
        path = folder / entry["name"].replace("/", "_")
        path.write_bytes(spec.payloads[entry["name"]])
        members.append((entry["name"], str(path), entry["size"]))
    manifest = json.dumps(spec.manifest()).encode()
    virtual = bundle_mod.VirtualBundle(manifest, members)
    try:
        data = virtual.read(0, len(virtual))
    finally:
        virtual.close()
    _, receipt = send(calls, code, data)
    assert receipt["state"] == "done", receipt


def test_receipt_is_202_while_uploading(portal, sender):
    calls, code, _ = sender
    url = calls.create_url(100, code)
    answer = calls.receipt(url)
    assert answer.status_code == 202
    assert answer.json()["state"] == "uploading"
    assert calls.session.get(f"{portal.url}/api/uploads/{'1' * 32}/receipt",
                             headers=calls.auth).status_code == 404


def test_tar_helper_builds_valid_archives():
    data = tar_bytes([("manifest.json", b"{}")])
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.getnames() == ["manifest.json"]


def test_bundle_spec_manifest_totals(tmp_path):
    spec: BundleSpec = study_spec(tmp_path / "s", series=1, per_series=1, pdf=minimal_pdf())
    manifest = spec.manifest()
    assert manifest["totals"]["bytes"] == sum(len(v) for v in spec.payloads.values())


def test_upload_and_ingest_on_postgresql(portal_factory, make_user, postgres_url, tmp_path):
    running = portal_factory(database_url=postgres_url)
    user = make_user(target=running)
    calls = TusCalls(running.url, user.token)
    code = community(running)
    spec = study_spec(tmp_path / "study", pdf=minimal_pdf())
    data = bundle_bytes(spec)
    url = calls.create_url(len(data), code)
    half = len(data) // 2
    assert calls.patch(url, 0, data[:half]).status_code == 204
    assert calls.patch(url, 0, data[:half]).status_code == 409
    assert calls.patch(url, half, data[half:]).status_code == 204
    receipt = wait_receipt(calls, url)
    assert receipt["state"] == "done"
    _, again = send(calls, code, data)
    assert {i["status"] for i in again["instances"]} == {"already_present"}
    assert len(rows(running, instances)) == len(spec.instances)
    assert len(rows(running, studies)) == 1


def test_receipt_request_with_wait_answers_once_the_verdict_exists(portal, sender, tmp_path):
    """``?wait=`` holds the answer while the upload is verified, then gives the receipt."""
    import threading

    from portal.tus.service import start_ingest_worker

    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=2)
    portal.app.state.tus_service.ingest.stop()  # the upload stays "ingesting" for now
    url = calls.upload(bundle_bytes(spec), code)
    upload_id = url.rsplit("/", 1)[1]
    receipt_url = f"{portal.url}/api/uploads/{upload_id}/receipt"

    # Nobody verifies: a short wait ends with 202 and the upload's state.
    held = calls.session.get(receipt_url, params={"wait": "0.3"}, headers=calls.auth, timeout=30)
    assert held.status_code == 202 and held.json()["state"] == "ingesting"
    for bad in ("soon", "-1", "nan"):
        answer = calls.session.get(receipt_url, params={"wait": bad}, headers=calls.auth,
                                   timeout=30)
        assert answer.status_code == 400, (bad, answer.text)

    # A waiting request gets the receipt as soon as the verifier wrote it.
    answers = []
    waiting = threading.Thread(target=lambda: answers.append(calls.session.get(
        receipt_url, params={"wait": "20"}, headers=calls.auth, timeout=60)))
    waiting.start()
    time.sleep(0.5)  # the request is at the portal (without ``wait`` it has its 202 by now)
    assert not answers
    start_ingest_worker(portal.app)
    waiting.join(60)
    assert answers and answers[0].status_code == 200, answers
    assert answers[0].json()["state"] == "done"
    assert answers[0].json()["totals"]["accepted"] == 2


def test_a_waiting_receipt_request_wakes_on_the_verdict(portal, sender, tmp_path, monkeypatch):
    """The waiting request is woken by the verifier of its own portal, not by a timer:
    with the periodic look-up pushed past the wait, the receipt comes long before the
    wait is over."""
    import threading

    from portal import ingest
    from portal.tus import endpoints

    monkeypatch.setattr(endpoints, "_RECEIPT_RECHECK", 600.0)
    go = threading.Event()
    verify = ingest.verify_bundle

    def held_verify(*args, **kwargs):
        assert go.wait(60)  # the upload stays "ingesting" until the request waits
        return verify(*args, **kwargs)

    monkeypatch.setattr(ingest, "verify_bundle", held_verify)
    calls, code, _ = sender
    url = calls.upload(bundle_bytes(study_spec(tmp_path / "study", series=1, per_series=2)),
                       code)
    receipt_url = f"{portal.url}/api/uploads/{url.rsplit('/', 1)[1]}/receipt"
    answers = []
    waiting = threading.Thread(target=lambda: answers.append(calls.session.get(
        receipt_url, params={"wait": "20"}, headers=calls.auth, timeout=60)))
    waiting.start()
    try:
        time.sleep(0.3)  # the request is waiting at the portal
        assert not answers
    finally:
        go.set()
    # Woken, it answers within moments; unwoken, only when its 20 s are over.
    waiting.join(10)
    assert answers, "the waiting request was not woken by the verdict"
    assert answers[0].status_code == 200, answers[0].text
    assert answers[0].json()["state"] == "done"


def test_a_verdict_is_announced_once_its_receipt_is_committed(portal, sender, tmp_path):
    """Listeners (waiting receipt requests) hear of a verdict as soon as its receipt is
    stored, before the upload's leftovers are cleaned up."""
    calls, code, _ = sender
    worker = portal.app.state.tus_service.ingest
    heard = []

    def on_verdict() -> None:
        with portal.engine.connect() as conn:
            done = conn.execute(select(uploads.c.id).where(uploads.c.receipt.is_not(None))
                                ).scalars().all()
        heard.append({upload_id: worker.store.file_path(upload_id).exists()
                      for upload_id in done})

    with worker.listening(on_verdict):
        url, receipt = send(calls, code, bundle_bytes(study_spec(tmp_path / "s", series=1,
                                                                 per_series=2)))
        assert worker.wait_idle(60)
    upload_id = url.rsplit("/", 1)[1]
    assert receipt["state"] == "done"
    assert heard == [{upload_id: True}]  # committed; its file not yet removed
    assert not worker.store.file_path(upload_id).exists()  # removed after the verdict
    send(calls, code, bundle_bytes(study_spec(tmp_path / "t", series=1, per_series=1)))
    assert worker.wait_idle(60)
    assert len(heard) == 1  # outside the block nothing is called


def test_an_instance_sent_again_with_other_bytes_replaces_the_old_one(portal, sender, tmp_path):
    """Same SOP Instance UID, corrected header: the latest sending wins; the rest of the
    study is already present."""
    import io as _io

    import pydicom

    calls, code, _ = sender
    spec = study_spec(tmp_path / "study", series=1, per_series=3)
    _, first = send(calls, code, bundle_bytes(spec))
    assert first["state"] == "done"
    name = spec.instances[0]["name"]
    ds = pydicom.dcmread(_io.BytesIO(spec.payloads[name]))
    ds.InstanceNumber = 42
    out = _io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    corrected = out.getvalue()
    spec.payloads[name] = corrected
    spec.instances[0].update(size=len(corrected), sha256=sha256(corrected))
    _, second = send(calls, code, bundle_bytes(spec))
    statuses = {i["name"]: i["status"] for i in second["instances"]}
    assert statuses.pop(name) == "accepted"
    assert set(statuses.values()) == {"already_present"}
    row = rows(portal, instances, instances.c.sop_instance_uid == spec.instances[0]["sop_instance_uid"])
    assert len(row) == 1 and row[0].sha256 == sha256(corrected) and row[0].instance_number == 42
    assert len(rows(portal, instances)) == 3
