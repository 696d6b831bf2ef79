<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name>AccountSection</name>
    <message>
        <source>Portal account</source>
        <translation>Portal-Konto</translation>
    </message>
    <message>
        <source>E-mail:</source>
        <translation>E-Mail:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Passwort:</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Anmelden</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>Abmelden</translation>
    </message>
    <message>
        <source>Logged in as %1 at %2.</source>
        <translation>Angemeldet als %1 bei %2.</translation>
    </message>
    <message>
        <source>Not logged in. Log in to send studies and to create access codes.</source>
        <translation>Nicht angemeldet. Melden Sie sich an, um Untersuchungen zu senden und Zugangscodes zu erstellen.</translation>
    </message>
    <message>
        <source>This computer has no password store (keyring). Your password is kept only until the program closes; you will have to log in again next time.</source>
        <translation>Dieser Computer hat keinen Passwortspeicher (Schlüsselbund). Ihr Passwort bleibt nur bis zum Schließen des Programms erhalten; beim nächsten Start müssen Sie sich erneut anmelden.</translation>
    </message>
    <message>
        <source>Enter the portal address above first.</source>
        <translation>Bitte zuerst oben die Portaladresse eingeben.</translation>
    </message>
    <message>
        <source>Enter your e-mail address and password.</source>
        <translation>Bitte E-Mail-Adresse und Passwort eingeben.</translation>
    </message>
    <message>
        <source>Login failed: %1</source>
        <translation>Anmeldung fehlgeschlagen: %1</translation>
    </message>
</context>
<context>
    <name>AttachmentList</name>
    <message>
        <source>Attach PDF…</source>
        <extracomment>The list of attachments changed. A file was refused (message for the user); also after all checks of a drop.</extracomment>
        <translation>PDF anhängen…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Drop PDF documents here</source>
        <translation>PDF-Dokumente hierher ziehen</translation>
    </message>
    <message>
        <source>Not a PDF document, not attached: %1</source>
        <translation>Kein PDF-Dokument, nicht angehängt: %1</translation>
    </message>
    <message>
        <source>Attach PDF documents</source>
        <translation>PDF-Dokumente anhängen</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf *.PDF)</source>
        <translation>PDF-Dokumente (*.pdf *.PDF)</translation>
    </message>
</context>
<context>
    <name>CodeSheetDialog</name>
    <message>
        <source>Codes can be created only for transfers the portal has verified completely.</source>
        <extracomment>Asks where to save the PDF (tests replace it).</extracomment>
        <translation>Codes gibt es nur für Übertragungen, die das Portal vollständig geprüft hat.</translation>
    </message>
    <message>
        <source>Access code for a transfer</source>
        <translation>Zugangscode für eine Übertragung</translation>
    </message>
    <message>
        <source>Patient&apos;s date of birth:</source>
        <translation>Geburtsdatum des Patienten:</translation>
    </message>
    <message>
        <source>Valid for:</source>
        <translation>Gültig für:</translation>
    </message>
    <message>
        <source>weeks</source>
        <translation>Wochen</translation>
    </message>
    <message>
        <source>Create code</source>
        <translation>Code erstellen</translation>
    </message>
    <message>
        <source>The date of birth is the second key: the portal checks it when the code is used. It is not printed on the sheet.</source>
        <translation>Das Geburtsdatum ist der zweite Schlüssel: Das Portal prüft es, wenn der Code benutzt wird. Es wird nicht auf das Blatt gedruckt.</translation>
    </message>
    <message>
        <source>Save PDF…</source>
        <translation>PDF speichern…</translation>
    </message>
    <message>
        <source>Open for printing</source>
        <translation>Zum Drucken öffnen</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Study %1</source>
        <translation>Untersuchung %1</translation>
    </message>
    <message>
        <source>Valid until %1</source>
        <translation>Gültig bis %1</translation>
    </message>
    <message>
        <source>Save access-code sheet</source>
        <translation>Zugangscode-Blatt speichern</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf)</source>
        <translation>PDF-Dokumente (*.pdf)</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>Gespeichert: %1</translation>
    </message>
