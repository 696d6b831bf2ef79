"""Sending studies to a PACS over DICOM: nodes, C-ECHO, C-STORE, import reconciliation.

* ``nodes``       – AE title/host/port, timeouts, TLS, saved in the config folder;
* ``journal``     – which instances a PACS already stored (send again = only what failed);
* ``messages``    – the user-facing texts, German and English;
* ``echo``        – C-ECHO;
* ``sender``      – C-STORE with presentation contexts from the files,
                    transfer-syntax fallback and a per-instance report;
* ``reconcile``   – IHE import reconciliation (Original Attributes Sequence);
* ``association``, ``pdu``, ``dimse``, ``contexts``, ``encoding`` – the
  small DICOM upper layer and message code underneath.
"""

from downloadmanager.core.dicomnet.echo import EchoResult, echo
from downloadmanager.core.dicomnet.errors import AssociationError, DicomNetError, DimseError, NodeError
from downloadmanager.core.dicomnet.journal import SentJournal
from downloadmanager.core.dicomnet.nodes import (
    DicomNode,
    Timeouts,
    TlsOptions,
    load_nodes,
    parse_node_spec,
    remove_node,
    resolve_node,
    save_node,
)
from downloadmanager.core.dicomnet.reconcile import Reconciliation, apply_reconciliation
from downloadmanager.core.dicomnet.sender import InstanceOutcome, SendReport, StoreJob, send_instances

__all__ = [
    "AssociationError",
    "DicomNetError",
    "DicomNode",
    "DimseError",
    "EchoResult",
    "InstanceOutcome",
    "NodeError",
    "Reconciliation",
    "SendReport",
    "SentJournal",
    "Timeouts",
    "TlsOptions",
    "StoreJob",
    "apply_reconciliation",
    "echo",
    "load_nodes",
    "parse_node_spec",
    "remove_node",
    "resolve_node",
    "save_node",
    "send_instances",
]
