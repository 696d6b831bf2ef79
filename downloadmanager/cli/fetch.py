"""``downloadmanager fetch CODE --birth-date DATE --to DIR``: download studies by access code.

CODE is the 12-character code (any case, dashes optional), the QR code's URL
(``https://portal/c/K7PX92QDM4H3``, which also names the portal) or a photo
of the QR code (PNG/JPEG). Exit code 0 only when every instance was verified
and, with ``--send-to``, stored by the PACS; 1 otherwise; 2 for bad input.
Messages are German when LANG starts with ``de``, else English.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

from downloadmanager.cli.messages import cli_language, describe, say
from downloadmanager.cli.formatting import format_date, format_size
from downloadmanager.cli.dicomnet import add_reconcile_arguments, print_send_report, reconciliation_from_args
from downloadmanager.core.access_code import AccessCodeError, parse_birth_date, parse_code_input
from downloadmanager.core.dicomnet import DicomNetError, resolve_node
from downloadmanager.core.download.job import DownloadJob, redeem_and_list
from downloadmanager.core.errors import AppError
from downloadmanager.core.download.publish import OutputOptions
from downloadmanager.core.settings import load_settings

def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` subcommand."""
    p = subparsers.add_parser(
        "fetch", help="download studies with an access code and the patient's birth date",
        description=__doc__.split("\n\n", 1)[1])
    p.add_argument("code", metavar="CODE", help="access code, QR URL or QR image file")
    p.add_argument("--birth-date", required=True, help="patient's birth date, DD.MM.YYYY or YYYY-MM-DD")
    p.add_argument("--to", metavar="DIR", help="target folder (default: the storage folder from the settings)")
    p.add_argument("--server", metavar="URL", help="portal address (default: from the QR URL or the settings)")
    p.add_argument("--dicomdir", action="store_true",
                   help="write a viewer-ready medium: DICOMDIR + ISO 9660 names (DICOM/PAT00001/...)")
    p.add_argument("--zip", action="store_true", help="write one ZIP file instead of a folder")
    p.add_argument("--deflate", action="store_true", help="compress the ZIP (default: stored, faster)")
    p.add_argument("--study", action="append", metavar="UID", help="only this study (repeatable)")
    p.add_argument("--list", action="store_true", help="only list the studies, download nothing")
    p.add_argument("--send-to", metavar="AET@HOST:PORT", help="also send the studies to this PACS")
    p.add_argument("--calling-aet", help="our AE title for --send-to")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_reconcile_arguments(p)
    p.set_defaults(handler=run)


class _Progress:
    """Prints a progress line to stderr at most every half second."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet or not sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if self.quiet or (now - self.last < 0.5 and done < total):
            return
        self.last = now
        pct = f"{100 * done / total:5.1f}%" if total else ""
        print(f"\r{phase}: {pct} ", end="", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    lang = cli_language()
    try:
        code = parse_code_input(args.code)
        birth = parse_birth_date(args.birth_date)
    except AccessCodeError as exc:
        print(f"downloadmanager fetch: {describe(exc, lang)}", file=sys.stderr)
        return 2
    settings = load_settings()
    server = args.server or code.portal_url or settings.portal_url
    target = args.to or settings.storage_folder
    if not server:
        print(f"downloadmanager fetch: {describe(AppError('no_portal_for_code'), lang)}",
              file=sys.stderr)
        return 2
    node = None
    if args.send_to:
        try:
            node = resolve_node(args.send_to, args.calling_aet)
        except DicomNetError as exc:
            print(f"downloadmanager fetch: {describe(exc, lang)}", file=sys.stderr)
            return 2
    try:
        session = redeem_and_list(server, code, birth.isoformat())
    except AppError as exc:
        print(f"downloadmanager fetch: {describe(exc, lang)}", file=sys.stderr)
        return 1
    listing = [vars_of(s) for s in session.studies]
    if not args.json:
        print(say("fetch_listing", lang, date=session.code_expires[:10]))
        for s in session.studies:
            print(say("fetch_study_line", lang, patient=s.patient_name,
                      date=format_date(s.study_date), description=s.study_description,
                      modalities="/".join(s.modalities), series=s.series_count,
                      images=s.instance_count, size=format_size(s.bytes),
                      uid=s.study_instance_uid))
    wanted = [s.study_instance_uid for s in session.studies]
    if args.study:
        unknown = [u for u in args.study if u not in wanted]
        if unknown:
            error = AppError("study_not_behind_code", study=unknown[0])
            print(f"downloadmanager fetch: {describe(error, lang)}", file=sys.stderr)
            return 2
        wanted = args.study
    if args.list:
        if args.json:
            print(json.dumps({"code_expires": session.code_expires, "studies": listing}, indent=2))
        return 0
    if not target:
        print(f"downloadmanager fetch: {describe(AppError('no_target_folder'), lang)}",
              file=sys.stderr)
        return 2
    output = OutputOptions(layout="media" if args.dicomdir else "folder", zip=args.zip,
                           zip_compression="deflate" if args.deflate else "stored")
    job = DownloadJob(session.source, wanted, target, session.key, output=output, send_to=node,
                      reconcile=reconciliation_from_args(args, source=server[:64]),
                      progress=_Progress(args.json), cancel=threading.Event())
    try:
        result = job.run()
    except AppError as exc:
        print(f"\ndownloadmanager fetch: {describe(exc, lang)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({
            "code_expires": session.code_expires, "studies": listing,
            "outputs": [str(p) for p in result.outputs], "instances": result.instance_count,
            "bytes": result.bytes, "ok": result.ok,
            "send": result.send_report.as_json() if result.send_report else None,
        }, indent=2))
    else:
        print(f"\n{say('fetch_saved', lang, n=result.instance_count)}")
        for path in result.outputs:
            print(f"  {path}")
        if result.send_report is not None:
            print_send_report(result.send_report, False)
    return 0 if result.ok else 1


def vars_of(listing) -> dict:
    """A StudyListing as a JSON-ready dict."""
    return {name: getattr(listing, name) for name in listing.__slots__}