</context>
<context>
    <name>DemoWelcomeDialog</name>
    <message>
        <source>Welcome to the Downloadmanager demo</source>
        <translation>Willkommen zur Demo des Downloadmanagers</translation>
    </message>
    <message>
        <source>&lt;p&gt;This window is connected to a demo portal running on this computer (%1), logged in as the demo practice %2. Nothing here touches your real data, transfers or passwords.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Send:&lt;/b&gt; a demo CD has been read. Tick a study, search for “Saarbrücken” and choose &lt;b&gt;%3&lt;/b&gt;, then press Send. The Transfers page shows the upload and its receipt.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Receive:&lt;/b&gt; on the Receive page enter the access code &lt;b&gt;%4&lt;/b&gt; and the birth date &lt;b&gt;%5&lt;/b&gt;.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Dieses Fenster ist mit einem Demo-Portal auf diesem Computer verbunden (%1) und als Demo-Praxis %2 angemeldet. Ihre echten Daten, Übertragungen und Passwörter bleiben unberührt.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Senden:&lt;/b&gt; Eine Demo-CD wurde bereits eingelesen. Haken Sie eine Untersuchung an, suchen Sie nach „Saarbrücken“, wählen Sie &lt;b&gt;%3&lt;/b&gt; und drücken Sie auf Senden. Die Seite Übertragungen zeigt den Upload und sein Protokoll.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Empfangen:&lt;/b&gt; Geben Sie auf der Seite Empfangen den Zugangscode &lt;b&gt;%4&lt;/b&gt; und das Geburtsdatum &lt;b&gt;%5&lt;/b&gt; ein.&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>DiagnoseSection</name>
    <message>
        <source>Diagnosis</source>
        <translation>Diagnose</translation>
    </message>
    <message>
        <source>Checks this installation: Qt plugins, translations, secure connections, password store, PDF fonts, QR codes, DICOM decoders and the data folders.</source>
        <translation>Prüft diese Installation: Qt-Plugins, Übersetzungen, sichere Verbindungen, Passwortspeicher, PDF-Schriften, QR-Codes, DICOM-Decoder und die Datenordner.</translation>
    </message>
    <message>
        <source>Diagnose</source>
        <translation>Diagnose starten</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Prüfung</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Wird geprüft…</translation>
    </message>
    <message>
        <source>The diagnosis could not run: %1</source>
        <translation>Die Diagnose konnte nicht laufen: %1</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Checks failed: %1 of %2.</source>
        <translation>Fehlgeschlagene Prüfungen: %1 von %2.</translation>
    </message>
    <message>
        <source>All checks passed.</source>
        <translation>Alle Prüfungen bestanden.</translation>
    </message>
</context>
<context>
    <name>DownloadPanel</name>
    <message>
        <source>Save in:</source>
        <extracomment>A download ended; True only when everything was verified (and stored by the PACS).</extracomment>
        <translation>Speichern in:</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Wählen…</translation>
    </message>
    <message>
        <source>Save as:</source>
        <translation>Speichern als:</translation>
    </message>
    <message>
        <source>Folder with readable names</source>
        <translation>Ordner mit lesbaren Namen</translation>
    </message>
    <message>
        <source>Viewer-ready folder with DICOMDIR (like a CD)</source>
        <translation>Betrachterfertiger Ordner mit DICOMDIR (wie eine CD)</translation>
    </message>
    <message>
        <source>Pack into one ZIP file</source>
        <translation>In eine ZIP-Datei packen</translation>
    </message>
    <message>
        <source>Also send to PACS:</source>
        <translation>Auch an PACS senden:</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Herunterladen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>Ordner öffnen</translation>
    </message>
    <message>
        <source>No PACS configured (Settings)</source>
        <translation>Kein PACS eingerichtet (Einstellungen)</translation>
    </message>
    <message>
        <source>Save in</source>
        <translation>Speichern in</translation>
    </message>
    <message>
        <source>Please choose a folder to save in.</source>
        <translation>Bitte einen Zielordner wählen.</translation>
    </message>
    <message>
        <source>Downloading and verifying…</source>
        <translation>Wird heruntergeladen und geprüft…</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>Wird angehalten…</translation>
    </message>
    <message>
        <source>Sending to the PACS…</source>
        <translation>Wird an das PACS gesendet…</translation>
    </message>
    <message>
        <source>Saved and verified: %1 images in %2.</source>
        <translation>Gespeichert und geprüft: %1 Bilder in %2.</translation>
    </message>
    <message>
        <source>The PACS %1 stored all %2 images.</source>
        <translation>Das PACS %1 hat alle %2 Bilder gespeichert.</translation>
    </message>
    <message>
        <source>But the PACS %1 did not store %2 of %3 images.</source>
        <translation>Aber das PACS %1 hat %2 von %3 Bildern nicht gespeichert.</translation>
    </message>
    <message>
        <source>Download failed: %1</source>
        <translation>Download fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Nothing incomplete was put in the folder; images already verified are kept hidden there, and the next download continues from them.</source>
        <translation>Im Ordner liegt nichts Unvollständiges; bereits geprüfte Bilder werden dort versteckt aufbewahrt, und der nächste Download setzt bei ihnen fort.</translation>
    </message>
    <message>
        <source>Download cancelled: it is NOT complete. Images already verified are kept hidden in the folder; download again to continue.</source>
        <translation>Download abgebrochen: Er ist NICHT vollständig. Bereits geprüfte Bilder bleiben versteckt im Ordner; erneut herunterladen, um fortzusetzen.</translation>
    </message>
