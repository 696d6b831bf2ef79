"""Is a newer version of this program offered by the portal?

The portal answers ``GET /api/client/latest?platform=P&current=V`` (see
``portal/client_downloads.py``) with the newest installer for platform P and
whether it is newer than V. The program only *tells* the user (a quiet banner
in the window); it never downloads or installs anything by itself.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from urllib.parse import urljoin

import requests

from downloadmanager import __version__

log = logging.getLogger(__name__)


def client_platform() -> str:
    """The installer platform of this program: "windows", "linux-deb" (the .deb) or "linux"."""
    if sys.platform == "win32":
        return "windows"
    if Path(sys.executable).resolve().is_relative_to("/usr/lib/downloadmanager"):
        return "linux-deb"
    return "linux"


def check_for_update(portal_url: str, *, current: str = __version__, platform: str | None = None,
                     session: requests.Session | None = None, timeout: float = 10.0) -> dict | None:
    """The newer installer's entry (version, filename, size, sha256, absolute url), or None.

    None also when the portal cannot be reached or offers no installers: an
    update check never bothers the user with errors (they go to the log).
    """
    from downloadmanager.core.portal_client import new_session

    if not portal_url:
        return None
    platform = platform or client_platform()
    own_session = session is None
    session = session or new_session()
    try:
        response = session.get(f"{portal_url.rstrip('/')}/api/client/latest",
                               params={"platform": platform, "current": current}, timeout=timeout)
        if response.status_code != 200:
            log.info("update check: portal answered %s", response.status_code)
            return None
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.info("update check failed: %s", type(exc).__name__)
        return None
    finally:
        if own_session:
            session.close()
    entry = (body.get("latest") or {}).get(platform)
    if not body.get("update_available") or not isinstance(entry, dict):
        return None
    return {**entry, "url": urljoin(portal_url.rstrip("/") + "/", str(entry.get("url", "")).lstrip("/"))}
