"""The command line starts fast: ``--help`` imports no subcommand's heavy modules, and help stays complete."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


_QUICK_EXIT_SCRIPT = '''
import atexit, logging, sys
from downloadmanager.cli import quick_exit

class Loud:
    def __del__(self):
        sys.stdout.write("torn down\\n")
        sys.stdout.flush()

keep = Loud()

def main(argv):
    logging.basicConfig(filename=sys.argv[2], level=logging.INFO)
    logging.getLogger("t").info("logged")
    atexit.register(lambda: sys.stdout.write("later handler ran\\n"))
    sys.stdout.write("output\\n")  # buffered: stdout is a pipe
    return 3

sys.exit(quick_exit.run(main, sys.argv[1]))
'''


@pytest.mark.parametrize("command, torn_down", [("upload", False), ("gui", True)])
def test_a_command_ends_without_teardown_but_with_its_output_log_and_exit_code(
        tmp_path, command, torn_down):
    """Commands end with os._exit after the atexit handlers (no interpreter teardown);
    the window's commands end the usual way."""
    log = tmp_path / "log.txt"
    result = subprocess.run([sys.executable, "-c", _QUICK_EXIT_SCRIPT, command, str(log)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 3, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["output", "later handler ran"]
    assert ("torn down" in lines) is torn_down
    assert "logged" in log.read_text()


def test_the_program_passes_on_the_exit_code(tmp_path):
    env = {**os.environ, "DOWNLOADMANAGER_HOME": str(tmp_path / "home")}
    listing = subprocess.run([sys.executable, "-m", "downloadmanager", "transfers", "list",
                              "--json"], capture_output=True, text=True, cwd=ROOT, env=env,
                             timeout=60)
    assert listing.returncode == 0 and listing.stdout.strip() == "[]", listing.stderr
    missing = subprocess.run([sys.executable, "-m", "downloadmanager", "upload",
                              str(tmp_path / "nothing-here"), "--community", "bM1X"],
                             capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    # No login stored: exit code 2 and the message (written before the quick exit).
    assert missing.returncode == 2 and "downloadmanager login" in missing.stderr, missing.stderr