</context>
<context>
    <name>DropZone</name>
    <message>
        <source>Drop a folder, files or a ZIP here</source>
        <translation>Ordner, Dateien oder ZIP hierher ziehen</translation>
    </message>
    <message>
        <source>The images are only read; nothing on the CD is changed.</source>
        <translation>Die Bilder werden nur gelesen; auf der CD wird nichts verändert.</translation>
    </message>
    <message>
        <source>Choose folder…</source>
        <translation>Ordner wählen…</translation>
    </message>
    <message>
        <source>Choose ZIP or file…</source>
        <translation>ZIP oder Datei wählen…</translation>
    </message>
</context>
<context>
    <name>GeneralSection</name>
    <message>
        <source>General</source>
        <extracomment>The language setting changed (&quot;system&quot;, &quot;de&quot; or &quot;en&quot;). The portal address changed (the new address).</extracomment>
        <translation>Allgemein</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Sprache:</translation>
    </message>
    <message>
        <source>As the system (%1)</source>
        <translation>Wie das System (%1)</translation>
    </message>
    <message>
        <source>Portal address:</source>
        <translation>Portaladresse:</translation>
    </message>
    <message>
        <source>Please enter an address starting with https://</source>
        <translation>Bitte eine Adresse eingeben, die mit https:// beginnt</translation>
    </message>
    <message>
        <source>Download folder:</source>
        <translation>Download-Ordner:</translation>
    </message>
    <message>
        <source>Ask every time</source>
        <translation>Jedes Mal fragen</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Wählen…</translation>
    </message>
    <message>
        <source>Download folder</source>
        <translation>Download-Ordner</translation>
    </message>
</context>
<context>
    <name>LogSection</name>
    <message>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Log file: %1 (contains no patient data)</source>
        <translation>Protokolldatei: %1 (enthält keine Patientendaten)</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Protokollordner öffnen</translation>
    </message>
    <message>
        <source>The log is empty so far.</source>
        <translation>Das Protokoll ist noch leer.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Reading finished.</source>
        <extracomment>Asked before quitting while transfers run (tests replace it). Shown once when the window first goes to the tray (tests replace it).</extracomment>
        <translation>Einlesen abgeschlossen.</translation>
    </message>
    <message>
        <source>Reading was cancelled.</source>
        <translation>Einlesen abgebrochen.</translation>
    </message>
    <message>
        <source>Downloadmanager %1</source>
        <translation>Downloadmanager %1</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Receive</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>Transfers</source>
        <translation>Übertragungen</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Ready.</source>
        <translation>Bereit.</translation>
    </message>
    <message>
        <source>Reading %1 …</source>
        <translation>Lese %1 …</translation>
    </message>
    <message>
        <source>“%1” to %2</source>
        <translation>„%1“ an %2</translation>
    </message>
    <message>
        <source>Transfer failed</source>
        <translation>Übertragung fehlgeschlagen</translation>
    </message>
    <message>
        <source>Transfer complete</source>
        <translation>Übertragung abgeschlossen</translation>
    </message>
    <message>
        <source>Transfers are running</source>
        <translation>Übertragungen laufen</translation>
    </message>
    <message>
        <source>Transfers are still running. Quit anyway? They continue the next time the program starts.</source>
        <translation>Es laufen noch Übertragungen. Trotzdem beenden? Sie werden beim nächsten Start des Programms fortgesetzt.</translation>
    </message>
    <message>
        <source>Transfers continue</source>
        <translation>Übertragungen laufen weiter</translation>
    </message>
    <message>
        <source>The window is closed, but the transfers continue in the background. Open the window again with the Downloadmanager icon in the system tray; quit the program from its menu.</source>
        <translation>Das Fenster ist geschlossen, die Übertragungen laufen aber im Hintergrund weiter. Über das Downloadmanager-Symbol im Infobereich der Taskleiste öffnen Sie das Fenster wieder; in seinem Menü beenden Sie das Programm.</translation>
    </message>
