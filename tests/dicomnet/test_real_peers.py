"""C-ECHO and C-STORE into real DICOM peers: DCMTK storescp and Orthanc.

Both listen on 0.0.0.0 with no bind option, so each runs in a private network
namespace with only loopback up; our client (the ``downloadmanager`` command)
runs in the same namespace through ``ip netns exec``. Needs root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.dicom_factory import StudySpec, write_study
from tests.dicomnet.netns import in_netns, netns_available, network_namespace, wait_for_port

STORESCP = "/usr/bin/storescp"  # not the venv's pynetdicom storescp
ORTHANC = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
CURL = shutil.which("curl") or "/usr/bin/curl"

_HOME = tempfile.mkdtemp(prefix="dm-home-")  # the send journal of these runs stays out of the user's data

pytestmark = pytest.mark.skipif(not netns_available(), reason="needs root and ip netns")


def _cli(ns: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(in_netns(ns, [sys.executable, "-m", "downloadmanager", *args]),
                          capture_output=True, text=True, timeout=180,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
                               "DOWNLOADMANAGER_HOME": _HOME})


def test_storescp_receives_everything(tmp_path):
    assert os.path.exists(STORESCP), "DCMTK storescp is required (apt-get install dcmtk)"
    write_study(tmp_path / "study", StudySpec(patient_name="Müller^Jürgen", charset="ISO_IR 100"),
                series=3, per_series=7)
    out = tmp_path / "received"
    out.mkdir()
    with network_namespace() as ns:
        scp = subprocess.Popen(in_netns(ns, ["env", "TCP_NODELAY=1", STORESCP, "-aet", "STORESCP",
                                             "-od", str(out), "11112"]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(ns, 11112)
            echo = _cli(ns, "echo", "STORESCP@127.0.0.1:11112")
            assert echo.returncode == 0, echo.stderr
            res = _cli(ns, "send", str(tmp_path / "study"), "--to", "STORESCP@127.0.0.1:11112", "--json")
            assert res.returncode == 0, res.stderr + res.stdout
            doc = json.loads(res.stdout)
            assert doc["stored"] == 21 and doc["failed"] == 0
        finally:
            scp.terminate()
            scp.wait(10)
    received = sorted(out.iterdir())
    assert len(received) == 21
    # storescp wrote Part-10 files whose datasets equal what we sent.
    from pydicom import dcmread
    sent = {dcmread(p).SOPInstanceUID: dcmread(p) for p in (tmp_path / "study").iterdir()}
    for path in received:
        got = dcmread(path)
        assert got.PixelData == sent[got.SOPInstanceUID].PixelData
        assert str(got.PatientName) == "Müller^Jürgen"


def _orthanc_config(tmp_path: Path) -> Path:
    config = {
        "Name": "dm-test",
        "StorageDirectory": str(tmp_path / "orthanc-storage"),
        "IndexDirectory": str(tmp_path / "orthanc-storage"),
        "DicomAet": "ORTHANC",
        "DicomPort": 4242,
        "HttpPort": 8042,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "DicomCheckCalledAet": True,
        "Plugins": [],
        "DicomModalities": {},
    }
    path = tmp_path / "orthanc.json"
    path.write_text(json.dumps(config))
    return path


def _orthanc_statistics(ns: str) -> dict:
    res = subprocess.run(in_netns(ns, [CURL, "-s", "http://127.0.0.1:8042/statistics"]),
                         capture_output=True, text=True, timeout=30)
    return json.loads(res.stdout)


@pytest.mark.skipif(not os.path.exists(ORTHANC), reason="Orthanc not installed (apt-get install orthanc)")
def test_orthanc_stores_everything_with_reconciliation(tmp_path):
    write_study(tmp_path / "study", StudySpec(patient_id="EXT-1"), series=2, per_series=5)
    config = _orthanc_config(tmp_path)
    with network_namespace() as ns:
        server = subprocess.Popen(in_netns(ns, [ORTHANC, str(config)]),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(ns, 4242, timeout=60)
            wait_for_port(ns, 8042, timeout=60)
            assert _cli(ns, "echo", "ORTHANC@127.0.0.1:4242").returncode == 0
            # Orthanc checks the called AE title: a wrong one is refused.
            wrong = _cli(ns, "echo", "NOTORTHANC@127.0.0.1:4242")
            assert wrong.returncode == 1 and "rejected" in wrong.stderr
            res = _cli(ns, "send", str(tmp_path / "study"), "--to", "ORTHANC@127.0.0.1:4242",
                       "--patient-id", "KH-77", "--issuer", "KLINIKUM", "--json")
            assert res.returncode == 0, res.stderr + res.stdout
            assert json.loads(res.stdout)["stored"] == 10
            stats = _orthanc_statistics(ns)
            assert stats["CountInstances"] == 10 and stats["CountSeries"] == 2
            assert stats["CountStudies"] == 1 and stats["CountPatients"] == 1
            patients = json.loads(subprocess.run(
                in_netns(ns, [CURL, "-s", "http://127.0.0.1:8042/patients?expand"]),
                capture_output=True, text=True, timeout=30).stdout)
            assert patients[0]["MainDicomTags"]["PatientID"] == "KH-77"
        finally:
            server.terminate()
            server.wait(30)
