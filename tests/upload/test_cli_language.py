"""The command line's own lines and input errors follow LANG: German with de_DE, English with en_US.

Real subprocesses of ``python -m downloadmanager`` on a private home; ``--json``
output is the same in both languages.
"""

from __future__ import annotations

import json

from downloadmanager.core.transfers.store import QueueStore
from tests.upload.conftest import items_of, study_source


def _in(cli, lang: str, *args: str):
    cli.env["LANG"] = lang
    for name in ("LC_ALL", "LC_MESSAGES"):
        cli.env.pop(name, None)
    return cli.run(*args)


def test_empty_queue_and_bad_input_in_both_languages(cli):
    german = _in(cli, "de_DE.UTF-8", "transfers", "list")
    assert german.stdout.strip() == "Die Übertragungsliste ist leer.", german.stderr
    english = _in(cli, "en_US.UTF-8", "transfers", "list")
    assert english.stdout.strip() == "The transfer queue is empty."

    bad = _in(cli, "de_DE.UTF-8", "transfers", "settings", "--window", "25:00-07:00")
    assert bad.returncode == 2
    assert "„25:00-07:00“ ist kein Zeitfenster (Stunden 0-23, Minuten 0-59)." in bad.stderr
    bad = _in(cli, "en_US.UTF-8", "transfers", "settings", "--bandwidth-limit", "fast")
    assert bad.returncode == 2
    assert 'Not a bandwidth: "fast"' in bad.stderr and "Bandbreite" not in bad.stderr
    bad = _in(cli, "de_DE.UTF-8", "transfers", "settings", "--chunk-size", "1k")
    assert "Die Blockgröße muss mindestens 64 KiB betragen." in bad.stderr
    bad = _in(cli, "de_DE.UTF-8", "transfers", "settings", "--chunk-size", "huge")
    assert "„huge“ ist keine Größe" in bad.stderr


def test_job_lines_in_both_languages_and_json_unchanged(cli, tmp_path, monkeypatch):
    from downloadmanager.core import paths

    study = study_source(tmp_path / "cd", series=1, per_series=2)
    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(cli.home))
    queue = paths.queue_db_path()  # where the CLI with this home keeps its queue
    with QueueStore(queue) as store:
        job_id = store.add_job(server="http://127.0.0.1:9", account="praxis@example.org",
                               community="bM1X", study_instance_uid=study.study_instance_uid,
                               items=items_of(study))

    german = _in(cli, "de_DE.UTF-8", "transfers", "list").stdout
    assert "wartend" in german and "an bM1X" in german and "2 Bild(er)" in german, german
    assert "queued" not in german and "image(s)" not in german
    english = _in(cli, "en_US.UTF-8", "transfers", "list").stdout
    assert "queued" in english and "to bM1X" in english and "2 image(s)" in english, english
    assert "wartend" not in english and "Bild(er)" not in english

    de_json = json.loads(_in(cli, "de_DE.UTF-8", "transfers", "list", "--json").stdout)
    en_json = json.loads(_in(cli, "en_US.UTF-8", "transfers", "list", "--json").stdout)
    assert de_json == en_json and de_json[0]["id"] == job_id and de_json[0]["state"] == "queued"


def test_scan_summary_in_both_languages(cli, tmp_path):
    study_source(tmp_path / "cd", series=1, per_series=2)
    german = _in(cli, "de_DE.UTF-8", "scan", str(tmp_path / "cd"))
    assert german.returncode == 0, german.stderr
    assert "1 Patient(en), 1 Studie(n), 1 Serie(n), 2 Bild(er)" in german.stdout, german.stdout
    assert "Durchsucht:" in german.stdout and "Scanned" not in german.stdout
    english = _in(cli, "en_US.UTF-8", "scan", str(tmp_path / "cd"))
    assert "1 patient(s), 1 study(ies), 1 series, 2 image(s)" in english.stdout, english.stdout
    assert "Scanned" in english.stdout and "Durchsucht" not in english.stdout


def test_missing_login_and_fetch_input_in_both_languages(cli, tmp_path):
    """Errors of the command line itself go through the one error model: the
    message in the user's language, then the command to try."""
    german = _in(cli, "de_DE.UTF-8", "communities", "Saar")
    assert german.returncode == 2
    assert "Kein Portal angegeben und keine frühere Anmeldung gespeichert." in german.stderr
    assert "Zuerst anmelden: downloadmanager login --server URL" in german.stderr
    english = _in(cli, "en_US.UTF-8", "communities", "Saar", "--server", "http://127.0.0.1:9")
    assert english.returncode == 2
    assert "No account known for http://127.0.0.1:9." in english.stderr, english.stderr
    assert "Log in first: downloadmanager login --server http://127.0.0.1:9 --email E" \
        in english.stderr
    assert "Konto" not in english.stderr

    # A bare code names no portal (only the QR code's URL does).
    german = _in(cli, "de_DE.UTF-8", "fetch", "K7PX-92QD-M4H3", "--birth-date", "12.04.1965")
    assert german.returncode == 2
    assert "Kein Portal angegeben: Der Code allein nennt keines." in german.stderr, german.stderr
    assert "--server URL angeben (oder den QR-Code verwenden" in german.stderr
    english = _in(cli, "en_US.UTF-8", "fetch", "K7PX-92QD-M4H3", "--birth-date", "12.04.1965")
    assert "No portal given: the code alone does not name one." in english.stderr


def test_nodes_send_and_login_lines_in_both_languages(cli, tmp_path):
    added = _in(cli, "de_DE.UTF-8", "nodes", "add", "archiv", "ARCHIV@127.0.0.1:11112")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("archiv gespeichert in "), added.stdout
    listed = _in(cli, "de_DE.UTF-8", "nodes", "list")
    assert "archiv\tARCHIV@127.0.0.1:11112\trufender AE-Titel " in listed.stdout, listed.stdout
    assert "calling AE" in _in(cli, "en_US.UTF-8", "nodes", "list").stdout

    missing = _in(cli, "de_DE.UTF-8", "nodes", "remove", "gibtsnicht")
    assert missing.returncode == 1
    assert "Es gibt keinen gespeicherten DICOM-Knoten „gibtsnicht“." in missing.stderr
    assert "Die gespeicherten Knoten listet: downloadmanager nodes list" in missing.stderr

    empty = tmp_path / "leer"
    empty.mkdir()
    (empty / "notiz.txt").write_text("kein DICOM")
    nothing = _in(cli, "de_DE.UTF-8", "send", str(empty), "--to", "ARCHIV@127.0.0.1:9")
    assert nothing.returncode == 4
    assert f"In {empty} wurden keine DICOM-Bilder gefunden; es wurde nichts gesendet." \
        in nothing.stderr, nothing.stderr

    cli.env["LANG"] = "en_US.UTF-8"
    no_password = cli.run("login", "--server", "http://127.0.0.1:9", "--email", "a@example.org",
                          "--password-stdin", stdin="\n")
    assert no_password.returncode == 2
    assert "No password given." in no_password.stderr
    assert "In scripts, pass the password with --password-stdin" in no_password.stderr