</context>
<context>
    <name>NetworkSection</name>
    <message>
        <source>Proxy</source>
        <translation>Proxy</translation>
    </message>
    <message>
        <source>Use the system&apos;s proxy settings</source>
        <translation>Proxy-Einstellungen des Systems verwenden</translation>
    </message>
    <message>
        <source>Manual proxy (host:port):</source>
        <translation>Manueller Proxy (Host:Port):</translation>
    </message>
    <message>
        <source>No proxy (direct connection)</source>
        <translation>Kein Proxy (direkte Verbindung)</translation>
    </message>
    <message>
        <source>Enter the proxy as host:port, e.g. proxy.klinik.local:3128.</source>
        <translation>Proxy als Host:Port eingeben, z. B. proxy.klinik.local:3128.</translation>
    </message>
    <message>
        <source>%1 is not host:port (e.g. proxy.klinik.local:3128).</source>
        <translation>%1 ist nicht Host:Port (z. B. proxy.klinik.local:3128).</translation>
    </message>
</context>
<context>
    <name>NodeDialog</name>
    <message>
        <source>PACS node</source>
        <translation>PACS-Knoten</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>AE title of the PACS:</source>
        <translation>AE-Titel des PACS:</translation>
    </message>
    <message>
        <source>Host:</source>
        <translation>Host:</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>Port:</translation>
    </message>
    <message>
        <source>Our AE title:</source>
        <translation>Eigener AE-Titel:</translation>
    </message>
    <message>
        <source>e.g. Archive</source>
        <translation>z. B. Archiv</translation>
    </message>
    <message>
        <source>Please give the node a name.</source>
        <translation>Bitte dem Knoten einen Namen geben.</translation>
    </message>
    <message>
        <source>A node named %1 exists already.</source>
        <translation>Ein Knoten namens %1 existiert bereits.</translation>
    </message>
</context>
<context>
    <name>NoteEditor</name>
    <message>
        <source>Optional note for the recipient</source>
        <translation>Optionale Notiz für den Empfänger</translation>
    </message>
    <message>
        <source>%1 of %2 characters</source>
        <translation>%1 von %2 Zeichen</translation>
    </message>
</context>
<context>
    <name>PacsSection</name>
    <message>
        <source>PACS (DICOM nodes)</source>
        <extracomment>The list of nodes changed (the Receive page offers them). Opens the edit dialog and returns the node, or None (tests replace it).</extracomment>
        <translation>PACS (DICOM-Knoten)</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Hinzufügen…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Bearbeiten…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <source>%1 — %2 (we are %3)</source>
        <translation>%1 — %2 (wir sind %3)</translation>
    </message>
    <message>
        <source>Testing %1 …</source>
        <translation>Teste %1 …</translation>
    </message>
    <message>
        <source>Connection to %1 works (C-ECHO answered: %2).</source>
        <translation>Verbindung zu %1 funktioniert (C-ECHO-Antwort: %2).</translation>
    </message>
    <message>
        <source>%1 answered the C-ECHO with an error: %2</source>
        <translation>%1 hat das C-ECHO mit einem Fehler beantwortet: %2</translation>
    </message>
    <message>
        <source>No connection to %1: %2</source>
        <translation>Keine Verbindung zu %1: %2</translation>
    </message>
</context>
<context>
    <name>ProblemsPanel</name>
    <message>
        <source>Missing</source>
        <translation>Fehlt</translation>
    </message>
    <message>
        <source>Damaged</source>
        <translation>Beschädigt</translation>
    </message>
    <message>
        <source>Not an image</source>
        <translation>Kein Bild</translation>
    </message>
    <message>
        <source>Unreadable</source>
        <translation>Nicht lesbar</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>Doppelt</translation>
    </message>
    <message>
        <source>Listed in the CD&apos;s table of contents (DICOMDIR) but not on the CD.</source>
        <translation>Im Inhaltsverzeichnis der CD (DICOMDIR) genannt, aber nicht auf der CD.</translation>
    </message>
    <message>
        <source>A DICOM file that is cut off or damaged; it cannot be sent.</source>
        <translation>Eine abgeschnittene oder beschädigte DICOM-Datei; sie kann nicht gesendet werden.</translation>
    </message>
    <message>
        <source>Not a DICOM image (e.g. a viewer program on the CD); skipped.</source>
        <translation>Kein DICOM-Bild (z. B. ein Betrachterprogramm auf der CD); übersprungen.</translation>
    </message>
    <message>
        <source>Could not be read (no permission or a read error of the medium).</source>
        <translation>Konnte nicht gelesen werden (keine Berechtigung oder Lesefehler des Datenträgers).</translation>
    </message>
    <message>
        <source>The same image exists twice; it is counted once.</source>
        <translation>Dasselbe Bild ist doppelt vorhanden; es wird einmal gezählt.</translation>
    </message>
    <message>
        <source>Skipped files: %1</source>
        <translation>Übersprungene Dateien: %1</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
