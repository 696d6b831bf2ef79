"""Fixtures for the web pages: a real portal with a shared CT study, and a real browser.

* ``web_study`` — the ``portal`` fixture with community ``bM1X``, a sender,
  a 12-slice CT series (tests/web/phantom.py) and an access code for it:
  ``.portal``, ``.code``, ``.birth_date`` (DD.MM.YYYY), ``.study``, ``.sender``.
* ``browser`` — headless Debian Chromium driven by selenium (skips when
  chromium or chromedriver is missing).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from portal.communities import create_community
from tests.dicom_factory import StudySpec
from tests.portal.conftest import make_user, portal, portal_factory  # noqa: F401
from tests.portal.seed import SeededStudy, seed_study
from tests.web.phantom import write_ct_series

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@dataclass
class WebStudy:
    portal: object
    sender: object
    study: SeededStudy
    code: str
    birth_date: str


@pytest.fixture
def web_study(portal, make_user, tmp_path) -> WebStudy:
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    sender = make_user(community="bM1X")
    spec = StudySpec(patient_name="Muster^Erika", birth_date="19650412",
                     study_description="CT Thorax")
    files = write_ct_series(tmp_path / "ct", spec, count=12, size=128)
    study = seed_study(portal.engine, portal.data_dir, "bM1X", spec, files=files,
                       sender_user_id=sender.id, note="Bitte um Befundung")
    answer = requests.post(f"{portal.url}/api/codes", headers=sender.headers, json={
        "study_uids": [study.uid], "birth_date": "1965-04-12", "weeks": 4}, timeout=30)
    assert answer.status_code == 201, answer.text
    return WebStudy(portal, sender, study, answer.json()["code"], "12.04.1965")


def _make_driver(lang: str = "de"):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Debian chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", f"--lang={lang}", "--disable-extensions",
                "--no-first-run", "--disable-background-networking"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.fixture
def browser_factory():
    drivers = []

    def make(lang: str = "de"):
        driver = _make_driver(lang)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.quit()


@pytest.fixture
def browser(browser_factory):
    return browser_factory("de")
