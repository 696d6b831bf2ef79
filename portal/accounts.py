"""User accounts: registration by e-mail, login/logout, password change.

Anyone may register: the portal generates a password and mails it, so an
account always belongs to someone who can read that mailbox. Registration
never grants membership in a community (that would open its inbox); an
operator adds members with ``downloadmanager-portal add-member``.
"""

from __future__ import annotations

import re
from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.auth import Principal, _bearer, hash_token, issue_token, require_user
from portal.db import utcnow
from portal.errors import ApiError
from portal.mailer import send_mail
from portal.passwords import burn_time, generate_password, hash_secret, verify_secret
from portal.schema import communities, memberships, tokens, users

router = APIRouter(tags=["accounts"])

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """An account operation cannot be done (message says why)."""


def normalise_email(email: str) -> str:
    """Trimmed, lower-case e-mail address; raises AccountError when malformed."""
    value = email.strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise AccountError(f"not an e-mail address: {email!r}")
    return value


def create_user(engine: Engine, email: str, password: str | None = None,
                *, is_admin: bool = False) -> tuple[int, str]:
    """Create an account; returns ``(user_id, password)`` (generated when None)."""
    email = normalise_email(email)
    password = password or generate_password()
    try:
        with engine.begin() as conn:
            user_id = conn.execute(insert(users).values(
                email=email, password_hash=hash_secret(password), is_admin=is_admin,
                created_at=utcnow(),
            ).returning(users.c.id)).scalar_one()
    except IntegrityError as exc:
        raise AccountError(f"an account for {email} exists already") from exc
    return user_id, password


def user_id_for_email(engine: Engine, email: str) -> int | None:
    """The id of the account with EMAIL, or None."""
    with engine.connect() as conn:
        return conn.execute(
            select(users.c.id).where(users.c.email == normalise_email(email))
        ).scalar()


def set_password(engine: Engine, user_id: int, password: str,
                 *, keep_token_hash: str | None = None,
                 expected_hash: str | None = None) -> bool:
    """Store a new password and revoke every token of the user but KEEP_TOKEN_HASH.

    With EXPECTED_HASH only when the stored hash is still that one (so two
    uses of one reset link cannot both succeed); returns whether it changed.
    """
    with engine.begin() as conn:
        change = update(users).where(users.c.id == user_id)
        if expected_hash is not None:
            change = change.where(users.c.password_hash == expected_hash)
        if conn.execute(change.values(password_hash=hash_secret(password))).rowcount != 1:
            return False
        revoke = delete(tokens).where(tokens.c.user_id == user_id)
        if keep_token_hash:
            revoke = revoke.where(tokens.c.token_hash != keep_token_hash)
        conn.execute(revoke)
    return True


def add_membership(engine: Engine, user_id: int, community_code: str) -> None:
    """Make the user a member of the community with COMMUNITY_CODE (idempotent)."""
    with engine.begin() as conn:
        community_id = conn.execute(
            select(communities.c.id).where(communities.c.code == community_code)
        ).scalar()
        if community_id is None:
            raise AccountError(f"no community with code {community_code!r}")
        exists = conn.execute(select(memberships).where(
            memberships.c.user_id == user_id, memberships.c.community_id == community_id,
        )).first()
        if exists is None:
            conn.execute(insert(memberships).values(user_id=user_id,
                                                    community_id=community_id))


class RegisterRequest(BaseModel):
    email: str = Field(description="Where the generated password is sent.")


class LoginRequest(BaseModel):
    email: str
    password: str


class PasswordChange(BaseModel):
    old_password: str
    new_password: str = Field(description=f"At least {MIN_PASSWORD_LENGTH} characters.")


class TokenAnswer(BaseModel):
    token: str = Field(description="Send as 'Authorization: Bearer <token>'.")
    expires: datetime


class CommunityRef(BaseModel):
    name: str
    code: str


class MeAnswer(BaseModel):
    email: str
    is_admin: bool
    communities: list[CommunityRef]


