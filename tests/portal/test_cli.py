"""``downloadmanager-portal`` subcommands, run as subprocesses like an operator would."""

from __future__ import annotations

import json
import subprocess

import requests

from tests.portal.conftest import ROOT, free_port, portal_cli, wait_healthy


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([*portal_cli(), *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_seed_demo_prints_login_and_is_idempotent(tmp_path, portal_process):
    data = tmp_path / "data"
    first = json.loads(run_cli("seed-demo", "--data", str(data)).stdout)
    assert first["community"] == "bM1X"
    second = json.loads(run_cli("seed-demo", "--data", str(data)).stdout)
    assert second["email"] == first["email"]
    url, _ = portal_process(data_dir=data)
    token = requests.post(f"{url}/api/login", json={
        "email": second["email"], "password": second["password"]})
    assert token.status_code == 200
    assert requests.post(f"{url}/api/login", json={
        "email": first["email"], "password": first["password"]}).status_code == 401
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    found = requests.get(f"{url}/api/communities", params={"q": "saarbrucken"},
                         headers=headers).json()
    assert found == [{"name": "Radiologie Klinikum Saarbrücken", "code": "bM1X"}]


def test_create_community_user_and_member(tmp_path):
    data = str(tmp_path / "data")
    generated = json.loads(run_cli("create-community", "--data", data,
                                   "--name", "Praxis Test").stdout)
    assert generated["name"] == "Praxis Test" and len(generated["code"]) == 4
    fixed = json.loads(run_cli("create-community", "--data", data, "--name", "Klinik",
                               "--code", "Ab12").stdout)
    assert fixed == {"name": "Klinik", "code": "Ab12"}
    taken = run_cli("create-community", "--data", data, "--name", "X", "--code", "Ab12",
                    check=False)
    assert taken.returncode == 2 and "taken" in taken.stderr
    bad = run_cli("create-community", "--data", data, "--name", "X", "--code", "A-12",
                  check=False)
    assert bad.returncode == 2 and "4 letters or digits" in bad.stderr

    user = json.loads(run_cli("create-user", "--data", data, "--email", "Doc@Example.org",
                              "--community", "Ab12").stdout)
    assert user["email"] == "doc@example.org" and len(user["password"]) >= 12
    again = run_cli("create-user", "--data", data, "--email", "doc@example.org", check=False)
    assert again.returncode == 2 and "exists already" in again.stderr
    member = json.loads(run_cli("add-member", "--data", data, "--email", "doc@example.org",
                                "--community", generated["code"]).stdout)
    assert member["community"] == generated["code"]
    unknown = run_cli("add-member", "--data", data, "--email", "doc@example.org",
                      "--community", "Zz99", check=False)
    assert unknown.returncode == 2 and "no community" in unknown.stderr


def test_create_code_unknown_study_errors_clearly(tmp_path):
    result = run_cli("create-code", "--data", str(tmp_path), "--study", "1.2.3.999",
                     "--birth-date", "1970-01-01", check=False)
    assert result.returncode == 2
    assert "unknown study: 1.2.3.999" in result.stderr
    assert result.stdout == ""


def test_serve_answers_healthz(portal_process):
    url, data = portal_process()
    answer = requests.get(f"{url}/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert (data / "portal.sqlite3").exists()
    assert requests.get(f"{url}/openapi.json").json()["info"]["title"] == "Downloadmanager portal"


def test_serve_keeps_an_idle_connection_open_longer_than_uvicorns_five_seconds(portal_process):
    """An uploading client's API connection idles while its PATCHes run; the receipt
    request after the last byte must not pay a new connection."""
    import http.client
    import time

    url, _ = portal_process()
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/healthz")
    connection.getresponse().read()
    time.sleep(6.5)  # longer than uvicorn's default keep-alive of 5 s
    connection.request("GET", "/healthz")  # on the same socket: no reconnect
    assert connection.getresponse().status == 200
    connection.close()


def test_create_code_prints_code_that_redeems(tmp_path, portal_process):
    from portal.communities import create_community
    from portal.config import Settings
    from portal.db import open_database
    from tests.portal.seed import seed_study

    data = tmp_path / "data"
    engine = open_database(Settings(data_dir=data))
    create_community(engine, "Klinik", "Ab12")
    first = seed_study(engine, data, "Ab12", series_count=1, per_series=1)
    second = seed_study(engine, data, "Ab12", series_count=1, per_series=1)
    engine.dispose()
    result = run_cli("create-code", "--data", str(data), "--study", first.uid,
                     "--study", second.uid, "--birth-date", "1970-01-01", "--weeks", "4",
                     "--public-url", "https://portal.example.org")
    created = json.loads(result.stdout)
    assert set(created) == {"code", "expires", "qr_payload"}
    assert created["qr_payload"] == ("https://portal.example.org/c/"
                                     + created["code"].replace("-", ""))
    too_long = run_cli("create-code", "--data", str(data), "--study", first.uid,
                       "--birth-date", "1970-01-01", "--weeks", "13", check=False)
    assert too_long.returncode == 2 and "4 to 12 weeks" in too_long.stderr
    url, _ = portal_process(data_dir=data)
    token = requests.post(f"{url}/api/codes/redeem", json={
        "code": created["code"], "birth_date": "1970-01-01"}).json()["token"]
    listed = requests.get(f"{url}/api/codes/studies",
                          headers={"Authorization": f"Bearer {token}"}).json()
    assert {s["study_instance_uid"] for s in listed["studies"]} == {first.uid, second.uid}


def test_access_log_carries_no_query_strings_or_codes(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([*portal_cli(), "serve", "--data", str(tmp_path / "d"), "--port",
                             str(port), "--log-level", "info"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_healthy(url, timeout=60, process=proc)
        requests.get(f"{url}/dicomweb/studies", params={"PatientName": "Geheim^Name"})
        requests.get(f"{url}/c/K7PX92QDM4H3")
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert "GET /dicomweb/studies HTTP/1.1" in output and "401" in output
    assert "GET /c/… HTTP/1.1" in output
    assert "Geheim" not in output and "K7PX92QDM4H3" not in output
