"""Command line of Downloadmanager.

Every subcommand lives in its own module with a ``register(subparsers)``
function; this module only assembles them. The CLI drives the same
``downloadmanager.core`` engine as the GUI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from downloadmanager import __version__
from downloadmanager.cli import communities as communities_command
from downloadmanager.cli import demo as demo_command
from downloadmanager.cli import dicomnet as dicomnet_command
from downloadmanager.cli import fetch as fetch_command
from downloadmanager.cli import gui as gui_command
from downloadmanager.cli import inbox as inbox_command
from downloadmanager.cli import login as login_command
from downloadmanager.cli import scan as scan_command
from downloadmanager.cli import self_test as self_test_command
from downloadmanager.cli import share as share_command
from downloadmanager.cli import transfers as transfers_command
from downloadmanager.cli import upload as upload_command
from downloadmanager.core.logging_setup import configure_logging

# Each module contributes one or more subcommands.
COMMAND_MODULES = [scan_command, gui_command, demo_command, login_command, communities_command,
                   upload_command, transfers_command, dicomnet_command, fetch_command,
                   inbox_command, share_command, self_test_command]


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand."""
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
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``downloadmanager`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
