"""Fuzzed files through the real portal over HTTP: tus upload, ingest, receipt, QIDO and WADO metadata.

A bundle of mutated files (``tests/fuzz/mutate.py``, fixed seed) is uploaded
the way the client does; the manifest describes each file as a scanning
client would (UIDs from its header, or made-up ones when it has none).
No answer may be a 5xx, every file the portal cannot read is rejected by
name in the receipt, and the metadata of what it accepted reads back.
"""

from __future__ import annotations

import hashlib
import json
import os

import pydicom
import requests

from portal.ingest import read_header
from tests.fuzz.mutate import mutants
from tests.portal.test_tus_helpers import TusCalls, community, tar_bytes, wait_receipt

COUNT = int(os.environ.get("FUZZ_INGEST_COUNT", "300"))


def test_fuzzed_bundle_is_ingested_without_5xx_and_bad_files_are_rejected(portal, make_user, tmp_path):
    user = make_user()
    code = community(portal)
    calls = TusCalls(portal.url, user.token)
    study_uid = pydicom.uid.generate_uid()
    instances, payloads, unreadable, used = [], {}, set(), set()
    for n, m in enumerate(mutants(COUNT, start=50_000), start=1):
        name = f"dicom/{n:06d}.dcm"
        path = tmp_path / f"{n:06d}"
        path.write_bytes(m.data)
        try:
            header = read_header(path)
            sop, series = header["sop_instance_uid"], header.get("series_instance_uid") or ""
        except ValueError:
            unreadable.add(name)
            sop, series = "", ""
        uid_ok = lambda u: bool(u) and len(u) <= 64 and all(c in "0123456789." for c in u)  # noqa: E731
        sop = sop if uid_ok(sop) and sop not in used else pydicom.uid.generate_uid()
        used.add(sop)  # mutants of one seed share UIDs; a manifest may not repeat one
        instances.append({
            "name": name,
            "sop_instance_uid": sop,
            "sop_class_uid": "1.2.840.10008.5.1.4.1.1.7",
            "series_instance_uid": series if uid_ok(series) else pydicom.uid.generate_uid(),
            "size": len(m.data), "sha256": hashlib.sha256(m.data).hexdigest()})
        payloads[name] = m.data
    manifest = {"format": "downloadmanager-bundle", "version": 1, "created": "2026-12-03T07:00:00Z",
                "client": "fuzz", "study_instance_uid": study_uid, "note": None,
                "instances": instances, "documents": [],
                "totals": {"instances": len(instances), "documents": 0,
                           "bytes": sum(i["size"] for i in instances)}}
    bundle = tar_bytes([("manifest.json", json.dumps(manifest).encode())] + list(payloads.items()))
    url = calls.upload(bundle, code)
    receipt = wait_receipt(calls, url, timeout=240)
    assert receipt["state"] in ("done", "partial", "rejected"), receipt
    statuses = {i["name"]: i for i in receipt["instances"]}
    assert set(statuses) == set(payloads)
    for name in unreadable:
        assert statuses[name]["status"] == "rejected", statuses[name]
    accepted = [i for i in receipt["instances"] if i["status"] != "rejected"]
    # QIDO and WADO metadata over what was accepted: never a 5xx.
    for path in ("/dicomweb/studies", f"/dicomweb/studies?limit=50"):
        answer = requests.get(portal.url + path, headers=user.headers, timeout=60)
        assert answer.status_code < 500, answer.text
    for study in requests.get(portal.url + "/dicomweb/studies", headers=user.headers, timeout=60).json():
        uid = study["0020000D"]["Value"][0]
        for suffix in ("/metadata", "/series", "/instances"):
            answer = requests.get(f"{portal.url}/dicomweb/studies/{uid}{suffix}", headers=user.headers,
                                  timeout=120)
            assert answer.status_code < 500, (suffix, answer.status_code, answer.text[:300])
    assert len(accepted) + len([i for i in receipt["instances"] if i["status"] == "rejected"]) == COUNT
