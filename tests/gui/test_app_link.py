"""downloadmanager:// links (the URL scheme the installers register) open the Receive page with the code."""

from __future__ import annotations

import pytest

from downloadmanager.core.access_code import AccessCodeError, code_from_payload, is_app_link
from downloadmanager.gui.app import open_link
from downloadmanager.gui.main_window import PAGE_RECEIVE


def test_link_parses_to_code_and_https_portal():
    code = code_from_payload("downloadmanager://portal.example/c/K7PX-92QD-M4H3")
    assert code.code == "K7PX92QDM4H3" and code.portal_url == "https://portal.example"
    assert is_app_link("downloadmanager://x/c/K7PX92QDM4H3") and is_app_link("DownloadManager:x")
    assert not is_app_link("/media/cdrom") and not is_app_link(r"C:\Studies")
    with pytest.raises(AccessCodeError):
        code_from_payload("downloadmanager://portal.example/nothing-here")


def test_window_opens_receive_page_with_the_code(make_window):
    window = make_window()
    open_link(window, "downloadmanager://portal.example/c/K7PX92QDM4H3")
    assert window.pages.currentWidget() is window.receive_page
    assert window.navigation.currentRow() == PAGE_RECEIVE
    assert window.receive_page.code_edit.code().code == "K7PX92QDM4H3"


def test_link_without_code_says_so(make_window):
    window = make_window()
    open_link(window, "downloadmanager://portal.example/")
    assert window.pages.currentWidget() is window.receive_page
    assert window.receive_page.message.text()
