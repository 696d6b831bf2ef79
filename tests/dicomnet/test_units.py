"""Nodes, presentation context planning, DIMSE command sets, import reconciliation."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.filereader import read_dataset
from pydicom.sequence import Sequence

from downloadmanager.core.dicomnet import (
    DicomNode,
    NodeError,
    Reconciliation,
    apply_reconciliation,
    load_nodes,
    parse_node_spec,
    remove_node,
    resolve_node,
    save_node,
)
from downloadmanager.core.dicomnet.contexts import UNCOMPRESSED, plan_batches
from downloadmanager.core.dicomnet.dimse import c_store_rq, parse_response, status_category, status_text
from downloadmanager.core.dicomnet.encoding import locate_dataset
from tests.dicom_factory import StudySpec, make_ct_dataset


def test_node_spec_parsing():
    node = parse_node_spec("PACS@192.168.1.10:104")
    assert (node.ae_title, node.host, node.port, node.calling_ae) == ("PACS", "192.168.1.10", 104, "DOWNLOADMGR")
    assert parse_node_spec("ORTHANC@[::1]:4242", "ME").host == "::1"
    assert parse_node_spec("ORTHANC@[::1]:4242").spec == "ORTHANC@[::1]:4242"
    for bad in ("PACS", "PACS@host", "A" * 17 + "@h:1", "P\\X@h:1", "PACS@h:0", "PACS@h:70000"):
        with pytest.raises(NodeError):
            parse_node_spec(bad)


def test_nodes_saved_in_config_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(tmp_path))
    path = save_node(DicomNode("PACS", "10.0.0.5", 104, "PRAXIS1", "klinik"))
    assert path == tmp_path / "config" / "settings.json"
    assert load_nodes()["klinik"].spec == "PACS@10.0.0.5:104"
    assert resolve_node("klinik").calling_ae == "PRAXIS1"
    assert resolve_node("klinik", "OTHER").calling_ae == "OTHER"
    with pytest.raises(NodeError):
        resolve_node("unknown")
    assert remove_node("klinik") and not load_nodes()


def test_contexts_like_storescu_and_split_above_128():
    ct, mr = "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4"
    jpeg = "1.2.840.10008.1.2.4.50"
    [batch] = plan_batches([(ct, UNCOMPRESSED[0]), (ct, jpeg), (mr, UNCOMPRESSED[1])])
    got = [(c.context_id, c.abstract_syntax, c.transfer_syntaxes) for c in batch.contexts]
    assert got == [(1, ct, UNCOMPRESSED), (3, ct, (jpeg,)), (5, mr, UNCOMPRESSED)]
    many = [(f"1.2.3.{n}", UNCOMPRESSED[0]) for n in range(300)]
    batches = plan_batches(many)
    assert [len(b.contexts) for b in batches] == [128, 128, 44]
    assert all(c.context_id % 2 == 1 and c.context_id <= 255 for b in batches for c in b.contexts)
    assert set().union(*(b.sop_classes for b in batches)) == {sop for sop, _ in many}


def test_c_store_command_set_decodes_with_pydicom():
    raw = c_store_rq(7, "1.2.840.10008.5.1.4.1.1.2", "1.2.3.4.5")
    ds = read_dataset(io.BytesIO(raw), is_implicit_VR=True, is_little_endian=True)
    assert ds.CommandGroupLength == len(raw) - 12
    assert ds.CommandField == 1 and ds.MessageID == 7 and ds.CommandDataSetType == 0
    assert ds.AffectedSOPClassUID == "1.2.840.10008.5.1.4.1.1.2"
    assert ds.AffectedSOPInstanceUID == "1.2.3.4.5"


def test_response_parsing_and_status_names():
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset
    rsp = Dataset()
    rsp.CommandField = 0x8001
    rsp.MessageIDBeingRespondedTo = 7
    rsp.CommandDataSetType = 0x0101
    rsp.Status = 0xA700
    rsp.ErrorComment = "disk full"
    fp = DicomBytesIO()
    fp.is_little_endian, fp.is_implicit_VR = True, True
    write_dataset(fp, rsp)
    parsed = parse_response(fp.getvalue())
    assert (parsed.command_field, parsed.message_id_responded, parsed.status) == (0x8001, 7, 0xA700)
    assert parsed.error_comment == "disk full" and not parsed.has_dataset
    assert status_category(0) == "success" and status_category(0xB000) == "warning"
    assert status_category(0xA700) == "failure" and status_category(0xC123) == "failure"
    assert "out of resources" in status_text(0xA701)


def test_locate_dataset_in_part10_file(tmp_path):
    ds = make_ct_dataset(StudySpec(), series_uid="1.2.3")
    path = tmp_path / "x.dcm"
    ds.save_as(path, enforce_file_format=True)
    data = path.read_bytes()
    stored = locate_dataset(data)
    assert stored.transfer_syntax == "1.2.840.10008.1.2.1"
    assert stored.sop_instance == ds.SOPInstanceUID
    body = read_dataset(io.BytesIO(data[stored.offset:]), is_implicit_VR=False, is_little_endian=True)
    assert body.SOPInstanceUID == ds.SOPInstanceUID
    assert locate_dataset(b"\x08\x00" * 100) is None


def _check_reconciled_item(item, when, original, source):
    assert item.AttributeModificationDateTime.startswith(when.strftime("%Y%m%d%H%M%S"))
    assert item.ModifyingSystem == "DOWNLOADMANAGER"
    assert item.SourceOfPreviousValues == source
    assert item.ReasonForTheAttributeModification == "COERCE"
    [modified] = item.ModifiedAttributesSequence
    for keyword, value in original.items():
        assert keyword in modified
        assert str(modified.get(keyword) or "") == value


def test_reconciliation_writes_original_attributes_sequence():
    ds = make_ct_dataset(StudySpec(patient_name="Extern^Eva", patient_id="EXT-77"), series_uid="1.2.3")
    ds.IssuerOfPatientID = "PRAXIS-A"
    earlier = Dataset()
    earlier.ReasonForTheAttributeModification = "CORRECT"
    ds.OriginalAttributesSequence = Sequence([earlier])
    when = datetime(2026, 11, 27, 10, 30, 0, tzinfo=timezone.utc)
    rec = Reconciliation(patient_id="KH-123456", issuer_of_patient_id="KLINIKUM",
                         patient_name="Extern^Eva^^Dr", source_of_previous_values="PRAXIS-A")
    apply_reconciliation(ds, rec, now=when)
    assert (ds.PatientID, ds.IssuerOfPatientID, str(ds.PatientName)) == ("KH-123456", "KLINIKUM", "Extern^Eva^^Dr")
    assert len(ds.OriginalAttributesSequence) == 2
    assert ds.OriginalAttributesSequence[0].ReasonForTheAttributeModification == "CORRECT"
    _check_reconciled_item(ds.OriginalAttributesSequence[1], when,
                           {"PatientID": "EXT-77", "IssuerOfPatientID": "PRAXIS-A", "PatientName": "Extern^Eva"},
                           "PRAXIS-A")
    # Survives encoding: written, read back.
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    back = dcmread(io.BytesIO(buf.getvalue()))
    _check_reconciled_item(back.OriginalAttributesSequence[1], when,
                           {"PatientID": "EXT-77", "IssuerOfPatientID": "PRAXIS-A", "PatientName": "Extern^Eva"},
                           "PRAXIS-A")


def test_reconciliation_absent_issuer_and_unicode_name():
    ds = make_ct_dataset(StudySpec(patient_name="Muller^Jurgen"), series_uid="1.2.3")
    rec = Reconciliation(patient_id="KH-1", issuer_of_patient_id="KLINIKUM", patient_name="Łukasz^Żółć")
    apply_reconciliation(ds, rec)
    assert ds.SpecificCharacterSet == "ISO_IR 192"
    [item] = ds.OriginalAttributesSequence
    [modified] = item.ModifiedAttributesSequence
    assert modified.IssuerOfPatientID == "" and modified.PatientID == "PID-0001"
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    assert str(dcmread(io.BytesIO(buf.getvalue())).PatientName) == "Łukasz^Żółć"
