"""Fixtures of the upload tests: a private DOWNLOADMANAGER_HOME, synthetic studies,
an in-memory keyring."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from downloadmanager.core.transfers.model import JobItem
from downloadmanager.core.transfers.sources import InstanceSource, StudySource, job_items_for
from tests.dicom_factory import StudySpec, write_study


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps secrets in a dict (tests only)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


@pytest.fixture
def dm_home(tmp_path, monkeypatch) -> Path:
    """Every per-user folder below a temporary directory."""
    home = tmp_path / "dmhome"
    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(home))
    return home


@pytest.fixture
def memory_keyring():
    """Install an in-memory keyring for the test; restore the previous one after."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def study_source(folder: Path, *, series: int = 2, per_series: int = 3,
                 rows: int = 64, columns: int = 64) -> StudySource:
    """Write a synthetic study into FOLDER and describe it as an upload source."""
    import pydicom

    spec = StudySpec()
    files = write_study(folder, spec, series=series, per_series=per_series, rows=rows,
                        columns=columns)
    instances = []
    for path in files:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        instances.append(InstanceSource(
            path=str(path), size=path.stat().st_size, sop_instance_uid=ds.SOPInstanceUID,
            sop_class_uid=ds.SOPClassUID, series_instance_uid=ds.SeriesInstanceUID,
            transfer_syntax_uid=ds.file_meta.TransferSyntaxUID))
    return StudySource(spec.study_uid, instances)


@pytest.fixture
def small_study(tmp_path) -> StudySource:
    """Six small CT instances in two series."""
    return study_source(tmp_path / "medium")


def items_of(study: StudySource, attachments=()) -> list[JobItem]:
    """Job items of a study source."""
    return job_items_for(study, attachments)


NODE_DIR = Path(__file__).resolve().parent.parent / "node"


class MemoryUrlStore:
    """Upload URL store of one test upload (the runner uses the queue database)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self.saved: list[str] = []

    def get(self):
        return self.url

    def save(self, url):
        self.url = url
        self.saved.append(url)

    def forget(self):
        self.url = None


def start_node_tus_server(directory: Path, expiry_ms: int = 0):
    """Start @tus/server (npm) with a file store; returns (process, endpoint URL)."""
    import shutil
    import subprocess

    if shutil.which("node") is None or not (NODE_DIR / "node_modules" / "@tus" / "server").exists():
        pytest.skip("@tus/server is not installed (run scripts/setup.sh)")
    directory.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(["node", str(NODE_DIR / "tus_file_server.mjs"), str(directory),
                             str(expiry_ms)], cwd=NODE_DIR, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening"):
        proc.kill()
        raise RuntimeError(f"@tus/server did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}/uploads/"


@pytest.fixture
def node_tus(tmp_path):
    """A running @tus/server; yields (endpoint, data directory)."""
    directory = tmp_path / "tus-store"
    proc, endpoint = start_node_tus_server(directory)
    yield endpoint, directory
    proc.terminate()
    proc.wait(timeout=10)


# -- the real portal ----------------------------------------------------------------

COMMUNITY = "bM1X"


class PortalSetup:
    """A running portal with the community bM1X and a sender account."""

    def __init__(self, running, email: str, password: str) -> None:
        self.running = running
        self.url = running.url
        self.email = email
        self.password = password

    def stop(self) -> None:
        self.running.stop()


def start_portal_with_sender(data_dir: Path, **overrides) -> PortalSetup:
    """Start the real portal (uvicorn in this process) with bM1X and a sender account."""
    from portal.accounts import create_user
    from portal.communities import community_by_code, create_community
    from tests.portal.conftest import start_portal

    running = start_portal(data_dir, **overrides)
    if community_by_code(running.engine, COMMUNITY) is None:
        create_community(running.engine, "Radiologie Klinikum Saarbrücken", COMMUNITY)
    email = "praxis@example.org"
    from portal.accounts import user_id_for_email
    password = "Praxis-Passwort-1234"
    if user_id_for_email(running.engine, email) is None:
        create_user(running.engine, email, password)
    return PortalSetup(running, email, password)


@pytest.fixture
def real_portal(tmp_path):
    """The real portal over HTTP on 127.0.0.1, with bM1X and a sender account."""
    setup = start_portal_with_sender(tmp_path / "portal-data")
    yield setup
    setup.stop()


def logged_in_client(setup: PortalSetup, url: str | None = None):
    """A PortalClient logged in as the sender (secrets in the current keyring)."""
    from downloadmanager.core.portal_client import PortalClient

    client = PortalClient(url or setup.url, setup.email)
    client.login(setup.password)
    return client


# -- the command line in subprocesses ---------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


class Cli:
    """Runs ``python -m downloadmanager`` in subprocesses with a private home and keyring."""

    def __init__(self, home: Path) -> None:
        import os
        import sys

        self.home = home
        self.python = sys.executable
        self.env = {**os.environ, "DOWNLOADMANAGER_HOME": str(home),
                    "PYTHON_KEYRING_BACKEND": "tests.upload.file_keyring.FileKeyring",
                    "DM_TEST_KEYRING_FILE": str(home.parent / "test-keyring.json"),
                    "PYTHONPATH": str(ROOT)}

    def command(self, *args: str) -> list[str]:
        return [self.python, "-m", "downloadmanager", *args]

    def run(self, *args: str, stdin: str | None = None, timeout: float = 240):
        import subprocess

        return subprocess.run(self.command(*args), input=stdin, capture_output=True, text=True,
                              env=self.env, cwd=ROOT, timeout=timeout)

    def start(self, *args: str):
        import subprocess

        return subprocess.Popen(self.command(*args), env=self.env, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def login(self, server: str, setup: PortalSetup):
        """``downloadmanager login`` at SERVER as SETUP's sender; returns the finished process."""
        return self.run("login", "--server", server, "--email", setup.email,
                        "--password-stdin", stdin=setup.password + "\n")

    def write_transfer_settings(self, **values) -> None:
        """Write the settings file with these upload settings (the rest default)."""
        import json

        config = self.home / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "settings.json").write_text(json.dumps({"version": 2, "transfers": values}))


@pytest.fixture
def cli(tmp_path) -> Cli:
    """The CLI with DOWNLOADMANAGER_HOME and a test keyring under tmp_path."""
    return Cli(tmp_path / "cli-home")
