"""Core errors reach people in their language: the Transfers page in German, the CLI with LANG=de."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from downloadmanager.core.errors import decode_stored
from downloadmanager.core.settings import Settings
from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.store import QueueStore
from tests.upload.conftest import items_of, study_source

ROOT = Path(__file__).resolve().parents[2]


def _queue_failing_upload(queue_path: Path, tmp_path: Path) -> int:
    """A job whose medium is gone before the runner copies it: staging fails for real."""
    study = study_source(tmp_path / "cd", series=1, per_series=2)
    with QueueStore(queue_path) as store:
        job_id = store.add_job(server="http://127.0.0.1:9", account="praxis@example.org",
                               community="bM1X", study_instance_uid=study.study_instance_uid,
                               items=items_of(study))
    for instance in study.instances:
        Path(instance.path).unlink()  # the CD was taken out
    return job_id


def test_the_transfers_page_in_german_shows_a_failed_upload_in_german(qtbot, make_window,
                                                                       tmp_path):
    window = make_window(settings=Settings(language="de"))
    window.confirm_quit = lambda: True
    page = window.transfers_page
    job_id = _queue_failing_upload(window.transfer_service.queue_path, tmp_path)
    window.transfer_service.wake()

    def failed() -> bool:
        row = page.model.row_of(job_id)
        return row is not None and page.model.job(row).state is JobState.FAILED

    qtbot.waitUntil(failed, timeout=30000)
    assert page.select_job(job_id)
    job = page.selected_job()
    assert decode_stored(job.error)["code"] == "medium_unreadable"  # stored as code + params
    shown = page.detail.text()
    assert "kann nicht gelesen werden" in shown and "Liegt die CD noch im Laufwerk" in shown
    assert "Cannot read" not in shown and "Is the CD" not in shown
    row = page.model.row_of(job_id)
    tooltip = page.model.data(page.model.index(row, 0), 0x3)  # Qt.ToolTipRole
    assert tooltip == shown
    # Switching the window to English shows the same error in English.
    window.apply_language("en")
    page._update_buttons()
    assert "Cannot read" in page.detail.text() and "Is the CD still in the drive?" in page.detail.text()


def test_the_command_line_prints_german_with_a_german_lang(tmp_path, dm_home):
    from downloadmanager.core import paths

    job_id = _queue_failing_upload(paths.queue_db_path(), tmp_path)
    env = {**os.environ, "DOWNLOADMANAGER_HOME": str(dm_home), "LANG": "de_DE.UTF-8",
           "PYTHON_KEYRING_BACKEND": "tests.upload.file_keyring.FileKeyring",
           "DM_TEST_KEYRING_FILE": str(tmp_path / "test-keyring.json")}
    for name in ("LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "downloadmanager", *args], env=env,
                              capture_output=True, text=True, cwd=ROOT, timeout=120)

    ran = cli("transfers", "run")
    assert ran.returncode == 1, ran.stderr  # the job failed
    listed = cli("transfers", "list")
    assert "kann nicht gelesen werden" in listed.stdout, (listed.stdout, ran.stdout, ran.stderr)
    assert "Cannot read" not in listed.stdout
    refused = cli("transfers", "pause", str(job_id))
    assert refused.returncode == 2
    assert "ist fehlgeschlagen; sie kann nicht angehalten werden" in refused.stderr
    unknown = cli("transfers", "show", "999")
    assert "Es gibt keine Übertragung mit der Nummer 999." in unknown.stderr
    assert "downloadmanager transfers list" in unknown.stderr  # the CLI's own hint
    env["LANG"] = "en_US.UTF-8"
    english = cli("transfers", "list")
    assert "Cannot read" in english.stdout and "kann nicht" not in english.stdout
