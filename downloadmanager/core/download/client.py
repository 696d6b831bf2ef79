"""HTTP calls to the portal for downloads: redeem a code, list studies, manifest, archive.

:class:`StudySource` is what the fetcher needs from a portal - a manifest and
a (ranged) archive stream - whoever's token it carries: a *code* token from
:func:`redeem_code` or a logged-in user's token (the community inbox).
Portal answers become :class:`~downloadmanager.core.download.messages.UserMessageError`
with German and English texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import requests

from downloadmanager import __version__
from downloadmanager.core.download.messages import UserMessageError
from downloadmanager.core.net_settings import configure_session

TIMEOUT = (15.0, 60.0)  # connect, read


class DownloadError(UserMessageError):
    """A download step failed; ``message(lang)`` says why in German or English."""


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


def _retry_after(response: requests.Response) -> int:
    try:
        return int(response.json().get("retry_after"))
    except (ValueError, TypeError, AttributeError):
        pass
    try:
        return int(response.headers.get("Retry-After", "0"))
    except ValueError:
        return 0


def new_session() -> requests.Session:
    """A session with our User-Agent and the proxy from the settings (TLS verification stays on)."""
    session = configure_session(requests.Session())
    session.headers["User-Agent"] = f"downloadmanager/{__version__}"
    return session


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
        raise DownloadError("too_many_attempts", wait_seconds=_retry_after(response))
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
