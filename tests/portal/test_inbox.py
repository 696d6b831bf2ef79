"""A community's inbox: what members see, marking imported, filters."""

from __future__ import annotations

import requests

from portal.communities import create_community
from tests.dicom_factory import StudySpec
from tests.portal.seed import make_pdf, seed_study


def test_inbox_lists_received_studies_for_members(portal, make_user):
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    sender = make_user()
    study = seed_study(portal.engine, portal.data_dir, "bM1X", StudySpec(),
                       sender_user_id=sender.id, note="Bitte bis Montag befunden",
                       docs={"Befund.pdf": make_pdf("Befund")})
    member = make_user("bM1X")
    answer = requests.get(f"{portal.url}/api/communities/bM1X/inbox", headers=member.headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["community"] == {"name": "Radiologie Klinikum Saarbrücken", "code": "bM1X"}
    [item] = body["studies"]
    assert item["study_instance_uid"] == study.uid
    assert item["sender_email"] == sender.email
    assert item["note"] == "Bitte bis Montag befunden"
    assert item["instance_count"] == 6 and item["series_count"] == 2
    assert item["bytes"] == sum(map(len, study.files.values())) + len(study.documents["Befund.pdf"])
    assert item["received_at"].endswith("Z") and item["imported"] is False
    [doc] = item["documents"]
    assert doc["filename"] == "Befund.pdf" and doc["size"] == len(study.documents["Befund.pdf"])
    download = requests.get(f"{portal.url}{doc['url']}", headers=member.headers)
    assert download.content == study.documents["Befund.pdf"]
    # The sender is not a member: he cannot read the inbox.
    assert requests.get(f"{portal.url}/api/communities/bM1X/inbox",
                        headers=sender.headers).status_code == 403
    assert requests.get(f"{portal.url}/api/communities/Zz99/inbox",
                        headers=member.headers).status_code == 404


def test_mark_imported_and_filter(portal, make_user):
    create_community(portal.engine, "Klinik", "bM1X")
    first = seed_study(portal.engine, portal.data_dir, "bM1X", series_count=1, per_series=1)
    second = seed_study(portal.engine, portal.data_dir, "bM1X", series_count=1, per_series=1)
    member = make_user("bM1X")
    url = f"{portal.url}/api/communities/bM1X/inbox"
    marked = requests.post(f"{url}/{first.uid}/imported", headers=member.headers)
    assert marked.status_code == 200 and marked.json()["imported"] is True
    again = requests.post(f"{url}/{first.uid}/imported", headers=member.headers)
    assert again.json()["imported_at"] == marked.json()["imported_at"]

    def uids(**params):
        return [s["study_instance_uid"] for s in
                requests.get(url, params=params, headers=member.headers).json()["studies"]]

    assert uids(imported="false") == [second.uid]
    assert uids(imported="true") == [first.uid]
    assert sorted(uids()) == sorted([first.uid, second.uid])
    assert uids(since="2999-01-01T00:00:00Z") == []
    assert sorted(uids(since="2000-01-01T00:00:00Z")) == sorted([first.uid, second.uid])
    assert requests.post(f"{url}/1.2.3.4/imported", headers=member.headers).status_code == 404
