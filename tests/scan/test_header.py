"""The header reader: every encoding a CD may carry, character sets, truncation, junk."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

from downloadmanager.core.scan import HeaderError, read_header
from dicomkit.stream import READ_BUDGET
from tests.dicom_factory import StudySpec, make_ct_dataset, write_study


def header_of(path: Path):
    with open(path, "rb") as f:
        return read_header(f, path.stat().st_size)


def header_of_bytes(data: bytes):
    return read_header(io.BytesIO(data), len(data))


def test_part10_explicit_file_gives_every_catalog_attribute(tmp_path):
    spec = StudySpec(patient_name="Muster^Max", patient_id="PID-7", birth_date="19600229", sex="F",
                     study_description="CT Abdomen", accession_number="A-99")
    path = write_study(tmp_path, spec, series=1, per_series=1)[0]
    expected = pydicom.dcmread(path)
    info = header_of(path)
    assert info.sop_instance_uid == expected.SOPInstanceUID
    assert info.sop_class_uid == expected.SOPClassUID
    assert info.transfer_syntax_uid == ExplicitVRLittleEndian
    assert info.study_instance_uid == spec.study_uid
    assert info.series_instance_uid == expected.SeriesInstanceUID
    assert (info.patient_name, info.patient_id, info.birth_date, info.sex) == ("Muster^Max", "PID-7", "19600229", "F")
    assert (info.study_date, info.study_time) == (spec.study_date, spec.study_time)
    assert (info.study_description, info.accession_number) == ("CT Abdomen", "A-99")
    assert (info.modality, info.series_number, info.series_description, info.instance_number) == ("CT", 1, "Serie 1", 1)
    assert not info.is_dicomdir


@pytest.mark.parametrize("implicit", [True, False])
@pytest.mark.parametrize("preamble", [True, False])
def test_implicit_explicit_with_and_without_preamble(tmp_path, implicit, preamble):
    path = write_study(tmp_path, series=1, per_series=1, implicit=implicit, preamble=preamble,
                       name_pattern="NONAME{index}")[0]
    info = header_of(path)
    assert info.sop_instance_uid == pydicom.dcmread(path, force=True).SOPInstanceUID
    assert info.patient_name == "Muster^Max"
    assert info.transfer_syntax_uid == (ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian)


def test_big_endian_goes_through_pydicom(tmp_path):
    ds = make_ct_dataset(StudySpec(patient_name="Gross^Endian"), series_uid=generate_uid())
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    path = tmp_path / "BIGEND"
    ds.save_as(path, enforce_file_format=True)
    info = header_of(path)
    assert info.patient_name == "Gross^Endian"
    assert info.transfer_syntax_uid == ExplicitVRBigEndian
    assert info.sop_instance_uid == ds.SOPInstanceUID


@pytest.mark.parametrize("charset, encoding", [("ISO_IR 100", "latin-1"), ("ISO_IR 192", "utf-8")])
def test_german_names_decode_in_latin1_and_utf8(tmp_path, charset, encoding):
    spec = StudySpec(patient_name="Müller^Jürgen", study_description="Schädel nativ", charset=charset)
    path = write_study(tmp_path, spec, series=1, per_series=1)[0]
    raw = path.read_bytes()
    assert "Müller^Jürgen".encode(encoding) in raw  # the file really holds that encoding
    info = header_of(path)
    assert info.patient_name == "Müller^Jürgen"
    assert info.study_description == "Schädel nativ"
    assert info.series_description == "Serie 1"


@pytest.mark.parametrize("charset, name", [
    ("ISO_IR 101", "Dvořák^Zdeněk"),           # Latin-2, decoded by Python's codec
    ("ISO_IR 144", "Иванов^Иван"),             # Cyrillic
    ("ISO_IR 148", "Öztürk^Şule"),             # Latin-5 (Turkish)
    ("\\ISO 2022 IR 87", "Yamada^Tarou=山田^太郎"),  # code extensions: pydicom's decoder
    ("ISO_IR 192", "Müller^Jürgen"),
])
def test_names_decode_like_pydicom_in_other_character_sets(tmp_path, charset, name):
    """The fast path's own decoding gives what pydicom gives, code extensions included."""
    ds = make_ct_dataset(StudySpec(patient_name="x"), series_uid=generate_uid())
    ds.SpecificCharacterSet = charset.split("\\") if "\\" in charset else charset
    ds.PatientName = name
    ds.StudyDescription = name.split("^")[0]
    path = tmp_path / "CS"
    ds.save_as(path, enforce_file_format=True)
    expected = pydicom.dcmread(path)
    info = header_of(path)
    assert info.patient_name == str(expected.PatientName) == name
    assert info.study_description == expected.StudyDescription


