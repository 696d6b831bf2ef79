"""Fixtures for the DICOM network tests: a pynetdicom storage SCP on 127.0.0.1."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

import pytest
from pydicom.dataset import Dataset
from pynetdicom import AE, AllStoragePresentationContexts, evt
from pynetdicom.sop_class import Verification

from downloadmanager.core.dicomnet import DicomNode

UNCOMPRESSED = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]


@dataclass
class Receiver:
    """A running pynetdicom SCP and what it received."""

    node: DicomNode
    received: list[Dataset] = field(default_factory=list)
    transfer_syntaxes: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)  # SOP Instance UID -> status to answer


@pytest.fixture
def make_receiver():
    """Factory: start an SCP accepting TRANSFER_SYNTAXES for all storage classes (except EXCLUDE)."""
    servers = []

    def start(transfer_syntaxes=None, exclude=(), ae_title="RECV", require_called_aet=False):
        receiver_box: list[Receiver] = []

        def on_store(event):
            ds = event.dataset
            ds.file_meta = event.file_meta
            receiver = receiver_box[0]
            receiver.received.append(ds)
            receiver.transfer_syntaxes.append(str(event.context.transfer_syntax))
            return receiver.statuses.get(str(ds.SOPInstanceUID), 0x0000)

        def on_open(event):
            # pynetdicom receivers need TCP_NODELAY too (see PITFALLS).
            event.assoc.dul.socket.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        ae = AE(ae_title=ae_title)
        ae.require_called_aet = require_called_aet
        for ctx in AllStoragePresentationContexts:
            if ctx.abstract_syntax in exclude:
                continue
            ae.add_supported_context(ctx.abstract_syntax, transfer_syntaxes or UNCOMPRESSED)
        ae.add_supported_context(Verification)
        server = ae.start_server(("127.0.0.1", 0), block=False,
                                 evt_handlers=[(evt.EVT_C_STORE, on_store), (evt.EVT_CONN_OPEN, on_open)])
        servers.append(server)
        port = server.socket.getsockname()[1]
        receiver = Receiver(DicomNode(ae_title, "127.0.0.1", port))
        receiver_box.append(receiver)
        return receiver

    yield start
    for server in servers:
        server.shutdown()
