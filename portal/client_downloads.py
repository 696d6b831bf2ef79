"""The portal offers the desktop program: installers from a folder at ``/download/<file>``.

``downloadmanager-portal serve --downloads DIR`` names a folder with the files
``scripts/build-dist.sh`` builds. Each recognised file becomes one entry of
``app.state.client_downloads`` (a list of dicts with ``platform``,
``version``, ``filename``, ``size``, ``sha256``, ``url``; the ``/download/``
page shows them) and is served at its ``url``. ``GET /api/client/downloads``
lists them as JSON; ``GET /api/client/latest`` answers the newest version per
platform, which the window asks to show its "new version" banner.

The folder is looked at again on every listing request, so an installer
copied in later appears without a restart; SHA-256 sums are computed once per
file (name, size and modification time) and kept.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from portal.errors import not_found

router = APIRouter(tags=["client"])

# File name -> platform; the version is the first group.
_PATTERNS = (
    (re.compile(r"^Downloadmanager-(\d+(?:\.\d+)*(?:[.-]?[a-z]+\d*)?)-setup\.exe$"), "windows"),
    (re.compile(r"^downloadmanager_(\d+(?:\.\d+)*(?:[.~+-]?[a-z]+\d*)?)_amd64\.deb$"), "linux-deb"),
    (re.compile(r"^downloadmanager-(\d+(?:\.\d+)*(?:[.-]?[a-z]+\d*)?)-linux-x86_64\.tar\.gz$"), "linux"),
)
_CHUNK = 1024 * 1024
_sums: dict[tuple[str, int, int], str] = {}
_sums_lock = threading.Lock()


def classify(filename: str) -> tuple[str, str] | None:
    """``(platform, version)`` of an installer's file name, or None for any other file."""
    for pattern, platform in _PATTERNS:
        match = pattern.match(filename)
        if match:
            return platform, match.group(1)
    return None


def version_key(version: str) -> tuple:
    """Sort key of a version: numbers compare as numbers, a pre-release sorts before its release."""
    parts = re.split(r"[.\-~+]", version)
    key: list = []
    for part in parts:
        number = re.match(r"^(\d+)(.*)$", part)
        if number:
            key.append((int(number.group(1)), 1 if not number.group(2) else 0, number.group(2)))
        else:
            key.append((-1, 0, part))
    return tuple(key)


def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    key = (str(path), size, mtime_ns)
    with _sums_lock:
        known = _sums.get(key)
    if known:
        return known
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    with _sums_lock:
        _sums[key] = digest.hexdigest()
    return digest.hexdigest()


def scan_downloads(folder: Path | None) -> list[dict]:
    """Every installer in FOLDER, newest version first within each platform."""
    if folder is None or not folder.is_dir():
        return []
    entries = []
    for path in folder.iterdir():
        found = classify(path.name)
        if found is None or not path.is_file():
            continue
        stat = path.stat()
        platform, version = found
        entries.append({"platform": platform, "version": version, "filename": path.name,
                        "size": stat.st_size, "sha256": _sha256(path, stat.st_size, stat.st_mtime_ns),
                        "url": f"/download/{path.name}"})
    entries.sort(key=lambda e: (e["platform"], version_key(e["version"])), reverse=True)
    entries.sort(key=lambda e: e["platform"])  # stable: platforms A-Z, newest first within one
    return entries


def latest_per_platform(entries: list[dict]) -> dict[str, dict]:
    """The newest entry of each platform."""
    newest: dict[str, dict] = {}
    for entry in entries:
        best = newest.get(entry["platform"])
        if best is None or version_key(entry["version"]) > version_key(best["version"]):
            newest[entry["platform"]] = entry
    return newest


def refresh(app) -> list[dict]:
    """Look at the downloads folder again; updates and returns ``app.state.client_downloads``."""
    folder = getattr(app.state, "client_downloads_dir", None)
    app.state.client_downloads = scan_downloads(folder)
    return app.state.client_downloads


def install(app, folder: Path | None) -> None:
    """Serve the installers in FOLDER (None: offer nothing) from APP."""
    app.state.client_downloads_dir = Path(folder) if folder else None
    refresh(app)


@router.get("/api/client/downloads", summary="Installers of the desktop program")
def list_downloads(request: Request) -> dict:
    """Every installer offered: platform, version, file name, size, SHA-256 and URL."""
    return {"downloads": refresh(request.app)}


@router.get("/api/client/latest", summary="Newest version of the desktop program per platform")
def latest(request: Request, platform: str | None = None, current: str | None = None) -> dict:
    """``{"latest": {platform: entry}}``; with ``?platform=windows`` only that platform.

    With ``platform`` and ``current`` (the version the asking program runs) the
    answer also says ``"update_available": true|false``, so the program needs no
    version arithmetic of its own.
    """
    newest = latest_per_platform(refresh(request.app))
    if platform is None:
        return {"latest": newest}
    newest = {platform: newest[platform]} if platform in newest else {}
    answer: dict = {"latest": newest}
    if current is not None:
        answer["update_available"] = bool(newest) and \
            version_key(newest[platform]["version"]) > version_key(current)
    return answer


@router.get("/download/{filename}", summary="Download an installer", response_class=FileResponse)
def download(filename: str, request: Request) -> FileResponse:
    """The installer FILENAME, when it is one of the offered files (nothing else in the folder)."""
    entries = getattr(request.app.state, "client_downloads", [])
    entry = next((e for e in entries if e["filename"] == filename), None)
    if entry is None:
        entry = next((e for e in refresh(request.app) if e["filename"] == filename), None)
    folder = getattr(request.app.state, "client_downloads_dir", None)
    if entry is None or folder is None or not (folder / filename).is_file():
        raise not_found("installer")
    return FileResponse(folder / filename, filename=filename, media_type="application/octet-stream",
                        headers={"X-Checksum-SHA256": entry["sha256"], "Cache-Control": "no-cache"})