def test_default_repertoire_name(tmp_path):
    path = write_study(tmp_path, StudySpec(patient_name="Mueller^Juergen"), series=1, per_series=1)[0]
    assert b"\x00\x08\x00\x05" not in path.read_bytes()[:400]  # no Specific Character Set element
    assert header_of(path).patient_name == "Mueller^Juergen"


def test_sequences_before_the_wanted_tags_are_skipped(tmp_path):
    """Undefined-length sequences (nested, explicit and implicit) before Patient Name."""
    spec = StudySpec(patient_name="Seq^Uenz")
    for implicit in (False, True):
        ds = make_ct_dataset(spec, series_uid=generate_uid())
        inner = Dataset()
        inner.CodeValue = "113619"
        inner.CodeMeaning = "a nested item"
        outer = Dataset()
        outer.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        outer.ReferencedSOPInstanceUID = generate_uid()
        outer.PurposeOfReferenceCodeSequence = Sequence([inner, inner])
        ds.ReferencedImageSequence = Sequence([outer, Dataset()])  # (0008,1140), before (0010,0010)
        ds.ProcedureCodeSequence = Sequence([inner])  # (0008,1032)
        for keyword in ("ReferencedImageSequence", "ProcedureCodeSequence"):
            _undefined_lengths(ds[keyword])
        path = tmp_path / f"SEQ{int(implicit)}"
        if implicit:
            ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        ds.save_as(path, enforce_file_format=True)
        assert b"\xff\xff\xff\xff" in path.read_bytes()[:2000]  # really undefined lengths
        info = header_of(path)
        assert info.patient_name == "Seq^Uenz"
        assert info.instance_number == 1
        assert info.sop_instance_uid == ds.SOPInstanceUID


def _undefined_lengths(element) -> None:
    """Make pydicom write a sequence, its items and nested sequences with undefined length."""
    element.is_undefined_length = True
    for item in element.value:
        item.is_undefined_length_sequence_item = True
        for nested in item:
            if nested.VR == "SQ":
                _undefined_lengths(nested)


def test_large_element_before_the_wanted_tags_is_seeked_over(tmp_path):
    ds = make_ct_dataset(StudySpec(patient_name="Big^Private"), series_uid=generate_uid())
    block = ds.private_block(0x0009, "DM TEST", create=True)
    block.add_new(0x10, "OB", b"\x01" * 200_000)  # (0009,1010), before patient group 0010
    path = tmp_path / "PRIVATE"
    ds.save_as(path, enforce_file_format=True)
    info = header_of(path)
    assert info.patient_name == "Big^Private"
    assert info.bytes_read <= 4 * READ_BUDGET  # the 200 KB were skipped, not read
    assert info.bytes_read < path.stat().st_size / 10


def test_large_image_reads_one_small_block(tmp_path):
    path = write_study(tmp_path, series=1, per_series=1, rows=512, columns=512)[0]
    info = header_of(path)
    assert path.stat().st_size > 500_000
    assert info.bytes_read <= READ_BUDGET


def test_truncated_header_is_corrupt(tmp_path):
    path = write_study(tmp_path, series=1, per_series=1)[0]
    data = path.read_bytes()
    start = data.index(b"\x10\x00\x10\x00")  # Patient Name: cut right inside it
    with pytest.raises(HeaderError) as err:
        header_of_bytes(data[:start + 10])
    assert err.value.kind == "corrupt"


def test_pixel_data_shorter_than_declared_is_corrupt(tmp_path):
    path = write_study(tmp_path, series=1, per_series=1, rows=64, columns=64)[0]
    data = path.read_bytes()
    with pytest.raises(HeaderError) as err:
        header_of_bytes(data[:-100])
    assert err.value.kind == "corrupt"
    assert "pixel data" in err.value.detail


def test_truncated_encapsulated_pixel_data_is_corrupt():
    data = Path(pydicom.data.get_testdata_file("JPEG2000.dcm")).read_bytes()
    assert header_of_bytes(data).transfer_syntax_uid.startswith("1.2.840.10008.1.2.4.")
    pixel_data = data.rindex(b"\xe0\x7f\x10\x00OB")
    for cut in (pixel_data + 40, len(data) - 10, len(data) - 3):
        with pytest.raises(HeaderError) as err:
            header_of_bytes(data[:cut])
        assert err.value.kind == "corrupt"


