"""HTTP session to the portal: login, token renewal on 401, communities, receipts.

One ``PortalClient`` per (server, account). It is thread-safe for what the
upload runner needs: ``headers()`` and ``renew()`` may be called from the
worker threads (each of which has its own tus session).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

import requests

from downloadmanager import __version__
from downloadmanager.core.credentials import CredentialStore, normalise_server
from downloadmanager.core.net_settings import configure_session
from downloadmanager.core.transfers.errors import AuthenticationError, NetworkError, TransferError

log = logging.getLogger(__name__)


class PortalError(TransferError):
    """The portal answered with an error a user has to act on."""


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
        return str(body.get("message") or body.get("detail") or response.reason)
    except ValueError:
        return (response.text or response.reason or str(response.status_code))[:200]


def _expired(expires: str | None) -> bool:
    if not expires:
        return False
    try:
        moment = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment <= datetime.now(timezone.utc)


class PortalClient:
    """Talks to the portal at SERVER as EMAIL, with secrets from CREDENTIALS."""

    def __init__(self, server: str, email: str, *, credentials: CredentialStore | None = None,
                 session: requests.Session | None = None, timeout: float = 30.0) -> None:
        self.server = normalise_server(server)
        self.email = email
        self.credentials = credentials or CredentialStore()
        self.session = session or configure_session(requests.Session())
        self.session.headers["User-Agent"] = f"downloadmanager/{__version__}"
        self.timeout = timeout
        self._lock = threading.Lock()
        self._token: str | None = None

    @property
    def tus_endpoint(self) -> str:
        """The portal's tus endpoint."""
        return f"{self.server}/uploads/"

    # -- authentication ---------------------------------------------------------

    def login(self, password: str) -> str:
        """Log in with PASSWORD; stores password and token; returns the token."""
        try:
            response = self.session.post(f"{self.server}/api/login",
                                         json={"email": self.email, "password": password},
                                         timeout=self.timeout)
        except requests.RequestException as exc:
            raise NetworkError(f"Cannot reach the portal at {self.server}: "
                               f"{exc.__class__.__name__}. Check the address and the network.") \
                from exc
        if response.status_code == 401:
            raise AuthenticationError(f"Wrong e-mail or password for {self.server}.")
        if response.status_code == 429:
            raise AuthenticationError(
                f"Too many failed logins at {self.server}; wait "
                f"{response.headers.get('Retry-After', 'a few minutes')} seconds and try again.")
        if response.status_code != 200:
            raise PortalError(f"The portal at {self.server} refused the login "
                              f"({response.status_code}): {_message(response)}")
        answer = response.json()
        token, expires = answer["token"], answer.get("expires")
        with self._lock:
            self._token = token
        self.credentials.set_password(self.server, self.email, password)
        self.credentials.set_token(self.server, self.email, token, expires)
        return token

    def _current_token(self) -> str:
        with self._lock:
            if self._token:
                return self._token
        stored = self.credentials.get_token(self.server, self.email)
        if stored and not _expired(stored[1]):
            with self._lock:
                self._token = stored[0]
            return stored[0]
        return self.renew(stale=None)

    def renew(self, stale: str | None = "current") -> str:
        """Log in again with the stored password (after a 401); returns the new token.

        STALE is the token that failed; if another thread already replaced it,
        the newer token is used instead of logging in twice.
        """
        with self._lock:
            failed = self._token if stale == "current" else stale
            if self._token and self._token != failed:
                return self._token
            self._token = None
        password = self.credentials.get_password(self.server, self.email)
        if not password:
            raise AuthenticationError(
                f"Not logged in to {self.server} as {self.email}. Run 'downloadmanager login "
                f"--server {self.server} --email {self.email}'.")
        return self.login(password)

    def headers(self) -> dict[str, str]:
        """The bearer header (logging in first if needed)."""
        return {"Authorization": f"Bearer {self._current_token()}"}

    # -- requests ----------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """An authenticated request; on 401 the token is renewed once and the request repeated."""
        kwargs.setdefault("timeout", self.timeout)
        for attempt in (1, 2):
            token = self._current_token()
            headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {token}"}
            try:
                response = self.session.request(method, f"{self.server}{path}", headers=headers,
                                                **kwargs)
            except requests.RequestException as exc:
                raise NetworkError(f"Cannot reach the portal at {self.server}: "
                                   f"{exc.__class__.__name__}.") from exc
            if response.status_code == 401 and attempt == 1:
                log.info("token refused; logging in again")
                self.renew(stale=token)
                kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
                continue
            return response
        raise AuthenticationError(f"The portal at {self.server} does not accept the login of "
                                  f"{self.email}. Run 'downloadmanager login' again.")

    def search_communities(self, query: str) -> list[dict]:
        """Communities whose name contains QUERY or whose code is QUERY."""
        response = self.request("GET", "/api/communities", params={"q": query})
        if response.status_code != 200:
            raise PortalError(f"Searching communities failed ({response.status_code}): "
                              f"{_message(response)}")
        return [{"name": c["name"], "code": c["code"]} for c in response.json()]

    def community(self, code: str) -> dict | None:
        """The community with exactly this (case-sensitive) code, or None."""
        return next((c for c in self.search_communities(code) if c["code"] == code), None)

    def present_instances(self, community: str, study_instance_uid: str,
                          sha256s: list[str]) -> set[str]:
        """The SHA-256 values of the study's instances the recipient COMMUNITY already holds.

        Only what this account may know (``POST /api/uploads/present``); a
        portal without that question answers nothing, so everything is sent.
        """
        if not sha256s:
            return set()
        response = self.request("POST", "/api/uploads/present", json={
            "community": community, "study_instance_uid": study_instance_uid,
            "sha256": sorted(set(sha256s))})
        if response.status_code in (404, 405):
            return set()
        if response.status_code != 200:
            raise PortalError(f"Asking the portal which images it has failed "
                              f"({response.status_code}): {_message(response)}")
        present = response.json().get("present") or []
        return set(present) & set(sha256s)

    def holds_any(self, community: str, study_instance_uid: str,
                  sop_instance_uids: list[str]) -> bool:
        """True if COMMUNITY holds any of these instances of the study (as far as we may know).

        Asked before the files are read: a study the portal holds nothing of
        is sent while it is still being staged; otherwise it is hashed first
        so that only what is missing is sent.
        """
        if not sop_instance_uids:
            return False
        response = self.request("POST", "/api/uploads/present", json={
            "community": community, "study_instance_uid": study_instance_uid,
            "sop_instance_uid": sorted(set(sop_instance_uids))})
        if response.status_code in (404, 405):
            return False
        if response.status_code != 200:
            raise PortalError(f"Asking the portal which images it has failed "
                              f"({response.status_code}): {_message(response)}")
        return bool(response.json().get("present_sop_instance_uids"))

    def receipt(self, upload_id: str) -> tuple[int, dict]:
        """``(status, body)`` of ``GET /api/uploads/{id}/receipt`` (202 while not finished)."""
        response = self.request("GET", f"/api/uploads/{upload_id}/receipt")
        if response.status_code in (200, 202):
            return response.status_code, response.json()
        if response.status_code == 404:
            return 404, {}
        raise PortalError(f"Reading the receipt failed ({response.status_code}): "
                          f"{_message(response)}")
