"""Which instances a PACS has already stored, so that sending again sends only what failed.

One small JSON file per PACS (by AE title, host and port) in the data
folder: the SOP Instance UIDs the PACS confirmed (success or warning
status). ``downloadmanager send`` skips those and reports them as already
stored; ``--again`` sends everything anyway. UIDs are not patient data.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from downloadmanager.core import paths
from downloadmanager.core.atomic_file import write_text_atomic
from downloadmanager.core.dicomnet.nodes import DicomNode

log = logging.getLogger(__name__)


def journal_path(node: DicomNode, folder: Path | None = None) -> Path:
    """The journal file of NODE."""
    key = hashlib.sha256(f"{node.ae_title}@{node.host}:{node.port}".encode()).hexdigest()[:24]
    return (folder or paths.data_dir() / "sent") / f"{key}.json"


class SentJournal:
    """The set of SOP Instance UIDs NODE has stored; :meth:`save` writes it back atomically."""

    def __init__(self, node: DicomNode, folder: Path | None = None) -> None:
        self.path = journal_path(node, folder)
        self.node = node.spec
        self.stored: set[str] = set()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.stored = {str(u) for u in raw.get("stored", [])}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("send journal %s unreadable (%s); sending everything", self.path, type(exc).__name__)

    def __contains__(self, sop_instance_uid: str) -> bool:
        return sop_instance_uid in self.stored

    def add(self, sop_instance_uid: str) -> None:
        """Remember that the PACS stored this instance."""
        self.stored.add(sop_instance_uid)

    def save(self) -> None:
        """Write the journal (errors are logged: a lost journal only means sending again)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps({"node": self.node, "stored": sorted(self.stored)}))
        except OSError as exc:
            log.warning("cannot write the send journal %s (%s)", self.path, exc)
