"""Presentation contexts built from the files to send, the way DCMTK's storescu does.

For every SOP class among the files:

* one context proposing the uncompressed transfer syntaxes (Explicit VR
  Little Endian first, then Implicit VR Little Endian, which every SCP must
  accept) - used for uncompressed files, and as the fallback for compressed
  files the PACS refuses (they are then sent decompressed);
* one context per other transfer syntax found among its files (JPEG, JPEG
  2000, RLE, deflate, big endian ...), proposing only that syntax, so that
  compressed images go unchanged wherever the PACS accepts them.

An association carries at most 128 contexts; more SOP classes are split into
several associations (:func:`plan_batches`), never cut off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from downloadmanager.core.dicomnet.pdu import ProposedContext

EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
IMPLICIT_VR_LE = "1.2.840.10008.1.2"
UNCOMPRESSED = (EXPLICIT_VR_LE, IMPLICIT_VR_LE)
MAX_CONTEXTS = 128


@dataclass(frozen=True, slots=True)
class ContextBatch:
    """The contexts of one association and the SOP classes they cover."""

    sop_classes: frozenset[str]
    contexts: tuple[ProposedContext, ...]


def _class_contexts(sop_class: str, syntaxes: Iterable[str]) -> list[tuple[str, tuple[str, ...]]]:
    wanted = [(sop_class, UNCOMPRESSED)]
    for ts in sorted(set(syntaxes) - set(UNCOMPRESSED)):
        wanted.append((sop_class, (ts,)))
    return wanted


def plan_batches(pairs: Iterable[tuple[str, str]], max_contexts: int = MAX_CONTEXTS) -> list[ContextBatch]:
    """Group (SOP class, transfer syntax) PAIRS into associations of at most MAX_CONTEXTS contexts."""
    by_class: dict[str, set[str]] = defaultdict(set)
    for sop_class, ts in pairs:
        by_class[sop_class].add(ts)
    batches: list[ContextBatch] = []
    current: list[tuple[str, tuple[str, ...]]] = []
    classes: set[str] = set()
    for sop_class in sorted(by_class):
        wanted = _class_contexts(sop_class, by_class[sop_class])
        if len(wanted) > max_contexts:
            wanted = wanted[:max_contexts]  # the rest go decompressed via the uncompressed context
        if len(current) + len(wanted) > max_contexts:
            batches.append(_batch(classes, current))
            current, classes = [], set()
        current.extend(wanted)
        classes.add(sop_class)
    if current:
        batches.append(_batch(classes, current))
    return batches


def _batch(classes: set[str], wanted: list[tuple[str, tuple[str, ...]]]) -> ContextBatch:
    contexts = tuple(ProposedContext(2 * i + 1, sop, tss) for i, (sop, tss) in enumerate(wanted))
    return ContextBatch(frozenset(classes), contexts)
