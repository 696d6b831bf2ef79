"""DICOMweb over real HTTP, with plain requests and with the dicomweb-client library."""

from __future__ import annotations

import io

import pydicom
import pytest
import requests
from dicomweb_client.api import DICOMwebClient

from portal.communities import create_community
from tests.dicom_factory import StudySpec
from tests.portal.seed import seed_study


@pytest.fixture
def hospital(portal, make_user):
    """Community bM1X with two studies, and a member's token."""
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    ct = seed_study(portal.engine, portal.data_dir, "bM1X",
                    StudySpec(patient_name="Müller^Jürgen", patient_id="P-1",
                              study_date="20261101", accession_number="A1"),
                    series_count=2, per_series=3)
    other = seed_study(portal.engine, portal.data_dir, "bM1X",
                       StudySpec(patient_name="Schmidt^Eva", patient_id="P-2",
                                 study_date="20261115", accession_number="A2"),
                       series_count=1, per_series=2)
    return ct, other, make_user("bM1X")


def client_for(portal, user) -> DICOMwebClient:
    return DICOMwebClient(url=f"{portal.url}/dicomweb", headers=user.headers)


def test_qido_studies_plain_http(portal, hospital):
    ct, other, user = hospital
    answer = requests.get(f"{portal.url}/dicomweb/studies", headers=user.headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/dicom+json")
    found = {s["0020000D"]["Value"][0]: s for s in answer.json()}
    assert set(found) == {ct.uid, other.uid}
    study = found[ct.uid]
    assert study["00100010"] == {"vr": "PN", "Value": [{"Alphabetic": "Müller^Jürgen"}]}
    assert study["00100020"]["Value"] == ["P-1"]
    assert study["00080061"] == {"vr": "CS", "Value": ["CT"]}
    assert study["00201206"]["Value"] == [2]
    assert study["00201208"] == {"vr": "IS", "Value": [6]}
    assert study["00080020"]["Value"] == ["20261101"]
    assert study["00081190"]["Value"] == [f"{portal.url}/dicomweb/studies/{ct.uid}"]


def test_qido_matching_and_paging(portal, hospital):
    ct, other, user = hospital

    def uids(**params):
        answer = requests.get(f"{portal.url}/dicomweb/studies", params=params,
                              headers=user.headers)
        assert answer.status_code == 200, answer.text
        return [s["0020000D"]["Value"][0] for s in answer.json()]

    assert uids(StudyInstanceUID=ct.uid) == [ct.uid]
    assert uids(**{"0020000D": other.uid}) == [other.uid]
    assert sorted(uids(StudyInstanceUID=f"{ct.uid},{other.uid}")) == sorted([ct.uid, other.uid])
    assert uids(PatientID="P-2") == [other.uid]
    assert uids(PatientName="müller*") == [ct.uid]
    assert uids(PatientName="*EVA") == [other.uid]
    assert uids(StudyDate="20261110-") == [other.uid]
    assert uids(StudyDate="-20261105") == [ct.uid]
    assert uids(AccessionNumber="A?") and len(uids(AccessionNumber="A?")) == 2
    assert uids(ModalitiesInStudy="MR") == []
    assert len(uids(ModalitiesInStudy="CT")) == 2
    everything = uids()
    assert uids(limit=1) == everything[:1]
    assert uids(limit=1, offset=1) == everything[1:2]
    assert uids(offset=2) == []
    unsupported = requests.get(f"{portal.url}/dicomweb/studies",
                               params={"ReferringPhysicianName": "X"}, headers=user.headers)
    assert unsupported.status_code == 200 and "ReferringPhysicianName" in \
        unsupported.headers["warning"]
    assert requests.get(f"{portal.url}/dicomweb/studies", params={"limit": "x"},
                        headers=user.headers).status_code == 400


def test_qido_series_and_instances(portal, hospital):
    ct, _other, user = hospital
    series = requests.get(f"{portal.url}/dicomweb/studies/{ct.uid}/series",
                          headers=user.headers).json()
    assert {s["0020000E"]["Value"][0] for s in series} == set(ct.series)
    assert all(s["00201209"]["Value"] == [3] and s["00080060"]["Value"] == ["CT"]
               for s in series)
    series_uid = next(iter(ct.series))
    inst = requests.get(f"{portal.url}/dicomweb/studies/{ct.uid}/series/{series_uid}/instances",
                        headers=user.headers).json()
    assert [i["00080018"]["Value"][0] for i in inst] == ct.series[series_uid]
    assert all(i["00080016"]["Value"] == ["1.2.840.10008.5.1.4.1.1.2"] for i in inst)
    study_inst = requests.get(f"{portal.url}/dicomweb/studies/{ct.uid}/instances",
                              headers=user.headers).json()
    assert {i["00080018"]["Value"][0] for i in study_inst} == set(ct.files)
    everywhere = requests.get(f"{portal.url}/dicomweb/instances", headers=user.headers).json()
    assert len(everywhere) == 8
    all_series = requests.get(f"{portal.url}/dicomweb/series", params={"PatientID": "P-1"},
                              headers=user.headers).json()
    assert len(all_series) == 2
    missing = requests.get(f"{portal.url}/dicomweb/studies/{ct.uid}/series/1.2.3/instances",
                           headers=user.headers)
    assert missing.status_code == 404


def test_wado_study_multipart_is_byte_exact(portal, hospital):
    ct, _other, user = hospital
    answer = requests.get(f"{portal.url}/dicomweb/studies/{ct.uid}", headers={
        **user.headers, "Accept": 'multipart/related; type="application/dicom"'})
    assert answer.status_code == 200
    content_type = answer.headers["content-type"]
    assert content_type.startswith("multipart/related") and 'type="application/dicom"' in \
        content_type
    assert int(answer.headers["content-length"]) == len(answer.content)
    boundary = content_type.split("boundary=")[1].strip('"').encode()
    parts = answer.content.split(b"--" + boundary)
    bodies = [p.split(b"\r\n\r\n", 1)[1][:-2] for p in parts[1:-1]]
    assert sorted(bodies) == sorted(ct.files.values())
    assert parts[-1] == b"--\r\n"


def test_wado_refuses_transfer_syntax_it_cannot_send(portal, hospital):
    ct, _other, user = hospital
    jpeg = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50'
    answer = requests.get(f"{portal.url}/dicomweb/studies/{ct.uid}",
                          headers={**user.headers, "Accept": jpeg})
    assert answer.status_code == 406
    ok = requests.get(f"{portal.url}/dicomweb/studies/{ct.uid}", headers={
        **user.headers, "Accept": 'multipart/related; type="application/dicom"; '
                                  'transfer-syntax=1.2.840.10008.1.2.1'})
    assert ok.status_code == 200
    json_only = requests.get(f"{portal.url}/dicomweb/studies/{ct.uid}",
                             headers={**user.headers, "Accept": "application/json"})
    assert json_only.status_code == 406


def test_dicomweb_client_library(portal, hospital):
    ct, other, user = hospital
    client = client_for(portal, user)
    studies = client.search_for_studies()
    assert {s["0020000D"]["Value"][0] for s in studies} == {ct.uid, other.uid}
    assert [s["0020000D"]["Value"][0] for s in client.search_for_studies(
        search_filters={"PatientID": "P-2"})] == [other.uid]
    series = client.search_for_series(study_instance_uid=ct.uid)
    assert {s["0020000E"]["Value"][0] for s in series} == set(ct.series)
    retrieved = client.retrieve_study(ct.uid)
    assert {str(ds.SOPInstanceUID) for ds in retrieved} == set(ct.files)
    for ds in retrieved:
        original = pydicom.dcmread(io.BytesIO(ct.files[str(ds.SOPInstanceUID)]))
        assert ds.PixelData == original.PixelData
        assert ds.PatientName == "Müller^Jürgen"
    series_uid, sops = next(iter(ct.series.items()))
    one = client.retrieve_instance(ct.uid, series_uid, sops[1])
    assert str(one.SOPInstanceUID) == sops[1]
    assert len(client.retrieve_series(ct.uid, series_uid)) == 3
    metadata = client.retrieve_study_metadata(ct.uid)
    assert len(metadata) == 6
    by_sop = {m["00080018"]["Value"][0]: m for m in metadata}
    assert set(by_sop) == set(ct.files)
    sample = by_sop[sops[0]]
    assert sample["00100010"]["Value"][0]["Alphabetic"] == "Müller^Jürgen"
    assert sample["00280010"]["Value"] == [64]  # Rows, read from the stored header
    assert "7FE00010" not in sample
    instances = client.search_for_instances(study_instance_uid=ct.uid, series_instance_uid=series_uid)
    assert len(instances) == 3
    series_meta = client.retrieve_series_metadata(ct.uid, series_uid)
    assert {m["00080018"]["Value"][0] for m in series_meta} == set(sops)


def test_dicomweb_needs_token(portal, hospital):
    ct, _other, _user = hospital
    for path in ("/dicomweb/studies", f"/dicomweb/studies/{ct.uid}",
                 f"/dicomweb/studies/{ct.uid}/metadata"):
        answer = requests.get(f"{portal.url}{path}")
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
    bad = requests.get(f"{portal.url}/dicomweb/studies", headers={"Authorization": "Bearer x"})
    assert bad.status_code == 401
