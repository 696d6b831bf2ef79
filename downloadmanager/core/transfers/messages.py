"""User texts of the upload engine that the command line prints (German and English).

Grouped here so they can move into the central message model in one piece.
"""

from __future__ import annotations

from downloadmanager.core.download.messages import language_from_environment

MESSAGES = {
    "de": {
        "medium_free": "Transfer {job}: Die CD kann entnommen werden. Der Upload läuft weiter.",
        "staged": "Transfer {job}: Alle Dateien sind gelesen. Der Upload läuft weiter.",
    },
    "en": {
        "medium_free": "Transfer {job}: The CD can be removed. The upload goes on.",
        "staged": "Transfer {job}: Every file has been read. The upload goes on.",
    },
}


def staged_message(job_id: int, from_medium: bool, lang: str | None = None) -> str:
    """What to tell the user once a job's files are staged (the medium is free)."""
    texts = MESSAGES.get(lang or language_from_environment(), MESSAGES["en"])
    return texts["medium_free" if from_medium else "staged"].format(job=job_id)
