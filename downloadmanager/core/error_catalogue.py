"""Every text the client core shows a user, in German and English, by stable code.

One entry per code: ``{"de": ..., "en": ...}`` with ``{placeholders}`` for
the parameters of :class:`downloadmanager.core.errors.AppError`. Codes are
stored in the queue database, so never rename one; add a new code instead.
No entry gives command-line advice (the command line adds its own hints).

The wording for a wrong code and a wrong birth date is one and the same on
purpose: it must never tell whether a code exists.
"""

from __future__ import annotations

CATALOGUE: dict[str, dict[str, str]] = {
    # -- generic ------------------------------------------------------------------------
    "legacy_text": {
        "de": "Meldung einer früheren Programmversion: {text}",
        "en": "Message from an earlier program version: {text}",
    },
    "unknown_code": {
        "de": "Fehler „{code}“ (von einer neueren Programmversion gemeldet).",
        "en": "Error \"{code}\" (reported by a newer program version).",
    },
    "unexpected_error": {
        "de": "Unerwarteter Fehler ({detail}). Bitte erneut versuchen.",
        "en": "Unexpected error ({detail}). Please try again.",
    },
    # -- job states (used as words inside other messages) --------------------------------
    "state_queued": {"de": "wartend", "en": "queued"},
    "state_staging": {"de": "in Vorbereitung", "en": "staging"},
    "state_uploading": {"de": "beim Hochladen", "en": "uploading"},
    "state_verifying": {"de": "in Prüfung", "en": "verifying"},
    "state_done": {"de": "fertig", "en": "done"},
    "state_failed": {"de": "fehlgeschlagen", "en": "failed"},
    "state_paused": {"de": "angehalten", "en": "paused"},
    "state_cancelled": {"de": "abgebrochen", "en": "cancelled"},
    # -- access codes and downloads -----------------------------------------------------
    "code_or_birth_date_wrong": {
        "de": "Code oder Geburtsdatum stimmen nicht. Bitte prüfen Sie beide Angaben.",
        "en": "The code or the birth date is not correct. Please check both.",
    },
    "too_many_attempts": {
        "de": "Zu viele Versuche. Bitte warten Sie {wait} und versuchen Sie es dann erneut.",
        "en": "Too many attempts. Please wait {wait} and try again.",
    },
    "code_expired": {
        "de": "Dieser Code ist am {date} abgelaufen. Bitte fordern Sie einen neuen Code an.",
        "en": "This code expired on {date}. Please ask for a new code.",
    },
    "code_expired_no_date": {
        "de": "Dieser Code ist abgelaufen. Bitte fordern Sie einen neuen Code an.",
        "en": "This code has expired. Please ask for a new code.",
    },
    "code_wrong_length": {
        "de": "Ein Zugangscode hat 12 Zeichen (z. B. K7PX-92QD-M4H3); eingegeben wurden {count}.",
        "en": "An access code has 12 characters (e.g. K7PX-92QD-M4H3); {count} were entered.",
    },
    "code_lookalike": {
        "de": ("Der Code enthält „{chars}“. Zugangscodes verwenden nie 0, 1, I, L oder O "
               "(Verwechslungsgefahr). Bitte lesen Sie den Code noch einmal genau ab."),
        "en": ("The code contains \"{chars}\". Access codes never use 0, 1, I, L or O "
               "(they look alike). Please read the code again carefully."),
    },
    "code_bad_characters": {
        "de": "Der Code enthält ungültige Zeichen: „{chars}“. Erlaubt sind Buchstaben und Ziffern.",
        "en": "The code contains characters that are not allowed: \"{chars}\". Use letters and digits.",
    },
    "birth_date_invalid": {
        "de": "Das Geburtsdatum „{text}“ ist ungültig. Bitte als TT.MM.JJJJ oder JJJJ-MM-TT angeben.",
        "en": "The birth date \"{text}\" is not valid. Please enter it as DD.MM.YYYY or YYYY-MM-DD.",
    },
    "birth_date_future": {
        "de": "Das Geburtsdatum liegt in der Zukunft.",
        "en": "The birth date lies in the future.",
    },
    "qr_unreadable": {
        "de": "Im Bild {path} wurde kein QR-Code gefunden. Bitte ein schärferes Foto verwenden oder den Code eintippen.",
        "en": "No QR code was found in the image {path}. Use a sharper photo or type the code.",
    },
    "qr_no_code": {
        "de": "Der QR-Code enthält keinen Zugangscode.",
        "en": "The QR code does not contain an access code.",
    },
    "image_unreadable": {
        "de": "Die Bilddatei {path} kann nicht gelesen werden ({detail}).",
        "en": "The image file {path} cannot be read ({detail}).",
    },
    "portal_unreachable": {
        "de": "Das Portal {url} ist nicht erreichbar ({detail}). Bitte später erneut versuchen.",
        "en": "The portal {url} cannot be reached ({detail}). Please try again later.",
    },
    "portal_error": {
        "de": "Das Portal hat einen Fehler gemeldet (HTTP {status}). Bitte später erneut versuchen.",
        "en": "The portal reported an error (HTTP {status}). Please try again later.",
    },
    "session_expired": {
        "de": "Die Sitzung ist abgelaufen. Bitte Code und Geburtsdatum erneut eingeben.",
        "en": "The session has expired. Please enter the code and birth date again.",
    },
    "disk_full": {
        "de": "Nicht genug freier Speicherplatz in {path}: benötigt {need}, frei {free}.",
        "en": "Not enough free disk space in {path}: {need} needed, {free} free.",
    },
    "checksum_mismatch": {
        "de": "Bild {name} ist beschädigt angekommen (Prüfsumme falsch); es wird erneut geladen.",
        "en": "Image {name} arrived damaged (checksum mismatch); it will be downloaded again.",
    },
    "download_incomplete": {
        "de": "Der Download ist unvollständig: {failed} von {total} Bildern konnten nicht geprüft werden.",
        "en": "The download is incomplete: {failed} of {total} images could not be verified.",
    },
    "server_sent_garbage": {
        "de": "Das Portal hat unerwartete Daten gesendet ({detail}).",
        "en": "The portal sent unexpected data ({detail}).",
    },
    "target_not_writable": {
        "de": "In den Zielordner {path} kann nicht geschrieben werden ({detail}).",
        "en": "The target folder {path} cannot be written to ({detail}).",
    },

    "inbox_pacs_incomplete": {
        "de": "{failed} Bilder hat das PACS nicht gespeichert.",
        "en": "{failed} instances were not stored by the PACS.",
    },
    "inbox_not_marked": {
        "de": "Geladen, aber im Portal nicht als importiert markiert: {cause}",
        "en": "Downloaded, but not marked imported on the portal: {cause}",
    },
    # -- sharing studies by access code ------------------------------------------------
    "share_weeks_out_of_range": {
        "de": "Ein Code gilt 4 bis 12 Wochen (angegeben: {weeks}).",
        "en": "A code is valid for 4 to 12 weeks ({weeks} given).",
    },
    "share_no_studies": {
        "de": "Keine Untersuchung für den Code angegeben.",
        "en": "No study given for the code.",
    },
    "share_unknown_study": {
        "de": ("Das Portal kennt die Untersuchung nicht oder sie wurde nicht von Ihnen hochgeladen "
               "({detail}). Codes gibt es nur für eigene, fertig übertragene Untersuchungen."),
        "en": ("The portal does not know the study or you did not upload it ({detail}). Codes "
               "exist only for your own, completely transferred studies."),
    },
    "share_not_allowed": {
        "de": "Dieses Konto darf keine Codes erstellen ({detail}).",
        "en": "This account may not create codes ({detail}).",
    },
    "share_refused": {
        "de": "Das Portal hat den Code abgelehnt (HTTP {status}): {detail}",
        "en": "The portal refused the code (HTTP {status}): {detail}",
    },
    "share_portal": {
        "de": "Das Portal ist nicht erreichbar oder die Anmeldung fehlt: {detail}",
        "en": "The portal cannot be reached or you are not logged in: {detail}",
    },
    # -- reading a medium (scan) -----------------------------------------------------
    "medium_missing": {
        "de": "{path} existiert nicht: Bitte den Pfad prüfen oder den Datenträger einlegen.",
        "en": "{path} does not exist: check the path or insert the medium.",
    },
    "medium_not_readable": {
        "de": "{path} kann nicht gelesen werden ({detail}): Bitte die Zugriffsrechte prüfen.",
        "en": "{path} cannot be read ({detail}): check the permissions.",
    },
    "medium_not_a_folder_or_file": {
        "de": "{path} ist weder ein Ordner noch eine Datei (defekte Verknüpfung, FIFO oder Gerät).",
        "en": "{path} is neither a folder nor a file (broken link, FIFO or device).",
    },
    "scan_cancelled": {
        "de": "Einlesen nach {files} Dateien abgebrochen.",
        "en": "Scan cancelled after {files} files.",
    },
    # -- DICOM network (PACS) ------------------------------------------------------
    "ae_title_invalid": {
        "de": "Ungültiger AE-Titel „{title}“: 1 bis 16 druckbare ASCII-Zeichen, kein Backslash.",
        "en": "Invalid AE title \"{title}\": 1 to 16 printable ASCII characters, no backslash.",
    },
    "node_needs_host": {
        "de": "Ein DICOM-Knoten braucht einen Rechnernamen oder eine IP-Adresse.",
        "en": "A DICOM node needs a host name or IP address.",
    },
    "node_port_out_of_range": {
        "de": "Port {port} liegt außerhalb von 1–65535.",
        "en": "Port {port} is outside 1-65535.",
    },
    "node_spec_invalid": {
        "de": "„{spec}“ ist kein DICOM-Knoten: Schreibweise AET@HOST:PORT, z. B. PACS@192.168.1.10:104.",
        "en": "\"{spec}\" is not a DICOM node: write AET@HOST:PORT, e.g. PACS@192.168.1.10:104.",
    },
    "node_list_unreadable": {
        "de": "Die Liste der DICOM-Knoten {path} kann nicht gelesen werden ({detail}).",
        "en": "The list of DICOM nodes {path} cannot be read ({detail}).",
    },
    "node_timeout_out_of_range": {
        "de": "Die Zeitgrenze ({which}) {value} muss zwischen 0 und 3600 Sekunden liegen.",
        "en": "The {which} timeout {value} must be between 0 and 3600 seconds.",
    },
    "node_needs_name": {
        "de": "Ein gespeicherter DICOM-Knoten braucht einen Namen.",
        "en": "A saved DICOM node needs a name.",
    },
    "node_unknown": {
        "de": "Es gibt keinen gespeicherten DICOM-Knoten „{name}“; geben Sie AET@HOST:PORT an.",
        "en": "There is no saved DICOM node \"{name}\"; give AET@HOST:PORT instead.",
    },
    "node_not_saved": {
        "de": "Es gibt keinen gespeicherten DICOM-Knoten „{name}“.",
        "en": "There is no saved DICOM node \"{name}\".",
    },
    "nothing_to_send": {
        "de": "In {path} wurden keine DICOM-Bilder gefunden; es wurde nichts gesendet.",
        "en": "No DICOM images found in {path}; nothing was sent.",
    },
    "association_context_count": {
        "de": "Eine Verbindung braucht 1 bis 128 Präsentationskontexte, angefragt wurden {count}.",
        "en": "An association needs 1 to 128 presentation contexts, {count} were requested.",
    },
    "association_cannot_connect": {
        "de": "Keine Verbindung zu {host}:{port} möglich ({detail}).",
        "en": "Cannot connect to {host}:{port} ({detail}).",
    },
    "association_rejected": {
        "de": "Die Gegenstelle hat die Verbindung abgelehnt ({reason}).",
        "en": "The peer rejected the association ({reason}).",
    },
    "association_request_aborted": {
        "de": "Die Gegenstelle hat die Verbindungsanfrage abgebrochen.",
        "en": "The peer aborted the association request.",
    },
    "association_unexpected_pdu": {
        "de": "Die Gegenstelle hat unerwartet geantwortet (PDU-Typ {pdu_type}).",
        "en": "The peer answered unexpectedly (PDU type {pdu_type}).",
    },
    "association_failed": {
        "de": "Die Verbindung zu {host}:{port} ist fehlgeschlagen ({detail}).",
        "en": "The association with {host}:{port} failed ({detail}).",
    },
    "association_lost": {
        "de": "Die Verbindung zur Gegenstelle ist abgerissen ({detail}).",
        "en": "The connection to the peer was lost ({detail}).",
    },
    "association_aborted": {
        "de": "Die Gegenstelle hat die Verbindung abgebrochen.",
        "en": "The peer aborted the association.",
    },
    "association_released_early": {
        "de": "Die Gegenstelle hat die Verbindung mitten in einer Anfrage beendet.",
        "en": "The peer released the association during a request.",
    },
    "dimse_unexpected_answer": {
        "de": "Die Gegenstelle hat mit einer unerwarteten Nachricht geantwortet.",
        "en": "The peer answered with an unexpected message.",
    },
    "echo_not_accepted": {
        "de": "Die Gegenstelle nimmt den Verbindungstest (C-ECHO) nicht an.",
        "en": "The peer does not accept the Verification service (C-ECHO).",
    },
    # -- portal login and requests ------------------------------------------------------
    "login_wrong": {
        "de": "E-Mail-Adresse oder Passwort für {server} stimmen nicht.",
        "en": "Wrong e-mail or password for {server}.",
    },
    "login_too_many_attempts": {
        "de": "Zu viele fehlgeschlagene Anmeldungen bei {server}. Bitte warten Sie {wait} und versuchen Sie es dann erneut.",
        "en": "Too many failed logins at {server}. Please wait {wait} and try again.",
    },
    "login_refused": {
        "de": "Das Portal {server} hat die Anmeldung abgelehnt (HTTP {status}): {detail}",
        "en": "The portal at {server} refused the login (HTTP {status}): {detail}",
    },
    "not_logged_in": {
        "de": "Nicht bei {server} als {email} angemeldet. Bitte melden Sie sich an.",
        "en": "Not logged in to {server} as {email}. Please log in.",
    },
    "login_no_longer_accepted": {
        "de": "Das Portal {server} akzeptiert die Anmeldung von {email} nicht mehr. Bitte melden Sie sich erneut an.",
        "en": "The portal at {server} no longer accepts the login of {email}. Please log in again.",
    },
    "portal_request_failed": {
        "de": "Das Portal hat die Anfrage abgelehnt (HTTP {status}): {detail}",
        "en": "The portal refused the request (HTTP {status}): {detail}",
    },
    "unknown_recipient": {
        "de": "Das Portal kennt die Empfänger-Gemeinschaft {community} nicht.",
        "en": "The portal does not know the recipient community {community}.",
    },
    "unknown_community_code": {
        "de": ("Unbekannter Gemeinschafts-Code '{community}' bei {server} (Groß- und "
               "Kleinschreibung zählen). Es wurde nichts eingereiht."),
        "en": ("Unknown community code '{community}' at {server} (codes are case-sensitive). "
               "Nothing was queued."),
    },
    "no_password_given": {
        "de": "Kein Passwort angegeben.",
        "en": "No password given.",
    },
    "no_portal_given": {
        "de": "Kein Portal angegeben und keine frühere Anmeldung gespeichert.",
        "en": "No portal given and no earlier login stored.",
    },
    "no_account_for_portal": {
        "de": "Für {server} ist kein Konto bekannt.",
        "en": "No account known for {server}.",
    },
    "no_portal_for_code": {
        "de": "Kein Portal angegeben: Der Code allein nennt keines.",
        "en": "No portal given: the code alone does not name one.",
    },
    "study_not_behind_code": {
        "de": "Die Studie {study} gehört nicht zu diesem Code.",
        "en": "Study {study} does not belong to this code.",
    },
    "no_target_folder": {
        "de": "Kein Zielordner angegeben und keiner in den Einstellungen.",
        "en": "No target folder given and none in the settings.",
    },
    "study_not_on_medium": {
        "de": "Die Studie {study} ist nicht auf {path}.",
        "en": "Study {study} is not on {path}.",
    },
    "no_study_on_medium": {
        "de": "Auf {path} wurde keine DICOM-Studie gefunden; es wurde nichts eingereiht.",
        "en": "No DICOM study found on {path}; nothing was queued.",
    },
    # -- preparing an upload (staging) -----------------------------------------------
    "staging_disk_ran_full": {
        "de": "Beim Vorbereiten der Untersuchung in {path} ist die Festplatte voll gelaufen. Nichts ist verloren.",
        "en": "The disk ran full while staging the study into {path}. Nothing has been lost.",
    },
    "zip_needs_staging": {
        "de": "Dateien aus einem ZIP-Archiv können nur mit Zwischenkopie hochgeladen werden.",
        "en": "Files inside a ZIP archive can only be uploaded with a staging copy.",
    },
    "source_changed_while_reading": {
        "de": "{path} hat sich beim Lesen verändert.",
        "en": "{path} changed while it was being read.",
    },
    "source_gone": {
        "de": ("{path} ist seit dem Einreihen der Übertragung verschwunden. Legen Sie die Datei "
               "zurück oder brechen Sie die Übertragung ab und senden Sie den Ordner erneut."),
        "en": ("{path} is gone since the upload was queued. Put it back, or cancel this "
               "transfer and send the folder again."),
    },
    "source_changed": {
        "de": ("{path} hat sich seit dem Einreihen der Übertragung verändert (Größe oder "
               "Änderungszeit weichen ab); die Übertragung kann nicht einfach fortgesetzt werden."),
        "en": ("{path} changed since the upload was queued (size or modification time "
               "differs), so the upload cannot simply continue."),
    },
    "medium_unreadable": {
        "de": "{path} kann nicht gelesen werden: {detail}. Liegt die CD noch im Laufwerk?",
        "en": "Cannot read {path}: {detail}. Is the CD still in the drive?",
    },
    "medium_read_failed": {
        "de": "Lesen von {path} ist fehlgeschlagen: {detail}. Liegt die CD noch im Laufwerk (oder ist sie beschädigt)?",
        "en": "Reading {path} failed: {detail}. Is the CD still in the drive (or damaged)?",
    },
    "medium_changed": {
        "de": ("{path} hat {copied} Bytes statt {expected}: Der Datenträger hat sich seit dem "
               "Einlesen verändert. Bitte lesen Sie ihn erneut ein."),
        "en": ("{path} has {copied} bytes, expected {expected}: the medium changed since it "
               "was scanned. Please scan it again."),
    },
    "staging_copy_failed": {
        "de": "Das Kopieren von {path} in den Zwischenspeicher ist fehlgeschlagen: {detail}",
        "en": "Copying {path} to the staging area failed: {detail}",
    },
    "attachment_missing": {
        "de": "Der Anhang {path} existiert nicht.",
        "en": "Attachment {path} does not exist.",
    },
    "attachment_not_pdf": {
        "de": "Der Anhang {path} ist kein PDF-Dokument.",
        "en": "Attachment {path} is not a PDF document.",
    },
    "note_too_long": {
        "de": "Die Notiz hat {count} Zeichen; das Portal nimmt höchstens {maximum} an. Bitte kürzen Sie sie.",
        "en": "The note has {count} characters; the portal accepts at most {maximum}. Please shorten it.",
    },
    # -- uploading (tus) -------------------------------------------------------------
    "upload_login_rejected": {
        "de": "Das Portal akzeptiert die Anmeldung nicht mehr. Bitte melden Sie sich erneut an.",
        "en": "The portal does not accept the login any more. Please log in again.",
    },
    "upload_too_large": {
        "de": "Das Portal nimmt eine so große Untersuchung nicht an (HTTP 413): {detail}",
        "en": "The portal refuses a study this large (HTTP 413): {detail}",
    },
    "upload_refused": {
        "de": "Das Portal hat das Hochladen abgelehnt (HTTP {status}): {detail}",
        "en": "The portal refused the upload (HTTP {status}): {detail}",
    },
    "upload_not_created": {
        "de": "Das Portal hat die Übertragung nicht angelegt (HTTP {status}).",
        "en": "The portal did not create the upload (HTTP {status}).",
    },
    "upload_expired": {
        "de": "Das Portal kennt die Übertragung nicht mehr (HTTP {status}).",
        "en": "The portal no longer knows the upload (HTTP {status}).",
    },
    "upload_keeps_getting_lost": {
        "de": "Das Portal verliert die Übertragung immer wieder. Bitte später erneut versuchen.",
        "en": "The portal keeps losing the upload. Please try again later.",
    },
    "portal_unreliable": {
        "de": ("Das Portal war nicht zuverlässig erreichbar ({detail}); das Hochladen wurde nach "
               "{attempts} Versuchen angehalten und wird an derselben Stelle fortgesetzt."),
        "en": ("The portal could not be reached reliably ({detail}); the upload stopped after "
               "{attempts} attempts and will continue from where it was."),
    },
    # -- the transfer queue ----------------------------------------------------------
    "waiting_for_window": {
        "de": "Wartet auf das Zeitfenster für Übertragungen.",
        "en": "Waiting for the upload time window.",
    },
    "continues_later": {
        "de": "{cause} Die Übertragung wird beim nächsten Programmstart automatisch fortgesetzt.",
        "en": "{cause} It continues automatically the next time the program starts.",
    },
    "source_changed_retry": {
        "de": "{cause} Wiederholen Sie die Übertragung, um die Dateien in ihrem jetzigen Zustand zu senden.",
        "en": "{cause} Retry the transfer to send the files as they are now.",
    },
    "portal_lost_upload": {
        "de": "Das Portal kennt die Übertragung nicht mehr; sie wird erneut gesendet.",
        "en": "The portal no longer knows the upload; sending it again.",
    },
    "receipt_pending": {
        "de": "Das Portal prüft die Übertragung noch; die Empfangsbestätigung wird beim nächsten Lauf abgeholt.",
        "en": "The portal is still verifying the upload; the receipt will be fetched on the next run.",
    },
    "receipt_rejected": {
        "de": ("Das Portal hat die ganze Übertragung abgelehnt: {reason}. Bitte wiederholen; "
               "geschieht es erneut, wenden Sie sich an den Empfänger."),
        "en": ("The portal rejected the whole upload: {reason}. Retry it; if it happens again, "
               "contact the recipient."),
    },
    "receipt_incomplete": {
        "de": ("{failed} von {total} Dateien hat das Portal nicht angenommen: {listed}. Details "
               "stehen in der Empfangsbestätigung; eine Wiederholung sendet die Untersuchung erneut."),
        "en": ("{failed} of {total} files were not accepted by the portal: {listed}. The "
               "receipt has the details; a retry sends the study again."),
    },
    "receipt_incomplete_more": {
        "de": ("{failed} von {total} Dateien hat das Portal nicht angenommen: {listed} (und {more} "
               "weitere). Details stehen in der Empfangsbestätigung; eine Wiederholung sendet die "
               "Untersuchung erneut."),
        "en": ("{failed} of {total} files were not accepted by the portal: {listed} (and {more} "
               "more). The receipt has the details; a retry sends the study again."),
    },
    "job_not_found": {
        "de": "Es gibt keine Übertragung mit der Nummer {id}.",
        "en": "There is no transfer with id {id}.",
    },
    "cannot_pause": {
        "de": "Übertragung {id} ist {state}; sie kann nicht angehalten werden.",
        "en": "Transfer {id} is {state}; it cannot be paused.",
    },
    "cannot_resume": {
        "de": "Übertragung {id} ist {state}; sie kann nicht fortgesetzt werden.",
        "en": "Transfer {id} is {state}; it cannot be resumed.",
    },
    "cannot_retry": {
        "de": ("Übertragung {id} ist {state}; sie kann nicht wiederholt werden (nur "
               "fehlgeschlagene oder abgebrochene Übertragungen)."),
        "en": "Transfer {id} is {state}; it cannot be retried (only failed or cancelled transfers can).",
    },
    "cannot_cancel": {
        "de": "Übertragung {id} ist {state}; sie kann nicht abgebrochen werden.",
        "en": "Transfer {id} is {state}; it cannot be cancelled.",
    },
    "still_stopping": {
        "de": "Übertragung {id} wird noch beendet; bitte gleich noch einmal versuchen.",
        "en": "Transfer {id} is still stopping; try again in a moment.",
    },
    # -- the settings file (core/settings.py notices) --
    "settings_damaged": {
        "de": "Die Einstellungsdatei {path} war beschädigt und wurde auf die Standardwerte "
              "zurückgesetzt. Eine Kopie liegt in {backup}.",
        "en": "The settings file {path} was damaged and has been reset to the defaults. "
              "A copy is kept in {backup}.",
    },
    "settings_values_reset": {
        "de": "Einige Einstellungen in {path} waren ungültig und wurden auf ihren Standardwert "
              "zurückgesetzt: {detail}. Eine Kopie der alten Datei liegt in {backup}.",
        "en": "Some settings in {path} were invalid and have been reset to their default: "
              "{detail}. A copy of the old file is kept in {backup}.",
    },
    "settings_legacy_damaged": {
        "de": "Die alte Einstellungsdatei {path} war beschädigt und wurde nicht übernommen; "
              "es gelten die Standardwerte. Sie bleibt als {backup} erhalten.",
        "en": "The old settings file {path} was damaged and was not taken over; the defaults "
              "apply. It is kept as {backup}.",
    },
    # -- pipelined uploads: staging is done while the upload goes on --
    "upload_medium_free": {
        "de": "Übertragung {job}: Die CD kann entnommen werden. Der Upload läuft weiter.",
        "en": "Transfer {job}: The CD can be removed. The upload goes on.",
    },
    "upload_files_read": {
        "de": "Übertragung {job}: Alle Dateien sind gelesen. Der Upload läuft weiter.",
        "en": "Transfer {job}: Every file has been read. The upload goes on.",
    },
    # -- DICOM network: connection, association, per-instance outcomes (core/dicomnet) --

    # -- per-instance outcomes ------------------------------------------------------------
    "stored": {"de": "Gespeichert.", "en": "Stored."},
    "already_stored": {
        "de": "Bereits bei einem früheren Senden an dieses PACS gespeichert; nicht erneut gesendet.",
        "en": "Already stored by an earlier send to this PACS; not sent again.",
    },
    "status_warning": {
        "de": "Gespeichert, das PACS meldet eine Warnung: {answer}.",
        "en": "Stored, the PACS reports a warning: {answer}.",
    },
    "status_failure": {
        "de": "Das PACS hat das Bild nicht gespeichert: {answer}.",
        "en": "The PACS did not store the image: {answer}.",
    },
    "cannot_encode": {
        "de": "Das Bild kann nicht in einer Form gesendet werden, die das PACS annimmt ({detail}).",
        "en": "The image cannot be sent in a form the PACS accepts ({detail}).",
    },
    "context_rejected": {
        "de": "Das PACS nimmt diese Bildart nicht an ({sop_class}: {reason}).",
        "en": "The PACS does not accept this kind of image ({sop_class}: {reason}).",
    },
    "unreadable_file": {
        "de": "Die Datei kann nicht gelesen werden ({detail}).",
        "en": "The file cannot be read ({detail}).",
    },
    "cancelled": {"de": "Abgebrochen; nicht gesendet.", "en": "Cancelled; not sent."},
    "not_sent_connection": {
        "de": "Nicht gesendet: {reason}",
        "en": "Not sent: {reason}",
    },
    "not_sent_again_lost": {
        "de": "Nicht gesendet: die Verbindung zum PACS ist erneut abgebrochen.",
        "en": "Not sent: the association with the PACS was lost again.",
    },
    "internal_error": {
        "de": "Unerwarteter Fehler beim Senden ({detail}); Einzelheiten stehen im Protokoll.",
        "en": "Unexpected error while sending ({detail}); details are in the log.",
    },
    # -- connection and association ---------------------------------------------------------
    "connect_failed": {
        "de": "Keine Verbindung zu {host}:{port} ({detail}).",
        "en": "Cannot connect to {host}:{port} ({detail}).",
    },
    "connect_timeout": {
        "de": "Keine Verbindung zu {host}:{port} innerhalb von {seconds} s (Verbindungs-Timeout).",
        "en": "No connection to {host}:{port} within {seconds} s (connect timeout).",
    },
    "tls_failed": {
        "de": "Die TLS-Verbindung zu {host}:{port} ist gescheitert ({detail}).",
        "en": "The TLS connection to {host}:{port} failed ({detail}).",
    },
    "tls_untrusted": {
        "de": ("Das Zertifikat des PACS {host} ist nicht vertrauenswürdig ({detail}). Bitte die "
               "CA-Datei des PACS in den Knoteneinstellungen angeben."),
        "en": ("The certificate of the PACS {host} is not trusted ({detail}). Give the PACS's CA "
               "file in the node settings."),
    },
    "association_timeout": {
        "de": "Das PACS hat die Verbindungsanfrage nicht innerhalb von {seconds} s beantwortet (ACSE-Timeout).",
        "en": "The PACS did not answer the association request within {seconds} s (ACSE timeout).",
    },
    "rejected_permanent": {
        "de": "Das PACS hat die Verbindung abgelehnt: {reason}.",
        "en": "The PACS rejected the association: {reason}.",
    },
    "rejected_transient": {
        "de": "Das PACS lehnt die Verbindung vorübergehend ab: {reason} ({attempts} Versuche).",
        "en": "The PACS rejects the association for now: {reason} ({attempts} attempts).",
    },
    "peer_aborted": {
        "de": "Das PACS hat die Verbindung abgebrochen (A-ABORT; {source}, {reason}).",
        "en": "The PACS aborted the association (A-ABORT; {source}, {reason}).",
    },
    "peer_released": {
        "de": "Das PACS hat die Verbindung während einer Übertragung beendet.",
        "en": "The PACS released the association in the middle of a transfer.",
    },
    "connection_lost": {
        "de": "Die Verbindung zum PACS ist abgerissen ({detail}).",
        "en": "The connection to the PACS was lost ({detail}).",
    },
    "protocol_error": {
        "de": "Das PACS hat ungültige Protokolldaten gesendet ({detail}); Verbindung abgebrochen (A-ABORT).",
        "en": "The PACS sent invalid protocol data ({detail}); association aborted (A-ABORT).",
    },
    "dimse_timeout": {
        "de": "Keine Antwort des PACS innerhalb von {seconds} s (DIMSE-Timeout); Verbindung abgebrochen.",
        "en": "No answer from the PACS within {seconds} s (DIMSE timeout); association aborted.",
    },
    "unexpected_response": {
        "de": "Das PACS hat mit einer unerwarteten Nachricht geantwortet; Verbindung abgebrochen.",
        "en": "The PACS answered with an unexpected message; association aborted.",
    },
    "no_verification": {
        "de": "Das PACS nimmt den Verbindungstest (C-ECHO) nicht an.",
        "en": "The PACS does not accept the Verification service (C-ECHO).",
    },
    # -- input checks: settings, proxy, sizes, time windows --
    "chunk_size_too_small": {
        "de": "Die Blockgröße muss mindestens 64 KiB betragen.",
        "en": "The chunk size must be at least 64 KiB.",
    },
    "max_chunk_below_chunk_size": {
        "de": "Die größte Blockgröße darf nicht kleiner als die Blockgröße sein.",
        "en": "The largest chunk cannot be smaller than the chunk size.",
    },
    "bandwidth_negative": {
        "de": "Die Bandbreitengrenze darf nicht negativ sein.",
        "en": "The bandwidth limit cannot be negative.",
    },
    "concurrent_uploads_too_few": {
        "de": "Mindestens eine Übertragung muss gleichzeitig laufen dürfen.",
        "en": "At least one upload must be allowed to run.",
    },
    "bandwidth_invalid": {
        "de": "„{text}“ ist keine Bandbreite (Beispiele: 10M, 500k, 80mbit).",
        "en": "Not a bandwidth: \"{text}\" (examples: 10M, 500k, 80mbit).",
    },
    "size_invalid": {
        "de": "„{text}“ ist keine Größe (Beispiele: 8M, 256MiB).",
        "en": "Not a size: \"{text}\" (examples: 8M, 256MiB).",
    },
    "time_window_invalid": {
        "de": "„{text}“ ist kein Zeitfenster (erwartet z. B. 19:00-07:00).",
        "en": "Not a time window: \"{text}\" (expected e.g. 19:00-07:00).",
    },
    "time_window_out_of_range": {
        "de": "„{text}“ ist kein Zeitfenster (Stunden 0-23, Minuten 0-59).",
        "en": "Not a time window: \"{text}\" (hours 0-23, minutes 0-59).",
    },
    "proxy_mode_unknown": {
        "de": "Unbekannte Proxy-Art „{mode}“: erlaubt sind system, manual oder none.",
        "en": "Unknown proxy mode \"{mode}\": use system, manual or none.",
    },
    "proxy_host_invalid": {
        "de": "„{host}“ ist kein Proxy-Rechnername und keine Adresse (z. B. proxy.klinik.local).",
        "en": "\"{host}\" is not a proxy host name or address (e.g. proxy.klinik.local).",
    },
    "proxy_port_out_of_range": {
        "de": "Der Proxy-Port {port} liegt außerhalb des Bereichs 1-65535.",
        "en": "Proxy port {port} is out of range 1-65535.",
    },
    "proxy_not_host_port": {
        "de": "„{text}“ hat nicht die Form HOST:PORT (z. B. proxy.klinik.local:3128).",
        "en": "\"{text}\" is not HOST:PORT (e.g. proxy.klinik.local:3128).",
    },
    # -- documents (PDF receipts and code sheets) --
    "pdf_not_writable": {
        "de": "Die PDF-Datei {path} kann nicht geschrieben werden ({detail}). "
              "Bitte wählen Sie einen anderen Ordner.",
        "en": "The PDF {path} cannot be written ({detail}). Choose another folder.",
    },
    "receipt_no_transfer": {
        "de": "Für die Empfangsbestätigung wurde keine Übertragung angegeben.",
        "en": "No transfer given for the receipt.",
    },
    "receipt_mixed_recipients": {
        "de": ("Eine Empfangsbestätigung gilt für Übertragungen an eine Gemeinschaft von einem "
               "Konto; bitte erstellen Sie je Empfänger eine eigene."),
        "en": ("A receipt covers transfers to one community from one account; make one "
               "receipt per recipient."),
    },
    "code_sheet_qr_mismatch": {
        "de": "Der QR-Code enthält nicht den gedruckten Zugangscode.",
        "en": "The QR payload does not carry the printed code.",
    },
}