</context>
<context>
    <name>ReceiptDialog</name>
    <message>
        <source>Recipient:</source>
        <translation>Empfänger:</translation>
    </message>
    <message>
        <source>Result:</source>
        <translation>Ergebnis:</translation>
    </message>
    <message>
        <source>Images sent:</source>
        <translation>Gesendete Bilder:</translation>
    </message>
    <message>
        <source>Accepted:</source>
        <translation>Angenommen:</translation>
    </message>
    <message>
        <source>Already there before:</source>
        <translation>Bereits vorhanden:</translation>
    </message>
    <message>
        <source>Not accepted:</source>
        <translation>Nicht angenommen:</translation>
    </message>
    <message>
        <source>Received by the portal:</source>
        <translation>Vom Portal empfangen:</translation>
    </message>
    <message>
        <source>Upload id:</source>
        <translation>Upload-Kennung:</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>Grund:</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>Warum</translation>
    </message>
    <message>
        <source>Every image was accepted and checked.</source>
        <translation>Jedes Bild wurde angenommen und geprüft.</translation>
    </message>
    <message>
        <source>Save as PDF</source>
        <translation>Als PDF speichern</translation>
    </message>
    <message>
        <source>Receipt of transfer %1</source>
        <translation>Übertragungsprotokoll der Übertragung %1</translation>
    </message>
    <message>
        <source>No receipt yet</source>
        <translation>Noch keine Empfangsbestätigung</translation>
    </message>
    <message>
        <source>Complete: every image arrived unchanged</source>
        <translation>Vollständig: jedes Bild kam unverändert an</translation>
    </message>
    <message>
        <source>Incomplete: see below</source>
        <translation>Unvollständig: siehe unten</translation>
    </message>
    <message>
        <source>Transfer receipt %1.pdf</source>
        <translation>Übertragungsprotokoll %1.pdf</translation>
    </message>
    <message>
        <source>Save the receipt as PDF</source>
        <translation>Übertragungsprotokoll als PDF speichern</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf)</source>
        <translation>PDF-Dokumente (*.pdf)</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>Gespeichert: %1</translation>
    </message>
    <message>
        <source>The PDF could not be saved: %1</source>
        <translation>Das PDF konnte nicht gespeichert werden: %1</translation>
    </message>
</context>
<context>
    <name>ReceivePage</name>
    <message>
        <source>Receive studies</source>
        <extracomment>Studies were listed for a code (argument: the CodeSession). A QR image was read into the code field.</extracomment>
        <translation>Untersuchungen empfangen</translation>
    </message>
    <message>
        <source>Enter the access code you were given and the patient&apos;s date of birth.</source>
        <translation>Geben Sie den erhaltenen Zugangscode und das Geburtsdatum des Patienten ein.</translation>
    </message>
    <message>
        <source>Access code:</source>
        <translation>Zugangscode:</translation>
    </message>
    <message>
        <source>QR code from image…</source>
        <translation>QR-Code aus Bild…</translation>
    </message>
    <message>
        <source>Paste QR image</source>
        <translation>QR-Bild einfügen</translation>
    </message>
    <message>
        <source>Reads a QR code copied to the clipboard (Ctrl+V)</source>
        <translation>Liest einen in die Zwischenablage kopierten QR-Code (Strg+V)</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Anzeigen</translation>
    </message>
    <message>
        <source>Tip: drop a photo or screenshot of the QR code onto this page, or paste it with Ctrl+V.</source>
        <translation>Tipp: Ein Foto oder Bildschirmfoto des QR-Codes auf diese Seite ziehen oder mit Strg+V einfügen.</translation>
    </message>
    <message>
        <source>QR code from image</source>
        <translation>QR-Code aus Bild</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)</source>
        <translation>Bilder (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)</translation>
    </message>
    <message>
        <source>The clipboard holds no image of a QR code.</source>
        <translation>Die Zwischenablage enthält kein Bild eines QR-Codes.</translation>
    </message>
    <message>
        <source>No portal address is set. Enter it under Settings, or read the QR code, which contains it.</source>
        <translation>Keine Portaladresse eingestellt. Bitte in den Einstellungen eintragen oder den QR-Code einlesen, der sie enthält.</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Wird geprüft…</translation>
    </message>
    <message>
        <source>Code valid until %1 — download before then.</source>
        <translation>Code gültig bis %1 — bitte vorher herunterladen.</translation>
    </message>
    <message>
        <source>Date of birth:</source>
        <translation>Geburtsdatum:</translation>
    </message>
