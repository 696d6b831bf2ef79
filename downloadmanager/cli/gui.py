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
    parser.add_argument("path", nargs="?",
                        help="a CD, folder or ZIP to read right away, or a "
                             "downloadmanager://HOST/c/CODE link to receive a study")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the window and return its exit code."""
    from downloadmanager.core.access_code import is_app_link
    from downloadmanager.gui.app import run_gui

    if args.path and is_app_link(args.path):
        return run_gui(link=args.path)
    return run_gui(scan_path=Path(args.path) if args.path else None)
