"""``downloadmanager share STUDY_UID --birth-date DATE``: create an access code for an uploaded study.

The portal binds the code to the patient's birth date (never printed, never
stored here) and keeps it valid 4 to 12 weeks (``--weeks``, default 12).
The code is printed once; ``--pdf FILE`` also writes the access-code sheet
with the QR code for the patient. Only studies uploaded by the logged-in
account can be shared. Exit code 0 on success, 1 when the portal refuses,
2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from downloadmanager.cli.login import add_portal_options, portal_from_args
from downloadmanager.core.access_code import AccessCodeError, parse_birth_date
from downloadmanager.core.documents.code_sheet import CodeSheet, SheetStudy, write_code_sheet_pdf
from downloadmanager.core.documents.pdf_base import DocumentError
from downloadmanager.core.documents.receipt import study_from_job
from downloadmanager.core.documents.share import DEFAULT_WEEKS, ShareError, create_access_code
from downloadmanager.cli.messages import cli_language, describe, say
from downloadmanager.core.errors import AppError
from downloadmanager.core.transfers.store import QueueStore


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``share`` subcommand."""
    p = subparsers.add_parser("share", help="create an access code for a study you uploaded",
                              description=__doc__.split("\n\n", 1)[1])
    p.add_argument("study_uids", nargs="+", metavar="STUDY_UID", help="Study Instance UID(s)")
    p.add_argument("--birth-date", required=True, help="patient's birth date, DD.MM.YYYY or YYYY-MM-DD")
    p.add_argument("--weeks", type=int, default=DEFAULT_WEEKS, help="validity in weeks, 4 to 12 (default 12)")
    p.add_argument("--pdf", metavar="FILE", help="also write the access-code sheet (PDF)")
    p.add_argument("--lang", choices=("de", "en"), help="language of the sheet (default: from LANG)")
    p.add_argument("--json", action="store_true", help="print code, expiry and QR payload as JSON")
    add_portal_options(p)
    p.set_defaults(handler=run)


def sheet_studies(study_uids: list[str]) -> list[SheetStudy]:
    """Date and description of the studies, from the upload queue when they are still readable."""
    found: dict[str, SheetStudy] = {}
    try:
        with QueueStore() as store:
            for job in store.list_jobs():
                if job.study_instance_uid in study_uids and job.study_instance_uid not in found:
                    study = study_from_job(store.get_job(job.id))
                    if study.study_date or study.study_description:
                        found[job.study_instance_uid] = SheetStudy(study.study_date,
                                                                   study.study_description)
    except (OSError, AppError):
        return []
    return [found[u] for u in study_uids if u in found]


def run(args: argparse.Namespace) -> int:
    lang = args.lang or cli_language()
    try:
        birth = parse_birth_date(args.birth_date)
    except AccessCodeError as exc:
        print(f"downloadmanager share: {describe(exc, lang)}", file=sys.stderr)
        return 2
    try:
        client = portal_from_args(args)
        created = create_access_code(client, args.study_uids, birth, args.weeks)
    except ShareError as exc:
        print(f"downloadmanager share: {describe(exc, lang)}", file=sys.stderr)
        return 2 if exc.code in ("share_weeks_out_of_range", "share_no_studies") else 1
    except AppError as exc:
        print(f"downloadmanager share: {describe(exc, lang)}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"code": created.code, "expires": created.expires,
                          "qr_payload": created.qr_payload}, indent=2))
    else:
        print(created.code)
        print(say("code_expires", lang, expires=created.expires, payload=created.qr_payload),
              file=sys.stderr)
    if args.pdf:
        try:
            sheet = CodeSheet(created.code, created.expires, created.qr_payload,
                              sheet_studies(list(args.study_uids)))
            write_code_sheet_pdf(sheet, Path(args.pdf), lang)
        except DocumentError as exc:
            print(f"downloadmanager share: {describe(exc, lang)}", file=sys.stderr)
            return 1
    return 0
