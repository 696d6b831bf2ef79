"""``downloadmanager gui``: open the window.

Qt is imported only when the command runs, so the rest of the command line
works (and starts fast) on machines without a display or without PySide6.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``gui`` subcommand."""
    parser = subparsers.add_parser(
        "gui", help="open the window",
        description="Open the Downloadmanager window (German or English, as the system).")
    parser.add_argument("path", nargs="?", type=Path,
                        help="a CD, folder or ZIP to read right away")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the window and return its exit code."""
    from downloadmanager.gui.app import run_gui

    return run_gui(scan_path=args.path)
