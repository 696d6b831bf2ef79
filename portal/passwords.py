"""Slow salted hashes for passwords and birth dates (``hashlib.scrypt``).

The stored string carries its parameters so they can be raised later without
breaking old hashes: ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# n=2**14, r=8 uses 16 MiB and about 50 ms per hash here: slow enough against
# offline guessing, fast enough for a login.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_DKLEN = 32
# Letters and digits without look-alikes, for generated passwords.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * 1024 * 1024, dklen=_DKLEN)


def hash_secret(secret: str) -> str:
    """Hash SECRET with a fresh random salt; returns the self-describing string."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str) -> bool:
    """True when SECRET matches STORED (constant-time comparison)."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = _scrypt(secret, bytes.fromhex(salt_hex), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(digest, bytes.fromhex(digest_hex))


# A hash to verify against when there is nothing to compare with (unknown
# e-mail, unknown code), so that both paths take the same time.
_DUMMY_HASH = hash_secret(secrets.token_urlsafe(16))


def burn_time(secret: str) -> None:
    """Spend the time of one verification without any result (timing equaliser)."""
    verify_secret(secret, _DUMMY_HASH)


def generate_password(length: int = 16) -> str:
    """A random password of LENGTH characters that is easy to read and type."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
