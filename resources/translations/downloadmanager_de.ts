<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
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
        <source>%1 transfer(s) queued.</source>
        <translation>%1 Übertragung(en) eingereiht.</translation>
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
        <source>12 characters, e.g. K7PX-92QD-M4H3</source>
        <translation>12 Zeichen, z. B. K7PX-92QD-M4H3</translation>
    </message>
    <message>
        <source>Date of birth:</source>
        <translation>Geburtsdatum:</translation>
    </message>
    <message>
        <source>dd.mm.yyyy</source>
        <translation>TT.MM.JJJJ</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Herunterladen</translation>
    </message>
    <message>
        <source>Coming in a later version</source>
        <translation>Folgt in einer späteren Version</translation>
    </message>
    <message>
        <source>Downloading is coming in a later version.</source>
        <translation>Das Herunterladen folgt in einer späteren Version.</translation>
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
        <source>Recipient: %1</source>
        <translation>Empfänger: %1</translation>
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
        <extracomment>Role answering &quot;loading&quot;, &quot;image&quot; or &quot;placeholder&quot; for series rows. Role giving the scanner&apos;s object (Patient, Study or Series) of a row. Emitted whenever the set of checked studies changes.</extracomment>
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
        <source>Queuing…</source>
        <translation>Wird eingereiht…</translation>
    </message>
    <message>
        <source>%1 transfer(s) queued.</source>
        <translation>%1 Übertragung(en) eingereiht.</translation>
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
        <source>Language:</source>
        <translation>Sprache:</translation>
    </message>
    <message>
        <source>As the system (%1)</source>
        <translation>Wie das System (%1)</translation>
    </message>
    <message>
        <source>Portal address:</source>
        <translation>Portal-Adresse:</translation>
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
        <source>Passwords are kept in the system&apos;s password store, never in the settings file.</source>
        <translation>Passwörter werden im Passwortspeicher des Systems aufbewahrt, nie in der Einstellungsdatei.</translation>
    </message>
    <message>
        <source>Download folder</source>
        <translation>Download-Ordner</translation>
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
</TS>
