"""``downloadmanager demo``: the set-up against the real in-process portal, and its window."""

from __future__ import annotations

import keyring
import pytest
import requests

from downloadmanager.cli import build_parser
from downloadmanager.cli.demo import demo_home
from downloadmanager.cli.demo_setup import DemoKeyring, install_demo_keyring, prepare_demo
from downloadmanager.core.credentials import CredentialStore, load_account
from downloadmanager.core.portal_client import DownloadError, redeem_code
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.scan import scan


@pytest.fixture
def demo(dm_home):
    previous = keyring.get_keyring()
    backend = install_demo_keyring()
    environment = prepare_demo(dm_home)
    yield environment, backend
    environment.close()
    keyring.set_keyring(previous)


def test_demo_portal_answers_with_login_code_and_recipient(demo, dm_home):
    environment, backend = demo
    assert isinstance(keyring.get_keyring(), DemoKeyring)
    assert environment.url.startswith("http://127.0.0.1:")
    assert requests.get(f"{environment.url}/healthz", timeout=10).status_code == 200
    # The secrets of the login are in the demo's memory keyring only.
    assert any(environment.email in name for _service, name in backend._secrets)
    assert load_account().server == environment.url

    fresh = PortalClient(environment.url, environment.email, credentials=CredentialStore())
    fresh.login(environment.password)
    assert fresh.search_communities("saarbrucken") == [
        {"name": "Radiologie Klinikum Saarbrücken", "code": "bM1X"}]
    assert (environment.community_code, environment.community_name) == \
        ("bM1X", "Radiologie Klinikum Saarbrücken")

    # The shared study opens with the code and the birth date shown, and only with them.
    redeemed = redeem_code(environment.url, environment.access_code,
                           environment.birth_date.isoformat())
    assert redeemed.token
    with pytest.raises(DownloadError):
        redeem_code(environment.url, environment.access_code, "1984-03-16")

    studies = scan(environment.medium).studies()
    assert sorted(s.study_description for s in studies) == ["CT Abdomen", "CT Knie rechts",
                                                            "CT Thorax"]


def test_demo_window_is_logged_in_and_explains_what_to_try(qtbot, demo):
    from downloadmanager.gui.demo_window import open_demo_window

    environment, _backend = demo
    window, welcome = open_demo_window(environment)
    qtbot.addWidget(window)
    window.confirm_quit = lambda: True
    assert window.session.logged_in
    assert window.session.label_for("bM1X") == "Radiologie Klinikum Saarbrücken (bM1X)"
    qtbot.waitUntil(lambda: len(window.send_page.model.checked_studies()) == 0
                    and window.send_page.model.rowCount() == 2, timeout=30000)
    text = welcome.text.text()
    assert environment.access_code in text
    assert "3/15/1984" in text  # the birth date as the user types it (en_US here)
    assert "Radiologie Klinikum Saarbrücken (bM1X)" in text
    window.close()


def test_demo_command_and_home(dm_home, monkeypatch):
    args = build_parser().parse_args(["demo", "--data", "/tmp/x"])
    assert args.command == "demo" and str(args.data) == "/tmp/x"
    assert demo_home() == (dm_home, False)  # a home that is set is used as it is
    monkeypatch.delenv("DOWNLOADMANAGER_HOME")
    home, temporary = demo_home()
    assert temporary and home.is_dir() and home != dm_home
    home.rmdir()
