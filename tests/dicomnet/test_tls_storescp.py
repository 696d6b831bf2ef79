"""DICOM TLS against DCMTK ``storescp +tls``, with a certificate made in the test by ``openssl``.

The PACS's certificate is verified by default: with its CA file the send
works, without it the send fails with a clear "not trusted" outcome (exit
code 3, no traceback).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dicom_factory import write_study
from tests.dicomnet.netns import in_netns, netns_available, network_namespace, wait_for_port

STORESCP = "/usr/bin/storescp"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"

pytestmark = [pytest.mark.skipif(not netns_available(), reason="needs root and ip netns"),
              pytest.mark.skipif(not os.path.exists(STORESCP) or not os.path.exists(OPENSSL),
                                 reason="needs DCMTK storescp and openssl")]


def _make_cert(folder: Path) -> tuple[Path, Path]:
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=pacs.test",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return key, cert


def test_send_over_tls_verifies_the_pacs_certificate(tmp_path):
    key, cert = _make_cert(tmp_path)
    write_study(tmp_path / "study", series=1, per_series=3)
    out = tmp_path / "received"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
           "DOWNLOADMANAGER_HOME": str(tmp_path / "home"), "LANG": "en_US.UTF-8"}

    def cli(ns, *args):
        return subprocess.run(in_netns(ns, [sys.executable, "-m", "downloadmanager", *args]),
                              capture_output=True, text=True, timeout=120, env=env)

    with network_namespace() as ns:
        scp = subprocess.Popen(in_netns(ns, [STORESCP, "+tls", str(key), str(cert), "-ic",
                                             "-aet", "TLSSCP", "-od", str(out), "2762"]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(ns, 2762)
            assert cli(ns, "nodes", "add", "secure", "TLSSCP@127.0.0.1:2762", "--tls",
                       "--tls-ca-file", str(cert)).returncode == 0
            assert cli(ns, "nodes", "add", "untrusted", "TLSSCP@127.0.0.1:2762", "--tls").returncode == 0
            saved = json.loads((tmp_path / "home" / "config" / "settings.json").read_text())
            assert {n["name"]: n["tls"]["verify"] for n in saved["dicom"]["nodes"]} == \
                {"secure": True, "untrusted": True}
            bad = cli(ns, "send", str(tmp_path / "study"), "--to", "untrusted")
            assert bad.returncode == 3, bad.stdout + bad.stderr
            assert "not trusted" in bad.stdout and "Traceback" not in bad.stdout + bad.stderr
            good = cli(ns, "send", str(tmp_path / "study"), "--to", "secure", "--json")
            assert good.returncode == 0, good.stdout + good.stderr
            assert json.loads(good.stdout)["stored"] == 3
            echo = cli(ns, "echo", "secure")
            assert echo.returncode == 0, echo.stderr
        finally:
            scp.terminate()
            scp.wait(10)
    assert len(list(out.iterdir())) == 3
