"""Isolation: a member sees only his communities' studies, a code only its own."""

from __future__ import annotations

import pytest
import requests

from portal import codes
from portal.communities import create_community
from tests.dicom_factory import StudySpec
from tests.portal.seed import make_pdf, seed_study


@pytest.fixture
def two_communities(portal, make_user):
    create_community(portal.engine, "Klinikum A", "AAaa")
    create_community(portal.engine, "Praxis B", "BBbb")
    study_a = seed_study(portal.engine, portal.data_dir, "AAaa", StudySpec(patient_id="A-1"),
                         docs={"a.pdf": make_pdf("A")})
    study_b = seed_study(portal.engine, portal.data_dir, "BBbb", StudySpec(patient_id="B-1"),
                         docs={"b.pdf": make_pdf("B")})
    return study_a, study_b, make_user("AAaa"), make_user("BBbb")


def study_urls(study) -> list[str]:
    """Every per-study download/listing URL (beside the inbox)."""
    series_uid, sops = next(iter(study.series.items()))
    base = f"/dicomweb/studies/{study.uid}"
    return [
        base, f"{base}/metadata", f"{base}/series", f"{base}/instances",
        f"{base}/series/{series_uid}", f"{base}/series/{series_uid}/metadata",
        f"{base}/series/{series_uid}/instances",
        f"{base}/series/{series_uid}/instances/{sops[0]}",
        f"{base}/series/{series_uid}/instances/{sops[0]}/metadata",
        f"/api/studies/{study.uid}/archive", f"/api/studies/{study.uid}/manifest",
        f"/api/studies/{study.uid}/documents",
    ]


def assert_can_fetch(portal, headers, study):
    for path in study_urls(study):
        answer = requests.get(f"{portal.url}{path}", headers=headers)
        assert answer.status_code == 200, path


def assert_cannot_fetch(portal, headers, study, document_ids):
    for path in study_urls(study):
        answer = requests.get(f"{portal.url}{path}", headers=headers)
        assert answer.status_code == 404, path
        # Same answer as for a study that does not exist: nothing leaks.
        assert answer.json()["error"] == "not_found" and study.uid not in answer.text
    assert requests.head(f"{portal.url}/api/studies/{study.uid}/archive",
                         headers=headers).status_code == 404
    for doc_id in document_ids:
        answer = requests.get(f"{portal.url}/api/studies/{study.uid}/documents/{doc_id}",
                              headers=headers)
        assert answer.status_code == 404


def search_uids(portal, headers, level="/dicomweb/studies", **params):
    answer = requests.get(f"{portal.url}{level}", params=params, headers=headers)
    assert answer.status_code == 200
    return {item["0020000D"]["Value"][0] for item in answer.json()}


def document_ids(portal, headers, study):
    return [d["id"] for d in requests.get(f"{portal.url}/api/studies/{study.uid}/documents",
                                          headers=headers).json()]


def test_members_see_only_their_community(portal, two_communities):
    study_a, study_b, member_a, member_b = two_communities
    docs_b = document_ids(portal, member_b.headers, study_b)
    assert_can_fetch(portal, member_a.headers, study_a)
    assert_cannot_fetch(portal, member_a.headers, study_b, docs_b)
    for level in ("/dicomweb/studies", "/dicomweb/series", "/dicomweb/instances"):
        assert search_uids(portal, member_a.headers, level) == {study_a.uid}
        assert search_uids(portal, member_a.headers, level, PatientID="B-1") == set()
        assert search_uids(portal, member_a.headers, level,
                           StudyInstanceUID=study_b.uid) == set()
    inbox_b = requests.get(f"{portal.url}/api/communities/BBbb/inbox", headers=member_a.headers)
    assert inbox_b.status_code == 403 and study_b.uid not in inbox_b.text
    mark = requests.post(f"{portal.url}/api/communities/BBbb/inbox/{study_b.uid}/imported",
                         headers=member_a.headers)
    assert mark.status_code == 403
    inbox_a = requests.get(f"{portal.url}/api/communities/AAaa/inbox",
                           headers=member_a.headers).json()
    assert [s["study_instance_uid"] for s in inbox_a["studies"]] == [study_a.uid]
    # A member's own inbox cannot be used to mark another community's study.
    cross = requests.post(f"{portal.url}/api/communities/AAaa/inbox/{study_b.uid}/imported",
                          headers=member_a.headers)
    assert cross.status_code == 404


def test_code_opens_only_its_studies(portal, two_communities):
    study_a, study_b, member_a, member_b = two_communities
    secret = codes.load_secret(portal.data_dir)
    created = codes.create_code(portal.engine, secret, portal.url, [study_b.id], "1970-01-01")
    token = requests.post(f"{portal.url}/api/codes/redeem", json={
        "code": created.code, "birth_date": "1970-01-01"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    docs_a = document_ids(portal, member_a.headers, study_a)
    assert_can_fetch(portal, headers, study_b)
    assert_cannot_fetch(portal, headers, study_a, docs_a)
    for level in ("/dicomweb/studies", "/dicomweb/series", "/dicomweb/instances"):
        assert search_uids(portal, headers, level) == {study_b.uid}
    listed = requests.get(f"{portal.url}/api/codes/studies", headers=headers).json()["studies"]
    assert [s["study_instance_uid"] for s in listed] == [study_b.uid]
    for code in ("AAaa", "BBbb"):
        assert requests.get(f"{portal.url}/api/communities/{code}/inbox",
                            headers=headers).status_code == 403


def test_same_study_in_two_communities_stays_separate(portal, two_communities, make_user):
    """One Study Instance UID received by both: each member sees only his copy."""
    _study_a, _study_b, member_a, member_b = two_communities
    spec = StudySpec(patient_id="SHARED")
    copy_a = seed_study(portal.engine, portal.data_dir, "AAaa", spec, series_count=1,
                        per_series=2)
    copy_b = seed_study(portal.engine, portal.data_dir, "BBbb", spec, series_count=2,
                        per_series=2)
    assert copy_a.uid == copy_b.uid
    instances_a = requests.get(f"{portal.url}/dicomweb/studies/{copy_a.uid}/instances",
                               headers=member_a.headers).json()
    assert {i["00080018"]["Value"][0] for i in instances_a} == set(copy_a.files)
    manifest_b = requests.get(f"{portal.url}/api/studies/{copy_b.uid}/manifest",
                              headers=member_b.headers).json()
    assert {i["sop_instance_uid"] for i in manifest_b["instances"]} == set(copy_b.files)
