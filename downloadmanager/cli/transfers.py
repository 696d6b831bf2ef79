"""``downloadmanager transfers``: list, inspect and control the upload queue; run it."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from dataclasses import asdict, replace
from pathlib import Path

from downloadmanager.cli.formatting import format_size
from downloadmanager.cli.login import add_portal_options, portal_from_args
from downloadmanager.core.credentials import CredentialStore, normalise_server
from downloadmanager.cli.messages import cli_language, describe, describe_stored, say, state_word
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.transfers import controls
from downloadmanager.core.errors import AppError, InputError, render
from downloadmanager.core.transfers.model import RUNNABLE, Job, JobState
from downloadmanager.core.transfers.runner import QueueRunner
from downloadmanager.core.transfers.settings import (
    TransferSettings,
    load_transfer_settings,
    save_transfer_settings,
)
from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.core.transfers.throttle import parse_rate


def job_line(job: Job) -> str:
    """One line describing a job."""
    count = job.instance_count if job.instance_count is not None else \
        sum(1 for i in job.items if i.kind == "dicom")
    percent = f"{100 * job.bytes_done / job.bytes_total:3.0f}%" if job.bytes_total else "  -"
    line = say("job_line", id=job.id, state=state_word(job.state.value), percent=percent,
               community=job.community, count=count, size=format_size(job.bytes_total),
               study=job.study_instance_uid[-12:])
    if job.error:
        line += f"\n      {describe_stored(job.error, job=job.id)}"
    return line


def receipt_text(job: Job) -> str:
    """The receipt of a job as readable lines."""
    receipt = job.receipt
    if not receipt:
        return say("no_receipt")
    totals = receipt.get("totals", {})
    lines = [say("receipt_summary", upload=receipt.get("upload_id", "?"),
                 state=receipt.get("state"), accepted=totals.get("accepted", 0),
                 present=totals.get("already_present", 0), rejected=totals.get("rejected", 0),
                 expected=totals.get("expected", "?"), at=receipt.get("received_at", "?"),
                 community=receipt.get("community", "?"))]
    if receipt.get("reason"):
        lines.append("  " + say("receipt_reason", reason=receipt["reason"]))
    for entry in list(receipt.get("instances") or []) + list(receipt.get("documents") or []):
        if entry.get("status") not in ("accepted", "already_present"):
            lines.append(f"  {entry.get('name')}: {entry.get('status')} ({entry.get('reason')})")
    return "\n".join(lines)


def print_json(document) -> None:
    """Write DOCUMENT as UTF-8 JSON to stdout."""
    sys.stdout.buffer.write((json.dumps(document, ensure_ascii=False, indent=2) + "\n")
                            .encode("utf-8"))
    sys.stdout.flush()


def make_runner(store: QueueStore, settings: TransferSettings,
                portal: PortalClient | None = None, verbose: bool = True) -> QueueRunner:
    """A queue runner whose jobs log in with PORTAL (if it matches) or the stored logins.

    ``runner.outcomes`` maps each job it worked on to the state it ended in.
    """
    credentials = portal.credentials if portal is not None else CredentialStore()

    def portal_for(server: str, account: str) -> PortalClient:
        if portal is not None and portal.server == normalise_server(server) \
                and portal.email == account:
            return portal
        return PortalClient(server, account, credentials=credentials)

    def changed(job_id: int, state: JobState) -> None:
        runner.outcomes[job_id] = state
        if verbose:
            print(say("job_state", id=job_id, state=state_word(state.value)), file=sys.stderr)

    def staged(job_id: int) -> None:
        job = store.get_job(job_id, with_items=False)
        code = "upload_medium_free" if job.use_staging else "upload_files_read"
        print(render(code, {"job": job_id}, cli_language()), file=sys.stderr, flush=True)

    runner = QueueRunner(store, portal_for, settings=settings, on_change=changed,
                         on_staged=staged if verbose else None)
    runner.outcomes = {}  # job id -> state it ended in during this run
    return runner


class ProgressPrinter:
    """Prints the progress of running jobs to stderr every few seconds (terminals only)."""

    def __init__(self, store: QueueStore, job_ids: list[int] | None, interval: float = 2.0):
        self.store, self.job_ids, self.interval = store, job_ids, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "ProgressPrinter":
        if sys.stderr.isatty():
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            for job in self.store.list_jobs(RUNNABLE):
                if self.job_ids is None or job.id in self.job_ids:
                    print(f"\r{job_line(job).splitlines()[0]}", file=sys.stderr)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``transfers`` subcommand and its actions."""
    parser = subparsers.add_parser(
        "transfers",
        help="list, pause, resume, cancel or retry uploads; run the upload queue",
        description=(
            "The upload queue survives restarts. Without an action the queue is listed. "
            "'run' works through it until nothing is left (this is what the program does "
            "when it starts), so uploads interrupted by a crash or a reboot finish. "
            "Pause and cancel also work while 'run' is busy in another window."),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="show every transfer and its state",
                                 description="Show every transfer: id, state, progress, "
                                             "recipient, images, size and the last error.")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    show = actions.add_parser("show", help="show one transfer with its receipt",
                              description="Show one transfer and the portal's receipt "
                                          "(which images were accepted, and why not).")
    show.add_argument("id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="print the job (with receipt) as JSON")
    for name, text in (("pause", "pause a queued or running transfer (after the current chunk)"),
                       ("resume", "continue a paused transfer"),
                       ("cancel", "cancel a transfer and delete what the portal received"),
                       ("retry", "queue a failed or cancelled transfer again")):
        action = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        action.add_argument("id", type=int, metavar="ID")
        action.add_argument("--json", action="store_true", help="print the job as JSON")
        if name == "cancel":
            add_portal_options(action)
    runner = actions.add_parser(
        "run", help="upload everything in the queue, then exit",
        description="Work through the queue until it is empty (paused jobs stay). Options "
                    "override the saved settings for this run only. Exit code 0 when every "
                    "transfer ended done, 1 if any failed.")
    _add_setting_options(runner)
    add_portal_options(runner)
    receipt = actions.add_parser(
        "receipt", help="write the transfer receipt (PDF) of one or more transfers",
        description="Write the transfer receipt ('Übertragungsprotokoll') of finished "
                    "transfers to the same community as a PDF: sender, recipient, studies, "
                    "images verified by the portal, totals, upload ids.")
    receipt.add_argument("ids", type=int, nargs="+", metavar="ID")
    receipt.add_argument("--pdf", required=True, metavar="FILE", help="the PDF file to write")
    receipt.add_argument("--lang", choices=("de", "en"),
                         help="language of the document (default: from LANG)")
    receipt.add_argument("--offline", action="store_true",
                         help="do not ask the portal for the community's name")
    setting = actions.add_parser(
        "settings", help="show or change the upload settings",
        description="Show the upload settings, or change and save them.")
    _add_setting_options(setting)
    setting.add_argument("--staging", dest="staging", action="store_true", default=None,
                         help="copy studies from CDs, USB media and network drives to the "
                              "local staging area while they are sent; folders on this "
                              "computer's disks are read in place (the default)")
    setting.add_argument("--no-staging", dest="staging", action="store_false",
                         help="never copy: read every medium in place (ZIP files are always "
                              "copied)")
    parser.set_defaults(handler=run, action=None, json=False)


def _add_setting_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bandwidth-limit", metavar="RATE",
                        help="limit for all uploads together, e.g. 10M (bytes/s), 80mbit, 0 = none")
    parser.add_argument("--window", metavar="HH:MM-HH:MM",
                        help="upload only in this daily window, e.g. 19:00-07:00 ('' = any time)")
    parser.add_argument("--max-concurrent", type=int, metavar="N",
                        help="how many studies upload at the same time")
    parser.add_argument("--chunk-size", metavar="SIZE",
                        help="bytes of the first (and smallest) request, e.g. 8M")
    parser.add_argument("--max-chunk-size", metavar="SIZE",
                        help="requests grow up to this on fast links (about 2 s each), e.g. 256M; "
                             "equal to --chunk-size for fixed chunks")