def test_header_cut_inside_an_element_header_is_corrupt(tmp_path):
    path = write_study(tmp_path, series=1, per_series=1)[0]
    data = path.read_bytes()
    pixel_data = data.rindex(b"\xe0\x7f\x10\x00OW")
    with pytest.raises(HeaderError) as err:
        header_of_bytes(data[:pixel_data + 5])
    assert err.value.kind == "corrupt"


@pytest.mark.parametrize("content", [
    b"",
    b"[autorun]\r\nopen=viewer.exe\r\nicon=viewer.ico\r\n",
    b"<!DOCTYPE html><html><body>Bitte Viewer starten</body></html>",
    b"MZ\x90\x00" + bytes(range(256)) * 40,
    os.urandom(5000),
    b"\x08\x00",  # too short for an element
])
def test_junk_is_not_dicom(content):
    with pytest.raises(HeaderError) as err:
        header_of_bytes(content)
    assert err.value.kind in ("not_dicom", "corrupt")
    if content[:2] not in (b"\x08\x00", b"\x02\x00", b"\x04\x00"):
        assert err.value.kind == "not_dicom"


def test_dicom_without_uids_is_corrupt(tmp_path):
    ds = make_ct_dataset(StudySpec(), series_uid=generate_uid())
    del ds.StudyInstanceUID
    path = tmp_path / "NOSTUDY"
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(HeaderError) as err:
        header_of(path)
    assert err.value.kind == "corrupt" and "Study Instance UID" in err.value.detail


def _bundled_files() -> list[str]:
    return sorted(f for f in pydicom.data.get_testdata_files() if os.path.isfile(f))


def test_bundled_files_agree_with_pydicom():
    """Every bundled test file: no crash; where pydicom reads it fully, the same values."""
    compared = 0
    for name in _bundled_files():
        path = Path(name)
        try:
            info = header_of(path)
        except HeaderError as exc:
            assert exc.kind in ("corrupt", "not_dicom"), name
            info = None
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:  # noqa: BLE001 - not a file pydicom reads: only "no crash" applies
            continue
        usable = all(str(ds.get(k, "")).strip() for k in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"))
        if not usable or "truncated" in path.name or "DirectoryRecordSequence" in ds:
            continue
        assert info is not None, name
        assert info.sop_instance_uid == ds.SOPInstanceUID, name
        assert info.sop_class_uid == str(ds.get("SOPClassUID", ds.file_meta.get("MediaStorageSOPClassUID", ""))), name
        assert info.study_instance_uid == ds.StudyInstanceUID, name
        assert info.series_instance_uid == ds.SeriesInstanceUID, name
        assert info.patient_name == str(ds.get("PatientName", "")).strip(), name
        assert info.patient_id == str(ds.get("PatientID", "")).strip(), name
        assert info.modality == str(ds.get("Modality", "")).strip(), name
        assert info.study_description == str(ds.get("StudyDescription", "")).strip(), name
        if ds.file_meta.get("TransferSyntaxUID"):
            assert info.transfer_syntax_uid in (ds.file_meta.TransferSyntaxUID,
                                                ImplicitVRLittleEndian, ExplicitVRLittleEndian), name
        if ds.get("InstanceNumber") not in (None, ""):
            assert info.instance_number == int(ds.InstanceNumber), name
        compared += 1
    assert compared >= 60  # a good sample, not a lucky few


def test_bundled_truncated_files_are_corrupt():
    for name in ("MR_truncated.dcm", "rtplan_truncated.dcm"):
        with pytest.raises(HeaderError) as err:
            header_of(Path(pydicom.data.get_testdata_file(name)))
        assert err.value.kind == "corrupt", name


def test_bundled_dicomdir_is_recognised():
    info = header_of(Path(pydicom.data.get_testdata_file("DICOMDIR")))
    assert info.is_dicomdir


def test_invalid_values_read_by_pydicom_are_not_logged(tmp_path, caplog):
    """Privacy: the big endian path goes through pydicom, which logs invalid values verbatim."""
    ds = make_ct_dataset(StudySpec(birth_date="Geheim"), series_uid=generate_uid())  # not a valid DA
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    path = tmp_path / "BIGEND"
    ds.save_as(path, enforce_file_format=True)
    with caplog.at_level("DEBUG"):
        info = header_of(path)
    assert info.birth_date == "Geheim"
    assert "Invalid value for VR DA" in caplog.text  # pydicom did complain ...
    assert "Geheim" not in caplog.text  # ... without the value
