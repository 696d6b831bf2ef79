"""Security plumbing of the web pages: headers, CSRF tokens, session cookies.

* Every page answer carries a strict Content-Security-Policy (scripts and
  styles from our own origin only, no inline code), ``X-Frame-Options:
  DENY``, ``Referrer-Policy: no-referrer`` and ``nosniff``.
* Forms carry a CSRF token that must equal the ``dm_csrf`` cookie
  (double submit; the cookie is SameSite=Strict and HttpOnly, so another
  site can neither send nor read it).
* The session cookie holds a portal bearer token (a code's or a user's):
  it expires with that token, and :mod:`portal.auth` honours it for GET
  and HEAD only.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.auth import SESSION_COOKIE

CSRF_COOKIE = "dm_csrf"
CODE_COOKIE = "dm_code"
CSRF_FIELD = "csrf_token"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")


class SecurityHeaders:
    """Adds the browser protections to every answer of the portal.

    A plain ASGI middleware that only touches the answer's first message: the
    request body passes through untouched. (Starlette's BaseHTTPMiddleware
    wraps every body piece in task groups of its own; under a gigabyte's
    upload that held the portal's event loop for seconds.)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_protected(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", CSP)
            await send(message)

        await self.app(scope, receive, send_protected)


def is_secure(request: Request) -> bool:
    """True when the browser talks to us over TLS (uvicorn's proxy headers included)."""
    return request.url.scheme == "https"


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page (the cookie's, or a new one)."""
    token = getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 32:
        token = secrets.token_urlsafe(32)
    request.state.csrf_token = token
    return token


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """True when SUBMITTED matches the browser's CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and submitted and secrets.compare_digest(cookie, submitted))


def finish(request: Request, response: Response) -> Response:
    """Set the CSRF cookie if this page made a token (before it is sent)."""
    token = getattr(request.state, "csrf_token", None)
    if token and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=is_secure(request), path="/")
    return response


def set_session(request: Request, response: Response, token: str, expires: datetime) -> None:
    """Keep TOKEN in the session cookie until EXPIRES (the token's own expiry)."""
    expires = expires if expires.tzinfo else expires.replace(tzinfo=timezone.utc)
    max_age = max(1, int((expires - datetime.now(timezone.utc)).total_seconds()))
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True,
                        samesite="strict", secure=is_secure(request), path="/")


def set_code_cookie(request: Request, response: Response, code: str, expires: datetime) -> None:
    """Remember the entered CODE with the session (for the program link only)."""
    expires = expires if expires.tzinfo else expires.replace(tzinfo=timezone.utc)
    max_age = max(1, int((expires - datetime.now(timezone.utc)).total_seconds()))
    response.set_cookie(CODE_COOKIE, code, max_age=max_age, httponly=True,
                        samesite="strict", secure=is_secure(request), path="/code")


def clear_session(response: Response) -> None:
    """Forget the session cookie (and the code remembered with it)."""
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CODE_COOKIE, path="/code")


def no_store(response: Response) -> Response:
    """Pages with patient data: no cache may keep them."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
