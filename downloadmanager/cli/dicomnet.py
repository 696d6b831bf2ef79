"""``downloadmanager echo|send|nodes``: test a PACS, send a folder to it, keep a list of PACS.

* ``echo AET@HOST:PORT [--calling-aet AET]`` - C-ECHO; exit 0 when it answers Success.
* ``send PATH --to AET@HOST:PORT [--calling-aet AET] [--json]`` - scan PATH
  (folder, CD, ZIP) and C-STORE every instance; exit 0 only when the PACS
  stored every one. ``--patient-id/--issuer/--patient-name`` replace the
  patient identity first (import reconciliation, originals kept in the
  Original Attributes Sequence).
* ``nodes list|add|remove`` - the saved nodes (a saved name works wherever
  ``AET@HOST:PORT`` does).
"""

from __future__ import annotations

import argparse
import json
import sys

from downloadmanager.cli.messages import describe
from downloadmanager.core.dicomnet import (
    DicomNetError,
    DicomNode,
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
from downloadmanager.core.scan import ScanError, scan


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
    p.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    p.set_defaults(handler=run_echo)

    p = subparsers.add_parser(
        "send", help="send a folder, CD or ZIP to a PACS (C-STORE)",
        description=("Scan PATH and send every DICOM instance to the PACS. Exit code 0 only when "
                     "the PACS stored every instance; 1 when any failed; 2 for bad arguments."))
    p.add_argument("path", metavar="PATH", help="folder, CD mount point, single file or .zip")
    p.add_argument("--to", required=True, metavar="AET@HOST:PORT", help="the PACS, or a saved node's name")
    p.add_argument("--calling-aet", help="our AE title (default DOWNLOADMGR)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per response (default 30)")
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


def print_send_report(report: SendReport, as_json: bool, stream=None) -> None:
    """Print a send report as a summary plus failures, or as JSON."""
    stream = stream or sys.stdout
    if as_json:
        stream.write(json.dumps(report.as_json(), indent=2) + "\n")
        return
    print(f"{report.node}: {report.stored} of {len(report.outcomes)} instances stored, "
          f"{report.failed} failed", file=stream)
    for o in report.outcomes:
        if o.state != "stored":
            print(f"  {o.state.upper():8} {o.path}: {o.detail}", file=stream)


def run_send(args: argparse.Namespace) -> int:
    try:
        node = resolve_node(args.to, args.calling_aet)
    except DicomNetError as exc:
        print(f"downloadmanager send: {describe(exc)}", file=sys.stderr)
        return 2
    try:
        result = scan(args.path)
    except ScanError as exc:
        print(f"downloadmanager send: {describe(exc)}", file=sys.stderr)
        return 1
    instances = result.instances()
    if not instances:
        print(f"downloadmanager send: no DICOM instances found in {args.path}", file=sys.stderr)
        return 1
    reconcile = reconciliation_from_args(args, source=str(args.path)[:64])
    report = StoreJob(instances, node, reconcile=reconcile, timeout=args.timeout).run()
    print_send_report(report, args.json)
    return 0 if report.ok else 1


def run_nodes_list(args: argparse.Namespace) -> int:
    try:
        nodes = load_nodes()
    except DicomNetError as exc:
        print(f"downloadmanager nodes: {describe(exc)}", file=sys.stderr)
        return 1
    for node in nodes.values():
        print(f"{node.name}\t{node.spec}\tcalling AE {node.calling_ae}")
    return 0


def run_nodes_add(args: argparse.Namespace) -> int:
    try:
        spec = parse_node_spec(args.node, args.calling_aet)
        path = save_node(DicomNode(spec.ae_title, spec.host, spec.port, spec.calling_ae, args.name))
    except DicomNetError as exc:
        print(f"downloadmanager nodes: {describe(exc)}", file=sys.stderr)
        return 2
    print(f"saved {args.name} in {path}")
    return 0


def run_nodes_remove(args: argparse.Namespace) -> int:
    if remove_node(args.name):
        return 0
    print(f"downloadmanager nodes: no node named {args.name!r}", file=sys.stderr)
    return 1
