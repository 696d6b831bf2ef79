"""``downloadmanager inbox --community CODE --to DIR [--send-to NODE] [--watch]``: import a community's new studies.

Uses the login of ``downloadmanager login`` (or ``--server/--email/--password-stdin``).
Every new study is downloaded (verified), optionally sent to the PACS, and
marked imported on the portal only when all of that worked. ``--watch`` keeps
polling every ``--interval`` seconds until interrupted. Exit code 0 when
every study of the (last) poll was imported, 1 otherwise, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading

from downloadmanager.cli.messages import cli_language, describe
from downloadmanager.cli.dicomnet import add_reconcile_arguments, reconciliation_from_args
from downloadmanager.cli.login import add_portal_options, portal_from_args
from downloadmanager.core.dicomnet import resolve_node
from downloadmanager.core.errors import AppError
from downloadmanager.core.download.publish import OutputOptions
from downloadmanager.core.inbox import InboxImporter, InboxOutcome


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``inbox`` subcommand."""
    p = subparsers.add_parser("inbox", help="import a community's new studies (hospital side)",
                              description=__doc__.split("\n\n", 1)[1])
    p.add_argument("--community", required=True, metavar="CODE", help="community code, e.g. bM1X")
    p.add_argument("--to", required=True, metavar="DIR", help="folder to write the studies to")
    p.add_argument("--send-to", metavar="AET@HOST:PORT", help="forward every study to this PACS")
    p.add_argument("--calling-aet", help="our AE title for --send-to")
    p.add_argument("--dicomdir", action="store_true", help="write media with DICOMDIR instead of folders")
    p.add_argument("--zip", action="store_true", help="write one ZIP per study")
    p.add_argument("--watch", action="store_true", help="keep polling until interrupted")
    p.add_argument("--interval", type=float, default=60.0, help="seconds between polls (default 60)")
    p.add_argument("--json", action="store_true", help="one JSON line per imported study")
    add_portal_options(p)
    add_reconcile_arguments(p)
    p.set_defaults(handler=run)


def _print(outcome: InboxOutcome, as_json: bool) -> None:
    if as_json:
        print(json.dumps({
            "study_instance_uid": outcome.study_instance_uid, "imported": outcome.imported,
            "error": outcome.error.message("en") if outcome.error else None,
            "error_code": outcome.error.as_dict() if outcome.error else None,
            "outputs": [str(p) for p in outcome.result.outputs] if outcome.result else [],
            "instances": outcome.result.instance_count if outcome.result else 0,
            "send": outcome.result.send_report.as_json()
            if outcome.result and outcome.result.send_report else None,
        }), flush=True)
    else:
        state = "imported" if outcome.imported else f"NOT imported: {describe(outcome.error)}"
        print(f"{outcome.study_instance_uid}: {state}", flush=True)


def run(args: argparse.Namespace) -> int:
    lang = cli_language()
    node = None
    try:
        if args.send_to:
            node = resolve_node(args.send_to, args.calling_aet)
        client = portal_from_args(args)
    except AppError as exc:
        print(f"downloadmanager inbox: {describe(exc, lang)}", file=sys.stderr)
        return 2
    importer = InboxImporter(
        client.server, lambda: client.headers()["Authorization"].split(" ", 1)[1], args.community, args.to,
        output=OutputOptions(layout="media" if args.dicomdir else "folder", zip=args.zip),
        send_to=node, reconcile=reconciliation_from_args(args, source=f"community {args.community}"))
    if args.watch:
        stop = threading.Event()
        try:
            importer.watch(args.interval, stop, on_outcome=lambda o: _print(o, args.json),
                           on_error=lambda e: print(f"downloadmanager inbox: {describe(e, lang)}", file=sys.stderr))
        except KeyboardInterrupt:
            stop.set()
        return 0
    try:
        report = importer.poll_once(lambda o: _print(o, args.json))
    except AppError as exc:
        print(f"downloadmanager inbox: {describe(exc, lang)}", file=sys.stderr)
        return 1
    return 0 if report.ok else 1

