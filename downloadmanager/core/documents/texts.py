"""German and English wording of the PDF documents, and date formatting for them."""

from __future__ import annotations

from datetime import date, datetime, timezone

LANGUAGES = ("de", "en")

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "receipt_title": "Übertragungsprotokoll",
        "receipt_intro": ("Die folgenden Untersuchungen wurden mit Downloadmanager an das Portal "
                          "übertragen. Das Portal hat jedes Bild einzeln geprüft."),
        "sender": "Absender",
        "recipient": "Empfänger",
        "portal": "Portal",
        "created": "Erstellt",
        "studies": "Untersuchungen",
        "patient": "Patient",
        "study_date": "Datum",
        "description": "Beschreibung",
        "images": "Bilder",
        "documents": "Dokumente",
        "status": "Status",
        "upload_id": "Upload-ID",
        "received_at": "Empfangen",
        "totals": "Summe",
        "size": "Größe",
        "verified": "vollständig geprüft",
        "partial": "teilweise: {rejected} Bilder abgelehnt",
        "rejected": "abgelehnt",
        "pending": "noch nicht bestätigt",
        "already_present": "davon bereits vorhanden: {n}",
        "reason": "Grund",
        "all_verified": "Alle Untersuchungen wurden vollständig übertragen und geprüft.",
        "not_all_verified": ("Achtung: Nicht alle Untersuchungen wurden vollständig übertragen "
                             "und geprüft (siehe Status)."),
        "page": "Seite {n}/{total}",
        "sheet_title": "Zugangscode für Ihre Bilder",
        "sheet_intro": ("Mit diesem Code kann Ihre Ärztin oder Ihr Arzt die unten genannten "
                        "Untersuchungen sicher herunterladen – ohne CD."),
        "your_code": "Zugangscode",
        "valid_until": "Gültig bis",
        "for_physician": "Anleitung für die Praxis",
        "steps": (
            "1. Programm Downloadmanager öffnen und „Empfangen“ wählen.\n"
            "2. Den Zugangscode eintippen oder den QR-Code einlesen (Foto oder Bilddatei).\n"
            "3. Das Geburtsdatum der Patientin bzw. des Patienten eingeben.\n"
            "4. „Anzeigen“ und dann „Herunterladen“ klicken: Die Bilder werden geprüft "
            "gespeichert, auf Wunsch mit DICOMDIR oder direkt in Ihr PACS."),
        "birth_date_note": ("Das Geburtsdatum ist der zweite Schlüssel und steht absichtlich "
                            "nicht auf diesem Blatt. Nach mehreren falschen Eingaben wird der "
                            "Code vorübergehend gesperrt."),
        "qr_note": "Der QR-Code enthält die Portaladresse und den Zugangscode.",
        "keep_safe": ("Bewahren Sie dieses Blatt wie ein Rezept auf und geben Sie es nur an "
                      "Ihre behandelnde Praxis weiter."),
        "portal_address": "Portaladresse",
    },
    "en": {
        "receipt_title": "Transfer receipt",
        "receipt_intro": ("The following studies were transferred to the portal with "
                          "Downloadmanager. The portal checked every image one by one."),
        "sender": "Sender",
        "recipient": "Recipient",
        "portal": "Portal",
        "created": "Created",
        "studies": "Studies",
        "patient": "Patient",
        "study_date": "Date",
        "description": "Description",
        "images": "Images",
        "documents": "Documents",
        "status": "Status",
        "upload_id": "Upload ID",
        "received_at": "Received",
        "totals": "Total",
        "size": "Size",
        "verified": "completely verified",
        "partial": "partial: {rejected} images rejected",
        "rejected": "rejected",
        "pending": "not confirmed yet",
        "already_present": "of which already present: {n}",
        "reason": "Reason",
        "all_verified": "Every study was transferred completely and verified.",
        "not_all_verified": ("Attention: not every study was transferred completely and "
                             "verified (see status)."),
        "page": "Page {n}/{total}",
        "sheet_title": "Access code for your images",
        "sheet_intro": ("With this code your physician can download the studies listed below "
                        "securely - no CD needed."),
        "your_code": "Access code",
        "valid_until": "Valid until",
        "for_physician": "Instructions for the practice",
        "steps": (
            "1. Open the Downloadmanager program and choose \"Receive\".\n"
            "2. Type the access code or read the QR code (photo or image file).\n"
            "3. Enter the patient's date of birth.\n"
            "4. Click \"Show\", then \"Download\": the images are saved verified, as a folder "
            "with DICOMDIR if you like, or sent straight to your PACS."),
        "birth_date_note": ("The date of birth is the second key and is deliberately not "
                            "printed on this sheet. After several wrong entries the code is "
                            "locked for a while."),
        "qr_note": "The QR code holds the portal address and the access code.",
        "keep_safe": ("Keep this sheet like a prescription and give it only to the practice "
                      "treating you."),
        "portal_address": "Portal address",
    },
}

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def check_language(lang: str) -> str:
    """LANG if it is "de" or "en"; ValueError otherwise."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}: use 'de' or 'en'")
    return lang


def t(lang: str, key: str, **params: object) -> str:
    """The text KEY in LANG, filled with PARAMS."""
    template = TEXTS[check_language(lang)][key]
    return template.format(**params) if params else template


def format_day(value: date, lang: str) -> str:
    """``15.02.2026`` (German) or ``15 February 2026`` (English)."""
    if lang == "de":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def format_dicom_date(text: str, lang: str) -> str:
    """A DICOM date ``YYYYMMDD`` (or ISO) as a readable day; other text unchanged."""
    raw = (text or "").strip().replace("-", "")
    if len(raw) == 8 and raw.isdigit():
        try:
            return format_day(date(int(raw[:4]), int(raw[4:6]), int(raw[6:])), lang)
        except ValueError:
            pass
    return text or "–"


def parse_iso_moment(text: str | None) -> datetime | None:
    """An ISO 8601 time from the portal (``Z`` allowed), as an aware datetime; None if unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def format_moment(moment: datetime | None, lang: str) -> str:
    """A point in time in local time: ``15.02.2026, 14:05`` / ``15 February 2026, 14:05``."""
    if moment is None:
        return "–"
    local = moment.astimezone() if moment.tzinfo else moment
    return f"{format_day(local.date(), lang)}, {local:%H:%M}"


def format_size(n: int, lang: str) -> str:
    """Bytes in MB/GB with the language's decimal separator."""
    size, unit = float(n), "B"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            break
        size /= 1000
    number = f"{size:.0f}" if unit == "B" else f"{size:.1f}"
    return (number.replace(".", ",") if lang == "de" else number) + f" {unit}"
