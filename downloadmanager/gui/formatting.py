"""Showing DICOM values to people: dates, sizes and names in the user's locale."""

from __future__ import annotations

from PySide6.QtCore import QDate, QLocale


def date_format(locale: QLocale) -> str:
    """The locale's short date format with a four-digit year (dd.MM.yyyy in German)."""
    fmt = locale.dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in fmt:
        fmt = fmt.replace("yy", "yyyy")
    if locale.language() == QLocale.Language.German:
        fmt = "dd.MM.yyyy"  # the form German practices write; Qt's default is dd.MM.yy
    return fmt


def format_dicom_date(value: str, locale: QLocale | None = None) -> str:
    """Format a DICOM DA value (YYYYMMDD) for display; odd values are shown as they are."""
    value = (value or "").strip()
    locale = locale or QLocale()
    date = QDate.fromString(value[:8], "yyyyMMdd") if len(value) >= 8 else QDate()
    if not date.isValid():
        return value
    return locale.toString(date, date_format(locale))


def format_size(size: int, locale: QLocale | None = None) -> str:
    """Human-readable size (e.g. "1,5 MB" in German, "1.5 MB" in English)."""
    locale = locale or QLocale()
    return locale.formattedDataSize(max(0, int(size)), 1,
                                    QLocale.DataSizeFormat.DataSizeTraditionalFormat)


def format_count(count: int, locale: QLocale | None = None) -> str:
    """An integer with the locale's digit grouping (1.234 in German)."""
    return (locale or QLocale()).toString(int(count))


def plural(count: int, one: str, other: str, locale: QLocale | None = None) -> str:
    """ONE for a count of 1, else OTHER with "%1" replaced by the formatted COUNT.

    German and English both have just these two forms, so this avoids Qt's
    numerus translations (which would need an English .qm file as well).
    """
    text = one if count == 1 else other
    return text.replace("%1", format_count(count, locale))


def format_person_name(value: str) -> str:
    """Turn a DICOM PN ("Family^Given^Middle^Prefix^Suffix") into "Family, Given Middle"."""
    value = (value or "").strip()
    if "^" not in value:
        return value
    parts = [p.strip() for p in value.split("=")[0].split("^")]
    family = parts[0]
    given = " ".join(p for p in parts[1:3] if p)
    prefix = parts[3] if len(parts) > 3 else ""
    suffix = parts[4] if len(parts) > 4 else ""
    name = f"{family}, {given}" if family and given else family or given
    return " ".join(p for p in (prefix, name, suffix) if p)
