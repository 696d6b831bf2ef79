"""Import reconciliation (IHE RAD Import Reconciliation Workflow): local patient identity.

Before external images go into the hospital's PACS, Patient ID, Issuer of
Patient ID and Patient Name are replaced by the hospital's own values. The
replaced values are not lost: they go into a new item of the Original
Attributes Sequence (0400,0561) with

* Attribute Modification DateTime (0400,0562) - when,
* Modifying System (0400,0563) - who (our program),
* Source of Previous Values (0400,0564) - where the old values came from,
* Reason for the Attribute Modification (0400,0565) = ``COERCE``,
* Modified Attributes Sequence (0400,0550) - one item with the previous
  values (an attribute that was absent is recorded with zero length).

Existing items of the sequence (earlier reconciliations) are kept.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

MODIFYING_SYSTEM = "DOWNLOADMANAGER"
REASON_COERCE = "COERCE"
_KEYWORDS = ("PatientID", "IssuerOfPatientID", "PatientName")


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The local identity to write; ``None`` fields are left unchanged."""

    patient_id: str | None = None
    issuer_of_patient_id: str | None = None
    patient_name: str | None = None
    source_of_previous_values: str = ""
    modifying_system: str = MODIFYING_SYSTEM

    def new_values(self) -> dict[str, str]:
        """Keyword -> new value, for the attributes this reconciliation changes."""
        values = {
            "PatientID": self.patient_id,
            "IssuerOfPatientID": self.issuer_of_patient_id,
            "PatientName": self.patient_name,
        }
        return {k: v for k, v in values.items() if v is not None}


def _fits_charset(ds: Dataset, values: list[str]) -> bool:
    text = "".join(values)
    if text.isascii():
        return True
    raw = ds.get("SpecificCharacterSet", "") or ""
    terms = [raw] if isinstance(raw, str) else list(raw)
    if "ISO_IR 192" in terms:
        return True
    if terms and terms[0] == "ISO_IR 100":
        try:
            text.encode("latin-1")
            return True
        except UnicodeEncodeError:
            return False
    return False


def apply_reconciliation(ds: Dataset, rec: Reconciliation, now: datetime | None = None) -> Dataset:
    """Replace the identity in DS (in place) and record the previous values; return DS."""
    new = rec.new_values()
    if not new:
        return ds
    if not _fits_charset(ds, list(new.values())):
        # Decode every text element with the old character set first, so that
        # switching to UTF-8 re-encodes them all consistently.
        ds.decode()
        ds.SpecificCharacterSet = "ISO_IR 192"
    modified = Dataset()
    for keyword in _KEYWORDS:
        if keyword not in new:
            continue
        if keyword in ds:
            # A copy: setting the new value below changes the element in place.
            modified[keyword] = copy.deepcopy(ds[keyword])
        else:
            setattr(modified, keyword, "")
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d%H%M%S.%f%z")
    item = Dataset()
    item.ModifiedAttributesSequence = Sequence([modified])
    item.AttributeModificationDateTime = stamp
    item.ModifyingSystem = rec.modifying_system[:64]
    item.SourceOfPreviousValues = rec.source_of_previous_values[:64]
    item.ReasonForTheAttributeModification = REASON_COERCE
    existing = list(ds.get("OriginalAttributesSequence", []))
    ds.OriginalAttributesSequence = Sequence(existing + [item])
    for keyword, value in new.items():
        setattr(ds, keyword, value)
    return ds