</context>
<context>
    <name>RecipientPicker</name>
    <message>
        <source>Search recipient by name or code…</source>
        <extracomment>The chosen community ({&quot;name&quot;, &quot;code&quot;}) or None. A search finished (for tests and the status line): number of results.</extracomment>
        <translation>Empfänger nach Name oder Code suchen…</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Ändern</translation>
    </message>
    <message>
        <source>Log in first to search for recipients.</source>
        <translation>Bitte zuerst anmelden, um Empfänger zu suchen.</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Suche läuft…</translation>
    </message>
    <message>
        <source>No recipient matches “%1”.</source>
        <translation>Kein Empfänger passt zu „%1“.</translation>
    </message>
    <message>
        <source>The search did not work: %1</source>
        <translation>Die Suche hat nicht funktioniert: %1</translation>
    </message>
    <message>
        <source>Recently used:</source>
        <translation>Zuletzt verwendet:</translation>
    </message>
</context>
<context>
    <name>ScanTreeModel</name>
    <message>
        <source>Patient / study / series</source>
        <extracomment>Role answering &quot;loading&quot;, &quot;image&quot; or &quot;placeholder&quot; for series rows. Role giving the scanner&apos;s object (Patient, Study or Series) of a row. (images, bytes), summed once: the view asks for them on every repaint, and summing 10,000 instance sizes each time stalled the window. Emitted whenever the set of checked studies changes.</extracomment>
        <translation>Patient / Untersuchung / Serie</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Datum</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>Modalität</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Bilder</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Accession number: %1</source>
        <translation>Auftragsnummer: %1</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>(ohne Namen)</translation>
    </message>
    <message>
        <source>(no description)</source>
        <translation>(ohne Beschreibung)</translation>
    </message>
    <message>
        <source>born %1</source>
        <translation>geb. %1</translation>
    </message>
</context>
<context>
    <name>SendPage</name>
    <message>
        <source>CDs, DVDs and USB media:</source>
        <translation>CDs, DVDs und USB-Datenträger:</translation>
    </message>
    <message>
        <source>Read selected medium</source>
        <translation>Ausgewählten Datenträger einlesen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Select all</source>
        <translation>Alle auswählen</translation>
    </message>
    <message>
        <source>Select none</source>
        <translation>Keine auswählen</translation>
    </message>
    <message>
        <source>No CD or USB medium found</source>
        <translation>Keine CD und kein USB-Datenträger gefunden</translation>
    </message>
    <message>
        <source>New CD found: %1. Read it now?</source>
        <translation>Neue CD erkannt: %1. Jetzt einlesen?</translation>
    </message>
    <message>
        <source>New medium found: %1. Read it now?</source>
        <translation>Neuer Datenträger erkannt: %1. Jetzt einlesen?</translation>
    </message>
    <message>
        <source>Read now</source>
        <translation>Jetzt einlesen</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>Nicht jetzt</translation>
    </message>
    <message>
        <source>Choose the folder or CD to read</source>
        <translation>Ordner oder CD zum Einlesen wählen</translation>
    </message>
    <message>
        <source>Choose a ZIP archive or DICOM file</source>
        <translation>ZIP-Archiv oder DICOM-Datei wählen</translation>
    </message>
    <message>
        <source>ZIP archives and DICOM files (*.zip *.dcm *.DCM);;All files (*)</source>
        <translation>ZIP-Archive und DICOM-Dateien (*.zip *.dcm *.DCM);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Only “%1” is read; please drop one item at a time.</source>
        <translation>Nur „%1“ wird eingelesen; bitte jeweils nur ein Element hierher ziehen.</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <source>Reading images: %1 of %2 files</source>
        <translation>Bilder werden gelesen: %1 von %2 Dateien</translation>
    </message>
    <message>
        <source>Looking for images: %1 files</source>
        <translation>Suche nach Bildern: %1 Dateien</translation>
    </message>
    <message>
        <source>No DICOM images were found there.</source>
        <translation>Dort wurden keine DICOM-Bilder gefunden.</translation>
    </message>
    <message>
        <source>The medium could not be read: %1</source>
        <translation>Der Datenträger konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Reading failed unexpectedly: %1</source>
        <translation>Das Einlesen ist unerwartet fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Reading was cancelled.</source>
        <translation>Einlesen abgebrochen.</translation>
    </message>
    <message>
        <source>Found: %1, %2, %3 (%4).</source>
        <translation>Gefunden: %1, %2, %3 (%4).</translation>
    </message>
    <message>
        <source>1 patient</source>
        <translation>1 Patient</translation>
    </message>
    <message>
        <source>%1 patients</source>
        <translation>%1 Patienten</translation>
    </message>
    <message>
        <source>1 study</source>
        <translation>1 Untersuchung</translation>
    </message>
    <message>
        <source>%1 studies</source>
        <translation>%1 Untersuchungen</translation>
    </message>
    <message>
        <source>1 image</source>
        <translation>1 Bild</translation>
    </message>
    <message>
        <source>%1 images</source>
        <translation>%1 Bilder</translation>
    </message>
    <message>
        <source>Selected: %1 (%2).</source>
        <translation>Ausgewählt: %1 (%2).</translation>
    </message>
