"""``downloadmanager self-test``: does this installation have everything it needs?

Exit code 0 only when every check passes. ``--json`` prints
``{"ok": bool, "checks": [{"name", "ok", "detail"}]}``. The checks' modules
are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``self-test`` subcommand."""
    parser = subparsers.add_parser(
        "self-test", help="check this installation (Qt plugins, translations, TLS, keyring, ...)",
        description=(
            "Check this installation: Qt platform and image plugins, translations, TLS "
            "verification with the bundled CA file, a password store (keyring), PDF fonts, "
            "QR write/read, DICOM decoders, write access to the data folders. Exit code 0 "
            "only when every check passes. / Prüft diese Installation; Exit-Code 0 nur, "
            "wenn alle Prüfungen bestehen."))
    parser.add_argument("--json", action="store_true",
                        help='print {"ok": bool, "checks": [{"name", "ok", "detail"}]}')
    parser.add_argument("--lang", choices=("de", "en"), help="language of the details (default: from LANG)")
    # Internal: the Qt checks, run by the self-test in a child process.
    parser.add_argument("--qt-probe", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the checks, print them, return 0 when all passed."""
    if args.qt_probe:  # only through ``python -m downloadmanager`` (see __main__.py)
        print("--qt-probe: run as 'python -m downloadmanager self-test --qt-probe'",
              file=sys.stderr)
        return 2
    from downloadmanager.cli.messages import cli_language, say
    from downloadmanager.core.selftest import report_json, run_self_test, title

    lang = args.lang or cli_language()
    results = run_self_test()
    report = report_json(results, lang)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for result in results:
            mark = "OK    " if result.ok else say("self_test_failed_mark", lang)
            print(f"{mark}  {title(result.name, lang)}: {result.detail(lang)}")
        if report["ok"]:
            print(say("self_test_passed", lang))
        else:
            print(say("self_test_failed", lang, count=sum(not r.ok for r in results)))
    return 0 if report["ok"] else 1
