"""QIDO-RS query parameters: matching keys (keyword or tag), limit, offset.

Supported matching (PS3.18 8.3.4, PS3.4 C.2.2.2): single value, UID lists
(comma or backslash separated), ``*``/``?`` wildcards on text, date ranges
(``20260101-20261231``, open ends allowed). PatientName matches ignoring
case. Keys we cannot match on are ignored and named in a ``Warning`` header,
as the standard asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy import func, or_

from portal.dicomweb.dicomjson import TAG_TO_KEYWORD
from portal.errors import ApiError

CONTROL_KEYS = {"limit", "offset", "includefield", "fuzzymatching"}
MAX_LIMIT = 1000
UID_KEYS = {"StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID"}
DATE_KEYS = {"StudyDate"}
NUMBER_KEYS = {"SeriesNumber", "InstanceNumber"}
CASE_INSENSITIVE = {"PatientName"}


@dataclass
class Query:
    """A parsed QIDO query: FILTERS (keyword -> value), paging, ignored keys."""

    filters: dict[str, str] = field(default_factory=dict)
    limit: int | None = None
    offset: int = 0
    ignored: list[str] = field(default_factory=list)

    def warning_headers(self) -> dict[str, str]:
        """``Warning`` header naming the ignored keys (empty when none)."""
        if not self.ignored:
            return {}
        names = ", ".join(sorted(set(self.ignored)))
        return {"Warning": f'299 downloadmanager "The fields {names} are not supported '
                           f'for matching and were ignored"'}

    def page(self, items: list) -> list:
        """Apply offset and limit to ITEMS."""
        end = None if self.limit is None else self.offset + self.limit
        return items[self.offset:end]


def _int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ApiError(400, "invalid_query", f"{name} must be a whole number") from None
    if number < 0:
        raise ApiError(400, "invalid_query", f"{name} must not be negative")
    return number


def parse_query(request: Request, matchable: set[str]) -> Query:
    """Read the QIDO parameters of REQUEST; MATCHABLE are the keywords we match on."""
    query = Query()
    for key, value in request.query_params.multi_items():
        if key in CONTROL_KEYS:
            if key == "limit":
                query.limit = min(_int("limit", value), MAX_LIMIT)
            elif key == "offset":
                query.offset = _int("offset", value)
            continue
        keyword = TAG_TO_KEYWORD.get(key.upper(), key)
        if keyword in matchable:
            if value != "" and value != "*":  # universal matching = no filter
                query.filters[keyword] = value
        else:
            query.ignored.append(key)
    return query


def _like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def condition(keyword: str, column, value: str):
    """A WHERE clause matching COLUMN (attribute KEYWORD) against a QIDO VALUE."""
    if keyword in UID_KEYS:
        uids = [u.strip() for u in re.split(r"[,\\]", value) if u.strip()]
        return column.in_(uids)
    if keyword in NUMBER_KEYS:
        return column == _int(keyword, value)
    if keyword in DATE_KEYS:
        match = re.fullmatch(r"(\d{8})?-(\d{8})?", value)
        if match:
            low, high = match.groups()
            parts = []
            if low:
                parts.append(column >= low)
            if high:
                parts.append(column <= high)
            return parts[0] & parts[1] if len(parts) == 2 else parts[0]
        if not re.fullmatch(r"\d{8}", value):
            raise ApiError(400, "invalid_query", f"{keyword} must be YYYYMMDD or a range")
        return column == value
    target = func.lower(column) if keyword in CASE_INSENSITIVE else column
    text = value.lower() if keyword in CASE_INSENSITIVE else value
    if "*" in text or "?" in text:
        return target.like(_like_pattern(text), escape="\\")
    return target == text


def modality_condition(series_modality_column, values: str):
    """ModalitiesInStudy: the study has a series of any of the given modalities."""
    wanted = [v.strip() for v in re.split(r"[,\\]", values) if v.strip()]
    return or_(*[series_modality_column == v for v in wanted])
