"""Command line of Downloadmanager.

Every subcommand lives in its own module with a ``register(subparsers)``
function; this module only assembles them. The CLI drives the same
``downloadmanager.core`` engine as the GUI.

A subcommand's module (and with it pydicom, fpdf, the DICOM network code...)
is imported only when that subcommand runs: ``downloadmanager --help`` and
``--version`` stay as fast as the interpreter's own start. The top-level help
lists every subcommand from :data:`COMMANDS`; a test checks that those texts
are the ones the modules register.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from downloadmanager import __version__

#: Every subcommand in the order of the help: name -> (module, one-line help).
COMMANDS: dict[str, tuple[str, str]] = {
    "scan": ("scan", "list the DICOM studies on a CD, folder or ZIP and report problems"),
    "gui": ("gui", "open the window"),
    "demo": ("demo", "open the window on a demo portal of its own (nothing real is touched)"),
    "login": ("login", "log in to a portal and remember the login (password in the system keyring)"),
    "communities": ("communities", "search the portal's communities (recipients) by name or code"),
    "upload": ("upload", "send the studies on a CD, folder or ZIP to a community and wait for the receipt"),
    "transfers": ("transfers", "list, pause, resume, cancel or retry uploads; run the upload queue"),
    "echo": ("dicomnet", "test a DICOM node (C-ECHO)"),
    "send": ("dicomnet", "send a folder, CD or ZIP to a PACS (C-STORE)"),
    "nodes": ("dicomnet", "list, add or remove saved DICOM nodes (PACS)"),
    "fetch": ("fetch", "download studies with an access code and the patient's birth date"),
    "inbox": ("inbox", "import a community's new studies (hospital side)"),
    "share": ("share", "create an access code for a study you uploaded"),
    "self-test": ("self_test", "check this installation (Qt plugins, translations, TLS, keyring, ...)"),
}


def command_module(name: str):
    """Import and return the module that registers the subcommand NAME.

    Plain import statements, not ``importlib``: a freezer (PyInstaller) finds
    the subcommand modules by reading them.
    """
    match COMMANDS[name][0]:
        case "scan":
            from downloadmanager.cli import scan as module
        case "gui":
            from downloadmanager.cli import gui as module
        case "demo":
            from downloadmanager.cli import demo as module
        case "login":
            from downloadmanager.cli import login as module
        case "communities":
            from downloadmanager.cli import communities as module
        case "upload":
            from downloadmanager.cli import upload as module
        case "transfers":
            from downloadmanager.cli import transfers as module
        case "dicomnet":
            from downloadmanager.cli import dicomnet as module
        case "fetch":
            from downloadmanager.cli import fetch as module
        case "inbox":
            from downloadmanager.cli import inbox as module
        case "share":
            from downloadmanager.cli import share as module
        case "self_test":
            from downloadmanager.cli import self_test as module
    return module


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named in ARGV (the first word that is not an option), if it is a known one."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


class _RegisterOnly:
    """Passes ``add_parser`` through for the wanted names only (a module may register several)."""

    def __init__(self, subparsers: argparse._SubParsersAction, wanted: set[str]) -> None:
        self._subparsers, self._wanted = subparsers, wanted

    def add_parser(self, name: str, **kwargs):
        if name in self._wanted:
            return self._subparsers.add_parser(name, **kwargs)
        return argparse.ArgumentParser(prog=name, add_help=False)  # thrown away


def build_parser(command: str | None = None, *, complete: bool = True) -> argparse.ArgumentParser:
    """Build the top-level parser.

    With COMPLETE (the default) every subcommand is registered by its module.
    Otherwise only COMMAND (may be None) is: the other subcommands get a parser
    with their help line and nothing else, and their modules are not imported.
    """
    parser = argparse.ArgumentParser(
        prog="downloadmanager",
        description=(
            "Move DICOM image studies between practices and hospitals without CDs: "
            "scan a CD, folder or ZIP, upload studies to a community, "
            "download studies by access code."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = set(COMMANDS) if complete else {command} & set(COMMANDS)
    for name, (_module, help_text) in COMMANDS.items():
        if name in wanted:
            command_module(name).register(_RegisterOnly(subparsers, {name}))
        else:
            subparsers.add_parser(name, help=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``downloadmanager`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_chosen_command(argv), complete=False)
    args = parser.parse_args(argv)
    from downloadmanager.core.logging_setup import configure_logging

    # Warnings (everything with -v) on stderr; INFO and up also in the rotating log file.
    configure_logging(verbose=args.verbose)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("Abgebrochen / cancelled", file=sys.stderr)
        return 130
    finally:
        _print_settings_notices()


def console_main() -> int:
    """The ``downloadmanager`` program: :func:`main`, then an exit without teardown.

    See :mod:`downloadmanager.cli.quick_exit`; :func:`main` itself returns
    normally (tests and the window's entry call it).
    """
    from downloadmanager.cli import quick_exit

    return quick_exit.run(main, _chosen_command(sys.argv[1:]))


def _print_settings_notices() -> None:
    """Tell the user once when the settings file was damaged and reset (see ``core.settings``)."""
    from downloadmanager.cli.messages import cli_language
    from downloadmanager.core import settings

    notices = settings.take_notices()
    if not notices:
        return
    lang = cli_language()
    for notice in notices:
        print(notice.text(lang), file=sys.stderr)
