"""Which instances of a study a community already holds, as far as the caller may know.

A client asks before it sends a study (``POST /api/uploads/present``) and
sends only the instances the portal does not have; the manifest lists the
others with ``"in_bundle": false`` and ingest confirms them as
``already_present`` with :func:`held_instances` again.

Not an oracle across communities: the answer only names instances the
caller could know about anyway. That is every instance of the study when
the caller is a member of the recipient community, and otherwise only the
instances that arrived in the recipient's study through a verified upload
by the caller or by a member of one of the caller's communities (they
proved to hold those bytes then). Anything else is answered "not present",
so the client just sends it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from portal.schema import instances, memberships, series, studies, uploads
from portal.tus.store import DONE

#: Receipt statuses that show the sender held an instance's bytes.
_PROVEN = ("accepted", "already_present")
#: The most SHA-256 values one question may carry (a study of 100,000 instances).
MAX_QUESTION = 100_000


def _caller_communities(conn: Connection, user_id: int) -> set[int]:
    return set(conn.execute(
        select(memberships.c.community_id).where(memberships.c.user_id == user_id)).scalars())


def _senders(conn: Connection, user_id: int, own: set[int]) -> set[int]:
    """The caller and every member of the caller's communities."""
    if not own:
        return {user_id}
    return {user_id, *conn.execute(
        select(memberships.c.user_id).where(memberships.c.community_id.in_(own))).scalars()}


def _proven_sops(conn: Connection, community_id: int, study_id: int,
                 senders: set[int]) -> set[str]:
    """SOP Instance UIDs that verified uploads of SENDERS brought into the study."""
    proven: set[str] = set()
    receipts = conn.execute(
        select(uploads.c.receipt).where(and_(
            uploads.c.community_id == community_id, uploads.c.study_id == study_id,
            uploads.c.state == DONE, uploads.c.user_id.in_(senders)))).scalars()
    for receipt in receipts:
        for entry in (receipt or {}).get("instances") or []:
            if entry.get("status") in _PROVEN and entry.get("sop_instance_uid"):
                proven.add(entry["sop_instance_uid"])
    return proven


def held_instances(conn: Connection, *, user_id: int, community_id: int,
                   study_instance_uid: str, sha256s: Iterable[str] = (),
                   sop_instance_uids: Iterable[str] = ()) -> dict[str, dict]:
    """The instances of the study the caller may learn are held, keyed by SHA-256.

    Asked by SHA256S or by SOP_INSTANCE_UIDS (a client that has not read the
    files yet). Each value holds the stored row's ``sop_instance_uid``,
    ``series_instance_uid``, ``sop_class_uid``, ``transfer_syntax_uid``,
    ``instance_number`` and ``size``.
    """
    wanted = set(sha256s)
    wanted_sops = set(sop_instance_uids)
    if not wanted and not wanted_sops:
        return {}
    study_id = conn.execute(select(studies.c.id).where(and_(
        studies.c.community_id == community_id,
        studies.c.study_instance_uid == study_instance_uid))).scalar()
    if study_id is None:
        return {}
    rows = conn.execute(
        select(instances.c.sha256, instances.c.sop_instance_uid, instances.c.sop_class_uid,
               instances.c.transfer_syntax_uid, instances.c.instance_number,
               instances.c.size, series.c.series_instance_uid)
        .join(series, series.c.id == instances.c.series_id)
        .where(series.c.study_id == study_id)).all()
    held = {r.sha256: r for r in rows
            if r.sha256 in wanted or r.sop_instance_uid in wanted_sops}
    if not held:
        return {}
    own = _caller_communities(conn, user_id)
    if community_id not in own:
        proven = _proven_sops(conn, community_id, study_id, _senders(conn, user_id, own))
        held = {sha: r for sha, r in held.items() if r.sop_instance_uid in proven}
    return {sha: {"sop_instance_uid": r.sop_instance_uid,
                  "series_instance_uid": r.series_instance_uid,
                  "sop_class_uid": r.sop_class_uid,
                  "transfer_syntax_uid": r.transfer_syntax_uid,
                  "instance_number": r.instance_number, "size": int(r.size)}
            for sha, r in held.items()}
