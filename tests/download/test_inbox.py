"""Community inbox against the real portal: import, forward to a PACS, mark imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from downloadmanager.core.inbox import InboxImporter
from portal.communities import create_community
from tests.dicom_factory import StudySpec
from tests.dicomnet.conftest import make_receiver  # noqa: F401
from tests.portal.seed import seed_study

ROOT = Path(__file__).resolve().parents[2]


def test_inbox_imports_forwards_and_marks(portal, make_user, make_receiver, tmp_path):
    create_community(portal.engine, "Radiologie", "rA1X")
    member = make_user("rA1X")
    first = seed_study(portal.engine, portal.data_dir, "rA1X", StudySpec(patient_id="A"), per_series=2)
    second = seed_study(portal.engine, portal.data_dir, "rA1X", StudySpec(patient_name="Zweit^Z",
                                                                           patient_id="B"), per_series=3)
    receiver = make_receiver()
    importer = InboxImporter(portal.url, lambda: member.token, "rA1X", tmp_path / "in",
                             send_to=receiver.node, retry_delay=0.01)
    report = importer.poll_once()
    assert report.ok and {o.study_instance_uid for o in report.outcomes} == {first.uid, second.uid}
    assert len(receiver.received) == 4 + 6
    assert {str(ds.SOPInstanceUID) for ds in receiver.received} == set(first.files) | set(second.files)
    assert len(list((tmp_path / "in").rglob("*.dcm"))) == 10
    inbox = requests.get(f"{portal.url}/api/communities/rA1X/inbox?imported=false",
                         headers=member.headers, timeout=30).json()
    assert inbox["studies"] == []
    # Nothing new: the next poll imports nothing.
    assert importer.poll_once().outcomes == []


def test_inbox_keeps_study_when_pacs_fails(portal, make_user, make_receiver, tmp_path):
    create_community(portal.engine, "Radiologie", "rB2X")
    member = make_user("rB2X")
    study = seed_study(portal.engine, portal.data_dir, "rB2X", StudySpec(), per_series=2)
    receiver = make_receiver()
    receiver.statuses[next(iter(study.files))] = 0xA700
    importer = InboxImporter(portal.url, lambda: member.token, "rB2X", tmp_path / "in",
                             send_to=receiver.node, retry_delay=0.01)
    [outcome] = importer.poll_once().outcomes
    assert not outcome.imported and "not stored" in outcome.error.message("en")
    assert outcome.error.code == "inbox_pacs_incomplete"
    assert "nicht gespeichert" in outcome.error.message("de")
    inbox = requests.get(f"{portal.url}/api/communities/rB2X/inbox?imported=false",
                         headers=member.headers, timeout=30).json()
    assert [s["study_instance_uid"] for s in inbox["studies"]] == [study.uid]


def test_inbox_cli(portal, make_user, tmp_path):
    create_community(portal.engine, "Radiologie", "rC3X")
    member = make_user("rC3X")
    study = seed_study(portal.engine, portal.data_dir, "rC3X", StudySpec(), per_series=2)
    env = {**os.environ, "DOWNLOADMANAGER_HOME": str(tmp_path / "home"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    res = subprocess.run([sys.executable, "-m", "downloadmanager", "inbox", "--community", "rC3X",
                          "--to", str(tmp_path / "in"), "--dicomdir", "--server", portal.url,
                          "--email", member.email, "--password-stdin", "--json"],
                         input=member.password + "\n", capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    line = json.loads(res.stdout.strip().splitlines()[-1])
    assert line["imported"] and line["study_instance_uid"] == study.uid and line["instances"] == 4
    assert (Path(line["outputs"][0]) / "DICOMDIR").is_file()
