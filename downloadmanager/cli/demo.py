"""``downloadmanager demo``: the window on a demo portal of its own, ready to try.

Starts the real portal in this process (127.0.0.1, free port, temporary data
unless ``--data DIR``), fills it with demo data, logs the window in and
explains what to try. Everything happens in a demo folder: the user's real
transfer queue, settings and keyring are never touched (secrets stay in
memory). Qt and the portal are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from downloadmanager.core.paths import HOME_ENV


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo", help="open the window on a demo portal of its own (nothing real is touched)",
        description=(
            "Start a demo portal in this process (on 127.0.0.1) with a demo community "
            "(Radiologie Klinikum Saarbrücken, code bM1X), a demo practice account and one "
            "shared study with an access code; open the window logged in to it, with a demo "
            "CD already read. Uses a temporary DOWNLOADMANAGER_HOME unless one is set, and "
            "keeps passwords in memory only."),
    )
    parser.add_argument("--data", type=Path, metavar="DIR",
                        help="keep the demo portal's data in DIR (default: a temporary folder)")
    parser.set_defaults(handler=run)


def demo_home() -> tuple[Path, bool]:
    """The demo's DOWNLOADMANAGER_HOME and whether it is a temporary one made here."""
    current = os.environ.get(HOME_ENV, "").strip()
    if current:
        return Path(current).expanduser(), False
    home = Path(tempfile.mkdtemp(prefix="downloadmanager-demo-"))
    os.environ[HOME_ENV] = str(home)
    return home, True


def run(args: argparse.Namespace) -> int:
    """Set the demo up, show the window until it is closed; return the exit code."""
    from downloadmanager.cli.demo_setup import DemoError, install_demo_keyring, prepare_demo

    home, temporary = demo_home()
    install_demo_keyring()
    from downloadmanager.cli.messages import say

    print(say("demo_starting"), file=sys.stderr)
    try:
        environment = prepare_demo(home, args.data)
    except DemoError as exc:
        print(f"downloadmanager demo: {exc}", file=sys.stderr)
        return 2
    print(say("demo_portal", url=environment.url, email=environment.email,
              password=environment.password), file=sys.stderr)
    try:
        from downloadmanager.gui.demo_window import run_demo_window

        return run_demo_window(environment)
    finally:
        environment.close()
        if temporary:
            shutil.rmtree(home, ignore_errors=True)
