"""Settings page: persisted across windows, C-ECHO test, login/logout, keyring warning, proxy."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request

import keyring
import pytest
import requests
from keyring.backends import fail
from pynetdicom import AE
from pynetdicom.sop_class import Verification
from PySide6.QtCore import QTime

from downloadmanager.core.access_code import CodeInput
from downloadmanager.core.dicomnet import DicomNode, load_nodes
from downloadmanager.core.download.job import redeem_and_list
from downloadmanager.core.logging_setup import configure_logging
from downloadmanager.core.net_settings import load_network_settings
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.settings import Settings
from downloadmanager.core.transfers.settings import load_transfer_settings
from downloadmanager.gui.bridge import Bridge, ImmediateExecutor
from portal.communities import create_community
from tests.dicom_factory import StudySpec
from tests.portal.conftest import free_port, make_user, portal, portal_factory  # noqa: F401
from tests.portal.seed import seed_study
from tests.upload.conftest import MemoryKeyring


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def echo_scp():
    """A pynetdicom Verification SCP on 127.0.0.1."""
    ae = AE(ae_title="ECHOSCP")
    ae.add_supported_context(Verification)
    server = ae.start_server(("127.0.0.1", 0), block=False)
    yield server.socket.getsockname()[1]
    server.shutdown()


def _window(make_window, **settings):
    return make_window(bridge=Bridge(ImmediateExecutor()), settings=Settings(language="en", **settings))


def test_settings_persist_across_a_new_window(make_window, dm_home):
    first = make_window(saved_settings=True, bridge=Bridge(ImmediateExecutor()))
    page = first.settings_page
    page.portal_edit.setText("https://portal.example.org/")
    page.portal_edit.editingFinished.emit()
    page.pacs.ask_node = lambda node, taken: DicomNode("ARCHIV", "pacs.klinik.local", 11112,
                                                      "PRAXIS1", "Archiv")
    page.pacs.add()
    page.uploads.limit_spin.setValue(2.5)
    page.uploads.window_check.setChecked(True)
    page.uploads.from_edit.setTime(QTime(20, 30))
    page.uploads.to_edit.setTime(QTime(6, 15))
    page.network.proxy_edit.setText("proxy.klinik.local:3128")
    page.network.manual_radio.setChecked(True)
    page.language_combo.setCurrentIndex(1)  # Deutsch
    first.close()
    first.language_switcher.apply("en")

    assert load_nodes()["Archiv"].spec == "ARCHIV@pacs.klinik.local:11112"
    transfer = load_transfer_settings()
    assert transfer.bandwidth_limit == 2_500_000 and transfer.time_window == "20:30-06:15"
    network = load_network_settings()
    assert (network.proxy_mode, network.proxy_host, network.proxy_port) == ("manual", "proxy.klinik.local", 3128)

    second = make_window(saved_settings=True, bridge=Bridge(ImmediateExecutor()))
    page = second.settings_page
    assert page.portal_edit.text() == "https://portal.example.org"
    assert page.language_combo.currentIndex() == 1 and second.language_switcher.language == "de"
    assert page.pacs.list.count() == 1 and "ARCHIV@pacs.klinik.local:11112" in page.pacs.list.item(0).text()
    assert page.uploads.limit_spin.value() == 2.5 and page.uploads.window_check.isChecked()
    assert page.uploads.from_edit.time() == QTime(20, 30) and page.uploads.to_edit.time() == QTime(6, 15)
    assert page.network.manual_radio.isChecked() and page.network.proxy_edit.text() == "proxy.klinik.local:3128"
    # The Receive page offers the saved node for sending.
    combo = second.receive_page.download_panel.pacs_combo
    assert combo.itemData(0).name == "Archiv"
    # A bad proxy is refused with a message and not saved; the window is turned off again.
    page.network.proxy_edit.setText("no port here")
    assert page.network.save() is False and not page.network.error.isHidden()
    assert "ist nicht Host:Port" in page.network.error.text()  # the window speaks German now
    assert load_network_settings().proxy_host == "proxy.klinik.local"
    page.uploads.window_check.setChecked(False)
    assert load_transfer_settings().time_window == ""
    second.language_switcher.apply("en")


def test_echo_button_success_and_closed_port(make_window, echo_scp):
    window = _window(make_window)
    pacs = window.settings_page.pacs
    pacs.store(DicomNode("ECHOSCP", "127.0.0.1", echo_scp, "DOWNLOADMGR", "Test-PACS"))
    pacs.test_button.click()
    assert pacs.result.text() == (f"Connection to ECHOSCP@127.0.0.1:{echo_scp} works "
                                  f"(C-ECHO answered: 0x0000 Success).")
    closed = free_port()
    pacs.store(DicomNode("NOBODY", "127.0.0.1", closed, "DOWNLOADMGR", "Closed"))
    pacs.select("Closed")
    pacs.test_button.click()
    assert pacs.result.text().startswith(f"No connection to NOBODY@127.0.0.1:{closed}: ")
    assert "#b00020" in pacs.result.styleSheet()
    # Edit and remove.
    pacs.select("Test-PACS")
    pacs.ask_node = lambda node, taken: DicomNode(node.ae_title, node.host, node.port, "OTHER", "Renamed")
    pacs.edit_selected()
    assert set(load_nodes()) == {"Closed", "Renamed"} and load_nodes()["Renamed"].calling_ae == "OTHER"
    pacs.remove_selected()
    assert len(load_nodes()) == 1


def test_login_and_logout_with_keyring(make_window, portal, make_user, memory_keyring):
    user = make_user()
    window = _window(make_window, portal_url=portal.url)
    account = window.settings_page.account
    assert not account.keyring_warning.isVisibleTo(account)
    account.email_edit.setText(user.email)
    account.password_edit.setText("wrong password")
    account.login_button.click()
    assert account.error.text().startswith("Login failed: Wrong e-mail or password")
    account.password_edit.setText(user.password)
    account.login_button.click()
    assert window.session.logged_in
    assert account.status.text() == f"Logged in as {user.email} at {portal.url}."
    assert account.password_edit.text() == ""
    assert user.password in memory_keyring.secrets.values()  # the password went to the keyring
    account.logout_button.click()
    assert not window.session.logged_in
    assert account.status.text().startswith("Not logged in.")
    assert user.password not in memory_keyring.secrets.values()


def test_no_keyring_warning(make_window, portal, make_user):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        user = make_user()
        window = _window(make_window, portal_url=portal.url)
        account = window.settings_page.account
        assert account.keyring_warning.isVisibleTo(account)
        assert "kept only until the program closes" in account.keyring_warning.text()
        account.email_edit.setText(user.email)
        account.password_edit.setText(user.password)
        account.login_button.click()
        assert window.session.logged_in  # works for this run, from memory
        assert account.keyring_warning.isVisibleTo(account)
        window.apply_language("de")
        assert "nur bis zum Schließen des Programms" in account.keyring_warning.text()
        window.apply_language("en")
    finally:
        keyring.set_keyring(previous)


class _CountingProxy(http.server.BaseHTTPRequestHandler):
    """A minimal HTTP forward proxy: forwards absolute-URI requests and records them."""

    seen: list[str] = []

    def _forward(self) -> None:
        type(self).seen.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "host")}
        request = urllib.request.Request(self.path, data=body, headers=headers, method=self.command)
        try:
            with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30) as answer:
                status, data, answer_headers = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as error:
            status, data, answer_headers = error.code, error.read(), error.headers
        self.send_response(status)
        for key, value in answer_headers.items():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _forward

    def log_message(self, *args) -> None:
        pass


def test_proxy_from_the_settings_carries_the_core_requests(make_window, portal, make_user, monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    create_community(portal.engine, "Klinik", "kL9X")
    sender = make_user()
    study = seed_study(portal.engine, portal.data_dir, "kL9X", StudySpec(), sender_user_id=sender.id,
                       series_count=1, per_series=1)
    created = requests.post(f"{portal.url}/api/codes", headers=sender.headers, json={
        "study_uids": [study.uid], "birth_date": "1970-01-01"}, timeout=30).json()
    _CountingProxy.seen = []
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingProxy)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        window = _window(make_window)
        network = window.settings_page.network
        network.proxy_edit.setText(f"127.0.0.1:{proxy.server_address[1]}")
        network.manual_radio.setChecked(True)
        session = redeem_and_list(portal.url, CodeInput(created["code"].replace("-", "")), "1970-01-01")
        assert [s.study_instance_uid for s in session.studies] == [study.uid]
        assert f"POST {portal.url}/api/codes/redeem" in _CountingProxy.seen
        assert f"GET {portal.url}/api/codes/studies" in _CountingProxy.seen
        assert PortalClient(portal.url, sender.email).session.proxies["https"].endswith(
            f":{proxy.server_address[1]}")
        # "No proxy" goes direct again.
        _CountingProxy.seen = []
        network.none_radio.setChecked(True)
        redeem_and_list(portal.url, CodeInput(created["code"].replace("-", "")), "1970-01-01")
        assert _CountingProxy.seen == []
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_log_view_shows_the_log_file(make_window, dm_home):
    path = configure_logging(console=False)
    import logging

    logging.getLogger("downloadmanager.test").warning("log view check %d", 42)
    window = _window(make_window)
    page = window.settings_page
    page.tabs.setCurrentIndex(3)
    assert "log view check 42" in page.log.view.toPlainText()
    assert str(path) in page.log.path_label.text()
    assert json.loads(json.dumps(page.log.refresh())).count("log view check 42") == 1
