"""``downloadmanager echo|send|nodes``: test a PACS, send a folder to it, keep a list of PACS.

* ``echo AET@HOST:PORT [--calling-aet AET]`` - C-ECHO; exit 0 when it answers Success.
* ``send PATH --to AET@HOST:PORT [--calling-aet AET] [--json] [--again]`` - scan
  PATH (folder, CD, ZIP) and C-STORE every instance the PACS has not stored
  yet (see :mod:`downloadmanager.core.dicomnet.journal`); exit codes in
  :data:`SEND_EXIT_CODES`. ``--patient-id/--issuer/--patient-name`` replace
  the patient identity first (import reconciliation, originals kept in the
  Original Attributes Sequence).
* ``nodes list|add|remove`` - the saved nodes (a saved name works wherever
  ``AET@HOST:PORT`` does).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

from downloadmanager.core.dicomnet import (
    DicomNetError,
    Reconciliation,
    SendReport,
    StoreJob,
    echo,
    load_nodes,
    parse_node_spec,
    remove_node,
    resolve_node,
    save_node,
)
from downloadmanager.core.dicomnet.journal import SentJournal
from downloadmanager.core.dicomnet.nodes import Timeouts, TlsOptions
from downloadmanager.cli.messages import cli_language, describe, say
from downloadmanager.core.errors import AppError
from downloadmanager.core.scan import ScanError, scan

#: Exit codes of ``send`` (also in docs/cli.md).
SEND_EXIT_CODES = {
    0: "the PACS has every instance (stored now, with a warning, or by an earlier send)",
    1: "some instances failed (each is listed with the reason); send again to retry only those",
    2: "bad arguments (node, AE title, timeout)",
    3: "nothing could be stored (PACS unreachable, association rejected, TLS failed ...)",
    4: "PATH cannot be read or holds no DICOM instances",
}

_SEND_STATE_WORDS = {
    "de": {"stored": "gespeichert", "warning": "WARNUNG", "failed": "FEHLER", "already": "schon da"},
    "en": {"stored": "stored", "warning": "WARNING", "failed": "FAILED", "already": "already"},
}


def add_reconcile_arguments(parser: argparse.ArgumentParser) -> None:
    """Options for import reconciliation (shared with fetch and inbox)."""
    group = parser.add_argument_group("import reconciliation (replace the patient identity before sending)")
    group.add_argument("--patient-id", help="local Patient ID to write")
    group.add_argument("--issuer", help="local Issuer of Patient ID to write")
    group.add_argument("--patient-name", help="local Patient Name to write (DICOM form Family^Given)")


def reconciliation_from_args(args: argparse.Namespace, source: str) -> Reconciliation | None:
    """The Reconciliation asked for on the command line, or None."""
    if not any((args.patient_id, args.issuer, args.patient_name)):
        return None
    return Reconciliation(patient_id=args.patient_id, issuer_of_patient_id=args.issuer,
                          patient_name=args.patient_name, source_of_previous_values=source)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``echo``, ``send`` and ``nodes`` subcommands."""
    p = subparsers.add_parser("echo", help="test a DICOM node (C-ECHO)",
                              description="Send a C-ECHO to a PACS. Exit code 0 when it answers Success.")
    p.add_argument("node", metavar="AET@HOST:PORT", help="the PACS, or the name of a saved node")
    p.add_argument("--calling-aet", help="our AE title (default DOWNLOADMGR or the saved node's)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds for connect, association, response and release (default: the node's, 30)")
    p.set_defaults(handler=run_echo)

    p = subparsers.add_parser(
        "send", help="send a folder, CD or ZIP to a PACS (C-STORE)",
        description=("Scan PATH and send every DICOM instance the PACS does not have yet (from "
                     "earlier sends to it). Exit codes: "
                     + "; ".join(f"{code} {text}" for code, text in SEND_EXIT_CODES.items()) + "."))
    p.add_argument("path", metavar="PATH", help="folder, CD mount point, single file or .zip")
    p.add_argument("--to", required=True, metavar="AET@HOST:PORT", help="the PACS, or a saved node's name")
    p.add_argument("--calling-aet", help="our AE title (default DOWNLOADMGR)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds to wait for each response (DIMSE timeout; default: the node's, 30)")
    p.add_argument("--again", action="store_true",
                   help="send every instance, also those the PACS stored in an earlier send")
    p.add_argument("--json", action="store_true", help="print the per-instance report as JSON")
    add_reconcile_arguments(p)
    p.set_defaults(handler=run_send)

    p = subparsers.add_parser("nodes", help="list, add or remove saved DICOM nodes (PACS)")
    sub = p.add_subparsers(dest="nodes_command", metavar="ACTION")
    q = sub.add_parser("list", help="show the saved nodes")
    q.set_defaults(handler=run_nodes_list)
    q = sub.add_parser("add", help="save a node under a name")
    q.add_argument("name")
    q.add_argument("node", metavar="AET@HOST:PORT")
    for which in ("connect", "association", "dimse", "release"):
        q.add_argument(f"--{which}-timeout", type=float, default=30.0, metavar="SECONDS",
                       help=f"{which} timeout in seconds (default 30)")
    q.add_argument("--tls", action="store_true", help="DICOM over TLS (the PACS's certificate is verified)")
    q.add_argument("--tls-ca-file", default="", metavar="PEM", help="CA certificates to trust for this PACS")
    q.add_argument("--tls-client-cert", default="", metavar="PEM", help="our certificate, if the PACS asks")
    q.add_argument("--tls-client-key", default="", metavar="PEM", help="the key of --tls-client-cert")
    q.add_argument("--tls-no-verify", action="store_true",
                   help="do NOT verify the PACS's certificate (only for tests; insecure)")
    q.add_argument("--calling-aet", default="DOWNLOADMGR", help="our AE title for this node")
    q.set_defaults(handler=run_nodes_add)
    q = sub.add_parser("remove", help="forget a saved node")
    q.add_argument("name")
    q.set_defaults(handler=run_nodes_remove)
    p.set_defaults(handler=run_nodes_list)