</context>
<context>
    <name>SendPanel</name>
    <message>
        <source>Recipient:</source>
        <extracomment>Jobs were queued (list of job ids). Sending did not start; a message for the user. The user followed the link to the account settings.</extracomment>
        <translation>Empfänger:</translation>
    </message>
    <message>
        <source>Note:</source>
        <translation>Notiz:</translation>
    </message>
    <message>
        <source>Documents:</source>
        <translation>Dokumente:</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>To send, log in first: %1.</source>
        <translation>Zum Senden bitte zuerst anmelden: %1.</translation>
    </message>
    <message>
        <source>Settings → Account</source>
        <translation>Einstellungen → Konto</translation>
    </message>
    <message>
        <source>Tick the studies to send in the list above.</source>
        <translation>Haken Sie oben die Untersuchungen an, die gesendet werden sollen.</translation>
    </message>
    <message>
        <source>Choose the recipient: type part of its name.</source>
        <translation>Wählen Sie den Empfänger: Tippen Sie einen Teil seines Namens.</translation>
    </message>
    <message>
        <source>Transfer queued.</source>
        <translation>Übertragung eingereiht.</translation>
    </message>
    <message>
        <source>%1 transfers queued.</source>
        <translation>%1 Übertragungen eingereiht.</translation>
    </message>
    <message>
        <source>Queuing…</source>
        <translation>Wird eingereiht…</translation>
    </message>
    <message>
        <source>The portal does not know the recipient “%1”. Please search again; nothing was sent.</source>
        <translation>Das Portal kennt den Empfänger „%1“ nicht. Bitte suchen Sie erneut; es wurde nichts gesendet.</translation>
    </message>
    <message>
        <source>The portal did not accept the login. Please log in again in the settings; nothing was sent.</source>
        <translation>Das Portal hat die Anmeldung nicht angenommen. Bitte melden Sie sich in den Einstellungen erneut an; es wurde nichts gesendet.</translation>
    </message>
    <message>
        <source>The portal cannot be reached. Check the network and press Send again; nothing was lost.</source>
        <translation>Das Portal ist nicht erreichbar. Prüfen Sie das Netzwerk und drücken Sie erneut auf Senden; es ist nichts verloren gegangen.</translation>
    </message>
    <message>
        <source>Sending could not start: %1. Nothing was lost.</source>
        <translation>Das Senden konnte nicht beginnen: %1. Es ist nichts verloren gegangen.</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <extracomment>The language setting changed (&quot;system&quot;, &quot;de&quot; or &quot;en&quot;).</extracomment>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>General</source>
        <translation>Allgemein</translation>
    </message>
    <message>
        <source>PACS</source>
        <translation>PACS</translation>
    </message>
    <message>
        <source>Uploads and network</source>
        <translation>Uploads und Netzwerk</translation>
    </message>
    <message>
        <source>Diagnosis and log</source>
        <translation>Diagnose und Protokoll</translation>
    </message>
    <message>
        <source>Passwords are kept in the system&apos;s password store, never in the settings file.</source>
        <translation>Passwörter werden im Passwortspeicher des Systems aufbewahrt, nie in der Einstellungsdatei.</translation>
    </message>