_REGISTER_TEXT = """Hallo,

für diese Adresse wurde ein Konto am Downloadmanager-Portal {url} angelegt.

E-Mail:   {email}
Passwort: {password}

Melden Sie sich mit dem Programm Downloadmanager oder unter {url}/anmelden an
und ändern Sie dort das Passwort. Wenn Sie das nicht angefordert haben,
ignorieren Sie diese E-Mail.

---

Hello,

an account for the Downloadmanager portal {url} was requested for this address.

E-mail:   {email}
Password: {password}

Log in with the Downloadmanager program or on {url}/anmelden
and change the password there. If you did not ask for this, ignore this mail.
"""

_ALREADY_TEXT = """Hallo,

jemand wollte diese Adresse am Downloadmanager-Portal {url} registrieren,
es gibt aber schon ein Konto dafür. Es wurde nichts geändert.
Passwort vergessen? Ein neues erhalten Sie unter {url}/passwort-vergessen

---

Hello,

somebody asked to register this address at the Downloadmanager portal {url},
but an account for it exists already. Nothing was changed.
If you forgot your password, get a new one at {url}/passwort-vergessen
"""


def _refuse_while_limited(limit, client: str, message: str) -> None:
    """429 with Retry-After while CLIENT is over LIMIT."""
    wait = limit.retry_after(client)
    if wait:
        raise ApiError(429, "too_many_requests", message,
                       headers={"Retry-After": str(wait)}, retry_after=wait)


def mail_request_address(request: Request, email_text: str, limited_message: str) -> str:
    """The normalised address of a request that sends a mail (registration, reset link).

    Such requests share one rate limit per client address. Raises ``ApiError``
    429 (LIMITED_MESSAGE, while over the limit) or 422 (not an e-mail address).
    """
    client = audit.client_address(request)
    limit = request.app.state.limits.register
    _refuse_while_limited(limit, client, limited_message)
    try:
        email = normalise_email(email_text)
    except AccountError as exc:
        raise ApiError(422, "invalid_email", str(exc)) from exc
    limit.hit(client)
    return email


@router.post("/api/register", status_code=202, response_description="Mail sent (always).",
             responses={422: {"description": "Not an e-mail address."},
                        429: {"description": "Too many registrations from this address."}})
def register(body: RegisterRequest, request: Request) -> dict:
    """Create an account for an e-mail address and mail it a generated password.

    The answer is the same whether or not the address has an account already
    (then the mail says so), so this cannot be used to probe for accounts.
    """
    register_account(request, body.email)
    return {"status": "mail_sent"}


def register_account(request: Request, email_text: str) -> str:
    """Registration for the API and the web page: limit, account, mail, audit.

    Returns the normalised address. Raises ``ApiError`` 422 (not an e-mail
    address) or 429 (too many registrations from this client).
    """
    settings = request.app.state.settings
    engine = request.app.state.engine
    client = audit.client_address(request)
    email = mail_request_address(request, email_text, "too many registrations, try again later")
    try:
        user_id, password = create_user(engine, email)
    except AccountError:
        send_mail(settings, email, "Downloadmanager: Konto besteht bereits / account exists",
                  _ALREADY_TEXT.format(url=settings.public_url.rstrip("/")))
        audit.record(engine, "register_existing", client=client)
        return email
    send_mail(settings, email, "Downloadmanager: Ihr Konto / your account",
              _REGISTER_TEXT.format(url=settings.public_url.rstrip("/"), email=email,
                                    password=password))
    audit.record(engine, "register", user_id=user_id, client=client)
    return email


@router.post("/api/login", response_model=TokenAnswer, response_description="A bearer token.",
             responses={401: {"description": "Unknown e-mail or wrong password (same answer)."},
                        429: {"description": "Too many failed logins from this address."}})
def login(body: LoginRequest, request: Request) -> TokenAnswer:
    """Exchange e-mail and password for a bearer token with an expiry."""
    token, expires = authenticate(request, body.email, body.password)
    return TokenAnswer(token=token, expires=expires)


