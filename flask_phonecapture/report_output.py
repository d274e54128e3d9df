"""The source report as text: a table for the terminal, CSV and JSON (CLI and admin page)."""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import date
from decimal import Decimal

from .reports import Row

#: CSV header, in column order; the admin page's table has the same columns. After these, one
#: ``value_<CURRENCY>`` column per currency that occurs in the report (value_RUB, value_USD...),
#: alphabetically: values in different currencies are never added up.
CSV_COLUMNS = ("form", "source", "impressions", "opens", "closes", "submit_errors", "submissions",
               "verified", "verification_rate", "verified_per_1000_impressions", "conversions",
               "conversions_per_verified")
TOTAL = "(total)"
DASH = "–"
# A cell a spreadsheet would run as a formula (utm tags come from visitors' URLs).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def percent(rate: float | None) -> str:
    return DASH if rate is None else f"{rate * 100:.1f}"


def per_1000(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


def count(value: int | None) -> str:
    return DASH if value is None else str(value)


def currencies(rows: list[Row]) -> list[str]:
    """The currencies of the report's conversion values, alphabetically (one column each)."""
    return sorted({currency for r in rows for currency in r.value})


def money(row: Row, currency: str) -> str:
    """The row's value in ``currency`` with two decimals ("5480.00"); "0.00" when it has none."""
    return f"{row.value.get(currency, Decimal('0')):.2f}"


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    money_columns = currencies(rows)
    writer.writerow([*CSV_COLUMNS, *(f"value_{c}" for c in money_columns)])
    for r in rows:
        rate, per, conv = r.verification_rate, r.verified_per_1000, r.conversions_per_verified
        writer.writerow([_cell(x) for x in (
            TOTAL if r.total else r.form_id, r.source, r.impressions, r.opens, r.closes, r.submit_errors,
            r.submissions, r.verified, None if rate is None else round(rate, 4),
            None if per is None else round(per, 1), r.conversions, None if conv is None else round(conv, 4),
            *(money(r, c) for c in money_columns))])
    return out.getvalue()


def to_json(rows: list[Row], *, since: date, until: date, by: str, form_id: str | None,
            first_touch: bool = False) -> str:
    return json.dumps({"since": since.isoformat(), "until": until.isoformat(), "by": by, "form_id": form_id,
                       "first_touch": first_touch, "currencies": currencies(rows),
                       "rows": [r.as_dict() for r in rows]},
                      ensure_ascii=False, indent=2)


def _printable(text: str) -> str:
    """``text`` with control, format and unassigned characters (ESC, BEL, bidi overrides...)
    written as escapes: a visitor's tag must not drive the terminal it is printed on."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch)[0] == "C" else ch
                   for ch in text)


def to_table(rows: list[Row], *, since: date, until: date, by: str, first_touch: bool = False) -> str:
    """A fixed-width table: one line per row, the totals under a rule."""
    show_source = by != "form"
    money_columns = currencies(rows)
    heads = ["form", *(["source"] if show_source else []), "impressions", "opens", "closes",
             "submit errors", "submissions", "verified", "verified %", "verified/1000 impr.",
             "conversions", "conv./verified %", *(f"value {c}" for c in money_columns)]
    lines = [[TOTAL.strip("()") if r.total else r.form_id, *([_printable(r.source or "")] if show_source else []),
              *map(count, (r.impressions, r.opens, r.closes, r.submit_errors, r.submissions, r.verified)),
              percent(r.verification_rate), per_1000(r.verified_per_1000), count(r.conversions),
              percent(r.conversions_per_verified), *(money(r, c) for c in money_columns)] for r in rows]
    if show_source and lines:
        lines[-1][1] = ""
    widths = [max(len(x) for x in col) for col in zip(heads, *lines)]
    text_cols = 2 if show_source else 1

    def fmt(cells):
        return "  ".join(c.ljust(w) if i < text_cols else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    attribution = ", first touch" if first_touch else ""
    out = [f"Sources of phone numbers, {since} to {until} (UTC), by {by}{attribution}", "", fmt(heads), rule,
           *(map(fmt, lines[:-1]) if len(lines) > 1 else ["(nothing was counted in these days)"]),
           rule, fmt(lines[-1])]
    if rows and rows[-1].impressions is None:
        out.append("–: the widget counts events per form, day and utm_source only, so they can't be split this way")
    return "\n".join(out) + "\n"
