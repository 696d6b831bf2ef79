"""Every text of the web pages, in German (default) and English.

The language comes from ``?lang=de|en`` (remembered in a cookie), else from
the browser's ``Accept-Language``; German wins ties, since most of the
people with a code are in German-speaking practices.
"""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("de", "en")
LANG_COOKIE = "dm_lang"

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "site_name": "Downloadmanager",
        "skip": "Zum Inhalt springen",
        "nav_code": "Code eingeben",
        "nav_inbox": "Eingang",
        "nav_login": "Anmelden",
        "nav_logout": "Abmelden",
        "nav_register": "Registrieren",
        "nav_download": "Programm herunterladen",
        "nav_password": "Passwort ändern",
        "switch_language": "English",
        "index_title": "Bilder mit Zugangscode ansehen",
        "index_lead": "Geben Sie den 12-stelligen Zugangscode und das Geburtsdatum des Patienten ein. "
                      "Sie sehen die Bilder direkt im Browser und können sie herunterladen.",
        "code_label": "Zugangscode",
        "code_hint": "12 Zeichen, z. B. K7PX-92QD-M4H3",
        "birth_label": "Geburtsdatum des Patienten",
        "birth_hint": "TT.MM.JJJJ",
        "show_data": "Daten anzeigen",
        "error_invalid": "Der Code oder das Geburtsdatum stimmt nicht. Bitte prüfen Sie beide Angaben.",
        "error_locked": "Zu viele falsche Geburtsdaten: Dieser Code ist für {minutes} Minuten gesperrt.",
        "error_rate": "Zu viele Versuche von diesem Anschluss. Bitte warten Sie {minutes} Minuten.",
        "error_expired": "Dieser Code ist am {date} abgelaufen. Die Daten sind nicht mehr verfügbar.",
        "error_form": "Das Formular ist abgelaufen. Bitte senden Sie es noch einmal.",
        "error_missing": "Bitte füllen Sie alle Felder aus.",
        "studies_title": "Ihre Untersuchungen",
        "expires_on": "Verfügbar bis {date}",
        "days_left_one": "noch 1 Tag",
        "days_left": "noch {days} Tage",
        "days_left_zero": "nur noch heute",
        "study_date": "Untersuchungsdatum",
        "images": "{count} Bilder",
        "series_count": "{count} Serien",
        "open_viewer": "Ansehen",
        "download_zip": "Herunterladen (ZIP, mit DICOMDIR)",
        "open_in_program": "Im Downloadmanager öffnen",
        "install_program": "Downloadmanager installieren",
        "program_hint": "Mit dem Downloadmanager speichern Sie die Daten dauerhaft oder senden sie an Ihr PACS.",
        "end_session": "Sitzung beenden",
        "no_studies": "Zu diesem Code sind keine Untersuchungen (mehr) verfügbar.",
        "session_ended": "Ihre Sitzung ist abgelaufen. Bitte geben Sie den Code erneut ein.",
        "viewer_title": "Bildbetrachter",
        "image_n_of_m": "Bild {n} von {m}",
        "preset_file": "Datei",
        "preset_soft": "Weichteil",
        "preset_lung": "Lunge",
        "preset_bone": "Knochen",
        "preset_brain": "Hirn",
        "window_presets": "Fensterung",
        "zoom_in": "Vergrößern",
        "zoom_out": "Verkleinern",
        "reset_view": "Zurücksetzen",
        "previous_image": "Vorheriges Bild",
        "next_image": "Nächstes Bild",
        "series": "Serie",
        "back_to_studies": "Zurück zur Übersicht",
        "viewer_help": "Mausrad, Pfeiltasten oder Wischen: blättern. Ziehen mit der linken Maustaste: "
                       "Fenster anpassen. Ziehen mit Umschalttaste oder zwei Fingern: verschieben. "
                       "Strg+Mausrad: zoomen.",
        "image_alt": "Bild der Serie {series}",
        "thumbnail_alt": "Vorschau der Serie {series}",
        "download_title": "Downloadmanager herunterladen",
        "download_lead": "Das Programm für Praxen und Kliniken: CDs einlesen, Studien sicher senden, "
                         "empfangene Studien speichern oder an das PACS senden.",
        "download_none": "Auf diesem Portal sind zurzeit keine Installationsprogramme eingerichtet.",
        "download_platform": "System",
        "download_version": "Version",
        "download_file": "Datei",
        "download_size": "Größe",
        "download_sha": "SHA-256",
        "platform_windows": "Windows",
        "platform_linux": "Linux",
        "register_title": "Registrieren",
        "register_lead": "Geben Sie die E-Mail-Adresse Ihrer Praxis ein. Wir senden Ihnen ein Passwort.",
        "email_label": "E-Mail-Adresse",
        "register_button": "Passwort anfordern",
        "register_sent": "Wir haben eine E-Mail an {email} gesendet. Melden Sie sich mit dem Passwort daraus an.",
        "error_email": "Das ist keine gültige E-Mail-Adresse.",
        "error_too_many": "Zu viele Versuche. Bitte versuchen Sie es später noch einmal.",
        "login_title": "Anmelden",
        "password_label": "Passwort",
        "login_button": "Anmelden",
        "forgot_link": "Passwort vergessen?",
        "error_login": "E-Mail-Adresse oder Passwort ist falsch.",
        "forgot_title": "Passwort vergessen",
        "forgot_lead": "Wir senden Ihnen einen Link, mit dem Sie ein neues Passwort erhalten.",
        "forgot_button": "Link senden",
        "forgot_sent": "Wenn ein Konto zu {email} besteht, haben wir einen Link dorthin gesendet.",
        "reset_done": "Ihr neues Passwort wurde per E-Mail gesendet.",
        "reset_invalid": "Dieser Link ist ungültig oder wurde schon benutzt.",
        "password_title": "Passwort ändern",
        "current_password": "Bisheriges Passwort",
        "new_password": "Neues Passwort (mindestens 10 Zeichen)",
        "change_button": "Passwort ändern",
        "password_changed": "Ihr Passwort wurde geändert.",
        "error_password_short": "Das neue Passwort ist zu kurz (mindestens 10 Zeichen).",
        "error_password_wrong": "Das bisherige Passwort stimmt nicht.",
        "inbox_title": "Eingang",
        "inbox_empty": "Ihre Gemeinschaft hat keine Studien empfangen.",
        "community": "Gemeinschaft",
        "sender": "Absender",
        "received": "Empfangen",
        "note": "Notiz",
        "documents": "Dokumente",
        "imported": "Importiert",
        "not_imported": "Nicht importiert",
        "patient": "Patient",
        "create_code": "Zugangscode erstellen",
        "weeks_label": "Gültig für Wochen",
        "code_created": "Zugangscode erstellt",
        "code_created_lead": "Dieser Code wird nur jetzt angezeigt. Drucken Sie das Codeblatt für den Patienten.",
        "print_sheet": "Codeblatt (PDF)",
        "error_birth": "Das Geburtsdatum ist ungültig.",
        "valid_until": "Gültig bis {date}",
        "not_found_title": "Nicht gefunden",
        "not_found": "Diese Seite gibt es nicht, oder Sie dürfen sie nicht sehen.",
        # Accounts and inbox (portal/web/account_pages.py)
        "to_login": "Zur Anmeldung",
        "no_account": "Noch kein Konto? Registrieren",
        "login_needed": "Bitte melden Sie sich an.",
        "logged_out": "Sie sind abgemeldet.",
        "reset_title": "Neues Passwort anfordern",
        "reset_lead": "Bestätigen Sie, dass Sie ein neues Passwort per E-Mail erhalten möchten. "
                      "Ihr bisheriges Passwort gilt danach nicht mehr.",
        "reset_button": "Neues Passwort senden",
        "inbox_no_community": "Ihr Konto gehört noch zu keiner Gemeinschaft. Der Betreiber des "
                              "Portals nimmt Sie auf.",
        "birth_date_short": "geb. {date}",
        "weeks_option": "{weeks} Wochen",
        "back_to_inbox": "Zurück zum Eingang",
        "error_weeks": "Ein Zugangscode gilt 4 bis 12 Wochen.",
        "error_sheet": "Diesen Zugangscode gibt es nicht, oder er wurde nicht von Ihnen erstellt.",
        "code_for_study": "Für: {study}",
        "sheet_title": "Zugangscode für Ihre Bilder",
        "sheet_intro": "Mit diesem Code sieht Ihre Ärztin oder Ihr Arzt die unten genannten "
                       "Untersuchungen im Browser und kann sie herunterladen – ohne CD.",
        "sheet_code": "Zugangscode",
        "sheet_valid_until": "Gültig bis",
        "sheet_portal": "Portaladresse",
        "sheet_qr_note": "Der QR-Code enthält die Portaladresse und den Zugangscode.",
        "sheet_studies": "Untersuchungen",
        "sheet_steps_title": "Anleitung für die Praxis",
        "sheet_steps": "1. Die Portaladresse im Browser öffnen oder den QR-Code scannen.\n"
                       "2. Den Zugangscode und das Geburtsdatum der Patientin bzw. des Patienten "
                       "eingeben.\n"
                       "3. Die Bilder ansehen oder herunterladen; mit dem Programm Downloadmanager "
                       "(„Empfangen“) dauerhaft speichern oder an das PACS senden.",
        "sheet_birth_note": "Das Geburtsdatum ist der zweite Schlüssel und steht absichtlich nicht "
                            "auf diesem Blatt. Nach mehreren falschen Eingaben wird der Code "
                            "vorübergehend gesperrt.",
        "sheet_keep_safe": "Bewahren Sie dieses Blatt wie ein Rezept auf und geben Sie es nur an "
                           "Ihre behandelnde Praxis weiter.",
    },
    "en": {
        "site_name": "Downloadmanager",
        "skip": "Skip to content",
        "nav_code": "Enter code",
        "nav_inbox": "Inbox",
        "nav_login": "Log in",
        "nav_logout": "Log out",
        "nav_register": "Register",
        "nav_download": "Get the program",
        "nav_password": "Change password",
        "switch_language": "Deutsch",
        "index_title": "View images with an access code",
        "index_lead": "Enter the 12-character access code and the patient's birth date. "
                      "You see the images right in your browser and can download them.",
        "code_label": "Access code",
        "code_hint": "12 characters, e.g. K7PX-92QD-M4H3",
        "birth_label": "Patient's birth date",
        "birth_hint": "DD.MM.YYYY",
        "show_data": "Show data",
        "error_invalid": "The code or the birth date is wrong. Please check both.",
        "error_locked": "Too many wrong birth dates: this code is locked for {minutes} minutes.",
        "error_rate": "Too many attempts from your connection. Please wait {minutes} minutes.",
        "error_expired": "This code expired on {date}. The data are no longer available.",
        "error_form": "The form has expired. Please send it again.",
        "error_missing": "Please fill in every field.",
        "studies_title": "Your studies",
        "expires_on": "Available until {date}",
        "days_left_one": "1 day left",
        "days_left": "{days} days left",
        "days_left_zero": "last day today",
        "study_date": "Study date",
        "images": "{count} images",
        "series_count": "{count} series",
        "open_viewer": "View",
        "download_zip": "Download (ZIP, with DICOMDIR)",
        "open_in_program": "Open in Downloadmanager",
        "install_program": "Install Downloadmanager",
        "program_hint": "With the Downloadmanager you keep the data for good or send them to your PACS.",
        "end_session": "End session",
        "no_studies": "No studies are (still) available for this code.",
        "session_ended": "Your session has ended. Please enter the code again.",
        "viewer_title": "Image viewer",
        "image_n_of_m": "Image {n} of {m}",
        "preset_file": "File",
        "preset_soft": "Soft tissue",
        "preset_lung": "Lung",
        "preset_bone": "Bone",
        "preset_brain": "Brain",
        "window_presets": "Window",
        "zoom_in": "Zoom in",
        "zoom_out": "Zoom out",
        "reset_view": "Reset",
        "previous_image": "Previous image",
        "next_image": "Next image",
        "series": "Series",
        "back_to_studies": "Back to the studies",
        "viewer_help": "Mouse wheel, arrow keys or swipe: scroll. Drag with the left button: adjust the "
                       "window. Drag with Shift or two fingers: pan. Ctrl+wheel: zoom.",
        "image_alt": "Image of series {series}",
        "thumbnail_alt": "Preview of series {series}",
        "download_title": "Get the Downloadmanager",
        "download_lead": "The program for practices and hospitals: read CDs, send studies securely, "
                         "keep received studies or send them to the PACS.",
        "download_none": "No installers are set up on this portal at the moment.",
        "download_platform": "System",
        "download_version": "Version",
        "download_file": "File",
        "download_size": "Size",
        "download_sha": "SHA-256",
        "platform_windows": "Windows",
        "platform_linux": "Linux",
        "register_title": "Register",
        "register_lead": "Enter your practice's e-mail address. We will send you a password.",
        "email_label": "E-mail address",
        "register_button": "Request password",
        "register_sent": "We sent an e-mail to {email}. Log in with the password in it.",
        "error_email": "That is not a valid e-mail address.",
        "error_too_many": "Too many attempts. Please try again later.",
        "login_title": "Log in",
        "password_label": "Password",
        "login_button": "Log in",
        "forgot_link": "Forgot your password?",
        "error_login": "Wrong e-mail address or password.",
        "forgot_title": "Forgot password",
        "forgot_lead": "We will send you a link that gets you a new password.",
        "forgot_button": "Send link",
        "forgot_sent": "If an account exists for {email}, we sent a link there.",
        "reset_done": "Your new password was sent by e-mail.",
        "reset_invalid": "This link is not valid or was used already.",
        "password_title": "Change password",
        "current_password": "Current password",
        "new_password": "New password (at least 10 characters)",
        "change_button": "Change password",
        "password_changed": "Your password was changed.",
        "error_password_short": "The new password is too short (at least 10 characters).",
        "error_password_wrong": "The current password is wrong.",
        "inbox_title": "Inbox",
        "inbox_empty": "Your community has not received any studies.",
        "community": "Community",
        "sender": "Sender",
        "received": "Received",
        "note": "Note",
        "documents": "Documents",
        "imported": "Imported",
        "not_imported": "Not imported",
        "patient": "Patient",
        "create_code": "Create access code",
        "weeks_label": "Valid for weeks",
        "code_created": "Access code created",
        "code_created_lead": "This code is shown only now. Print the code sheet for the patient.",
        "print_sheet": "Code sheet (PDF)",
        "error_birth": "The birth date is not valid.",
        "valid_until": "Valid until {date}",
        "not_found_title": "Not found",
        "not_found": "This page does not exist, or you may not see it.",
        # Accounts and inbox (portal/web/account_pages.py)
        "to_login": "Go to login",
        "no_account": "No account yet? Register",
        "login_needed": "Please log in.",
        "logged_out": "You are logged out.",
        "reset_title": "Get a new password",
        "reset_lead": "Confirm that you want a new password by e-mail. Your current password "
                      "stops working then.",
        "reset_button": "Send new password",
        "inbox_no_community": "Your account does not belong to a community yet. The portal's "
                              "operator adds you.",
        "birth_date_short": "born {date}",
        "weeks_option": "{weeks} weeks",
        "back_to_inbox": "Back to the inbox",
        "error_weeks": "An access code is valid for 4 to 12 weeks.",
        "error_sheet": "This access code does not exist, or you did not create it.",
        "code_for_study": "For: {study}",
        "sheet_title": "Access code for your images",
        "sheet_intro": "With this code your physician sees the studies listed below in the "
                       "browser and can download them - no CD needed.",
        "sheet_code": "Access code",
        "sheet_valid_until": "Valid until",
        "sheet_portal": "Portal address",
        "sheet_qr_note": "The QR code holds the portal address and the access code.",
        "sheet_studies": "Studies",
        "sheet_steps_title": "Instructions for the practice",
        "sheet_steps": "1. Open the portal address in a browser or scan the QR code.\n"
                       "2. Enter the access code and the patient's date of birth.\n"
                       "3. View the images or download them; keep them for good or send them to "
                       "the PACS with the Downloadmanager program (\"Receive\").",
        "sheet_birth_note": "The date of birth is the second key and is deliberately not printed "
                            "on this sheet. After several wrong entries the code is locked for a "
                            "while.",
        "sheet_keep_safe": "Keep this sheet like a prescription and give it only to the practice "
                           "treating you.",
    },
}


