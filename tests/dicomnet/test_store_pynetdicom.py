"""C-ECHO and C-STORE against a pynetdicom SCP on 127.0.0.1: fallbacks, failures, reconciliation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file

from downloadmanager.core.dicomnet import (
    AssociationError,
    DicomNode,
    Reconciliation,
    StoreJob,
    echo,
)
from downloadmanager.core.scan import scan
from tests.dicom_factory import StudySpec, write_study

IMPLICIT = "1.2.840.10008.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"
RLE = "1.2.840.10008.1.2.5"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
CT = "1.2.840.10008.5.1.4.1.1.2"
SR_BASIC = "1.2.840.10008.5.1.4.1.1.88.11"


def _testfile(tmp_path, name):
    found = get_testdata_file(name)
    assert found, f"pydicom test file {name} missing"
    target = tmp_path / "src" / name
    target.parent.mkdir(exist_ok=True)
    shutil.copy(found, target)
    return target


def test_echo_and_rejected_association(make_receiver):
    receiver = make_receiver(require_called_aet=True)
    assert echo(receiver.node).ok
    wrong = DicomNode("NOTRECV", receiver.node.host, receiver.node.port)
    with pytest.raises(AssociationError, match="rejected"):
        echo(wrong)
    closed = DicomNode("X", "127.0.0.1", 1)
    with pytest.raises(AssociationError, match="(?i)cannot connect"):
        echo(closed)


def test_store_sends_stored_bytes_unchanged(tmp_path, make_receiver):
    receiver = make_receiver()
    write_study(tmp_path / "study", series=2, per_series=5)
    instances = scan(tmp_path / "study").instances()
    report = StoreJob(instances, receiver.node).run()
    assert report.ok and report.stored == 10 and report.failed == 0
    assert all(o.status == 0 and o.sent_transfer_syntax == EXPLICIT for o in report.outcomes)
    by_uid = {str(ds.SOPInstanceUID): ds for ds in receiver.received}
    for instance in instances:
        original = dcmread(instance.source.path)
        got = by_uid[instance.sop_instance_uid]
        assert got.PixelData == original.PixelData
        assert got.PatientName == original.PatientName and got.SeriesInstanceUID == original.SeriesInstanceUID


def test_implicit_only_receiver_gets_reencoded_data(tmp_path, make_receiver):
    receiver = make_receiver(transfer_syntaxes=[IMPLICIT])
    write_study(tmp_path / "study", series=1, per_series=3)
    report = StoreJob(scan(tmp_path / "study").instances(), receiver.node).run()
    assert report.ok
    assert set(receiver.transfer_syntaxes) == {IMPLICIT}
    assert {o.sent_transfer_syntax for o in report.outcomes} == {IMPLICIT}
    assert all(ds.Rows == 64 and len(ds.PixelData) == 64 * 64 * 2 for ds in receiver.received)


def test_rejected_compression_is_sent_decompressed_or_reported(tmp_path, make_receiver):
    receiver = make_receiver()  # uncompressed only
    rle = _testfile(tmp_path, "MR_small_RLE.dcm")
    jpeg_ls = _testfile(tmp_path, "SC_rgb_jpeg_gdcm.dcm")  # JPEG Lossless: no codec installed here
    write_study(tmp_path / "src" / "ct", series=1, per_series=2)
    instances = scan(tmp_path / "src").instances()
    report = StoreJob(instances, receiver.node).run()
    by_path = {o.path.split("/")[-1]: o for o in report.outcomes}
    rle_out = by_path["MR_small_RLE.dcm"]
    assert rle_out.state == "stored" and rle_out.sent_transfer_syntax in (EXPLICIT, IMPLICIT)
    [received_mr] = [ds for ds in receiver.received if ds.Modality == "MR"]
    expected = dcmread(rle).pixel_array
    assert (received_mr.pixel_array == expected).all()
    jpeg_out = by_path["SC_rgb_jpeg_gdcm.dcm"]
    try:
        dcmread(jpeg_ls).pixel_array
        codec_installed = True
    except Exception:
        codec_installed = False
    if codec_installed:
        assert jpeg_out.state == "stored"
    else:
        assert jpeg_out.state == "failed"
        assert "cannot be decompressed" in jpeg_out.detail and "JPEG Lossless" in jpeg_out.detail
        assert not report.ok
    assert report.stored == 3 + (1 if codec_installed else 0)  # 2 CT + RLE (+ JPEG with codec)


def test_compressed_accepted_is_sent_unchanged(tmp_path, make_receiver):
    receiver = make_receiver(transfer_syntaxes=[EXPLICIT, IMPLICIT, RLE])
    rle = _testfile(tmp_path, "MR_small_RLE.dcm")
    report = StoreJob(scan(tmp_path / "src").instances(), receiver.node).run()
    assert report.ok and receiver.transfer_syntaxes == [RLE]
    assert receiver.received[0].PixelData == dcmread(rle).PixelData


def test_failure_and_warning_statuses_are_reported(tmp_path, make_receiver):
    receiver = make_receiver()
    write_study(tmp_path / "study", series=1, per_series=4)
    instances = sorted(scan(tmp_path / "study").instances(), key=lambda i: i.instance_number)
    receiver.statuses[instances[1].sop_instance_uid] = 0xA700
    receiver.statuses[instances[2].sop_instance_uid] = 0xB000
    report = StoreJob(instances, receiver.node).run()
    states = {o.sop_instance_uid: o for o in report.outcomes}
    assert states[instances[0].sop_instance_uid].state == "stored"
    failed = states[instances[1].sop_instance_uid]
    assert failed.state == "failed" and failed.status == 0xA700 and "out of resources" in failed.detail
    warned = states[instances[2].sop_instance_uid]
    assert warned.state == "warning" and warned.stored and "coercion" in warned.detail
    assert states[instances[3].sop_instance_uid].state == "stored"
    assert not report.ok and report.stored == 3 and report.failed == 1


def test_unsupported_sop_class_is_reported(tmp_path, make_receiver):
    receiver = make_receiver(exclude=(SR_BASIC, "1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.5.1.4.1.1.88.33"))
    sr = _testfile(tmp_path, "test-SR.dcm")
    write_study(tmp_path / "src" / "ct", series=1, per_series=1)
    report = StoreJob(scan(tmp_path / "src").instances(), receiver.node).run()
    [sr_out] = [o for o in report.outcomes if o.path.endswith("test-SR.dcm")]
    assert sr_out.state == "failed" and "does not accept this kind of image" in sr_out.detail and "abstract syntax not supported" in sr_out.detail
    assert report.stored == 1 and sr.exists()


def test_reconciliation_reaches_the_pacs(tmp_path, make_receiver):
    receiver = make_receiver()
    write_study(tmp_path / "study", StudySpec(patient_name="Extern^Eva", patient_id="EXT-9"),
                series=1, per_series=2)
    rec = Reconciliation(patient_id="KH-42", issuer_of_patient_id="KLINIKUM", patient_name="Extern^Eva",
                         source_of_previous_values="PORTAL")
    report = StoreJob(scan(tmp_path / "study").instances(), receiver.node, reconcile=rec).run()
    assert report.ok
    for ds in receiver.received:
        assert (ds.PatientID, ds.IssuerOfPatientID) == ("KH-42", "KLINIKUM")
        [item] = ds.OriginalAttributesSequence
        assert item.ReasonForTheAttributeModification == "COERCE"
        assert item.ModifyingSystem == "DOWNLOADMANAGER" and item.SourceOfPreviousValues == "PORTAL"
        assert len(item.AttributeModificationDateTime) >= 14
        [modified] = item.ModifiedAttributesSequence
        assert modified.PatientID == "EXT-9" and str(modified.PatientName) == "Extern^Eva"
        assert modified.IssuerOfPatientID == ""


def test_send_cli_json_and_exit_codes(tmp_path, make_receiver):
    receiver = make_receiver()
    write_study(tmp_path / "study", series=1, per_series=3)
    cmd = [sys.executable, "-m", "downloadmanager", "send", str(tmp_path / "study"),
           "--to", receiver.node.spec, "--calling-aet", "PRAXIS", "--json"]
    env = {**os.environ, "DOWNLOADMANAGER_HOME": str(tmp_path / "home")}
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["stored"] == 3 and doc["failed"] == 0 and doc["ok"] is True
    assert len(doc["instances"]) == 3
    # Sending again sends nothing: the PACS has everything (the send journal).
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0 and json.loads(res.stdout)["already_stored"] == 3
    assert len(receiver.received) == 3
    receiver.statuses[str(receiver.received[0].SOPInstanceUID)] = 0xC000
    res = subprocess.run(cmd + ["--again"], capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 1 and json.loads(res.stdout)["failed"] == 1
    res = subprocess.run([sys.executable, "-m", "downloadmanager", "echo", receiver.node.spec],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "Success" in res.stdout
    res = subprocess.run([sys.executable, "-m", "downloadmanager", "send", str(tmp_path / "study"),
                          "--to", "nonsense"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
