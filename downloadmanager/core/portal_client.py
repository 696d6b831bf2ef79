"""The one HTTP client of the portal, for uploads, downloads and the inbox.

* :class:`PortalClient`: a logged-in account (login, token renewal on 401,
  communities, receipts, authenticated requests). One per (server, account);
  thread-safe for what the upload runner needs: ``headers()`` and ``renew()``
  may be called from the worker threads (each of which has its own tus session).
* :func:`redeem_code` and :class:`StudySource`: a study's manifest and
  (ranged) archive, with a *code* token from :func:`redeem_code` or a
  logged-in user's token (the community inbox).

Every failure is an :class:`~downloadmanager.core.errors.AppError`
(``PortalError``, ``NetworkError``, ``AuthenticationError`` for accounts;
``DownloadError`` for code redemption and study downloads) with a code from
the one catalogue; :func:`retry_after_seconds` is the one reading of a
server's "wait this long".
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from downloadmanager import __version__
from downloadmanager.core.credentials import CredentialStore, normalise_server
from downloadmanager.core.errors import (
    AuthenticationError,
    DownloadError,
    NetworkError,
    PortalError,
)
from downloadmanager.core.net_settings import configure_session

__all__ = ["AuthenticationError", "DownloadError", "NetworkError", "PortalClient", "PortalError",
           "Redemption", "StudySource", "new_session", "redeem_code", "response_detail",
           "retry_after_seconds"]

#: (connect, read) timeouts of download requests.
TIMEOUT = (15.0, 60.0)

log = logging.getLogger(__name__)


def new_session() -> requests.Session:
    """A session with our User-Agent and the proxy from the settings (TLS verification stays on)."""
    session = configure_session(requests.Session())
    session.headers["User-Agent"] = f"downloadmanager/{__version__}"
    return session


def retry_after_seconds(response: requests.Response) -> float | None:
    """How long the server asks us to wait: JSON ``retry_after``, else ``Retry-After``.

    The header may be seconds or an HTTP date; None when the answer names no time.
    """
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("retry_after") is not None:
            return max(0.0, float(body["retry_after"]))
    except (ValueError, TypeError, AttributeError):
        pass
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def response_detail(response: requests.Response) -> str:
    """The reason a portal answer gives (JSON ``message``/``detail``/``error``, else its text)."""
    text = (response.text or "").strip()
    try:
        body = response.json()
        if isinstance(body, dict):
            text = str(body.get("message") or body.get("detail") or body.get("error") or text)
    except ValueError:
        pass
    return text[:300] or response.reason or str(response.status_code)


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
        self.session = session or new_session()
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
            raise NetworkError("portal_unreachable", url=self.server,
                               detail=exc.__class__.__name__) from exc
        if response.status_code == 401:
            raise AuthenticationError("login_wrong", server=self.server)
        if response.status_code == 429:
            raise AuthenticationError("login_too_many_attempts", server=self.server,
                                      wait_seconds=retry_after_seconds(response) or 300)
        if response.status_code != 200:
            raise PortalError("login_refused", server=self.server, status=response.status_code,
                              detail=response_detail(response))
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
            raise AuthenticationError("not_logged_in", server=self.server, email=self.email)
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
                raise NetworkError("portal_unreachable", url=self.server,
                                   detail=exc.__class__.__name__) from exc
            if response.status_code == 401 and attempt == 1:
                log.info("token refused; logging in again")
                self.renew(stale=token)
                kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
                continue
            return response
        raise AuthenticationError("login_no_longer_accepted", server=self.server, email=self.email)

    def search_communities(self, query: str) -> list[dict]:
        """Communities whose name contains QUERY or whose code is QUERY."""
        response = self.request("GET", "/api/communities", params={"q": query})
        if response.status_code != 200:
            raise PortalError("portal_request_failed", status=response.status_code,
                              detail=response_detail(response))
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
            raise PortalError("portal_request_failed", status=response.status_code,
                              detail=response_detail(response))
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
            raise PortalError("portal_request_failed", status=response.status_code,
                              detail=response_detail(response))
        return bool(response.json().get("present_sop_instance_uids"))

    def receipt(self, upload_id: str, wait: float = 0.0) -> tuple[int, dict]:
        """``(status, body)`` of ``GET /api/uploads/{id}/receipt`` (202 while not finished).

        WAIT > 0 asks the portal to hold the answer up to that many seconds
        while the upload is being verified (a portal that does not know the
        parameter answers at once).
        """
        params = {"wait": f"{wait:g}"} if wait > 0 else None
        response = self.request("GET", f"/api/uploads/{upload_id}/receipt", params=params)
        if response.status_code in (200, 202):
            return response.status_code, response.json()
        if response.status_code == 404:
            return 404, {}
        raise PortalError("portal_request_failed", status=response.status_code,
                          detail=response_detail(response))


# -- downloads: access codes and studies ------------------------------------------------

def _date_only(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso[:10]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.date().isoformat()


@dataclass(frozen=True, slots=True)
class Redemption:
    """A redeemed code: the token and when the code expires."""

    token: str
    token_expires: str
    code_expires: str


def redeem_code(server: str, code: str, birth_date_iso: str,
                session: requests.Session | None = None) -> Redemption:
    """``POST /api/codes/redeem``; raises :class:`DownloadError` with the right message.

    A wrong code and a wrong birth date give one and the same message.
    """
    session = session or new_session()
    url = f"{server.rstrip('/')}/api/codes/redeem"
    try:
        response = session.post(url, json={"code": code, "birth_date": birth_date_iso}, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise DownloadError("portal_unreachable", url=server, detail=type(exc).__name__) from None
    if response.status_code == 200:
        body = response.json()
        return Redemption(body["token"], body.get("expires", ""), body.get("code_expires", ""))
    if response.status_code in (401, 403, 404, 422):
        raise DownloadError("code_or_birth_date_wrong")
    if response.status_code == 429:
        raise DownloadError("too_many_attempts", wait_seconds=int(retry_after_seconds(response) or 0))
    if response.status_code == 410:
        try:
            expires = response.json().get("expires")
        except ValueError:
            expires = None
        if expires:
            raise DownloadError("code_expired", date=_date_only(expires))
        raise DownloadError("code_expired_no_date")
    raise DownloadError("portal_error", status=response.status_code)


class StudySource:
    """Authenticated access to a portal's studies (code token or user token)."""

    def __init__(self, server: str, token: str, session: requests.Session | None = None) -> None:
        self.server = server.rstrip("/")
        self.session = session or new_session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def _get_json(self, path: str, **params: Any) -> Any:
        url = f"{self.server}{path}"
        try:
            response = self.session.get(url, params=params or None, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise DownloadError("portal_unreachable", url=self.server, detail=type(exc).__name__) from None
        if response.status_code == 401:
            raise DownloadError("session_expired")
        if response.status_code != 200:
            raise DownloadError("portal_error", status=response.status_code)
        try:
            return response.json()
        except ValueError:
            raise DownloadError("server_sent_garbage", detail="no JSON") from None

    def code_studies(self) -> dict:
        """``GET /api/codes/studies``: ``{"expires", "studies": [summary]}``."""
        body = self._get_json("/api/codes/studies")
        if not isinstance(body, dict) or not isinstance(body.get("studies"), list):
            raise DownloadError("server_sent_garbage", detail="study list")
        return body

    def manifest(self, study_uid: str) -> dict:
        """``GET /api/studies/{uid}/manifest``."""
        body = self._get_json(f"/api/studies/{requests.utils.quote(study_uid, safe='')}/manifest")
        if not isinstance(body, dict) or not isinstance(body.get("instances"), list):
            raise DownloadError("server_sent_garbage", detail="manifest")
        return body

    def archive_url(self, study_uid: str) -> str:
        return f"{self.server}/api/studies/{requests.utils.quote(study_uid, safe='')}/archive"

    def open_archive(self, study_uid: str, offset: int = 0, etag: str | None = None) -> requests.Response:
        """Start streaming the study's tar archive from byte OFFSET (``Range``/``If-Range``)."""
        headers = {"Accept-Encoding": "identity"}
        if offset > 0:
            headers["Range"] = f"bytes={offset}-"
            if etag:
                headers["If-Range"] = etag
        # Network errors propagate as requests exceptions: the fetcher retries them.
        response = self.session.get(self.archive_url(study_uid), headers=headers, stream=True,
                                    timeout=TIMEOUT)
        if response.status_code == 401:
            response.close()
            raise DownloadError("session_expired")
        if response.status_code not in (200, 206, 416):
            response.close()
            raise DownloadError("portal_error", status=response.status_code)
        return response

    def inbox(self, community: str, imported: bool | None = False) -> dict:
        """``GET /api/communities/{code}/inbox``."""
        params = {} if imported is None else {"imported": "true" if imported else "false"}
        return self._get_json(f"/api/communities/{requests.utils.quote(community, safe='')}/inbox", **params)

    def mark_imported(self, community: str, study_uid: str) -> dict:
        """``POST /api/communities/{code}/inbox/{uid}/imported``."""
        url = (f"{self.server}/api/communities/{requests.utils.quote(community, safe='')}"
               f"/inbox/{requests.utils.quote(study_uid, safe='')}/imported")
        try:
            response = self.session.post(url, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise DownloadError("portal_unreachable", url=self.server, detail=type(exc).__name__) from None
        if response.status_code != 200:
            raise DownloadError("portal_error", status=response.status_code)
        return response.json()
