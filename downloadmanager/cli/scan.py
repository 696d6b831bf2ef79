"""``downloadmanager scan PATH [--json] [--quick]``: what is on a CD, folder or ZIP."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from downloadmanager.core.scan import ScanError, ScanResult, scan
from downloadmanager.core.scan.jsondoc import result_document
from downloadmanager.cli.formatting import format_date, format_size, format_time

# Problems of this kind are typically many (a viewer program on the CD): the
# table lists a few, the JSON document all of them.
_NOT_DICOM_SHOWN = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``scan`` subcommand."""
    parser = subparsers.add_parser(
        "scan",
        help="list the DICOM studies on a CD, folder or ZIP and report problems",
        description=(
            "Scan a CD, folder, single file or ZIP archive for DICOM images: reads the "
            "DICOMDIR(s) and every file's header (never the pixel data), prints "
            "patients, studies and series, then every problem found. Exit code 0 "
            "when the scan ran (even with problems), 1 when PATH cannot be scanned."
        ),
    )
    parser.add_argument("path", metavar="PATH", help="folder, CD mount point, single file or .zip archive")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON document (see docs/cli.md)")
    parser.add_argument("--quick", action="store_true",
                        help="list from the DICOMDIR alone (files checked to exist, not opened)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the scan and print the result; return the exit code."""
    try:
        result = scan(args.path, quick=args.quick)
    except ScanError as exc:
        from downloadmanager.cli.messages import describe

        print(f"downloadmanager scan: {describe(exc)}", file=sys.stderr)
        return 1
    if args.json:
        text = json.dumps(result_document(result), ensure_ascii=False, indent=2) + "\n"
        sys.stdout.buffer.write(text.encode("utf-8"))  # JSON is UTF-8 whatever the console says
        sys.stdout.flush()
    else:
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(errors="replace")
        sys.stdout.write(format_table(result))
    return 0


def format_table(result: ScanResult) -> str:
    """The human-readable report: patients, studies and series, then problems."""
    from downloadmanager.cli.messages import say

    studies = result.studies()
    series_count = sum(len(s.series) for s in studies)
    images = sum(s.instance_count for s in studies)
    size = sum(s.bytes for s in studies)
    lines = [
        say("scan_header", root=result.root, mode=result.mode, files=result.files_examined),
        say("scan_totals", patients=len(result.patients), studies=len(studies),
            series=series_count, images=images, size=format_size(size)),
        "",
    ]
    for patient in result.patients:
        lines.append(f"Patient {patient.patient_name or '(no name)'}  ID {patient.patient_id or '-'}  "
                     f"born {format_date(patient.birth_date) or '-'}  sex {patient.sex or '-'}")
        for study in patient.studies.values():
            when = " ".join(x for x in (format_date(study.study_date), format_time(study.study_time)) if x)
            lines.append(
                f"  Study {when or '(no date)'}  {study.study_description or '(no description)'}  "
                f"[{', '.join(study.modalities) or '-'}]  accession {study.accession_number or '-'}  "
                f"{study.instance_count} image(s)  {format_size(study.bytes)}")
            rows = [_series_row(series) for series in study.series.values()]
            lines.extend(_aligned(rows, indent="    "))
        lines.append("")
    lines.extend(_problem_lines(result))
    return "\n".join(lines) + "\n"


def _series_row(series: Any) -> list[str]:
    number = str(series.series_number) if series.series_number is not None else "-"
    return [f"Series {number}", series.modality or "-", series.series_description or "(no description)",
            f"{series.instance_count} image(s)", format_size(series.bytes)]


def _aligned(rows: list[list[str]], indent: str) -> list[str]:
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def _problem_lines(result: ScanResult) -> list[str]:
    if not result.problems:
        return ["No problems found."]
    lines = [f"Problems ({len(result.problems)}):"]
    not_dicom = [p for p in result.problems if p.kind.value == "not_dicom"]
    others = [p for p in result.problems if p.kind.value != "not_dicom"]
    rows = [[p.kind.value, p.path, p.detail] for p in others + not_dicom[:_NOT_DICOM_SHOWN]]
    lines.extend(_aligned(rows, indent="  "))
    if len(not_dicom) > _NOT_DICOM_SHOWN:
        lines.append(f"  ... and {len(not_dicom) - _NOT_DICOM_SHOWN} more files that are not DICOM "
                     f"(use --json to list them all)")
    return lines
