"""A practice in a real browser: register, read the mail, log in, create a code, print its sheet."""

from __future__ import annotations

import re
import time
from pathlib import Path

from portal.accounts import add_membership, user_id_for_email
from tests.web.test_account_pages import outbox


def wait_for(condition, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def downloaded_pdf(folder: Path) -> Path:
    """The finished download in FOLDER (Chromium writes ``*.crdownload`` first)."""
    def done():
        files = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
        return files[0] if files and files[0].stat().st_size > 0 else None
    return wait_for(done, what="the code sheet download")


def test_registration_login_inbox_code_and_sheet_in_german_then_english(web_study, browser,
                                                                        tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    portal = web_study.portal
    url = portal.url
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(downloads)})

    # Register: the page says a mail was sent and links to the login.
    browser.get(f"{url}/registrieren")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Registrieren"
    browser.find_element(By.ID, "email").send_keys("praxis.weber@example.org")
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    wait_for(lambda: "Wir haben eine E-Mail" in browser.page_source, what="the sent page")
    mails = outbox(portal)
    assert [m["To"] for m in mails] == ["praxis.weber@example.org"]
    password = re.search(r"Password: (\S+)", mails[0].get_content()).group(1)
    # The operator takes the practice into the community that received the study.
    add_membership(portal.engine, user_id_for_email(portal.engine, "praxis.weber@example.org"),
                   "bM1X")

    browser.find_element(By.LINK_TEXT, "Zur Anmeldung").click()
    wait_for(lambda: browser.current_url.endswith("/anmelden"), what="the login page")
    browser.find_element(By.ID, "email").send_keys("praxis.weber@example.org")
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()

    # The inbox: the received study with its sender, note, thumbnails.
    wait_for(lambda: browser.current_url.endswith("/eingang"), what="the inbox")
    body = browser.find_element(By.TAG_NAME, "main").text
    assert "Muster, Erika" in body and web_study.sender.email in body
    assert "Bitte um Befundung" in body and "Nicht importiert" in body
    thumb = browser.find_element(By.CSS_SELECTOR, ".series-grid img")
    wait_for(lambda: browser.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", thumb),
        what="the series thumbnail")

    # A thumbnail opens the study in the viewer; its back link returns to the inbox.
    browser.find_element(By.CSS_SELECTOR, ".series-grid a").click()
    wait_for(lambda: "/viewer/" in browser.current_url, what="the viewer")
    wait_for(lambda: "Bild 1 von 12" in browser.find_element(By.TAG_NAME, "main").text,
             what="the first image")
    browser.find_element(By.LINK_TEXT, "Zurück zur Übersicht").click()
    wait_for(lambda: browser.current_url.endswith("/eingang"), what="back in the inbox")

    # An access code for the patient, then its sheet.
    browser.find_element(By.CSS_SELECTOR, "form.create-code input[name=birth_date]") \
        .send_keys("12.04.1965")
    Select(browser.find_element(By.CSS_SELECTOR, "form.create-code select")) \
        .select_by_value("8")
    browser.find_element(By.CSS_SELECTOR, "form.create-code button").click()
    wait_for(lambda: "Zugangscode erstellt" in browser.page_source, what="the new code")
    code = browser.find_element(By.ID, "created-code").text
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert code.replace("-", "") not in browser.current_url
    assert "Gültig bis" in browser.page_source

    browser.find_element(By.ID, "print-sheet").click()
    sheet = downloaded_pdf(downloads)
    assert sheet.read_bytes()[:4] == b"%PDF"
    assert code not in sheet.name and code.replace("-", "") not in sheet.name

    # The code works for the patient's physician (same portal, the code entry page).
    import requests
    redeemed = requests.post(f"{url}/api/codes/redeem",
                             json={"code": code, "birth_date": "1965-04-12"})
    assert redeemed.status_code == 200

    # The same registration page in English.
    browser.get(f"{url}/registrieren?lang=en")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Register"
    assert browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").text \
        == "Request password"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert "E-mail address" in browser.find_element(By.TAG_NAME, "main").text