def parse_size(text: str) -> int:
    """A size such as ``8M`` or ``256MiB`` in bytes (K/M/G are powers of 1024 here)."""
    value = text.strip().lower().removesuffix("b").removesuffix("i")
    factor = {"k": 1024, "m": 1024**2, "g": 1024**3}.get(value[-1:], 1)
    number = value[:-1] if factor != 1 else value
    try:
        return int(float(number) * factor)
    except ValueError:
        raise InputError("size_invalid", text=text) from None


def settings_from_args(args: argparse.Namespace, base: TransferSettings) -> TransferSettings:
    """BASE with the command-line overrides applied (validated)."""
    changes: dict = {}
    if args.bandwidth_limit is not None:
        changes["bandwidth_limit"] = parse_rate(args.bandwidth_limit) or 0
    if args.window is not None:
        changes["time_window"] = args.window.strip()
    if args.max_concurrent is not None:
        changes["max_concurrent_jobs"] = args.max_concurrent
    if args.chunk_size is not None:
        changes["chunk_size"] = parse_size(args.chunk_size)
    if args.max_chunk_size is not None:
        changes["max_chunk_size"] = parse_size(args.max_chunk_size)
    if getattr(args, "staging", None) is not None:
        changes["staging"] = args.staging
    settings = replace(base, **changes)
    settings.validate()
    return settings


