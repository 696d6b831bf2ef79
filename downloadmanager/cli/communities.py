"""``downloadmanager communities QUERY``: find recipients by name or code."""

from __future__ import annotations

import argparse
import json
import sys

from downloadmanager.cli.messages import describe, say
from downloadmanager.core.errors import AppError
from downloadmanager.cli.login import add_portal_options, portal_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``communities`` subcommand."""
    parser = subparsers.add_parser(
        "communities",
        help="search the portal's communities (recipients) by name or code",
        description=(
            "Search the communities you can send studies to, by part of their name "
            "(ignoring case and accents) or by their exact 4-character code. Prints name "
            "and code. Exit code 0 with matches, 1 without, 2 on login or network errors."),
    )
    parser.add_argument("query", metavar="QUERY", help="part of the name, or the exact code")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON list of {\"name\", \"code\"}")
    add_portal_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Search and print; return the exit code."""
    try:
        portal = portal_from_args(args)
        found = portal.search_communities(args.query)
    except AppError as exc:
        print(f"downloadmanager communities: {describe(exc)}", file=sys.stderr)
        return 2
    if args.json:
        sys.stdout.buffer.write((json.dumps(found, ensure_ascii=False, indent=2) + "\n")
                                .encode("utf-8"))
        sys.stdout.flush()
    elif found:
        width = max(len(c["name"]) for c in found)
        for community in found:
            print(f"{community['name']:<{width}}  {community['code']}")
    else:
        print(say("no_community_matches", query=args.query), file=sys.stderr)
    return 0 if found else 1
