"""The command line starts fast: ``--help`` imports no subcommand's heavy modules, and help stays complete."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from downloadmanager.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pydicom", "fpdf", "PySide6", "numpy", "pynetdicom", "keyring", "requests")


def _modules_after(argv: list[str]) -> set[str]:
    code = ("import sys\n"
            "from downloadmanager.cli import main\n"
            "try:\n"
            f"    main({argv!r})\n"
            "except SystemExit:\n"
            "    pass\n"
            "print('MODULES', ' '.join(sorted(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("MODULES "))
    return {name.split(".")[0] for name in line.split()[1:]}


def test_help_and_version_import_no_heavy_module():
    for argv in (["--help"], ["--version"]):
        loaded = _modules_after(argv)
        assert not loaded & set(HEAVY), (argv, loaded & set(HEAVY))


def test_scan_of_an_empty_folder_does_not_load_pydicom(tmp_path, monkeypatch):
    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(tmp_path / "home"))
    empty = tmp_path / "empty"
    empty.mkdir()
    loaded = _modules_after(["scan", str(empty)])
    assert not loaded & {"pydicom", "fpdf", "PySide6", "pynetdicom"}


def test_scan_of_ordinary_files_does_not_load_pydicom(tmp_path, monkeypatch):
    """The fast header reader decodes common character sets itself: an upload's start
    does not pay a third of a second for pydicom (a DICOMDIR or an odd file still may)."""
    from tests.dicom_factory import StudySpec, write_study

    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(tmp_path / "home"))
    write_study(tmp_path / "cd", StudySpec(patient_name="Müller^Jürgen", charset="ISO_IR 100"),
                series=2, per_series=2)
    write_study(tmp_path / "cd", StudySpec(patient_name="Weiß^Anna", charset="ISO_IR 192"),
                series=1, per_series=2)
    loaded = _modules_after(["scan", str(tmp_path / "cd")])
    assert not loaded & {"pydicom", "numpy", "fpdf", "PySide6"}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in action._choices_actions}
    return {name: (helps[name], sub) for name, sub in action.choices.items()}


def test_top_level_help_lists_what_the_modules_register():
    full = _subcommands(build_parser())
    assert list(full) == list(COMMANDS)
    for name, (help_text, _sub) in full.items():
        assert help_text == COMMANDS[name][1], name
    lazy = build_parser(None, complete=False)
    assert lazy.format_help() == build_parser().format_help()


def test_each_command_gets_its_full_parser_when_chosen():
    full = _subcommands(build_parser())
    for name in COMMANDS:
        lazy = _subcommands(build_parser(name, complete=False))
        assert lazy[name][1].format_help() == full[name][1].format_help(), name
