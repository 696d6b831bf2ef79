"""The upload commands as a user runs them: subprocesses against the real portal."""

from __future__ import annotations

import io
import json
import sys

import keyring
from keyring.backends import fail

from downloadmanager import cli as cli_main
from tests.upload.conftest import COMMUNITY, study_source


def _login(cli, portal, password=None):
    return cli.run("login", "--server", portal.url, "--email", portal.email, "--password-stdin",
                   stdin=(password or portal.password) + "\n")


def test_login_communities_upload_and_receipt(cli, real_portal, tmp_path):
    answer = _login(cli, real_portal)
    assert answer.returncode == 0, answer.stderr
    assert "Logged in" in answer.stdout
    settings = (cli.home / "config" / "settings.json").read_text()
    assert json.loads(settings)["account"]["email"] == real_portal.email
    assert real_portal.password not in settings

    found = cli.run("communities", "saarbrücken", "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == [{"name": "Radiologie Klinikum Saarbrücken",
                                         "code": COMMUNITY}]
    table = cli.run("communities", "Klinikum")
    assert "Radiologie Klinikum Saarbrücken" in table.stdout and COMMUNITY in table.stdout
    assert cli.run("communities", "Nirgendwo").returncode == 1

    study = study_source(tmp_path / "medium", series=1, per_series=3)
    pdf = tmp_path / "Überweisung.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%test\n")
    sent = cli.run("upload", str(tmp_path / "medium"), "--community", COMMUNITY,
                   "--note", "Bitte befunden", "--attach", str(pdf), "--json")
    assert sent.returncode == 0, sent.stderr
    jobs = json.loads(sent.stdout)
    assert len(jobs) == 1 and jobs[0]["state"] == "done"
    receipt = jobs[0]["receipt"]
    assert receipt["state"] == "done" and receipt["totals"]["accepted"] == 3
    assert receipt["study_instance_uid"] == study.study_instance_uid
    assert receipt["documents"][0]["status"] == "accepted"

    listed = cli.run("transfers", "list", "--json")
    assert json.loads(listed.stdout)[0]["state"] == "done"
    shown = cli.run("transfers", "show", str(jobs[0]["id"]))
    assert "Receipt" in shown.stdout and "3 accepted" in shown.stdout


def test_wrong_password_is_a_clear_error(cli, real_portal):
    answer = _login(cli, real_portal, password="falsch")
    assert answer.returncode == 2
    assert "Wrong e-mail or password" in answer.stderr
    settings = cli.home / "config" / "settings.json"
    assert not settings.exists() or "account" not in json.loads(settings.read_text())


def test_unknown_community_is_refused_before_queueing(cli, real_portal, tmp_path):
    assert _login(cli, real_portal).returncode == 0
    study_source(tmp_path / "medium", series=1, per_series=2)
    answer = cli.run("upload", str(tmp_path / "medium"), "--community", "bm1x")
    assert answer.returncode == 2
    assert "Unknown community code 'bm1x'" in answer.stderr
    assert "Nothing was queued" in answer.stderr
    assert json.loads(cli.run("transfers", "list", "--json").stdout) == []


def test_no_wait_then_transfers_run_and_controls(cli, real_portal, tmp_path):
    assert _login(cli, real_portal).returncode == 0
    study_source(tmp_path / "medium", series=1, per_series=2)
    queued = cli.run("upload", str(tmp_path / "medium"), "--community", COMMUNITY, "--no-wait",
                     "--json")
    assert queued.returncode == 0, queued.stderr
    job_id = str(json.loads(queued.stdout)[0]["id"])
    assert json.loads(cli.run("transfers", "pause", job_id, "--json").stdout)["state"] == "paused"
    assert cli.run("transfers", "run").returncode == 0  # nothing runnable: returns at once
    assert json.loads(cli.run("transfers", "resume", job_id, "--json").stdout)["state"] == "queued"
    ran = cli.run("transfers", "run")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(cli.run("transfers", "show", job_id, "--json").stdout)["state"] == "done"
    refused = cli.run("transfers", "retry", job_id)
    assert refused.returncode == 2 and "cannot be retried" in refused.stderr


def test_every_help_text_explains_the_command(cli):
    for args in (["login"], ["communities"], ["upload"], ["transfers"], ["transfers", "run"],
                 ["transfers", "cancel"], ["transfers", "settings"]):
        answer = cli.run(*args, "--help")
        assert answer.returncode == 0
        assert len(answer.stdout) > 300, args
    assert "--no-staging" in cli.run("upload", "--help").stdout


def test_without_keyring_the_password_stays_in_memory(dm_home, real_portal, monkeypatch, capsys):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO(real_portal.password + "\n"))
        code = cli_main.main(["login", "--server", real_portal.url, "--email",
                              real_portal.email, "--password-stdin"])
    finally:
        keyring.set_keyring(previous)
    err = capsys.readouterr().err
    assert code == 0
    assert "no password store (keyring)" in err and "this run only" in err
    for path in dm_home.rglob("*"):
        if path.is_file():
            assert real_portal.password.encode() not in path.read_bytes(), path
