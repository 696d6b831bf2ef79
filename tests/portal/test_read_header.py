"""The portal's header reader gives the same answer from a member's first bytes as from its file.

The verifier parses the header from the bytes it has just hashed (``head``)
and reads the file again only when the header runs past them.
"""

from __future__ import annotations

import pytest
from pydicom.uid import generate_uid

from portal.ingest import read_header
from tests.dicom_factory import StudySpec, make_ct_dataset
from tests.fuzz.mutate import mutants


def _both(path, head_bytes: int):
    """read_header from the file and from its first HEAD_BYTES: (answer, answer)."""
    data = path.read_bytes()
    answers = []
    for head in (None, data[:head_bytes]):
        try:
            answers.append(read_header(path, head, len(data) if head is not None else None))
        except ValueError:
            answers.append("not DICOM")
    return answers


def test_header_from_the_head_equals_the_header_from_the_file(tmp_path):
    ds = make_ct_dataset(StudySpec(patient_name="Müller^Jürgen", charset="ISO_IR 100"),
                         series_uid=generate_uid())
    path = tmp_path / "ct.dcm"
    ds.save_as(path, enforce_file_format=True)
    from_file, from_head = _both(path, 1024 * 1024)
    assert from_file == from_head
    assert from_head["patient_name"] == "Müller^Jürgen"


@pytest.mark.parametrize("head_bytes", [300, 4096, 65536])
def test_a_header_longer_than_the_head_is_read_from_the_file(tmp_path, head_bytes):
    """A long private element before the patient's name: the head ends inside the header."""
    ds = make_ct_dataset(StudySpec(patient_name="Lang^Privat"), series_uid=generate_uid())
    ds.add_new(0x00090010, "LO", "ACME 1.0")
    ds.add_new(0x00091001, "OB", bytes(200_000))
    path = tmp_path / "long.dcm"
    ds.save_as(path, enforce_file_format=True)
    from_file, from_head = _both(path, head_bytes)
    assert from_head == from_file
    assert from_head["patient_name"] == "Lang^Privat"


def test_fuzzed_files_get_the_same_verdict_from_head_and_file(tmp_path):
    for n, mutant in enumerate(mutants(300, start=70_000)):
        path = tmp_path / f"{n:04d}"
        path.write_bytes(mutant.data)
        for head_bytes in (512, 8192):
            from_file, from_head = _both(path, head_bytes)
            assert from_head == from_file, (n, head_bytes)
