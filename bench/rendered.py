"""Rendered images: our portal's DICOMweb ``.../rendered`` against Orthanc's ``/preview``.

Both servers hold the same N synthetic 512x512 CT instances (tests/web/phantom.py)
and run in this run, in a private network namespace (Orthanc listens on
0.0.0.0 and has no bind option; see PITFALLS): Orthanc from Debian
(``/instances/{id}/preview``, ``Accept: image/jpeg``) and our portal as
operators run it (``downloadmanager-portal serve``, one uvicorn process,
``.../instances/{uid}/rendered``, ``Accept: image/jpeg``, the file's window).
Each instance is fetched once cold (first request) and once warm; medians of
the per-request latencies, one client, one request at a time.

Then headless Chromium opens our viewer on the same series: time to the first
image on screen, and the rate when stepping through all N images (each step
waits until the image is painted).

Needs root (ip netns). Run:  .venv/bin/python bench/rendered.py [--instances 300]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

IP = shutil.which("ip") or "/usr/sbin/ip"
ORTHANC = "/usr/sbin/Orthanc"


def in_namespace() -> None:
    """Run this script again inside a new network namespace (loopback only)."""
    name = f"dm-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run([IP, "netns", "add", name], check=True)
    try:
        subprocess.run([IP, "netns", "exec", name, IP, "link", "set", "lo", "up"], check=True)
        env = {**os.environ, "DM_BENCH_NETNS": name}
        code = subprocess.run([IP, "netns", "exec", name, sys.executable, *sys.argv],
                              env=env).returncode
    finally:
        subprocess.run([IP, "netns", "del", name])
    raise SystemExit(code)


def wait_http(url: str, timeout: float = 60) -> None:
    import requests
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def latencies(session, urls: list[str], headers: dict) -> list[float]:
    out = []
    for url in urls:
        start = time.perf_counter()
        answer = session.get(url, headers=headers, timeout=60)
        answer.raise_for_status()
        assert answer.content[:2] == b"\xff\xd8", "not a JPEG"
        out.append(time.perf_counter() - start)
    return out


def browser_figures(url: str, code: str, count: int) -> tuple[float, float]:
    """(ms to the first image, images per second when stepping through the series)."""
    from selenium.webdriver.common.by import By

    from tests.web.browser_tools import enter_code, shown, wait_for
    from tests.web.conftest import _make_driver

    driver = _make_driver("de")
    try:
        enter_code(driver, url, code, "12.04.1965")
        wait_for(driver, lambda d: d.current_url.endswith("/code/studies"))
        driver.find_element(By.CSS_SELECTOR, ".series-grid a").click()
        wait_for(driver, lambda d: shown(d) is not None, timeout=30)
        first_ms = float(driver.find_element(By.ID, "stage").get_attribute("data-first-image-ms"))
        seconds = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const stage = document.getElementById('stage');
            const last = Number(arguments[0]) - 1;
            const start = performance.now();
            function next() {
              const now = Number(stage.dataset.shown);
              if (now >= last) { done((performance.now() - start) / 1000); return; }
              stage.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}));
              const want = now + 1;
              (function wait() { Number(stage.dataset.shown) >= want ? next() : requestAnimationFrame(wait); })();
            }
            next();
        """, count)
        return first_ms, (count - 1) / seconds
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=300)
    args = parser.parse_args()
    if "DM_BENCH_NETNS" not in os.environ:
        in_namespace()

    import requests

    from portal.accounts import add_membership, create_user
    from portal.communities import create_community
    from portal.config import Settings
    from portal.db import open_database
    from tests.dicom_factory import StudySpec
    from tests.portal.conftest import free_port, portal_cli, wait_healthy
    from tests.portal.seed import seed_study
    from tests.web.phantom import write_ct_series

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        engine = open_database(Settings(data_dir=data))
        create_community(engine, "Bench", "Bn01")
        user_id, password = create_user(engine, "bench@example.org")
        add_membership(engine, user_id, "Bn01")
        spec = StudySpec(patient_name="Bench^Rendered", birth_date="19650412")
        files = write_ct_series(tmp / "ct", spec, count=args.instances, size=512)
        study = seed_study(engine, data, "Bn01", spec, files=files, sender_user_id=user_id)
        engine.dispose()
        series_uid = next(iter(study.series))

        orthanc_cfg = tmp / "orthanc.json"
        orthanc_cfg.write_text(json.dumps({
            "Name": "bench", "StorageDirectory": str(tmp / "orthanc"),
            "IndexDirectory": str(tmp / "orthanc"), "HttpPort": 8042, "DicomPort": 4242,
            "RemoteAccessAllowed": False, "AuthenticationEnabled": False, "Plugins": []}))
        orthanc = subprocess.Popen([ORTHANC, str(orthanc_cfg)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        portal = subprocess.Popen([*portal_cli(), "serve", "--data", str(data), "--port", str(port),
                                   "--public-url", url, "--log-level", "warning"], cwd=ROOT)
        try:
            wait_http("http://127.0.0.1:8042/system")
            wait_healthy(url, timeout=60, process=portal)
            ids = {}
            for path in files:
                answer = requests.post("http://127.0.0.1:8042/instances", data=path.read_bytes(),
                                       timeout=60).json()
                ids[path.name] = answer["ID"]
            token = requests.post(f"{url}/api/login", json={
                "email": "bench@example.org", "password": password}).json()["token"]
            code = requests.post(f"{url}/api/codes", headers={"Authorization": f"Bearer {token}"},
                                 json={"study_uids": [study.uid], "birth_date": "1965-04-12",
                                       "weeks": 4}).json()["code"]
            sops = study.series[series_uid]
            ours = [f"{url}/dicomweb/studies/{study.uid}/series/{series_uid}/instances/{sop}/rendered"
                    for sop in sops]
            theirs = [f"http://127.0.0.1:8042/instances/{i}/preview" for i in ids.values()]
            jpeg = {"Accept": "image/jpeg"}
            auth = {**jpeg, "Authorization": f"Bearer {token}"}
            session = requests.Session()
            figures = {}
            for label, urls, headers in (("orthanc", theirs, jpeg), ("portal", ours, auth)):
                cold = latencies(session, urls, headers)
                warm = latencies(session, urls, headers)
                figures[label] = (statistics.median(cold), statistics.median(warm))
            first_ms, rate = browser_figures(url, code, len(sops))
        finally:
            for proc in (portal, orthanc):
                proc.terminate()
                proc.wait(timeout=30)

    load = os.getloadavg()[0]
    print(f"instances: {args.instances} x 512x512 CT, one client; load average {load:.2f}")
    print(f"{'server':<10} {'cold median ms':>15} {'warm median ms':>15}")
    for label, (cold, warm) in figures.items():
        print(f"{label:<10} {cold * 1000:>15.1f} {warm * 1000:>15.1f}")
    oc, ow = figures["orthanc"]
    pc, pw = figures["portal"]
    print(f"ratio orthanc/portal (>= 1 means we are at least as fast): "
          f"cold {oc / pc:.2f}x, warm {ow / pw:.2f}x")
    print(f"browser: first image {first_ms:.0f} ms after opening the viewer (target <= 1000), "
          f"stepping {rate:.1f} images/s (target >= 20)")


if __name__ == "__main__":
    main()
