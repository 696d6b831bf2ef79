"""Fixtures that run the REAL portal over HTTP on 127.0.0.1.

* ``portal`` — a fresh portal (uvicorn in a background thread of the test
  process, SQLite, temporary DATA folder). ``portal.url``, ``portal.app``,
  ``portal.engine``, ``portal.settings``, ``portal.data_dir``.
* ``portal_factory(**settings_overrides)`` — start more portals (or one with
  other settings, e.g. ``database_url=postgres_url``).
* ``postgres_url`` — a new, empty PostgreSQL database of its own on the
  server named by ``DM_TEST_POSTGRES_URL`` (set by ``scripts/run-tests.sh``);
  the test is skipped only when that variable is unset.
* ``portal_process(*extra_args)`` — ``downloadmanager-portal serve`` as a
  subprocess (the way operators run it), returns its base URL.
* ``make_user(community=None)`` — an account (optionally a member) and its
  logged-in token: ``user.email``, ``user.password``, ``user.token``,
  ``user.headers``, ``user.id``.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import uvicorn

from portal.accounts import add_membership, create_user
from portal.app import create_app
from portal.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    """Poll ``GET /healthz`` until it answers 200 (or fail after TIMEOUT seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"portal exited with {process.returncode}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"portal at {url} did not become healthy")


@dataclass
class RunningPortal:
    """A portal served by uvicorn in a thread of this process."""

    url: str
    app: object
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def engine(self):
        return self.app.state.engine

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.engine.dispose()


def start_portal(data_dir: Path, **overrides) -> RunningPortal:
    """Start a real portal on a free port; returns once /healthz answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    overrides.setdefault("public_url", url)
    # Long enough that the periodic purge never runs behind a test's back.
    overrides.setdefault("purge_interval_seconds", 24 * 3600)
    settings = Settings(data_dir=data_dir, **overrides)
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"portal:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("portal failed to start")
        time.sleep(0.01)
    wait_healthy(url)
    return RunningPortal(url, app, settings, server, thread)


@pytest.fixture
def portal_factory(tmp_path):
    started: list[RunningPortal] = []

    def factory(**overrides) -> RunningPortal:
        data = tmp_path / f"portal-data-{len(started)}"
        running = start_portal(data, **overrides)
        started.append(running)
        return running

    yield factory
    for running in started:
        running.stop()


@pytest.fixture
def portal(portal_factory) -> RunningPortal:
    return portal_factory()


@pytest.fixture
def postgres_url():
    """URL of a fresh PostgreSQL database (dropped afterwards)."""
    base = os.environ.get("DM_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("DM_TEST_POSTGRES_URL is not set (scripts/run-tests.sh sets it)")
    import psycopg

    name = f"dmtest_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    yield url
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def portal_cli() -> list[str]:
    """How to run ``downloadmanager-portal`` from the test's interpreter."""
    script = Path(sys.executable).with_name("downloadmanager-portal")
    return [str(script)] if script.exists() else [sys.executable, "-m", "portal.cli"]


@pytest.fixture
def portal_process(tmp_path):
    """Start ``downloadmanager-portal serve`` subprocesses; returns (url, data_dir)."""
    processes: list[subprocess.Popen] = []

    def start(*extra: str, data_dir: Path | None = None) -> tuple[str, Path]:
        data = data_dir or tmp_path / f"served-{len(processes)}"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [*portal_cli(), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--data", str(data), "--public-url", url, "--log-level", "warning", *extra],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        processes.append(proc)
        try:
            wait_healthy(url, timeout=60, process=proc)
        except RuntimeError:
            proc.kill()
            raise RuntimeError(proc.stderr.read().decode(errors="replace")) from None
        return url, data

    yield start
    for proc in processes:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@dataclass
class PortalUser:
    """An account with a logged-in token."""

    id: int
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def login(url: str, email: str, password: str) -> str:
    """Log in over HTTP; returns the bearer token."""
    answer = requests.post(f"{url}/api/login", json={"email": email, "password": password},
                           timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


@pytest.fixture
def make_user(portal):
    """Create accounts on the ``portal`` fixture: ``make_user(community="bM1X")``."""
    def make(community: str | None = None, email: str | None = None,
             target: RunningPortal | None = None) -> PortalUser:
        running = target or portal
        email = email or f"user-{secrets.token_hex(4)}@example.org"
        user_id, password = create_user(running.engine, email)
        if community:
            add_membership(running.engine, user_id, community)
        return PortalUser(user_id, email, password, login(running.url, email, password))

    return make