</context>
<context>
    <name>StudyListTable</name>
    <message>
        <source>Patient</source>
        <extracomment>The set of ticked studies changed.</extracomment>
        <translation>Patient</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Datum</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Beschreibung</translation>
    </message>
    <message>
        <source>Modalities</source>
        <translation>Modalitäten</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>Serien</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Bilder</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
</context>
<context>
    <name>TransfersPage</name>
    <message>
        <source>Transfers</source>
        <translation>Übertragungen</translation>
    </message>
    <message>
        <source>Uploads of this computer. They continue after a restart, and while the window is closed to the tray.</source>
        <translation>Uploads dieses Computers. Sie werden nach einem Neustart fortgesetzt und laufen weiter, während das Fenster in den Infobereich geschlossen ist.</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Cancel…</source>
        <translation>Abbrechen…</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>Receipt…</source>
        <translation>Protokoll…</translation>
    </message>
    <message>
        <source>Cancel transfer</source>
        <translation>Übertragung abbrechen</translation>
    </message>
    <message>
        <source>Cancel the transfer of “%1” to %2? What the portal has received so far is deleted.</source>
        <translation>Die Übertragung von „%1“ an %2 abbrechen? Was das Portal bisher empfangen hat, wird gelöscht.</translation>
    </message>
</context>
<context>
    <name>TransfersTableModel</name>
    <message>
        <source>Waiting</source>
        <extracomment>Percent done (0-100) of the progress column, or None when unknown.</extracomment>
        <translation>Wartet</translation>
    </message>
    <message>
        <source>Copying</source>
        <translation>Wird kopiert</translation>
    </message>
    <message>
        <source>Sending</source>
        <translation>Wird gesendet</translation>
    </message>
    <message>
        <source>Being checked</source>
        <translation>Wird geprüft</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Angehalten</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Copying and sending</source>
        <translation>Wird kopiert und gesendet</translation>
    </message>
    <message>
        <source>Sending – the CD can be removed</source>
        <translation>Wird gesendet – Die CD kann entnommen werden</translation>
    </message>
    <message>
        <source>Study</source>
        <translation>Untersuchung</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>Empfänger</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>Geschwindigkeit</translation>
    </message>
    <message>
        <source>Remaining</source>
        <translation>Restzeit</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>Eingereiht</translation>
    </message>
    <message>
        <source>Study …%1</source>
        <translation>Untersuchung …%1</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
</context>
<context>
    <name>TrayIcon</name>
    <message>
        <source>Open window</source>
        <translation>Fenster öffnen</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
</context>
<context>
    <name>UpdateBanner</name>
    <message>
        <source>Hide this note</source>
        <translation>Hinweis ausblenden</translation>
    </message>
    <message>
        <source>Version %1 of Downloadmanager is available. &lt;a href=&quot;%2&quot;&gt;Download the installer&lt;/a&gt; (%3 MB).</source>
        <translation>Version %1 von Downloadmanager ist verfügbar. &lt;a href=&quot;%2&quot;&gt;Installationsprogramm herunterladen&lt;/a&gt; (%3 MB).</translation>
    </message>
</context>
<context>
    <name>UploadsSection</name>
    <message>
        <source>Uploads</source>
        <extracomment>The transfer settings were saved.</extracomment>
        <translation>Uploads</translation>
    </message>
    <message>
        <source>Bandwidth limit:</source>
        <translation>Bandbreitenlimit:</translation>
    </message>
    <message>
        <source>MB/s</source>
        <translation>MB/s</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>Kein Limit</translation>
    </message>
    <message>
        <source>Upload time:</source>
        <translation>Upload-Zeit:</translation>
    </message>
    <message>
        <source>only between</source>
        <translation>nur zwischen</translation>
    </message>
    <message>
        <source>and</source>
        <translation>und</translation>
    </message>
    <message>
        <source>Outside the time window uploads wait and continue by themselves. A window such as 19:00–07:00 runs overnight.</source>
        <translation>Außerhalb des Zeitfensters warten Uploads und laufen dann von selbst weiter. Ein Fenster wie 19:00–07:00 läuft über Nacht.</translation>
    </message>
</context>
</TS>
