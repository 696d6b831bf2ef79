"""A keyring that accepts secrets and keeps nothing counts as no keyring."""

from __future__ import annotations

import keyring
from keyring.backends import null

from downloadmanager.core.credentials import NO_KEYRING_MESSAGE, CredentialStore


def test_null_backend_is_reported_and_secret_kept_in_memory(monkeypatch, tmp_path):
    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(tmp_path))
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        store = CredentialStore()
        store.set_password("https://portal.example", "a@b.c", "s3cret-pw")
        assert store.keyring_available is False
        assert store.warning == NO_KEYRING_MESSAGE
        assert store.get_password("https://portal.example", "a@b.c") == "s3cret-pw"
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert b"s3cret-pw" not in path.read_bytes()
    finally:
        keyring.set_keyring(previous)