def run_echo(args: argparse.Namespace) -> int:
    try:
        node = resolve_node(args.node, args.calling_aet)
        result = echo(node, timeout=args.timeout)
    except DicomNetError as exc:
        print(f"downloadmanager echo: {describe(exc)}", file=sys.stderr)
        return 1
    print(f"{node.spec}: {result.text}")
    return 0 if result.ok else 1


def print_send_report(report: SendReport, as_json: bool, stream=None, lang: str | None = None) -> None:
    """Print a send report as a summary plus every instance that was not simply stored, or as JSON."""
    stream = stream or sys.stdout
    if as_json:
        stream.write(json.dumps(report.as_json(), indent=2) + "\n")
        return
    lang = lang or cli_language()
    total = len(report.outcomes)
    if lang == "de":
        summary = (f"{report.node}: {report.stored} von {total} Bildern gespeichert "
                   f"({report.already} schon vorher), {report.failed} fehlgeschlagen")
    else:
        summary = (f"{report.node}: {report.stored} of {total} instances stored "
                   f"({report.already} already before), {report.failed} failed")
    print(summary, file=stream)
    words = _SEND_STATE_WORDS.get(lang, _SEND_STATE_WORDS["en"])
    for o in report.outcomes:
        if o.state not in ("stored", "already"):
            print(f"  {words.get(o.state, o.state):9} {o.path}: {o.message(lang)}", file=stream)


def run_send(args: argparse.Namespace) -> int:
    lang = cli_language()
    try:
        node = resolve_node(args.to, args.calling_aet)
        if args.timeout is not None:
            Timeouts(dimse=args.timeout)  # validates
    except DicomNetError as exc:
        print(f"downloadmanager send: {describe(exc, lang)}", file=sys.stderr)
        return 2
    try:
        result = scan(args.path)
    except ScanError as exc:
        print(f"downloadmanager send: {describe(exc, lang)}", file=sys.stderr)
        return 4
    instances = result.instances()
    if not instances:
        print(f"downloadmanager send: {describe(AppError('nothing_to_send', path=args.path), lang)}",
              file=sys.stderr)
        return 4
    reconcile = reconciliation_from_args(args, source=str(args.path)[:64])
    # A reconciled send writes other data than an earlier plain one: no skipping then.
    journal = None if args.again or reconcile is not None else SentJournal(node)
    report = StoreJob(instances, node, reconcile=reconcile, timeout=args.timeout,
                      journal=journal).run()
    print_send_report(report, args.json, lang=lang)
    if report.ok:
        return 0
    return 3 if report.nothing_stored else 1


def run_nodes_list(args: argparse.Namespace) -> int:
    try:
        nodes = load_nodes()
    except DicomNetError as exc:
        print(f"downloadmanager nodes: {describe(exc)}", file=sys.stderr)
        return 1
    for node in nodes.values():
        print(say("node_line", name=node.name, spec=node.spec, calling=node.calling_ae))
    return 0


def run_nodes_add(args: argparse.Namespace) -> int:
    try:
        spec = parse_node_spec(args.node, args.calling_aet)
        timeouts = Timeouts(args.connect_timeout, args.association_timeout, args.dimse_timeout,
                            args.release_timeout)
        tls = TlsOptions(enabled=args.tls or bool(args.tls_ca_file), ca_file=args.tls_ca_file,
                         verify=not args.tls_no_verify, client_cert=args.tls_client_cert,
                         client_key=args.tls_client_key)
        path = save_node(replace(spec, name=args.name, timeouts=timeouts, tls=tls))
    except DicomNetError as exc:
        print(f"downloadmanager nodes: {describe(exc)}", file=sys.stderr)
        return 2
    print(say("node_saved", name=args.name, path=path))
    return 0


def run_nodes_remove(args: argparse.Namespace) -> int:
    if remove_node(args.name):
        return 0
    print(f"downloadmanager nodes: {describe(AppError('node_not_saved', name=args.name))}",
          file=sys.stderr)
    return 1
