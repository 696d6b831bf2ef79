"""Screenshots of every web page of the portal, German and English, in headless Chromium.

Starts a portal of its own (temporary data: a generated CT study, a
community member, an access code) and writes docs/screenshots/web-<page>-<lang>.png.
Run after scripts/setup.sh:  .venv/bin/python scripts/web-screenshots.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from portal.accounts import add_membership, create_user  # noqa: E402
from portal.communities import create_community  # noqa: E402
from tests.dicom_factory import StudySpec  # noqa: E402
from tests.portal.conftest import login, start_portal  # noqa: E402
from tests.portal.seed import seed_study  # noqa: E402
from tests.web.browser_tools import enter_code, shown, wait_for  # noqa: E402
from tests.web.conftest import _make_driver  # noqa: E402
from tests.web.phantom import write_ct_series  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        portal = start_portal(Path(tmp) / "portal")
        try:
            create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
            user_id, password = create_user(portal.engine, "praxis@example.org")
            add_membership(portal.engine, user_id, "bM1X")
            token = login(portal.url, "praxis@example.org", password)
            spec = StudySpec(patient_name="Muster^Erika", birth_date="19650412",
                             study_description="CT Thorax")
            files = write_ct_series(Path(tmp) / "ct", spec, count=40, size=384)
            study = seed_study(portal.engine, portal.data_dir, "bM1X", spec, files=files,
                               sender_user_id=user_id, note="Bitte um Befundung")
            code = requests.post(f"{portal.url}/api/codes",
                                 headers={"Authorization": f"Bearer {token}"},
                                 json={"study_uids": [study.uid], "birth_date": "1965-04-12",
                                       "weeks": 4}, timeout=30).json()["code"]
            for lang in ("de", "en"):
                shoot_language(portal, lang, code, password)
        finally:
            portal.stop()


def save(driver, name: str, lang: str) -> None:
    path = OUT / f"web-{name}-{lang}.png"
    driver.save_screenshot(str(path))
    print(path.relative_to(ROOT))


def shoot_language(portal, lang: str, code: str, password: str) -> None:
    driver = _make_driver(lang)
    try:
        driver.set_window_size(1280, 900)
        url = portal.url
        driver.get(f"{url}/")
        save(driver, "start", lang)
        driver.get(f"{url}/download/")
        save(driver, "download", lang)
        enter_code(driver, url, code, "01.01.1901")
        save(driver, "wrong-birth-date", lang)
        enter_code(driver, url, code, "12.04.1965")
        wait_for(driver, lambda d: d.current_url.endswith("/code/studies"))
        wait_for(driver, lambda d: d.execute_script(
            "return Array.from(document.images).every(i => i.complete)"))
        save(driver, "studies", lang)
        driver.find_element("css selector", ".series-grid a").click()
        wait_for(driver, lambda d: shown(d) is not None)
        save(driver, "viewer", lang)
        driver.set_window_size(390, 844)  # a phone
        driver.refresh()
        wait_for(driver, lambda d: shown(d) is not None)
        save(driver, "viewer-phone", lang)
        driver.set_window_size(1280, 900)
        for name, path in (("register", "/registrieren"), ("login", "/anmelden"),
                           ("forgot-password", "/passwort-vergessen")):
            if requests.get(f"{url}{path}", timeout=10).status_code == 200:
                driver.get(f"{url}{path}")
                save(driver, name, lang)
        if requests.get(f"{url}/anmelden", timeout=10).status_code == 200:
            driver.get(f"{url}/anmelden")
            driver.find_element("name", "email").send_keys("praxis@example.org")
            driver.find_element("name", "password").send_keys(password)
            driver.find_element("css selector", "main form button[type=submit]").click()
            wait_for(driver, lambda d: re.search(r"/eingang", d.current_url))
            save(driver, "inbox", lang)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
