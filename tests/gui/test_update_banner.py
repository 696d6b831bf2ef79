"""The window shows a quiet banner when the portal offers a newer version (and installs nothing)."""

from __future__ import annotations

from downloadmanager import __version__
from downloadmanager.core.update_check import check_for_update, client_platform
from downloadmanager.gui.update_banner import start_update_check
from tests.portal.conftest import start_portal


def _offer(folder, version: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"downloadmanager-{version}-linux-x86_64.tar.gz").write_bytes(b"x" * 3_000_000)
    (folder / f"Downloadmanager-{version}-setup.exe").write_bytes(b"y" * 1_000)


def test_newer_version_shows_banner_with_link(qtbot, make_window, tmp_path):
    folder = tmp_path / "installers"
    _offer(folder, "99.1.0")
    portal = start_portal(tmp_path / "portal", downloads_dir=folder)
    try:
        assert client_platform() == "linux"
        window = make_window()
        task = start_update_check(window, window.bridge, portal.url)
        with qtbot.waitSignal(task.finished, timeout=20000):
            pass
        banner = window.update_banner
        qtbot.waitUntil(lambda: not banner.isHidden(), timeout=5000)
        text = banner.label.text()
        assert "Version 99.1.0" in text and "3 MB" in text
        assert f'href="{portal.url}/download/downloadmanager-99.1.0-linux-x86_64.tar.gz"' in text
        # Closing hides it; the file is only linked, never fetched by the program.
        banner.close_button.click()
        assert banner.isHidden()
        assert check_for_update(portal.url, platform="windows")["filename"] == "Downloadmanager-99.1.0-setup.exe"
    finally:
        portal.stop()


def test_same_version_or_no_portal_shows_nothing(qtbot, make_window, tmp_path):
    folder = tmp_path / "installers"
    _offer(folder, __version__)
    portal = start_portal(tmp_path / "portal", downloads_dir=folder)
    try:
        assert check_for_update(portal.url) is None
        window = make_window()
        task = start_update_check(window, window.bridge, portal.url)
        with qtbot.waitSignal(task.finished, timeout=20000):
            pass
        assert window.update_banner.isHidden()
    finally:
        portal.stop()
    # A portal that is gone, or none configured: no banner and no error.
    assert check_for_update(portal.url, timeout=2) is None
    window = make_window()
    assert start_update_check(window, window.bridge, "") is None
    assert window.update_banner.isHidden()
