<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
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
            <source>Listed in the CD's table of contents (DICOMDIR) but not on the CD.</source>
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
        <name>ReceivePage</name>
        <message>
            <source>Receive studies</source>
            <translation>Untersuchungen empfangen</translation>
        </message>
        <message>
            <source>Enter the access code you were given and the patient's date of birth.</source>
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
        <name>ScanTreeModel</name>
        <message>
            <source>Patient / study / series</source>
            <extracomment>Role answering "loading", "image" or "placeholder" for series rows. Role giving the scanner's object (Patient, Study or Series) of a row. Emitted whenever the set of checked studies changes.</extracomment>
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
        <name>SettingsPage</name>
        <message>
            <source>Settings</source>
            <extracomment>The language setting changed ("system", "de" or "en").</extracomment>
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
            <source>Passwords are kept in the system's password store, never in the settings file.</source>
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
            <source>Uploads and downloads of this computer.</source>
            <translation>Uploads und Downloads dieses Computers.</translation>
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
            <source>Retry</source>
            <translation>Erneut versuchen</translation>
        </message>
        <message>
            <source>Coming in a later version</source>
            <translation>Folgt in einer späteren Version</translation>
        </message>
        <message>
            <source>The list of transfers is coming in a later version.</source>
            <translation>Die Liste der Übertragungen folgt in einer späteren Version.</translation>
        </message>
    </context>
</TS>
