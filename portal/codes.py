"""Access codes: 12 characters that, with the patient's birth date, open studies.

* Alphabet without look-alikes (no 0/O, no 1/I/L); shown ``XXXX-XXXX-XXXX``,
  accepted in any case, with or without dashes and spaces.
* Stored as HMAC-SHA256 under a server secret (``DATA/secret.key``, created
  owner-only), so a stolen database alone does not reveal codes; the birth
  date as a salted scrypt hash.
* Valid 4 to 12 weeks (default 12); its studies live at least as long.
* Brute force: 5 wrong birth dates lock the code for 15 minutes, doubling
  with every further lockout; each client address has its own rate limit
  (``portal.ratelimit``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Engine

from portal.db import as_utc, utcnow
from portal.passwords import burn_time, hash_secret, verify_secret
from portal.schema import access_codes, code_studies, studies

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
MIN_WEEKS, MAX_WEEKS, DEFAULT_WEEKS = 4, 12, 12
MAX_FAILED_BIRTH_DATES = 5
BASE_LOCK_SECONDS = 15 * 60
_SEPARATORS = re.compile(r"[\s\-]+")


class CodeError(ValueError):
    """A code cannot be created as asked (message says why)."""


class UnknownStudyError(CodeError):
    """A Study Instance UID names no study (that the caller may bind)."""


# -- the code itself -----------------------------------------------------------

def generate_code() -> str:
    """A new random code: 12 characters, about 59 bits."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``K7PX92QDM4H3`` -> ``K7PX-92QD-M4H3``."""
    return "-".join(code[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str | None:
    """The canonical 12 characters of a typed code, or None when it cannot be one."""
    code = _SEPARATORS.sub("", text or "").upper()
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def normalise_birth_date(text: str) -> str | None:
    """``YYYY-MM-DD`` (or ``YYYYMMDD``) -> ``YYYYMMDD``; None when not a real date."""
    value = (text or "").strip()
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    return parsed.strftime("%Y%m%d")


def qr_payload(public_url: str, code: str) -> str:
    """The URL a QR code carries: ``<public_url>/c/<code>``."""
    return f"{public_url.rstrip('/')}/c/{code}"


# -- the server secret -----------------------------------------------------------

def load_secret(data_dir: Path) -> bytes:
    """The HMAC key in ``DATA/secret.key``, created (owner-only) on first use."""
    path = Path(data_dir) / "secret.key"
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        # O_EXCL: if two processes race, exactly one key wins and both read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex())
    return key


def code_hash(secret: bytes, code: str) -> str:
    """The stored form of a normalised code."""
    return hmac.new(secret, code.encode("ascii"), hashlib.sha256).hexdigest()


# -- creating -----------------------------------------------------------------

@dataclass(frozen=True)
class CreatedCode:
    """A freshly created code (the only time its clear text is known)."""

    code: str
    expires: datetime
    qr_payload: str
    study_ids: tuple[int, ...]

    def as_dict(self) -> dict:
        """JSON-ready answer: formatted code, expiry, QR payload URL."""
        return {"code": format_code(self.code),
                "expires": self.expires.isoformat().replace("+00:00", "Z"),
                "qr_payload": self.qr_payload}


def study_ids_for(engine: Engine, study_uids: list[str], *,
                  sender_user_id: int | None = None,
                  community_ids: frozenset[int] | set[int] | None = None) -> list[int]:
    """Row ids of the studies with these UIDs.

    SENDER_USER_ID: only studies that user sent (the API's rule for its
    uploader). COMMUNITY_IDS: only studies received by these communities (the
    web inbox's rule: a member may make a code for what the community
    received); an empty set matches nothing. Raises UnknownStudyError naming
    every UID that matches nothing.
    """
    if not study_uids:
        raise CodeError("a code needs at least one study")
    query = select(studies.c.id, studies.c.study_instance_uid).where(
        studies.c.study_instance_uid.in_(study_uids), studies.c.expires_at > utcnow())
    if sender_user_id is not None:
        query = query.where(studies.c.sender_user_id == sender_user_id)
    if community_ids is not None:
        query = query.where(studies.c.community_id.in_(sorted(community_ids)))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    missing = sorted(set(study_uids) - {r.study_instance_uid for r in rows})
    if missing:
        raise UnknownStudyError("unknown study: " + ", ".join(missing))
    return sorted(r.id for r in rows)


def create_code(engine: Engine, secret: bytes, public_url: str, study_ids: list[int],
                birth_date: str, *, weeks: int = DEFAULT_WEEKS,
                created_by: int | None = None) -> CreatedCode:
    """Create a code for STUDY_IDS bound to BIRTH_DATE (``YYYY-MM-DD``), valid WEEKS."""
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise CodeError(f"a code is valid {MIN_WEEKS} to {MAX_WEEKS} weeks, not {weeks}")
    birth = normalise_birth_date(birth_date)
    if birth is None:
        raise CodeError(f"not a birth date (YYYY-MM-DD): {birth_date!r}")
    if not study_ids:
        raise CodeError("a code needs at least one study")
    now = utcnow()
    expires = now + timedelta(weeks=weeks)
    birth_hash = hash_secret(birth)
    with engine.begin() as conn:
        while True:
            code = generate_code()
            digest = code_hash(secret, code)
            if conn.execute(select(access_codes.c.id)
                            .where(access_codes.c.code_hash == digest)).first() is None:
                break
        code_id = conn.execute(insert(access_codes).values(
            code_hash=digest, birth_date_hash=birth_hash, created_by_user_id=created_by,
            created_at=now, expires_at=expires, failed_attempts=0, lockouts=0,
        ).returning(access_codes.c.id)).scalar_one()
        conn.execute(insert(code_studies), [{"code_id": code_id, "study_id": sid}
                                            for sid in sorted(set(study_ids))])
        # The studies must outlive the code that opens them.
        conn.execute(update(studies).where(and_(studies.c.id.in_(study_ids),
                                                studies.c.expires_at < expires))
                     .values(expires_at=expires))
    return CreatedCode(code, expires, qr_payload(public_url, code), tuple(sorted(study_ids)))


# -- redeeming ----------------------------------------------------------------

@dataclass(frozen=True)
class Redemption:
    """Outcome of one redemption attempt.

    ``outcome`` is one of ``ok``, ``invalid`` (wrong code OR wrong birth date,
    deliberately one answer), ``locked`` (``retry_after`` seconds),
    ``expired`` (``expires``).
    """

    outcome: str
    code_id: int | None = None
    expires: datetime | None = None
    retry_after: int = 0
    locked_until: datetime | None = None


def lock_seconds(lockouts: int) -> int:
    """How long the LOCKOUTS-th lockout lasts: 15 min, 30 min, 1 h, ..."""
    return BASE_LOCK_SECONDS * 2 ** max(0, min(lockouts - 1, 12))


def redeem(engine: Engine, secret: bytes, code_text: str, birth_date_text: str) -> Redemption:
    """Check a code and birth date; count failures and lock the code when due."""
    code = normalise_code(code_text)
    birth = normalise_birth_date(birth_date_text) or ""
    row = None
    if code is not None:
        with engine.connect() as conn:
            row = conn.execute(select(access_codes).where(
                access_codes.c.code_hash == code_hash(secret, code))).first()
    if row is None:
        burn_time(birth)  # as long as checking a birth date
        return Redemption("invalid")
    now = utcnow()
    locked_until = as_utc(row.locked_until)
    if locked_until is not None and locked_until > now:
        wait = max(1, int((locked_until - now).total_seconds() + 0.999))
        return Redemption("locked", code_id=row.id, retry_after=wait, locked_until=locked_until)
    if not birth or not verify_secret(birth, row.birth_date_hash):
        return _count_failure(engine, row.id, now)
    with engine.begin() as conn:
        conn.execute(update(access_codes).where(access_codes.c.id == row.id)
                     .values(failed_attempts=0))
    expires = as_utc(row.expires_at)
    if expires <= now:
        return Redemption("expired", code_id=row.id, expires=expires)
    return Redemption("ok", code_id=row.id, expires=expires)


def _count_failure(engine: Engine, code_id: int, now: datetime) -> Redemption:
    with engine.begin() as conn:
        failed = conn.execute(
            update(access_codes).where(access_codes.c.id == code_id)
            .values(failed_attempts=access_codes.c.failed_attempts + 1)
            .returning(access_codes.c.failed_attempts, access_codes.c.lockouts)
        ).one()
        if failed.failed_attempts >= MAX_FAILED_BIRTH_DATES:
            lockouts = failed.lockouts + 1
            conn.execute(update(access_codes).where(access_codes.c.id == code_id).values(
                failed_attempts=0, lockouts=lockouts,
                locked_until=now + timedelta(seconds=lock_seconds(lockouts))))
    return Redemption("invalid", code_id=code_id)


def find_code(engine: Engine, secret: bytes, code_text: str):
    """The ``access_codes`` row of a typed code (no birth date check), or None.

    For the code's creator only (e.g. printing its sheet again): callers check
    ``created_by_user_id``.
    """
    code = normalise_code(code_text)
    if code is None:
        return None
    with engine.connect() as conn:
        return conn.execute(select(access_codes).where(
            access_codes.c.code_hash == code_hash(secret, code))).first()


def code_expiry(engine: Engine, code_id: int) -> datetime | None:
    """When the code CODE_ID expires (None if it is gone)."""
    with engine.connect() as conn:
        return as_utc(conn.execute(select(access_codes.c.expires_at)
                                   .where(access_codes.c.id == code_id)).scalar())


__all__ = ["ALPHABET", "CodeError", "UnknownStudyError", "Redemption", "CreatedCode",
           "create_code", "redeem", "generate_code", "format_code", "normalise_code",
           "normalise_birth_date", "load_secret", "code_hash", "qr_payload", "lock_seconds",
           "study_ids_for", "code_expiry", "find_code"]
