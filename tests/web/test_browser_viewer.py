"""The code holder's path in a real browser (headless Chromium): code → studies → viewer."""

from __future__ import annotations

import hashlib
import json
import time
import zipfile

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.by import By

from tests.web.browser_tools import axe_violations, canvas_pixels, enter_code, shown, wait_for


def open_viewer(driver, web_study):
    enter_code(driver, web_study.portal.url, web_study.code, web_study.birth_date)
    wait_for(driver, lambda d: d.current_url.endswith("/code/studies"))
    driver.find_element(By.CSS_SELECTOR, ".series-grid a").click()
    wait_for(driver, lambda d: shown(d) is not None)


@pytest.mark.parametrize("lang,texts", [
    ("de", ("Ihre Untersuchungen", "noch ", "Bild 1 von 12", "Lunge")),
    ("en", ("Your studies", "days left", "Image 1 of 12", "Lung")),
])
def test_code_to_viewer_scroll_and_window(web_study, browser_factory, lang, texts):
    driver = browser_factory(lang)
    enter_code(driver, web_study.portal.url, web_study.code, web_study.birth_date)
    wait_for(driver, lambda d: d.current_url.endswith("/code/studies"))
    assert texts[0] in driver.page_source and texts[1] in driver.page_source
    # Thumbnails are real images the browser loaded.
    wait_for(driver, lambda d: d.execute_script(
        "return Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"))
    driver.find_element(By.CSS_SELECTOR, ".series-grid a").click()
    wait_for(driver, lambda d: shown(d) == ("0", "file"))
    assert texts[2] in driver.find_element(By.ID, "position").text
    first, lit, _mean = canvas_pixels(driver)
    assert lit > 1000, "the first image is blank"

    stage = driver.find_element(By.ID, "stage")
    ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(stage), 0, 120).perform()
    wait_for(driver, lambda d: shown(d) == ("1", "file"))
    second, lit2, _ = canvas_pixels(driver)
    assert lit2 > 1000 and second != first, "the next image after a wheel step is the same"

    lung = driver.find_element(By.XPATH, f"//button[normalize-space()='{texts[3]}']")
    lung.click()
    wait_for(driver, lambda d: shown(d) == ("1", "-600,1500"))
    lung_pixels, _, _ = canvas_pixels(driver)
    assert lung_pixels != second, "a window preset does not change the pixels"
    assert lung.get_attribute("aria-pressed") == "true"

    stage.send_keys("\ue015")  # arrow down: next image
    wait_for(driver, lambda d: shown(d) == ("2", "-600,1500"))


def test_wrong_birth_date_message_in_the_browser(web_study, browser):
    enter_code(browser, web_study.portal.url, web_study.code, "01.01.1901")
    error = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".error"))
    assert "Der Code oder das Geburtsdatum stimmt nicht" in error.text


def test_lockout_message_in_the_browser(web_study, browser):
    from portal.codes import MAX_FAILED_BIRTH_DATES
    for _ in range(MAX_FAILED_BIRTH_DATES):
        enter_code(browser, web_study.portal.url, web_study.code, "01.01.1901")
        error = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".error"))
        assert "gesperrt" not in error.text  # each wrong date counted, none locked yet
    enter_code(browser, web_study.portal.url, web_study.code, web_study.birth_date)
    error = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".error"))
    assert "gesperrt" in error.text


def test_zip_download_in_the_browser_verifies_against_the_manifest(web_study, browser, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Page.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(downloads)})
    enter_code(browser, web_study.portal.url, web_study.code, web_study.birth_date)
    wait_for(browser, lambda d: d.current_url.endswith("/code/studies"))
    browser.find_element(By.CSS_SELECTOR, "a[href$='/zip']").click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = [p for p in downloads.iterdir() if p.suffix == ".zip"]
        if done:
            break
        time.sleep(0.2)
    assert done, "the ZIP did not arrive"
    with zipfile.ZipFile(done[0]) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert "DICOMDIR" in archive.namelist()
        for entry in manifest["instances"]:
            assert hashlib.sha256(archive.read(entry["zip_path"])).hexdigest() == entry["sha256"]
    assert len(manifest["instances"]) == 12


def test_pages_have_no_serious_accessibility_violations(web_study, browser_factory):
    for lang in ("de", "en"):
        driver = browser_factory(lang)
        url = web_study.portal.url
        pages = [f"{url}/", f"{url}/c/{web_study.code}", f"{url}/download/"]
        for page in pages:
            driver.get(page)
            assert axe_violations(driver) == [], page
        enter_code(driver, url, web_study.code, "01.01.1901")  # the page with an error
        assert axe_violations(driver) == [], "start page with an error"
        open_viewer(driver, web_study)
        assert axe_violations(driver) == [], "viewer"
        driver.get(f"{url}/code/studies")
        assert axe_violations(driver) == [], "studies"


def test_account_pages_have_no_serious_accessibility_violations(web_study, browser_factory):
    """Registration, login, password pages and the logged-in inbox, in German and English."""
    from selenium.webdriver.common.by import By

    url = web_study.portal.url
    sender = web_study.sender
    for lang in ("de", "en"):
        driver = browser_factory(lang)
        for path in ("/registrieren", "/anmelden", "/passwort-vergessen"):
            driver.get(f"{url}{path}")
            assert axe_violations(driver) == [], path
        driver.get(f"{url}/anmelden")
        driver.find_element(By.ID, "email").send_keys(sender.email)
        driver.find_element(By.ID, "password").send_keys(sender.password)
        driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
        wait_for(driver, lambda d: d.current_url.endswith("/eingang"))
        assert axe_violations(driver) == [], "inbox"
        driver.get(f"{url}/passwort")
        assert axe_violations(driver) == [], "change password"
