"""A DIMSE link that survives faults: every misbehaving peer ends in clear per-instance outcomes.

Peers: pynetdicom as SCP with handlers that stall, abort, reject
(permanently and transiently), answer warning/failure statuses and offer a
1,024-byte maximum PDU; a raw-socket peer (``rawpeer``) for protocol faults.
``StoreJob.run`` must never raise; each outcome has a reason in German and
English; a send journal makes the second run send only what failed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest
from pynetdicom import AE, AllStoragePresentationContexts, evt
from pynetdicom.sop_class import CTImageStorage, Verification

from downloadmanager.core.dicomnet import DicomNode, StoreJob
from downloadmanager.core.dicomnet.association import fragment_size_for
from downloadmanager.core.dicomnet.journal import SentJournal
from downloadmanager.core.dicomnet.nodes import Timeouts
from downloadmanager.core.scan import scan
from tests.dicom_factory import write_study
from tests.dicomnet import rawpeer

UNCOMPRESSED = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]
FAST = Timeouts(connect=5, association=5, dimse=1.5, release=1.5)


class Scp:
    """A pynetdicom storage SCP on 127.0.0.1 whose C-STORE handler a test scripts."""

    def __init__(self, on_store=None, max_pdu: int | None = None, configure=None) -> None:
        self.received: list[str] = []
        self.calls = 0
        self.on_store = on_store
        ae = AE(ae_title="SCP")
        for ctx in AllStoragePresentationContexts:
            ae.add_supported_context(ctx.abstract_syntax, UNCOMPRESSED)
        ae.add_supported_context(Verification)
        if max_pdu is not None:
            ae.maximum_pdu_size = max_pdu
        if configure:
            configure(ae)
        self.ae = ae

        def handle(event):
            self.calls += 1
            status = 0x0000
            if self.on_store:
                status = self.on_store(event, self.calls)
            if status is None or status in (0x0000,) or 0xB000 <= status <= 0xBFFF:
                self.received.append(str(event.request.AffectedSOPInstanceUID))
            return 0x0000 if status is None else status

        def on_open(event):
            event.assoc.dul.socket.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        self.server = ae.start_server(("127.0.0.1", 0), block=False,
                                      evt_handlers=[(evt.EVT_C_STORE, handle), (evt.EVT_CONN_OPEN, on_open)])
        self.node = DicomNode("SCP", "127.0.0.1", self.server.socket.getsockname()[1], timeouts=FAST)

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def study(tmp_path):
    write_study(tmp_path / "study", series=1, per_series=4)
    return scan(tmp_path / "study").instances()


@pytest.fixture
def scps():
    made = []
    yield lambda *a, **k: made.append(Scp(*a, **k)) or made[-1]
    for scp in made:
        scp.close()


def _by_uid(report):
    return {o.sop_instance_uid: o for o in report.outcomes}


def _assert_bilingual(outcome):
    assert outcome.messages["de"] and outcome.messages["en"], outcome
    assert outcome.messages["de"] != outcome.messages["en"]


def test_stalled_pacs_fails_one_instance_and_a_resend_sends_only_that(study, scps, tmp_path):
    stall_uid = study[1].sop_instance_uid
    stall = {"on": True}

    def on_store(event, n):
        if stall["on"] and str(event.request.AffectedSOPInstanceUID) == stall_uid:
            time.sleep(3)
        return 0

    scp = scps(on_store)
    journal = SentJournal(scp.node, tmp_path / "journal")
    report = StoreJob(study, scp.node, journal=journal).run()  # must not raise
    out = _by_uid(report)
    assert out[stall_uid].state == "failed" and out[stall_uid].reason == "dimse_timeout"
    assert "DIMSE" in out[stall_uid].messages["de"]
    _assert_bilingual(out[stall_uid])
    assert report.stored == 3 and report.failed == 1
    # Again, with the PACS healthy: only the failed instance goes out.
    stall["on"] = False
    before = scp.calls
    again = StoreJob(study, scp.node, journal=SentJournal(scp.node, tmp_path / "journal")).run()
    assert again.ok and again.already == 3
    assert scp.calls - before == 1
    assert _by_uid(again)[stall_uid].state == "stored"


def test_abort_mid_association_is_decoded_and_the_rest_goes_through(study, scps):
    abort_uid = study[1].sop_instance_uid

    def on_store(event, n):
        if str(event.request.AffectedSOPInstanceUID) == abort_uid:
            event.assoc.abort()
            return None
        return 0

    scp = scps(on_store)
    report = StoreJob(study, scp.node).run()
    out = _by_uid(report)
    assert out[abort_uid].state == "failed" and out[abort_uid].reason in ("peer_aborted", "connection_lost")
    _assert_bilingual(out[abort_uid])
    assert sum(1 for o in report.outcomes if o.state == "stored") == 3


def test_permanent_rejection_names_the_reason_per_instance(study, scps):
    scp = scps(configure=lambda ae: setattr(ae, "require_calling_aet", ["ONLYTHIS"]))
    report = StoreJob(study, scp.node).run()
    assert report.nothing_stored and report.failed == 4
    for o in report.outcomes:
        assert o.reason == "not_sent_connection"
        assert "calling AE title not recognized" in o.messages["en"]
        assert "Calling AE" in o.messages["de"]


def test_transient_rejection_is_retried_until_the_pacs_has_room(study, scps):
    scp = scps(configure=lambda ae: setattr(ae, "maximum_associations", 1))
    holder_ae = AE(ae_title="HOLDER")
    holder_ae.add_requested_context(CTImageStorage)
    holder = holder_ae.associate("127.0.0.1", scp.node.port, ae_title="SCP")
    assert holder.is_established
    threading.Timer(1.0, holder.release).start()
    report = StoreJob(study, scp.node, retry_delays=(0.5, 0.5, 0.5, 0.5, 0.5)).run()
    assert report.ok, [o.detail for o in report.outcomes]
    # Never room: the outcome says transient and how often it was tried. The
    # association of the send above may take a moment to end at the PACS (its
    # slot is still taken): hold the one slot before sending again.
    deadline = time.monotonic() + 10
    holder = holder_ae.associate("127.0.0.1", scp.node.port, ae_title="SCP")
    while not holder.is_established and time.monotonic() < deadline:
        time.sleep(0.1)
        holder = holder_ae.associate("127.0.0.1", scp.node.port, ae_title="SCP")
    assert holder.is_established
    try:
        report = StoreJob(study, scp.node, retry_delays=(0.1, 0.1)).run()
    finally:
        holder.release()
    assert report.nothing_stored
    assert all(o.reason == "not_sent_connection" and "3 attempts" in o.messages["en"]
               and "local limit exceeded" in o.messages["en"] for o in report.outcomes)


def test_warning_and_failure_statuses_in_both_languages(study, scps):
    warn_uid, fail_uid = study[0].sop_instance_uid, study[1].sop_instance_uid

    def on_store(event, n):
        uid = str(event.request.AffectedSOPInstanceUID)
        return {warn_uid: 0xB000, fail_uid: 0xA700}.get(uid, 0)

    report = StoreJob(study, scps(on_store).node).run()
    out = _by_uid(report)
    assert out[warn_uid].state == "warning" and "Warnung" in out[warn_uid].messages["de"]
    assert out[fail_uid].state == "failed" and "out of resources" in out[fail_uid].messages["en"]
    assert "nicht gespeichert" in out[fail_uid].messages["de"]


def test_1024_byte_maximum_pdu_is_respected(tmp_path, scps):
    write_study(tmp_path / "big", series=1, per_series=2, rows=128, columns=128)  # 32 KiB each
    instances = scan(tmp_path / "big").instances()
    scp = scps(max_pdu=1024)
    report = StoreJob(instances, scp.node).run()
    assert report.ok, [o.detail for o in report.outcomes]
    assert fragment_size_for(1024) == 1018
    assert fragment_size_for(0) > 1018
    with pytest.raises(Exception):
        fragment_size_for(6)


# -- protocol faults from the raw peer ------------------------------------------------------

def _raw(behaviour):
    peer = rawpeer.RawPeer(behaviour)
    return peer, DicomNode("RAW", "127.0.0.1", peer.port, timeouts=FAST)


def test_unproposed_syntax_and_unknown_context_id(study):
    def behaviour(conn, index, proposed):
        answers = [(p.context_id, 0, "1.2.840.10008.1.2.4.50") for p in proposed]  # never proposed
        answers.append((99, 0, "1.2.840.10008.1.2"))  # a context we never proposed
        conn.send(rawpeer.build_ac(answers))
        conn.serve_stores()

    peer, node = _raw(behaviour)
    try:
        report = StoreJob(study, node).run()
    finally:
        peer.close()
    assert not peer.errors
    assert report.failed == 4
    for o in report.outcomes:
        assert o.reason == "context_rejected"
        assert "not proposed" in o.messages["en"] and "nicht angebotenen" in o.messages["de"]


def test_item_length_past_the_pdu_gets_an_abort(study):
    def behaviour(conn, index, proposed):
        struct_item = bytes([0x21, 0, 0xFF, 0xF0]) + bytes(8)  # claims 65,520 bytes
        ac = rawpeer.build_ac(rawpeer.accept_all(proposed), raw_items=struct_item)
        conn.send(ac)
        conn.read_pdu()  # our answer

    peer, node = _raw(behaviour)
    try:
        report = StoreJob(study, node).run()
    finally:
        peer.close()
    assert report.nothing_stored
    assert all("invalid protocol data" in o.messages["en"] for o in report.outcomes)
    assert peer.conns[0].seen[-1][0] == 7  # we sent A-ABORT


def test_unexpected_pdu_peer_abort_and_peer_release(study):
    """Connection 0 sends an unexpected PDU, 1 aborts with a reason, 2 releases; 3 behaves."""
    def behaviour(conn, index, proposed):
        conn.send(rawpeer.build_ac(rawpeer.accept_all(proposed)))
        if index == 0:
            conn.read_message()
            conn.send(rawpeer.build_ac(rawpeer.accept_all(proposed)))  # AC again: unexpected
            conn.read_pdu()
        elif index == 1:
            conn.read_message()
            conn.send(rawpeer.abort(2, 2))
        elif index == 2:
            conn.read_message()
            conn.send(rawpeer.RELEASE_RQ)
            conn.read_pdu()
        else:
            conn.serve_stores()

    results = []
    peer, node = _raw(behaviour)
    try:
        for _ in range(4):
            results.append(StoreJob(study[:1], node).run().outcomes[0])
    finally:
        peer.close()
    assert not peer.errors
    assert results[0].reason == "protocol_error" and peer.conns[0].seen[-1][0] == 7
    assert results[1].reason == "peer_aborted"
    assert "unexpected PDU" in results[1].messages["en"] and "unerwartete PDU" in results[1].messages["de"]
    assert results[2].reason == "peer_released" and peer.conns[2].seen[-1][0] == 6  # we answered RP
    assert results[3].state == "stored"


def test_release_collision_and_silent_release(study):
    def behaviour(conn, index, proposed):
        conn.send(rawpeer.build_ac(rawpeer.accept_all(proposed), max_pdu=1024))
        while True:
            msg = conn.read_message()
            if msg is None:
                break
            conn.answer_store(*msg)
        assert conn.last_other[0] == 5  # our A-RELEASE-RQ
        if index == 0:
            conn.send(rawpeer.RELEASE_RQ)  # collision
            t, _ = conn.read_pdu()
            assert t == 6  # the requestor answers RP first
            conn.send(rawpeer.RELEASE_RP)
        else:
            conn.read_pdu()  # never answer RP: after the release timeout, our A-ABORT arrives

    peer, node = _raw(behaviour)
    try:
        first = StoreJob(study, node).run()
        second = StoreJob(study, node).run()
    finally:
        peer.close()
    assert not peer.errors, peer.errors
    assert first.ok and second.ok
    assert all(length <= 1024 for t, length in peer.conns[0].seen if t == 4)
    assert peer.conns[1].seen[-1][0] == 7  # A-ABORT after the release timeout


# -- the command line: language, no traceback, exit codes -----------------------------------

def test_cli_reports_in_german_without_traceback_and_exit_code_3(tmp_path, scps):
    write_study(tmp_path / "study", series=1, per_series=2)
    scp = scps(configure=lambda ae: setattr(ae, "require_calling_aet", ["ONLYTHIS"]))
    env = {**os.environ, "LANG": "de_DE.UTF-8", "LC_ALL": "", "LC_MESSAGES": "",
           "DOWNLOADMANAGER_HOME": str(tmp_path / "home")}
    res = subprocess.run([sys.executable, "-m", "downloadmanager", "send", str(tmp_path / "study"),
                          "--to", scp.node.spec], capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 3, res.stdout + res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    assert "0 von 2 Bildern gespeichert" in res.stdout
    assert "Das PACS hat die Verbindung abgelehnt" in res.stdout
    unreachable = replace(scp.node, port=1)
    res = subprocess.run([sys.executable, "-m", "downloadmanager", "send", str(tmp_path / "study"),
                          "--to", unreachable.spec], capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 3 and "Keine Verbindung" in res.stdout and "Traceback" not in res.stderr
