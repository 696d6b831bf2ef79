"""Every decodable corpus file reaches a PACS that accepts only uncompressed syntaxes, pixel-identical.

DCMTK ``storescp`` without options accepts only the uncompressed transfer
syntaxes: the stand-in for a PACS that needs decompression. It runs in a
private network namespace (it listens on 0.0.0.0); ``downloadmanager send``
runs in the same namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.codecs.corpus import decodable_files, reference_pixels, rounds
from tests.dicomnet.netns import in_netns, netns_available, network_namespace, wait_for_port

STORESCP = "/usr/bin/storescp"

_HOME = tempfile.mkdtemp(prefix="dm-home-")  # the send journal of these runs stays out of the user's data

pytestmark = [pytest.mark.skipif(not netns_available(), reason="needs root and ip netns"),
              pytest.mark.skipif(not os.path.exists(STORESCP), reason="needs DCMTK storescp")]


def _send(ns: str, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        in_netns(ns, [sys.executable, "-m", "downloadmanager", "send", str(folder),
                      "--to", "STORESCP@127.0.0.1:11112", "--json", "--again"]),
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
                               "DOWNLOADMANAGER_HOME": _HOME})


def test_corpus_arrives_decompressed_and_pixel_identical(tmp_path):
    files = decodable_files()
    compressed = {f.transfer_syntax for f in files if pydicom.uid.UID(f.transfer_syntax).is_compressed}
    assert len(compressed) >= 8
    checked = {"lossless": 0, "lossy": 0}
    with network_namespace() as ns:
        out = tmp_path / "received"
        out.mkdir()
        scp = subprocess.Popen(in_netns(ns, ["env", "TCP_NODELAY=1", STORESCP, "-aet", "STORESCP",
                                             "-od", str(out), "11112"]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(ns, 11112)
            for number, group in enumerate(rounds(files)):
                folder = tmp_path / f"round{number}"
                folder.mkdir()
                for i, f in enumerate(group):
                    target = folder / f"{i:03d}_{f.path.name}"
                    if f.sendable:
                        shutil.copyfile(f.path, target)
                    else:  # the JPEG-LS near-lossless samples lack study/series UIDs: add them
                        ds = pydicom.dcmread(f.path)
                        ds.StudyInstanceUID = ds.get("StudyInstanceUID") or pydicom.uid.generate_uid()
                        ds.SeriesInstanceUID = ds.get("SeriesInstanceUID") or pydicom.uid.generate_uid()
                        ds.save_as(target)
                res = _send(ns, folder)
                assert "Traceback" not in res.stderr, res.stderr
                doc = json.loads(res.stdout)
                failed = [(o["path"], o["detail"]) for o in doc["instances"] if not o["state"] in ("stored", "warning")]
                assert not failed, failed
                sent = {Path(o["path"]).name for o in doc["instances"]}
                assert doc["stored"] == len(group), sorted({p.name for p in folder.iterdir()} - sent)
                received = {pydicom.dcmread(p).SOPInstanceUID: p for p in out.iterdir()}
                for f in group:
                    got = pydicom.dcmread(received[f.sop_instance])
                    assert not got.file_meta.TransferSyntaxUID.is_compressed
                    mine, ref = got.pixel_array, reference_pixels(f.path)
                    assert mine.shape == ref.shape, f.path.name
                    if f.lossless:
                        assert np.array_equal(mine, ref), f"{f.path.name} ({f.transfer_syntax}) changed"
                        checked["lossless"] += 1
                    else:
                        checked["lossy"] += 1
                for p in out.iterdir():
                    p.unlink()
        finally:
            scp.terminate()
            scp.wait(10)
    assert checked["lossless"] >= 60 and checked["lossy"] >= 10, checked
