"""How the program reaches the portal: the operating system's proxy, a manual proxy, or none.

The options are declared in the settings registry (``downloadmanager.core.settings``,
section ``network``) and stored in its one file. Every ``requests``
session the core creates goes through :func:`configure_session`, so the
choice made in the settings holds for login, uploads and downloads alike.

* ``system`` (default) - what the operating system says: on Windows and
  macOS ``requests`` reads the system proxy configuration, elsewhere the
  ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` variables;
* ``manual`` - every request goes through ``http://HOST:PORT``;
* ``none`` - direct connections, proxy variables ignored.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from downloadmanager.core.errors import InputError
from downloadmanager.core.settings import PROXY_MODES, declared_field, read_section, write_section

log = logging.getLogger(__name__)

SECTION = "network"
MODES = PROXY_MODES
_HOST_RE = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$")


class ProxyError(InputError):
    """A manual proxy that cannot be used (the message says what to enter)."""


@dataclass
class NetworkSettings:
    """The proxy choice."""

    proxy_mode: str = declared_field(SECTION, "proxy_mode")
    proxy_host: str = declared_field(SECTION, "proxy_host")
    proxy_port: int = declared_field(SECTION, "proxy_port")

    def validate(self) -> None:
        """Raise :class:`ProxyError` for an unusable value."""
        if self.proxy_mode not in MODES:
            raise ProxyError("proxy_mode_unknown", mode=str(self.proxy_mode))
        if self.proxy_mode == "manual":
            if not _HOST_RE.match(self.proxy_host or ""):
                raise ProxyError("proxy_host_invalid", host=str(self.proxy_host or ""))
            if not 0 < int(self.proxy_port) < 65536:
                raise ProxyError("proxy_port_out_of_range", port=int(self.proxy_port))

    @property
    def proxy_url(self) -> str:
        """``http://HOST:PORT`` of a manual proxy ("" otherwise)."""
        if self.proxy_mode != "manual":
            return ""
        return f"http://{self.proxy_host}:{int(self.proxy_port)}"

    def proxies(self) -> dict[str, str]:
        """The ``proxies`` mapping for ``requests`` (empty: no explicit proxy)."""
        url = self.proxy_url
        return {"http": url, "https": url} if url else {}


def parse_proxy(text: str) -> tuple[str, int]:
    """``host:port`` (or ``http://host:port``) -> (host, port); :class:`ProxyError` if malformed."""
    value = (text or "").strip()
    value = re.sub(r"^https?://", "", value, flags=re.IGNORECASE).rstrip("/")
    match = re.fullmatch(r"(\[[^\]]+\]|[^:\s]+):(\d{1,5})", value)
    if not match:
        raise ProxyError("proxy_not_host_port", text=str(text or ""))
    settings = NetworkSettings("manual", match.group(1), int(match.group(2)))
    settings.validate()
    return settings.proxy_host, settings.proxy_port


def load_network_settings(path: Path | None = None) -> NetworkSettings:
    """The proxy choice; an unusable one gives the defaults (system proxy)."""
    settings = NetworkSettings(**read_section(SECTION, path))
    try:
        settings.validate()
    except ProxyError:
        log.warning("network settings invalid; using the system proxy")
        return NetworkSettings()
    return settings


def save_network_settings(settings: NetworkSettings, path: Path | None = None) -> Path:
    """Validate and write the settings atomically; return the settings file."""
    settings.validate()
    return write_section(SECTION, asdict(settings), path)


def configure_session(session: requests.Session,
                      settings: NetworkSettings | None = None) -> requests.Session:
    """Apply the proxy choice (the saved one unless SETTINGS is given) to SESSION; returns it."""
    settings = settings or load_network_settings()
    if settings.proxy_mode == "manual":
        session.proxies.update(settings.proxies())
        session.trust_env = True  # NO_PROXY and certificates from the environment still count
    elif settings.proxy_mode == "none":
        session.proxies.clear()
        # trust_env=False also stops reading the system proxy settings.
        session.trust_env = False
    return session
