"""Helpers of the sending and transfers tests: a real portal with demo data, a logged-in window."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt

from downloadmanager.core.credentials import Account, CredentialStore, save_account
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.store import QueueStore
from portal.demo import seed_demo
from tests.portal.conftest import RunningPortal, start_portal
from tests.upload.conftest import MemoryKeyring


@dataclass
class DemoPortal:
    """A running portal with the demo communities and the demo practice account."""

    portal: RunningPortal
    email: str
    password: str

    @property
    def url(self) -> str:
        return self.portal.url

    def client(self) -> PortalClient:
        """A logged-in client (password and token go to the test keyring)."""
        client = PortalClient(self.url, self.email, credentials=CredentialStore())
        client.login(self.password)
        return client

    def remember_login(self) -> None:
        """Log in and store the login, as 'downloadmanager login' would (for restore)."""
        self.client()
        save_account(Account(self.portal.url, self.email))


@pytest.fixture
def memory_keyring():
    """An in-memory keyring for the test (the real one is never touched)."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def demo_portal(tmp_path, memory_keyring):
    """The real portal on 127.0.0.1 with the demo data."""
    running = start_portal(tmp_path / "portal-data")
    login = seed_demo(running.engine)
    yield DemoPortal(running, login["email"], login["password"])
    running.stop()


def check_all_studies(model) -> int:
    """Tick every study of the scan tree; returns how many there are."""
    count = 0
    for p in range(model.rowCount()):
        patient = model.index(p, 0)
        for s in range(model.rowCount(patient)):
            model.setData(model.index(s, 0, patient), Qt.CheckState.Checked.value,
                          Qt.ItemDataRole.CheckStateRole)
            count += 1
    return count


def choose_recipient(qtbot, picker, query: str, label: str) -> None:
    """Type QUERY into the recipient search and pick the result shown as LABEL."""
    with qtbot.waitSignal(picker.search_finished, timeout=20000):
        qtbot.keyClicks(picker.search_edit, query)
    texts = picker.result_texts()
    assert label in texts, texts
    picker.results.itemActivated.emit(picker.results.item(texts.index(label)))
    assert picker.recipient is not None


def store_states(queue_path: Path) -> dict[int, JobState]:
    """The state of every job in the queue database, read directly."""
    with QueueStore(queue_path) as store:
        return {job.id: job.state for job in store.list_jobs()}


def shown_states(page) -> dict[int, str]:
    """Job id -> state as the transfers page shows it."""
    model = page.model
    return {model.job(row).id: model.data(model.index(row, 2)) for row in range(model.rowCount())}


def wait_until_all_done(qtbot, window, job_ids, timeout: int = 120000) -> None:
    """Wait until the Transfers page shows every job of JOB_IDS as done.

    On a timeout the failure names each job's state, error and progress as
    the page and the queue database have them, so a stuck transfer says why.
    """
    page = window.transfers_page

    def all_done() -> bool:
        states = shown_states(page)
        return set(states) >= set(job_ids) and all(states[i] == "Done" for i in job_ids)

    try:
        qtbot.waitUntil(all_done, timeout=timeout)
    except Exception as exc:  # pytest-qt's TimeoutError: add what was seen
        with QueueStore(window.transfer_service.queue_path) as store:
            jobs = {job.id: job for job in store.list_jobs()}
        details = [f"job {i}: shown {shown_states(page).get(i)!r}, stored "
                   f"{jobs[i].state.value if i in jobs else None}, error "
                   f"{jobs[i].error if i in jobs else None!r}, "
                   f"{jobs[i].bytes_done if i in jobs else 0}/{jobs[i].bytes_total if i in jobs else 0}"
                   for i in job_ids]
        import faulthandler
        import sys

        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)  # where it hangs
        raise AssertionError("transfers not done: " + "; ".join(details)) from exc
