"""Check the portal's receipt against what we sent.

A job is ``done`` only when the receipt confirms every instance and every
document of our manifest; anything else is reported per member with the
portal's reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from downloadmanager.core.transfers.errors import VerificationError

OK_STATUSES = {"accepted", "already_present"}
MAX_LISTED = 5


@dataclass
class Verdict:
    """The outcome of a receipt check."""

    ok: bool
    #: Why the study is not done (None when it is).
    error: VerificationError | None
    problems: list[tuple[str, str]]  # (member name, reason)


def check_receipt(receipt: dict, manifest: bytes) -> Verdict:
    """Compare RECEIPT with the MANIFEST we uploaded."""
    sent = json.loads(manifest)
    expected = [m["name"] for m in sent["instances"]] + [d["name"] for d in sent["documents"]]
    by_name = {e.get("name"): e for e in
               list(receipt.get("instances") or []) + list(receipt.get("documents") or [])}
    state = receipt.get("state")
    if state == "rejected":
        reason = receipt.get("reason") or "no reason given"
        return Verdict(False, VerificationError("receipt_rejected", reason=reason),
                       [("bundle", reason)])
    problems: list[tuple[str, str]] = []
    for name in expected:
        entry = by_name.get(name)
        if entry is None:
            problems.append((name, "missing from the receipt"))
        elif entry.get("status") not in OK_STATUSES:
            problems.append((name, entry.get("reason") or entry.get("status") or "not accepted"))
    sop_sent = {m["name"]: m["sop_instance_uid"] for m in sent["instances"]}
    for name, uid in sop_sent.items():
        entry = by_name.get(name)
        if entry and entry.get("sop_instance_uid") not in (None, uid):
            problems.append((name, "the receipt names a different SOP Instance UID"))
    if receipt.get("study_instance_uid") not in (None, sent["study_instance_uid"]):
        problems.append(("bundle", "the receipt is for a different study"))
    if not problems and state == "done":
        return Verdict(True, None, [])
    if not problems:
        problems.append(("bundle", f"receipt state is {state!r}, not 'done'"))
    listed = "; ".join(f"{n}: {r}" for n, r in problems[:MAX_LISTED])
    if len(problems) > MAX_LISTED:
        error = VerificationError("receipt_incomplete_more", failed=len(problems),
                                  total=len(expected), listed=listed,
                                  more=len(problems) - MAX_LISTED)
    else:
        error = VerificationError("receipt_incomplete", failed=len(problems),
                                  total=len(expected), listed=listed)
    return Verdict(False, error, problems)