def authenticate(request: Request, email_text: str, password: str) -> tuple[str, datetime]:
    """Log in for the API and the web page: limit, check, audit; returns ``(token, expires)``.

    Raises ``ApiError`` 401 (unknown e-mail or wrong password, one answer)
    or 429 (too many failed logins from this client).
    """
    engine = request.app.state.engine
    client = audit.client_address(request)
    limit = request.app.state.limits.login
    _refuse_while_limited(limit, client, "too many failed logins, try again later")
    try:
        email = normalise_email(email_text)
    except AccountError:
        email = None
    row = None
    if email:
        with engine.connect() as conn:
            row = conn.execute(select(users.c.id, users.c.password_hash)
                               .where(users.c.email == email)).first()
    if row is None:
        burn_time(password)  # same time as a wrong password
        ok = False
    else:
        ok = verify_secret(password, row.password_hash)
    if not ok:
        limit.hit(client)
        audit.record(engine, "login_failed", client=client)
        raise ApiError(401, "invalid_credentials", "wrong e-mail or password")
    token, expires = issue_token(engine, kind="user", user_id=row.id,
                                 ttl_seconds=request.app.state.settings.token_ttl_seconds)
    audit.record(engine, "login", user_id=row.id, client=client)
    return token, expires


def revoke_token(engine: Engine, token: str) -> None:
    """Invalidate one bearer token (logout)."""
    with engine.begin() as conn:
        conn.execute(delete(tokens).where(tokens.c.token_hash == hash_token(token)))


@router.post("/api/logout", status_code=204, response_class=Response,
             response_description="The token is no longer valid.",
             responses={401: {"description": "No valid token."}})
def logout(request: Request, principal: Principal = Depends(require_user)) -> Response:
    """Invalidate the bearer token of this request."""
    revoke_token(request.app.state.engine, _bearer(request))
    return Response(status_code=204)


@router.post("/api/password", response_description="Password changed; other tokens revoked.",
             responses={401: {"description": "No valid token."},
                        403: {"description": "Old password wrong."},
                        422: {"description": "New password too short."}})
def change_password(body: PasswordChange, request: Request,
                    principal: Principal = Depends(require_user)) -> dict:
    """Change the password (old + new); every other token of the user is revoked."""
    change_user_password(request, principal.user_id, body.old_password, body.new_password,
                         keep_token=_bearer(request))
    return {"status": "changed"}


def change_user_password(request: Request, user_id: int, old_password: str,
                         new_password: str, *, keep_token: str | None) -> None:
    """Password change for the API and the web page; revokes every token but KEEP_TOKEN.

    Raises ``ApiError`` 403 (old password wrong) or 422 (new one too short).
    """
    engine = request.app.state.engine
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)
                              .where(users.c.id == user_id)).scalar_one()
    if not verify_secret(old_password, stored):
        raise ApiError(403, "wrong_password", "the old password is wrong")
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise ApiError(422, "password_too_short",
                       f"the new password needs at least {MIN_PASSWORD_LENGTH} characters")
    set_password(engine, user_id, new_password,
                 keep_token_hash=hash_token(keep_token) if keep_token else None)
    audit.record(engine, "password_changed", user_id=user_id,
                 client=audit.client_address(request))


@router.get("/api/me", response_model=MeAnswer, response_description="The logged-in account.",
            responses={401: {"description": "No valid token."}})
def me(request: Request, principal: Principal = Depends(require_user)) -> MeAnswer:
    """The caller's account and the communities whose inbox it may see."""
    with request.app.state.engine.connect() as conn:
        user = conn.execute(select(users.c.email, users.c.is_admin)
                            .where(users.c.id == principal.user_id)).one()
        rows = conn.execute(
            select(communities.c.name, communities.c.code)
            .join(memberships, memberships.c.community_id == communities.c.id)
            .where(memberships.c.user_id == principal.user_id).order_by(communities.c.name)
        ).all()
    return MeAnswer(email=user.email, is_admin=bool(user.is_admin),
                    communities=[CommunityRef(name=r.name, code=r.code) for r in rows])
