"""A keyring backend that keeps secrets in a JSON file — for subprocess tests ONLY.

Separate processes cannot share an in-memory keyring, so CLI tests select
this backend with ``PYTHON_KEYRING_BACKEND=tests.upload.file_keyring.FileKeyring``
and point ``DM_TEST_KEYRING_FILE`` at a file in the test's temporary folder.
The program itself never writes secrets to files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    """Secrets in the JSON file named by ``DM_TEST_KEYRING_FILE``."""

    priority = 1

    @property
    def _path(self) -> Path:
        return Path(os.environ["DM_TEST_KEYRING_FILE"])

    def _load(self) -> dict:
        try:
            return json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, data: dict) -> None:
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self._path)

    def get_password(self, service, username):
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}\n{username}"] = password
        self._save(data)

    def delete_password(self, service, username):
        data = self._load()
        if data.pop(f"{service}\n{username}", None) is None:
            raise PasswordDeleteError(username)
        self._save(data)