def language(request: Request) -> str:
    """The page language: ?lang=, then the cookie, then Accept-Language, else German."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    best, best_q = "de", -1.0
    for entry in request.headers.get("accept-language", "").split(","):
        tag, _, params = entry.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = primary, q
    return best


class Texts:
    """``t.key`` or ``t('key', name=value)`` in templates, in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._table = TEXTS[lang]

    def __getattr__(self, key: str) -> str:
        try:
            return self._table[key]
        except KeyError:
            raise AttributeError(key) from None

    def __call__(self, key: str, **params) -> str:
        return self._table[key].format(**params)


def format_date(value, lang: str) -> str:
    """A date as people write it: 24.12.2026 (de) or 24 Dec 2026 (en)."""
    if value is None:
        return ""
    if lang == "de":
        return value.strftime("%d.%m.%Y")
    return value.strftime("%d %b %Y").lstrip("0")


def format_dicom_date(text: str | None, lang: str) -> str:
    """A DICOM DA (YYYYMMDD) for people; anything else as it is."""
    text = (text or "").strip()
    if len(text) == 8 and text.isdigit():
        from datetime import date
        try:
            return format_date(date(int(text[:4]), int(text[4:6]), int(text[6:])), lang)
        except ValueError:
            return text
    return text


def format_person_name(text: str | None) -> str:
    """A DICOM PN (Family^Given^Middle^Prefix^Suffix) as "Family, Given"."""
    parts = [p.strip() for p in (text or "").split("=")[0].split("^")]
    family = parts[0] if parts else ""
    given = " ".join(p for p in parts[1:3] if p)
    return f"{family}, {given}" if family and given else family or given
