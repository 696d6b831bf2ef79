"""DICOM nodes (a PACS or workstation): AE title, host, port, our own AE title, timeouts, TLS.

Saved nodes are the option ``dicom.nodes`` of the settings registry
(``downloadmanager.core.settings``), stored in its one file. A node is written on the command line as ``AET@HOST:PORT``
(``AET@[::1]:104`` for IPv6) or referred to by the name it was saved under.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from downloadmanager.core.dicomnet.errors import NodeError
from downloadmanager.core.settings import read_section, write_section

DEFAULT_CALLING_AE = "DOWNLOADMGR"
_AE_RE = re.compile(r"^[\x20-\x5b\x5d-\x7e]{1,16}$")  # printable ASCII without backslash


def check_ae_title(title: str) -> str:
    """Return TITLE stripped; raise :class:`NodeError` when it is not a valid AE title."""
    value = (title or "").strip()
    if not _AE_RE.match(value):
        raise NodeError("ae_title_invalid", title=title)
    return value


DEFAULT_TIMEOUT = 30.0  # seconds, each; pynetdicom's defaults too


@dataclass(frozen=True, slots=True)
class Timeouts:
    """The four separate timeouts of a DICOM link, in seconds (as pynetdicom keeps them apart).

    connect : TCP connection (and TLS handshake)
    association : waiting for A-ASSOCIATE-AC/RJ (ACSE)
    dimse : waiting for each DIMSE response (e.g. C-STORE-RSP)
    release : waiting for A-RELEASE-RP
    """

    connect: float = DEFAULT_TIMEOUT
    association: float = DEFAULT_TIMEOUT
    dimse: float = DEFAULT_TIMEOUT
    release: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        for name in ("connect", "association", "dimse", "release"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 < value <= 3600:
                raise NodeError("node_timeout_out_of_range", which=name, value=str(value))

    @classmethod
    def from_json(cls, raw) -> Timeouts:
        """Timeouts from a saved node's ``timeouts`` object (missing values get the default)."""
        if not isinstance(raw, dict):
            return cls()
        return cls(**{k: float(raw[k]) for k in ("connect", "association", "dimse", "release")
                      if k in raw})


@dataclass(frozen=True, slots=True)
class TlsOptions:
    """DICOM over TLS (PS3.15 annex B.1) for one node.

    The PACS's certificate is verified against the system's CAs or CA_FILE,
    and its name against the host, unless VERIFY is switched off (only for
    tests with self-signed certificates; the settings warn about it).
    CLIENT_CERT/CLIENT_KEY are for a PACS that wants to see ours.
    """

    enabled: bool = False
    ca_file: str = ""
    verify: bool = True
    client_cert: str = ""
    client_key: str = ""

    @classmethod
    def from_json(cls, raw) -> TlsOptions:
        if not isinstance(raw, dict):
            return cls()
        return cls(enabled=bool(raw.get("enabled", False)), ca_file=str(raw.get("ca_file") or ""),
                   verify=bool(raw.get("verify", True)), client_cert=str(raw.get("client_cert") or ""),
                   client_key=str(raw.get("client_key") or ""))


@dataclass(frozen=True, slots=True)
class DicomNode:
    """Where to send: the peer's AE title, host and port, our calling AE title, timeouts and TLS."""

    ae_title: str
    host: str
    port: int
    calling_ae: str = DEFAULT_CALLING_AE
    name: str = ""
    timeouts: Timeouts = field(default_factory=Timeouts)
    tls: TlsOptions = field(default_factory=TlsOptions)

    def __post_init__(self) -> None:
        check_ae_title(self.ae_title)
        check_ae_title(self.calling_ae)
        if not self.host:
            raise NodeError("node_needs_host")
        if not 0 < int(self.port) < 65536:
            raise NodeError("node_port_out_of_range", port=self.port)

    @property
    def spec(self) -> str:
        """``AET@HOST:PORT``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.ae_title}@{host}:{self.port}"

    def with_calling_ae(self, calling_ae: str | None) -> DicomNode:
        """The same node with another calling AE title (None keeps it)."""
        if not calling_ae:
            return self
        return replace(self, calling_ae=check_ae_title(calling_ae))


def parse_node_spec(spec: str, calling_ae: str = DEFAULT_CALLING_AE) -> DicomNode:
    """Parse ``AET@HOST:PORT``; raise :class:`NodeError` with an example when malformed."""
    match = re.fullmatch(r"\s*([^@]+)@(\[[^\]]+\]|[^:@\s]+):(\d{1,5})\s*", spec or "")
    if not match:
        raise NodeError("node_spec_invalid", spec=spec)
    ae, host, port = match.groups()
    return DicomNode(check_ae_title(ae), host.strip("[]"), int(port), check_ae_title(calling_ae))


def load_nodes(path: Path | None = None) -> dict[str, DicomNode]:
    """Saved nodes by name; entries that do not make a valid node are skipped."""
    nodes = {}
    for entry in read_section("dicom", path)["nodes"]:
        try:
            node = DicomNode(entry["ae_title"], entry["host"], int(entry["port"]),
                             entry.get("calling_ae") or DEFAULT_CALLING_AE, entry["name"],
                             Timeouts.from_json(entry.get("timeouts")),
                             TlsOptions.from_json(entry.get("tls")))
        except (KeyError, TypeError, ValueError, NodeError):
            continue
        nodes[node.name] = node
    return nodes


def save_node(node: DicomNode, path: Path | None = None) -> Path:
    """Add or replace NODE (by name) in the saved list, atomically; return the file."""
    if not node.name:
        raise NodeError("node_needs_name")
    nodes = load_nodes(path)
    nodes[node.name] = node
    return _write(nodes, path)


def remove_node(name: str, path: Path | None = None) -> bool:
    """Remove the node NAME; True when it existed."""
    nodes = load_nodes(path)
    if nodes.pop(name, None) is None:
        return False
    _write(nodes, path)
    return True


def _write(nodes: dict[str, DicomNode], path: Path | None) -> Path:
    return write_section("dicom", {"nodes": [asdict(n) for n in nodes.values()]}, path)


def resolve_node(text: str, calling_ae: str | None = None, path: Path | None = None) -> DicomNode:
    """A saved node's name or an ``AET@HOST:PORT`` spec -> node (with CALLING_AE if given)."""
    if "@" in text:
        return parse_node_spec(text, calling_ae or DEFAULT_CALLING_AE)
    node = load_nodes(path).get(text)
    if node is None:
        raise NodeError("node_unknown", name=text)
    return node.with_calling_ae(calling_ae)
