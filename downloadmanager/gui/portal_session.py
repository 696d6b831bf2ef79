"""The window's login to the portal: one logged-in ``PortalClient`` shared by every page.

The session itself never talks to the network on the GUI thread: restoring
the stored login and logging in run through the bridge. It also remembers
the names of communities seen in searches, so a code such as ``bM1X`` can be
shown as "Radiologie Klinikum Saarbrücken (bM1X)" elsewhere.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from downloadmanager.core.credentials import (
    Account,
    CredentialStore,
    load_account,
    normalise_server,
    save_account,
)
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.transfers.errors import AuthenticationError
from downloadmanager.gui.bridge import Bridge, Task


def community_label(name: str | None, code: str) -> str:
    """ "Name (code)", or just the code when the name is not known."""
    return f"{name} ({code})" if name else code


class PortalSession(QObject):
    """Who the window is logged in as, and the client to talk to the portal with."""

    #: The login changed (logged in, logged out, restored).
    changed = Signal()
    #: Logging in failed; a message for the user.
    login_failed = Signal(str)

    def __init__(self, bridge: Bridge, credentials: CredentialStore | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.credentials = credentials or CredentialStore()
        self._client: PortalClient | None = None
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}

    # -- state ------------------------------------------------------------------
    @property
    def client(self) -> PortalClient | None:
        """The logged-in client, or None (safe to read from worker threads)."""
        with self._lock:
            return self._client

    @property
    def logged_in(self) -> bool:
        """True when there is a login to send with."""
        return self.client is not None

    def use_client(self, client: PortalClient | None) -> None:
        """Use CLIENT (already logged in) from now on; None logs out of the window."""
        with self._lock:
            self._client = client
        self.changed.emit()

    def client_for(self, server: str, account: str) -> PortalClient:
        """A client for a job's SERVER and ACCOUNT: the session's one if it matches.

        Called from the transfer runner's thread.
        """
        current = self.client
        if current is not None and current.server == normalise_server(server) \
                and current.email == account:
            return current
        return PortalClient(server, account, credentials=self.credentials)

    # -- community names ----------------------------------------------------------
    def remember_communities(self, communities: list[dict]) -> None:
        """Keep the names of COMMUNITIES (dicts with "name" and "code")."""
        for community in communities:
            self._names[community["code"]] = community["name"]

    def community_name(self, code: str) -> str | None:
        """The name of the community CODE, if seen in this session."""
        return self._names.get(code)

    def label_for(self, code: str) -> str:
        """How to show community CODE."""
        return community_label(self.community_name(code), code)

    # -- logging in -------------------------------------------------------------------
    def restore(self) -> Task:
        """Use the stored login (from ``downloadmanager login`` or an earlier start), if any.

        An unreachable portal does not log out: the stored login is used and
        uploads wait until the portal answers. A refused login does.
        """
        credentials = self.credentials

        def work(_ctx) -> PortalClient | None:
            account = load_account()
            if account is None:
                return None
            has_secret = (credentials.get_password(account.server, account.email) is not None
                          or credentials.get_token(account.server, account.email) is not None)
            if not has_secret:
                return None
            return PortalClient(account.server, account.email, credentials=credentials)

        return self._bridge.run(work, on_result=self._restored)

    def _restored(self, client: PortalClient | None) -> None:
        if client is not None and self.client is None:
            self.use_client(client)

    def login(self, server: str, email: str, password: str) -> Task:
        """Log in in the background; ``changed`` or ``login_failed`` follows."""
        credentials = self.credentials

        def work(_ctx) -> PortalClient:
            client = PortalClient(server, email.strip(), credentials=credentials)
            client.login(password)
            save_account(Account(client.server, client.email))
            return client

        return self._bridge.run(work, on_result=self.use_client,
                                on_error=lambda error: self.login_failed.emit(str(error)))

    def logout(self) -> Task | None:
        """Forget the login (password and token) and log the window out."""
        client = self.client
        self.use_client(None)
        if client is None:
            return None
        credentials = self.credentials
        return self._bridge.run(lambda _ctx: credentials.forget(client.server, client.email))


def is_login_problem(error: BaseException) -> bool:
    """True when ERROR means the user has to log in (again)."""
    return isinstance(error, AuthenticationError)
