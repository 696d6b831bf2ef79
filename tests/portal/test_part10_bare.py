"""The portal reads bare datasets it stored from old uploads and hands them out as Part 10."""

from __future__ import annotations

import io

import pydicom
import requests

from portal.communities import create_community
from tests.dicom_factory import StudySpec, write_study
from tests.portal.seed import seed_study


def _study_with_bare_instances(portal, make_user, tmp_path):
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    spec = StudySpec(patient_name="Alt^Bestand", patient_id="P-OLD")
    files = write_study(tmp_path / "cd", spec, series=1, per_series=2, preamble=False)
    files += write_study(tmp_path / "cd2", spec, series=1, per_series=1, preamble=False, implicit=True)
    files += write_study(tmp_path / "cd3", spec, series=1, per_series=1)  # one Part-10 file too
    study = seed_study(portal.engine, portal.data_dir, "bM1X", files=files)
    return study, make_user("bM1X")


def test_metadata_of_a_study_with_bare_instances_is_200(portal, make_user, tmp_path):
    study, user = _study_with_bare_instances(portal, make_user, tmp_path)
    answer = requests.get(f"{portal.url}/dicomweb/studies/{study.uid}/metadata", headers=user.headers)
    assert answer.status_code == 200, answer.text
    got = {m["00080018"]["Value"][0]: m for m in answer.json()}
    assert set(got) == set(study.files)
    for meta in got.values():
        assert meta["00100020"]["Value"] == ["P-OLD"]
        assert meta["00280010"]["Value"] == [64]


def test_wado_hands_out_bare_instances_as_part10_with_the_stored_dataset(portal, make_user, tmp_path):
    study, user = _study_with_bare_instances(portal, make_user, tmp_path)
    answer = requests.get(f"{portal.url}/dicomweb/studies/{study.uid}", headers={
        **user.headers, "Accept": 'multipart/related; type="application/dicom"'})
    assert answer.status_code == 200
    assert int(answer.headers["content-length"]) == len(answer.content)
    boundary = answer.headers["content-type"].split("boundary=")[1].strip('"').encode()
    bodies = [p.split(b"\r\n\r\n", 1)[1][:-2] for p in answer.content.split(b"--" + boundary)[1:-1]]
    assert len(bodies) == 4
    for body in bodies:
        assert body[128:132] == b"DICM"
        ds = pydicom.dcmread(io.BytesIO(body))  # strict: a Part-10 file
        stored = study.files[ds.SOPInstanceUID]
        assert body.endswith(stored)  # the stored bytes, unchanged
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.pixel_array.shape == (64, 64)
