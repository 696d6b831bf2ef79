"""Set up the demo without any window: portal in-process, demo data, login, a shared study.

:func:`prepare_demo` starts the real portal (uvicorn in a background thread)
on 127.0.0.1 with its demo data (community ``bM1X`` "Radiologie Klinikum
Saarbrücken" and a practice account), logs the program in, uploads one
invented study through the real upload path (queue, staging, tus, receipt)
and creates an access code for it, bound to the patient's birth date. The
demo never touches the user's real queue or keyring: the caller points
``DOWNLOADMANAGER_HOME`` at a demo folder and installs :class:`DemoKeyring`.

The portal is imported lazily: the client only needs it for the demo.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend

from downloadmanager.core.credentials import Account, CredentialStore, save_account
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.scan import scan
from downloadmanager.core.transfers.enqueue import queue_studies
from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.runner import QueueRunner
from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.cli.demo_data import SHARED_STUDY, write_demo_cd, write_demo_study


class DemoError(RuntimeError):
    """The demo could not be set up; the message says why."""


class DemoKeyring(KeyringBackend):
    """Secrets of the demo process, in memory only (never the user's real keyring)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._secrets.pop((service, username), None)


def install_demo_keyring() -> DemoKeyring:
    """Make this process keep every secret in memory; returns the backend."""
    backend = DemoKeyring()
    keyring.set_keyring(backend)
    return backend


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DemoPortal:
    """The portal served by uvicorn in a thread of this process."""

    url: str
    data_dir: Path
    engine: object
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        """Stop serving and close the database."""
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.engine.dispose()


def start_demo_portal(data_dir: Path, timeout: float = 30.0) -> DemoPortal:
    """Start the real portal with DATA_DIR on a free port of 127.0.0.1."""
    try:
        import uvicorn

        from portal.app import create_app
        from portal.config import Settings
    except ImportError as exc:
        raise DemoError(f"The demo needs the portal ({exc.name} is missing). Install it with "
                        f"'./scripts/setup.sh' or 'pip install -e .[portal]'.") from None
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(Settings(data_dir=data_dir, public_url=url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", access_log=False))
    thread = threading.Thread(target=server.run, name="demo-portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            app.state.engine.dispose()
            raise DemoError("The demo portal did not start (see the messages above).")
        time.sleep(0.02)
    return DemoPortal(url, data_dir, app.state.engine, server, thread)


@dataclass
class DemoEnvironment:
    """Everything the demo window and its welcome dialog need."""

    portal: DemoPortal
    email: str
    password: str
    community_code: str
    community_name: str
    access_code: str  # XXXX-XXXX-XXXX
    birth_date: date
    medium: Path  # the demo CD to send from
    client: PortalClient
    _cleanup: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.portal.url

    def close(self) -> None:
        """Stop the portal and remove temporary folders."""
        self.portal.stop()
        for cleanup in self._cleanup:
            cleanup()


def share_demo_study(client: PortalClient, home: Path, community: str) -> tuple[str, date]:
    """Upload the invented shared study to COMMUNITY and create an access code for it.

    Goes through the real upload path (queue, staging, tus, verified
    receipt) with a queue of its own, so the demo window's Transfers page
    starts empty. Returns (access code, patient's birth date).
    """
    medium = write_demo_study(home / "shared-study", SHARED_STUDY)[0].parent
    studies = scan(medium).studies()
    with QueueStore(home / "demo-setup-queue.sqlite3") as store:
        job_ids = queue_studies(store, studies, server=client.server, account=client.email,
                                community=community, source=medium, staging="always")
        QueueRunner(store, lambda _server, _account: client,
                    staging_root=home / "demo-setup-staging").run(only=job_ids)
        jobs = [store.get_job(i, with_items=False) for i in job_ids]
    failed = [j for j in jobs if j.state is not JobState.DONE]
    if failed:
        raise DemoError(f"Uploading the demo study failed: {failed[0].error}")
    from downloadmanager.core.documents.share import create_access_code

    birth = date(int(SHARED_STUDY.birth_date[:4]), int(SHARED_STUDY.birth_date[4:6]),
                 int(SHARED_STUDY.birth_date[6:]))
    created = create_access_code(client, [s.study_instance_uid for s in studies], birth)
    return created.code, birth


def prepare_demo(home: Path, data_dir: Path | None = None) -> DemoEnvironment:
    """Start the demo portal, fill it with demo data and log in; see the module text.

    HOME must be the current ``DOWNLOADMANAGER_HOME`` (the login is saved
    there). DATA_DIR keeps the portal's data (default: a temporary folder,
    removed by :meth:`DemoEnvironment.close`).
    """
    cleanup = []
    if data_dir is None:
        temporary = tempfile.TemporaryDirectory(prefix="downloadmanager-demo-portal-")
        data_dir = Path(temporary.name)
        cleanup.append(temporary.cleanup)
    portal = start_demo_portal(Path(data_dir))
    try:
        from portal.demo import DEMO_COMMUNITIES, seed_demo

        login = seed_demo(portal.engine)
        name, code = DEMO_COMMUNITIES[0]
        own_community = DEMO_COMMUNITIES[1][1]
        client = PortalClient(portal.url, login["email"], credentials=CredentialStore())
        client.login(login["password"])
        save_account(Account(client.server, client.email))
        access_code, birth = share_demo_study(client, home, own_community)
        medium = write_demo_cd(home / "demo-cd")
    except BaseException:
        portal.stop()
        for step in cleanup:
            step()
        raise
    return DemoEnvironment(portal, login["email"], login["password"], code, name, access_code,
                           birth, medium, client, cleanup)
