"""Portal settings: one place, with defaults, read from command-line options
and ``DMPORTAL_*`` environment variables (documented in ``docs/portal.md``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Settings:
    """Everything the portal can be configured with."""

    data_dir: Path
    # SQLAlchemy URL; None means SQLite at DATA/portal.sqlite3.
    database_url: str | None = None
    # Public base URL used in mails and QR payloads (e.g. https://portal.example.org).
    public_url: str = "http://127.0.0.1:8080"
    token_ttl_seconds: int = 12 * 3600
    code_token_ttl_seconds: int = 3600
    upload_expiry_seconds: int = 7 * 24 * 3600
    max_upload_bytes: int = 64 * 1024**3
    retention_days: int = 12 * 7
    purge_interval_seconds: int = 3600
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = "downloadmanager@localhost"
    smtp_starttls: bool = True
    # Folder with the desktop program's installers offered at /download/ (None: none offered).
    downloads_dir: Path | None = None

    @property
    def database(self) -> str:
        """The effective SQLAlchemy database URL."""
        if self.database_url:
            url = self.database_url
            # Plain postgresql:// URLs use psycopg 3, which is what we install.
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://"):]
            return url
        return f"sqlite:///{(self.data_dir / 'portal.sqlite3').as_posix()}"

    @classmethod
    def from_env(cls, data_dir: Path | str, **overrides) -> "Settings":
        """Build settings for DATA, taking ``DMPORTAL_<FIELD>`` variables into account."""
        values: dict = {}
        for name, f in cls.__dataclass_fields__.items():
            env = os.environ.get(f"DMPORTAL_{name.upper()}")
            if env is None or name == "data_dir":
                continue
            kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
            if "int" in kind and "None" not in kind:
                values[name] = int(env)
            elif "bool" in kind:
                values[name] = env.lower() in ("1", "true", "yes", "on")
            else:
                values[name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(data_dir=Path(data_dir), **values)
