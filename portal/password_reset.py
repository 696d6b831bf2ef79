"""Forgotten passwords: a one-time link by mail that gets a new generated password.

The link (``<public_url>/passwort-neu?t=<token>``) carries a stateless token:
the user id, an expiry and an HMAC over both *and the user's current password
hash*, keyed with a key derived from the portal secret (``DATA/secret.key``).
Nothing is stored: once the link was used the password hash is another one,
so the same link no longer verifies; a password change by other means kills
it too. Opening the link only shows a confirm form (mail scanners that fetch
links must not reset passwords); its POST mails the new password.

Asking for a link answers the same whether or not an account exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal import audit
from portal.accounts import mail_request_address, set_password
from portal.mailer import send_mail
from portal.passwords import generate_password
from portal.schema import users

LINK_TTL_SECONDS = 60 * 60
RESET_PATH = "/passwort-neu"

_LINK_TEXT = """Hallo,

für Ihr Konto am Downloadmanager-Portal {url} wurde ein neues Passwort angefordert.
Öffnen Sie diesen Link (gültig bis {until} UTC, nur einmal verwendbar) und bestätigen Sie:

{link}

Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; Ihr Passwort bleibt.

---

Hello,

a new password was requested for your account at the Downloadmanager portal {url}.
Open this link (valid until {until} UTC, usable once) and confirm:

{link}

If you did not ask for this, ignore this mail; your password stays as it is.
"""

_PASSWORD_TEXT = """Hallo,

Ihr neues Passwort für das Downloadmanager-Portal {url}:

E-Mail:   {email}
Passwort: {password}

Alle bisherigen Anmeldungen wurden beendet. Melden Sie sich unter {url}/anmelden an.

---

Hello,

your new password for the Downloadmanager portal {url}:

E-mail:   {email}
Password: {password}

Every earlier login was ended. Log in at {url}/anmelden.
"""


def _key(secret: bytes) -> bytes:
    # A key of its own, so a reset MAC can never be mistaken for a code hash.
    return hmac.new(secret, b"downloadmanager password reset v1", hashlib.sha256).digest()


def _mac(secret: bytes, user_id: int, expires: int, password_hash: str) -> str:
    message = f"{user_id}.{expires}.{password_hash}".encode("utf-8")
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def make_token(secret: bytes, user_id: int, password_hash: str,
               expires: int | None = None) -> str:
    """The link token for USER_ID whose password hash is PASSWORD_HASH (expires: epoch s)."""
    expires = int(expires if expires is not None else time.time() + LINK_TTL_SECONDS)
    return f"{user_id}.{expires}.{_mac(secret, user_id, expires, password_hash)}"


def check_token(engine: Engine, secret: bytes, token: str,
                now: float | None = None) -> tuple[int, str] | None:
    """``(user_id, password_hash)`` when TOKEN is valid now, else None."""
    try:
        user_text, expires_text, mac = (token or "").strip().split(".")
        user_id, expires = int(user_text), int(expires_text)
    except ValueError:
        return None
    if expires <= (time.time() if now is None else now):
        return None
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)
                              .where(users.c.id == user_id)).scalar()
    if stored is None or not hmac.compare_digest(mac, _mac(secret, user_id, expires, stored)):
        return None
    return user_id, stored


def _secret(request: Request) -> bytes:
    from portal.codes_api import portal_secret  # the one cached copy of DATA/secret.key
    return portal_secret(request)


def request_link(request: Request, email_text: str) -> str:
    """Mail a reset link to EMAIL_TEXT when it has an account; returns the normalised address.

    The caller says the same in both cases. Shares the registration's rate
    limit (both send mails). Raises ``ApiError`` 422 (not an e-mail address)
    or 429 (too many mails asked for from this client).
    """
    settings = request.app.state.settings
    engine = request.app.state.engine
    client = audit.client_address(request)
    email = mail_request_address(request, email_text, "too many requests, try again later")
    with engine.connect() as conn:
        row = conn.execute(select(users.c.id, users.c.password_hash)
                           .where(users.c.email == email)).first()
    if row is None:
        audit.record(engine, "password_reset_unknown", client=client)
        return email
    expires = int(time.time() + LINK_TTL_SECONDS)
    url = settings.public_url.rstrip("/")
    link = f"{url}{RESET_PATH}?t={make_token(_secret(request), row.id, row.password_hash, expires)}"
    until = time.strftime("%d.%m.%Y %H:%M", time.gmtime(expires))
    send_mail(settings, email, "Downloadmanager: neues Passwort / new password",
              _LINK_TEXT.format(url=url, link=link, until=until))
    audit.record(engine, "password_reset_requested", user_id=row.id, client=client)
    return email


def link_is_valid(request: Request, token: str) -> bool:
    """True while TOKEN would still reset a password (for the confirm page)."""
    return check_token(request.app.state.engine, _secret(request), token) is not None


def reset_password(request: Request, token: str) -> bool:
    """Use TOKEN: generate a new password, mail it, end every login; False when invalid."""
    settings = request.app.state.settings
    engine = request.app.state.engine
    found = check_token(engine, _secret(request), token)
    if found is None:
        audit.record(engine, "password_reset_invalid", client=audit.client_address(request))
        return False
    user_id, old_hash = found
    password = generate_password()
    # Conditional on the hash the link was made for: two clicks, one new password.
    if not set_password(engine, user_id, password, expected_hash=old_hash):
        return False
    with engine.connect() as conn:
        email = conn.execute(select(users.c.email).where(users.c.id == user_id)).scalar_one()
    url = settings.public_url.rstrip("/")
    send_mail(settings, email, "Downloadmanager: Ihr neues Passwort / your new password",
              _PASSWORD_TEXT.format(url=url, email=email, password=password))
    audit.record(engine, "password_reset", user_id=user_id, client=audit.client_address(request))
    return True


__all__ = ["LINK_TTL_SECONDS", "RESET_PATH", "make_token", "check_token", "request_link",
           "link_is_valid", "reset_password"]