def run(args: argparse.Namespace) -> int:
    """Dispatch the transfers action; return the exit code."""
    try:
        with QueueStore() as store:
            return _dispatch(args, store)
    # DocumentError (a receipt PDF that could not be written) is an AppError.
    except (AppError, ValueError) as exc:
        print(f"downloadmanager transfers: {describe(exc)}", file=sys.stderr)
        return 2


def _write_receipt(args: argparse.Namespace, store: QueueStore) -> int:
    """``transfers receipt ID... --pdf FILE``: exit 0 when every study was verified, else 1."""
    # Imported here: fpdf and pydicom cost ~0.4 s that every other transfers
    # command (and ``upload``, which imports this module) would pay at start.
    from downloadmanager.core.documents.receipt import save_receipt_for_jobs, study_from_job

    jobs = [store.get_job(job_id) for job_id in args.ids]
    lang = args.lang or cli_language()
    path = save_receipt_for_jobs(jobs, Path(args.pdf), lang, look_up_name=not args.offline)
    unverified = [j.id for j in jobs if not study_from_job(j).verified]
    print(say("receipt_written", path=path))
    if unverified:
        print(say("receipt_unverified", ids=", ".join(map(str, unverified))),
              file=sys.stderr)
        return 1
    return 0


def _dispatch(args: argparse.Namespace, store: QueueStore) -> int:
    action = args.action or "list"
    if action == "list":
        jobs = store.list_jobs()
        if args.json:
            print_json([j.to_json() for j in jobs])
        elif not jobs:
            print(say("queue_empty"))
        else:
            print("\n".join(job_line(j) for j in jobs))
        return 0
    if action == "settings":
        settings = load_transfer_settings()
        if any(v is not None for v in (args.bandwidth_limit, args.window, args.max_concurrent,
                                       args.chunk_size, args.max_chunk_size, args.staging)):
            settings = settings_from_args(args, settings)
            save_transfer_settings(settings)
        for key, value in asdict(settings).items():
            print(f"{key}: {value}")
        return 0
    if action == "receipt":
        return _write_receipt(args, store)
    if action == "run":
        settings = settings_from_args(args, load_transfer_settings())
        portal = portal_from_args(args) if (args.server or args.password_stdin) else None
        runner = make_runner(store, settings, portal)
        with ProgressPrinter(store, None):
            runner.run()
        failed = [store.get_job(job_id, with_items=False)
                  for job_id, state in runner.outcomes.items() if state is JobState.FAILED]
        for job in failed:
            print(job_line(job), file=sys.stderr)
        return 1 if failed else 0
    if action == "pause":
        controls.pause(store, args.id)
    elif action == "resume":
        controls.resume(store, args.id)
    elif action == "retry":
        controls.retry(store, args.id)
    elif action == "cancel":
        try:
            portal = portal_from_args(args)
        except AppError as exc:
            print(say("cancel_portal_unreachable", reason=describe(exc)), file=sys.stderr)
            portal = None
        controls.cancel(store, args.id, portal)
    job = store.get_job(args.id)
    if args.json:
        print_json(job.to_json())
    else:
        print(job_line(job))
        if action == "show":
            print(receipt_text(job))
    return 0
