"""Every text of the window is translated to German, and the CLI stays Qt-free."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.gui.conftest import ROOT, TRANSLATIONS


def _lupdate() -> str:
    return shutil.which("pyside6-lupdate") or str(Path(sys.executable).with_name("pyside6-lupdate"))


def test_german_translation_covers_every_text(tmp_path):
    # Collect the texts of the current code into a copy of the .ts: nothing may be new.
    ts = tmp_path / "downloadmanager_de.ts"
    shutil.copy(TRANSLATIONS / "downloadmanager_de.ts", ts)
    sources = sorted(str(p) for p in (ROOT / "downloadmanager" / "gui").rglob("*.py"))
    subprocess.run([_lupdate(), *sources, "-ts", str(ts), "-no-obsolete", "-locations", "none",
                    "-source-language", "en", "-target-language", "de"],
                   check=True, capture_output=True)
    messages = list(ET.parse(ts).iter("message"))
    assert len(messages) > 80
    unfinished = [m.findtext("source") for m in messages
                  if m.find("translation").get("type") == "unfinished"
                  or not (m.findtext("translation") or "").strip()]
    assert unfinished == []
    german = {m.findtext("source"): m.findtext("translation") for m in messages}
    assert german["Transfers"] == "Übertragungen"
    assert german["Drop a folder, files or a ZIP here"] == "Ordner, Dateien oder ZIP hierher ziehen"
    # Placeholders survive translation.
    for source, translation in german.items():
        for marker in ("%1", "%2", "%3", "%4"):
            assert (marker in source) == (marker in translation), source


def test_cli_does_not_load_qt_and_offers_gui():
    code = ("import sys\n"
            "from downloadmanager.cli import build_parser\n"
            "parser = build_parser()\n"
            "args = parser.parse_args(['gui', '/media/cdrom'])\n"
            "print(args.command, args.path)\n"
            "print(any(m.startswith('PySide6') for m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["gui /media/cdrom", "False"]
