"""Outgoing mail: SMTP when configured, else ``.eml`` files in ``DATA/outbox/``.

The outbox lets a portal run (and be tested) without a mail server: an
operator can read the files, and tests parse them with the ``email`` package.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from portal.config import Settings


class MailError(RuntimeError):
    """A mail could not be handed to the SMTP server."""


def build_message(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message from the portal's sender address."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="downloadmanager")
    msg.set_content(body)
    return msg


def outbox_dir(settings: Settings) -> Path:
    """Where mails go when no SMTP host is configured."""
    return settings.data_dir / "outbox"


def send_mail(settings: Settings, to: str, subject: str, body: str) -> Path | None:
    """Send one mail; returns the ``.eml`` path when written to the outbox."""
    msg = build_message(settings, to, subject, body)
    if not settings.smtp_host:
        folder = outbox_dir(settings)
        folder.mkdir(parents=True, exist_ok=True)
        # Sortable by time, unique by the random part.
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        path = folder / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(msg.as_bytes())
        # Mails carry passwords: owner-only where the platform supports it.
        try:
            os.chmod(tmp, 0o600)
        except OSError:
            pass
        tmp.replace(path)
        return path
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"could not send mail via {settings.smtp_host}: {exc}") from exc
    return None
