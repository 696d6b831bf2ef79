"""The portal offers the desktop program: ``serve --downloads DIR`` serves the installers
with version, size and SHA-256, and ``/api/client/latest`` names the newest per platform."""

from __future__ import annotations

import hashlib

import httpx

from portal.client_downloads import classify, version_key


def _installer(folder, name: str, size: int) -> bytes:
    data = hashlib.sha256(name.encode()).digest() * (size // 32) + b"x" * (size % 32)
    (folder / name).write_bytes(data)
    return data


def test_serve_downloads_lists_serves_and_answers_latest(tmp_path, portal_process):
    folder = tmp_path / "installers"
    folder.mkdir()
    setup = _installer(folder, "Downloadmanager-0.2.0-setup.exe", 300_001)
    _installer(folder, "Downloadmanager-0.10.0-setup.exe", 1_000)
    _installer(folder, "Downloadmanager-0.10.0rc1-setup.exe", 999)
    deb = _installer(folder, "downloadmanager_0.2.0_amd64.deb", 4_096)
    (folder / "notes.txt").write_text("not an installer")
    url, _ = portal_process("--downloads", str(folder))

    listing = httpx.get(f"{url}/api/client/downloads").json()["downloads"]
    names = [e["filename"] for e in listing]
    assert "notes.txt" not in names and len(names) == 4
    entry = next(e for e in listing if e["filename"] == "Downloadmanager-0.2.0-setup.exe")
    assert entry == {"platform": "windows", "version": "0.2.0", "filename": "Downloadmanager-0.2.0-setup.exe",
                     "size": len(setup), "sha256": hashlib.sha256(setup).hexdigest(),
                     "url": "/download/Downloadmanager-0.2.0-setup.exe"}

    got = httpx.get(f"{url}{entry['url']}")
    assert got.status_code == 200 and got.content == setup
    assert got.headers["x-checksum-sha256"] == entry["sha256"]
    assert "attachment" in got.headers["content-disposition"]
    # Ranges work (an interrupted download of a large installer continues).
    part = httpx.get(f"{url}{entry['url']}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == setup[100:200]

    latest = httpx.get(f"{url}/api/client/latest").json()["latest"]
    assert latest["windows"]["version"] == "0.10.0"  # numbers compare as numbers; rc before release
    assert latest["linux-deb"]["sha256"] == hashlib.sha256(deb).hexdigest()
    only = httpx.get(f"{url}/api/client/latest", params={"platform": "linux-deb"}).json()["latest"]
    assert list(only) == ["linux-deb"]
    assert httpx.get(f"{url}/api/client/latest", params={"platform": "macos"}).json() == {"latest": {}}
    # The window asks with its own version: the portal says whether an update exists.
    for current, expected in (("0.9.0", True), ("0.10.0rc1", True), ("0.10.0", False), ("1.0.0", False)):
        answer = httpx.get(f"{url}/api/client/latest", params={"platform": "windows", "current": current}).json()
        assert answer["update_available"] is expected, current
    assert httpx.get(f"{url}/api/client/latest",
                     params={"platform": "macos", "current": "0.1.0"}).json()["update_available"] is False

    # A file copied in later appears without a restart.
    _installer(folder, "Downloadmanager-0.11.0-setup.exe", 10)
    assert httpx.get(f"{url}/api/client/latest").json()["latest"]["windows"]["version"] == "0.11.0"


def test_only_offered_files_are_served(tmp_path, portal_process):
    folder = tmp_path / "installers"
    folder.mkdir()
    _installer(folder, "Downloadmanager-1.0.0-setup.exe", 100)
    (folder / "secret.txt").write_text("not offered")
    (tmp_path / "outside.txt").write_text("outside")
    url, data_dir = portal_process("--downloads", str(folder))
    for name in ("secret.txt", "Downloadmanager-9.9.9-setup.exe"):
        answer = httpx.get(f"{url}/download/{name}")
        assert answer.status_code == 404, name
        assert answer.json()["error"] == "not_found"
    for name in ("..%2Foutside.txt", "..%2F..%2Fportal.sqlite3"):
        assert httpx.get(f"{url}/download/{name}").status_code == 404, name


def test_without_downloads_folder_nothing_is_offered(portal):
    assert httpx.get(f"{portal.url}/api/client/downloads").json() == {"downloads": []}
    assert httpx.get(f"{portal.url}/api/client/latest").json() == {"latest": {}}
    assert portal.app.state.client_downloads == []


def test_file_names_and_versions():
    assert classify("Downloadmanager-1.2.3-setup.exe") == ("windows", "1.2.3")
    assert classify("downloadmanager_1.2.3_amd64.deb") == ("linux-deb", "1.2.3")
    assert classify("downloadmanager-1.2.3-linux-x86_64.tar.gz") == ("linux", "1.2.3")
    assert classify("Downloadmanager-setup.exe") is None and classify("evil.exe") is None
    assert version_key("0.10.0") > version_key("0.9.9") > version_key("0.9.9rc1")
    assert version_key("1.0") < version_key("1.0.1")
