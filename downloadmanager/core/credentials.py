"""Login secrets in the OS keyring; the non-secret login (server, e-mail) in the settings.

The default login is the ``account`` section of the settings registry
(``downloadmanager.core.settings``); only the secrets live in the keyring.

Passwords and tokens go to the keyring (Windows Credential Manager, macOS
Keychain, Secret Service on Linux) under the service ``downloadmanager`` and
a user name made of server and e-mail. If the system has no keyring, the
secrets are kept in memory for this run only — never in a plain file — and
``CredentialStore.warning`` says so in words a user understands.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from downloadmanager.core.settings import read_section, write_section

log = logging.getLogger(__name__)

SERVICE = "downloadmanager"

NO_KEYRING_MESSAGE = (
    "This system has no password store (keyring), so your password is kept in memory "
    "for this run only and is not saved; you will be asked again next time. Install or "
    "unlock a keyring (Windows Credential Manager, macOS Keychain, GNOME Keyring or "
    "KWallet) to stay logged in.")


def normalise_server(url: str) -> str:
    """The canonical form of a portal address: scheme and host, no trailing slash."""
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    return url.rstrip("/")


@dataclass
class Account:
    """The login the program uses by default."""

    server: str
    email: str


def load_account() -> Account | None:
    """The stored default login, or None."""
    stored = read_section("account")
    if not stored["server"] or not stored["email"]:
        return None
    return Account(normalise_server(stored["server"]), stored["email"])


def save_account(account: Account) -> None:
    """Store the default login and the portal address in the user settings."""
    write_section("account", {"server": account.server, "email": account.email})
    if read_section("general")["portal_url"] != account.server:
        write_section("general", {"portal_url": account.server})


class KeyringDiscardedSecret(KeyringError):
    """The keyring accepted a secret but did not keep it."""


class CredentialStore:
    """Passwords and tokens per (server, e-mail), in the keyring or, without one, in memory."""

    def __init__(self) -> None:
        self._memory: dict[str, str] = {}
        self.keyring_available = True
        self.warning: str | None = None

    @staticmethod
    def _name(server: str, email: str, kind: str) -> str:
        return f"{normalise_server(server)}|{email.strip().lower()}|{kind}"

    def _set(self, name: str, secret: str) -> None:
        if self.keyring_available:
            try:
                keyring.set_password(SERVICE, name, secret)
                # Some backends (keyring's "null" backend, a locked store that
                # swallows writes) accept a secret and keep nothing: read it back.
                if keyring.get_password(SERVICE, name) == secret:
                    return
                self._no_keyring(KeyringDiscardedSecret())
            except (NoKeyringError, KeyringError) as exc:
                self._no_keyring(exc)
        self._memory[name] = secret

    def _get(self, name: str) -> str | None:
        if name in self._memory:
            return self._memory[name]
        if self.keyring_available:
            try:
                return keyring.get_password(SERVICE, name)
            except (NoKeyringError, KeyringError) as exc:
                self._no_keyring(exc)
        return None

    def _delete(self, name: str) -> None:
        self._memory.pop(name, None)
        if self.keyring_available:
            try:
                keyring.delete_password(SERVICE, name)
            except PasswordDeleteError:
                pass
            except (NoKeyringError, KeyringError) as exc:
                self._no_keyring(exc)

    def _no_keyring(self, exc: Exception) -> None:
        log.warning("no usable keyring: %s", type(exc).__name__)
        self.keyring_available = False
        self.warning = NO_KEYRING_MESSAGE

    def set_password(self, server: str, email: str, password: str) -> None:
        """Remember the password (in the keyring if there is one)."""
        self._set(self._name(server, email, "password"), password)

    def get_password(self, server: str, email: str) -> str | None:
        """The remembered password, or None."""
        return self._get(self._name(server, email, "password"))

    def set_token(self, server: str, email: str, token: str, expires: str | None) -> None:
        """Remember the current bearer token and its expiry."""
        self._set(self._name(server, email, "token"),
                  json.dumps({"token": token, "expires": expires}))

    def get_token(self, server: str, email: str) -> tuple[str, str | None] | None:
        """The remembered ``(token, expires)``, or None."""
        raw = self._get(self._name(server, email, "token"))
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return str(data["token"]), data.get("expires")
        except (ValueError, KeyError, TypeError):
            return None

    def forget(self, server: str, email: str) -> None:
        """Delete password and token of this login."""
        for kind in ("password", "token"):
            self._delete(self._name(server, email, kind))
