"""Helpers for driving the web pages in headless Chromium: forms, canvas pixels, axe-core."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

AXE = Path(__file__).resolve().parents[1] / "node" / "node_modules" / "axe-core" / "axe.min.js"


def wait_for(driver, predicate, timeout: float = 15.0):
    """Wait until PREDICATE(driver) is truthy; returns its value."""
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(predicate)


def enter_code(driver, url: str, code: str, birth_date: str) -> None:
    """Type the code and birth date on the start page, send the form and wait for the answer page.

    Waiting matters: a caller that opens the next page at once would abort this
    submission in the browser, and the portal might never count the attempt.
    """
    driver.get(f"{url}/")
    # A mark on the start page's window object: the answer page is a new
    # document without it. (Asking the old button whether it is stale fails
    # now and then while Chromium swaps the documents, with errors other than
    # "stale element".)
    driver.execute_script("window.dmStartPage = true;")
    driver.find_element(By.ID, "code").send_keys(code)
    driver.find_element(By.ID, "birth_date").send_keys(birth_date)
    button = driver.find_element(By.CSS_SELECTOR, "form[action='/code'] button[type=submit]")
    button.click()
    wait_for(driver, _answer_page_loaded)


def _answer_page_loaded(driver) -> bool:
    """True once the document after the form's submission is there and loaded."""
    try:
        return bool(driver.execute_script(
            "return window.dmStartPage === undefined && document.readyState === 'complete';"))
    except WebDriverException:  # the documents are being swapped: ask again
        return False


def shown(driver) -> tuple[str, str] | None:
    """(index, window) of the image on the viewer's canvas, once one is painted."""
    stage = driver.find_element(By.ID, "stage")
    index = stage.get_attribute("data-shown")
    return (index, stage.get_attribute("data-window")) if index is not None else None


def canvas_pixels(driver) -> tuple[str, int, float]:
    """(SHA-256 of the RGBA pixels, count of non-black pixels, mean grey) of the viewer's canvas."""
    data = driver.execute_script("""
        const c = document.getElementById('image');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let lit = 0, sum = 0;
        for (let i = 0; i < d.length; i += 4) { const v = d[i] + d[i+1] + d[i+2]; if (v > 30) lit++; sum += v / 3; }
        return [Array.from(d.slice(0, 0)), lit, sum / (d.length / 4), c.toDataURL('image/png')];
    """)
    digest = hashlib.sha256(data[3].encode("ascii")).hexdigest()
    return digest, int(data[1]), float(data[2])


def axe_violations(driver, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the current page; the violations of the given impacts."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)))
           .catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e)}])));
    """)
    return [{"id": v["id"], "impact": v.get("impact"), "help": v.get("help"),
             "nodes": [n.get("target") for n in v.get("nodes", [])][:3]}
            for v in json.loads(result) if v.get("impact") in impacts]
