"""End to end over real HTTP: a practice uploads a bundle through tus, creates a code,
and a physician downloads the study with the code (DICOMweb, archive, documents)."""

from __future__ import annotations

import hashlib
import io
import tarfile

import requests
from dicomweb_client.api import DICOMwebClient

from portal.communities import create_community
from tests.dicom_factory import StudySpec
from tests.portal.test_tus_helpers import (
    TusCalls, bundle_bytes, minimal_pdf, study_spec, wait_receipt,
)


def test_upload_bundle_then_download_with_code(portal, make_user, tmp_path):
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    practice = make_user()
    spec = study_spec(tmp_path / "study", series=2, per_series=3,
                      spec=StudySpec(patient_name="Weiß^Anna", birth_date="19651224"),
                      pdf=minimal_pdf())
    calls = TusCalls(portal.url, practice.token)
    receipt = wait_receipt(calls, calls.upload(bundle_bytes(spec), "bM1X"))
    assert receipt["state"] == "done", receipt

    created = requests.post(f"{portal.url}/api/codes", headers=practice.headers, json={
        "study_uids": [spec.study_uid], "birth_date": "1965-12-24"})
    assert created.status_code == 201, created.text
    redeemed = requests.post(f"{portal.url}/api/codes/redeem", json={
        "code": created.json()["code"], "birth_date": "1965-12-24"})
    assert redeemed.status_code == 200
    headers = {"Authorization": f"Bearer {redeemed.json()['token']}"}

    [listed] = requests.get(f"{portal.url}/api/codes/studies", headers=headers).json()["studies"]
    assert listed["patient_name"] == "Weiß^Anna" and listed["instance_count"] == 6
    assert listed["note"] == spec.note and len(listed["documents"]) == 1

    client = DICOMwebClient(url=f"{portal.url}/dicomweb", headers=headers)
    [found] = client.search_for_studies()
    assert found["0020000D"]["Value"] == [spec.study_uid]
    assert found["00201208"]["Value"] == [6]
    retrieved = client.retrieve_study(spec.study_uid)
    sent = {i["sop_instance_uid"]: spec.payloads[i["name"]] for i in spec.instances}
    assert {str(ds.SOPInstanceUID) for ds in retrieved} == set(sent)
    # Byte-exact through tus, ingest and WADO-RS.
    raw = requests.get(f"{portal.url}/dicomweb/studies/{spec.study_uid}", headers=headers)
    boundary = raw.headers["content-type"].split("boundary=")[1].encode()
    bodies = [p.split(b"\r\n\r\n", 1)[1][:-2] for p in raw.content.split(b"--" + boundary)[1:-1]]
    assert sorted(bodies) == sorted(sent.values())

    archive = requests.get(f"{portal.url}/api/studies/{spec.study_uid}/archive", headers=headers)
    with tarfile.open(fileobj=io.BytesIO(archive.content)) as tar:
        pdfs = [m for m in tar.getmembers() if m.name.startswith("documents/")]
        assert len(pdfs) == 1 and tar.extractfile(pdfs[0]).read() == minimal_pdf()
        dicoms = {hashlib.sha256(tar.extractfile(m).read()).hexdigest()
                  for m in tar.getmembers() if m.name.startswith("dicom/")}
    assert dicoms == {i["sha256"] for i in spec.instances}
    # The hospital sees it in its inbox, with the sender.
    member = make_user("bM1X")
    inbox = requests.get(f"{portal.url}/api/communities/bM1X/inbox", headers=member.headers)
    [item] = inbox.json()["studies"]
    assert item["sender_email"] == practice.email and item["study_instance_uid"] == spec.study_uid
