"""The source report: which sources bring verified numbers.

Two aggregates, both computed by the database (GROUP BY; no submission or counter row is read
into Python): the widget's event counters (``phonecapture_event_counter``: impressions, opens,
closes, submit errors per form, day and utm_source) and the submissions (per form and a source
label: how many, how many verified). A ``UNION ALL`` of the two, grouped once more, lines them
up per form and label.

Only columns that carry no personal data are read: form id, dates, status and the utm_* tags
(which leads.py scrubbed of phone numbers when it stored them). Erasure keeps exactly these on a
submission (privacy.py), so an erased contact's submissions still count.

Dates are UTC days, both ends included: a counter's ``day``, a submission's ``created_at``.
A submission counts as verified when it was verified at any time (even after ``until``): the
report answers "of the numbers left in this period, how many were confirmed".

Conversions (``phonecapture_conversion``: orders, sales, calls the host app tied to a submission)
are a third part of the same ``UNION ALL``, grouped per form, label and currency. They are
attributed like their submission (its utm tag, or its first touch) and counted by the
submission's ``created_at``, whenever the conversion happened: a cohort view, "what did the leads
of this period bring". Values are summed per currency, in integer cents in SQL (exact on SQLite
too), and never added across currencies.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, Integer, String, and_, case, cast, func, literal, null, or_, select, union_all

from .models import Conversion, EventCounter, Submission

#: what rows can be grouped by; only utm_source lines up with the event counters
BY = ("utm_source", "utm_medium", "utm_campaign", "form")
#: the label of visits and submissions without the tag (api.record_event writes the same)
DIRECT = "(direct)"
#: the label of submissions without utm_medium / utm_campaign
NONE = "(none)"
#: the event counter's source column is this long; submission tags are cut the same to match
_SOURCE_LEN = 128
_EVENTS = ("impression", "open", "close", "submit_error")
_COUNTS = ("impressions", "opens", "closes", "submit_errors", "submissions", "verified", "conversions")
_CENT = Decimal("0.01")


class ReportError(ValueError):
    """A report that can't be asked for (dates the wrong way round, an unknown grouping)."""


@dataclass(frozen=True)
class Row:
    """One line of the report. ``form_id`` and ``source`` are None on the totals row;
    ``source`` is None when grouped by form. The event columns are None when the grouping
    has no event counts (utm_medium, utm_campaign, first touch). ``conversions`` counts every
    conversion of the row's submissions; ``value`` sums their values per currency
    (``{"RUB": Decimal("5480.00"), "USD": Decimal("20.00")}``; conversions without a value add to
    the count only)."""

    form_id: str | None
    source: str | None
    impressions: int | None
    opens: int | None
    closes: int | None
    submit_errors: int | None
    submissions: int
    verified: int
    conversions: int = 0
    value: dict[str, Decimal] = field(default_factory=dict, hash=False)  # rows stay hashable
    total: bool = False

    @property
    def verification_rate(self) -> float | None:
        """verified / submissions (0..1); None without submissions."""
        return self.verified / self.submissions if self.submissions else None

    @property
    def verified_per_1000(self) -> float | None:
        """verified numbers per 1,000 impressions; None without impressions."""
        return self.verified * 1000 / self.impressions if self.impressions else None

    @property
    def conversions_per_verified(self) -> float | None:
        """conversions / verified numbers (can pass 1: a customer orders twice); None without verified."""
        return self.conversions / self.verified if self.verified else None

    def as_dict(self) -> dict:
        """JSON-ready: values as strings with two decimals ("5480.00"), so money stays exact."""
        out = asdict(self)
        out["value"] = {currency: str(amount) for currency, amount in sorted(self.value.items())}
        out["verification_rate"] = self.verification_rate
        out["verified_per_1000"] = self.verified_per_1000
        out["conversions_per_verified"] = self.conversions_per_verified
        return out


def source_report(state, *, since: date, until: date, form_id: str | None = None,
                  by: str = "utm_source", first_touch: bool = False) -> list[Row]:
    """Rows per form and source label, most verified first, then a totals row (always last).

    ``by``: utm_source (with event counts), utm_medium, utm_campaign (submission columns only)
    or form (one row per form, events of every source). ``first_touch``: with by=utm_source,
    attribute submissions to the utm_source of the visitor's first visit (the widget's 30-day
    first touch); without a first touch on record (the no-JS form, an erased contact, whose
    first touch is cleared) the submission's own utm_source counts. Event counters only know
    the visit's own source, so event columns are None then.
    """
    if by not in BY:
        raise ReportError(f"by must be one of {', '.join(BY)}")
    if first_touch and by != "utm_source":
        raise ReportError("first_touch attribution needs by=utm_source")
    if since > until:
        raise ReportError("since must not be after until")
    if until >= date.max:  # the day after it is the end of the range
        raise ReportError("until must be before 9999-12-31")
    with_events = by in ("utm_source", "form") and not first_touch

    parts = [_submission_counts(since, until, form_id, by, first_touch),
             _conversion_counts(since, until, form_id, by, first_touch)]
    if with_events:
        parts.append(_event_counts(since, until, form_id, by))
    both = union_all(*parts).subquery()
    query = (select(both.c.form_id, both.c.label, both.c.currency,
                    *(func.sum(both.c[n]).label(n) for n in (*_COUNTS, "cents")))
             .group_by(both.c.form_id, both.c.label, both.c.currency))
    # one result row per form, label and currency: lined up per form and label here
    merged: dict[tuple, dict] = {}
    for r in state.db.session.execute(query):
        line = merged.setdefault((r.form_id, r.label), {"counts": dict.fromkeys(_COUNTS, 0), "value": {}})
        for n in _COUNTS:
            line["counts"][n] += int(r._mapping[n] or 0)
        if r.currency is not None and r.cents is not None:
            line["value"][r.currency] = (Decimal(int(r.cents)) * _CENT).quantize(_CENT)
    rows = [Row(form_id=form, source=label if by != "form" else None,
                **{n: line["counts"][n] for n in _COUNTS[4:]},
                **{n: (line["counts"][n] if with_events else None) for n in _COUNTS[:4]},
                value=dict(sorted(line["value"].items())))
            for (form, label), line in merged.items()]
    rows.sort(key=lambda r: (r.form_id, -r.verified, -r.submissions, -(r.impressions or 0), r.source or ""))
    return rows + [_totals(rows, with_events)]


def _totals(rows: list[Row], with_events: bool) -> Row:
    # Sums of the grouped rows: the same numbers the rows show, without another scan.
    sums = {n: sum(getattr(r, n) or 0 for r in rows) for n in _COUNTS}
    if not with_events:
        sums.update({n: None for n in _COUNTS[:4]})
    value: dict[str, Decimal] = {}
    for r in rows:
        for currency, amount in r.value.items():
            value[currency] = value.get(currency, Decimal("0.00")) + amount
    return Row(form_id=None, source=None, total=True, value=dict(sorted(value.items())), **sums)


def _label(by: str, first_touch: bool):
    """The submission's source label, as SQL."""
    if by == "form":
        return cast(literal(""), String)
    if by != "utm_source":
        return func.coalesce(func.nullif(getattr(Submission, by), ""), NONE)
    tag = func.nullif(Submission.utm_source, "")
    if first_touch:
        # JSON path access compiles to json_extract on SQLite and ->> on PostgreSQL.
        first = Submission.first_touch
        recorded = or_(first["at"].as_string().is_not(None), first["utm_source"].as_string().is_not(None))
        tag = case((recorded, func.nullif(first["utm_source"].as_string(), "")), else_=tag)
    return func.substr(func.coalesce(tag, DIRECT), 1, _SOURCE_LEN)


_NO_CURRENCY = cast(null(), String)
_NO_CENTS = cast(null(), BigInteger)


def _submission_counts(since, until, form_id, by, first_touch):
    verified = case((Submission.verified_at.is_not(None), 1), else_=0)
    start, end = datetime.combine(since, time.min), datetime.combine(until + timedelta(days=1), time.min)
    zero = cast(literal(0), Integer)
    label = _label(by, first_touch).label("label")
    query = (select(Submission.form_id.label("form_id"), label, _NO_CURRENCY.label("currency"),
                    *(zero.label(n) for n in _COUNTS[:4]),
                    func.count().label("submissions"), func.sum(verified).label("verified"),
                    zero.label("conversions"), _NO_CENTS.label("cents"))
             .where(Submission.created_at >= start, Submission.created_at < end)
             .group_by(Submission.form_id, *([label] if by != "form" else [])))
    return query.where(Submission.form_id == form_id) if form_id else query


def _conversion_counts(since, until, form_id, by, first_touch):
    """Conversions per form, label and currency, by their submission's day (a cohort view)."""
    start, end = datetime.combine(since, time.min), datetime.combine(until + timedelta(days=1), time.min)
    zero = cast(literal(0), Integer)
    label = _label(by, first_touch).label("label")
    cents = func.sum(cast(func.round(Conversion.value * 100), BigInteger))
    query = (select(Submission.form_id.label("form_id"), label, Conversion.currency.label("currency"),
                    *(zero.label(n) for n in _COUNTS[:6]),
                    func.count().label("conversions"), cents.label("cents"))
             .select_from(Conversion).join(Submission, Submission.id == Conversion.submission_id)
             .where(Submission.created_at >= start, Submission.created_at < end)
             .group_by(Submission.form_id, *([label] if by != "form" else []), Conversion.currency))
    return query.where(Submission.form_id == form_id) if form_id else query


def _event_counts(since, until, form_id, by):
    label = (cast(literal(""), String) if by == "form" else EventCounter.source).label("label")
    sums = [func.sum(case((EventCounter.event == event, EventCounter.count), else_=0)).label(name)
            for event, name in zip(_EVENTS, _COUNTS)]
    zero = cast(literal(0), Integer)
    query = (select(EventCounter.form_id.label("form_id"), label, _NO_CURRENCY.label("currency"), *sums,
                    zero.label("submissions"), zero.label("verified"), zero.label("conversions"),
                    _NO_CENTS.label("cents"))
             .where(and_(EventCounter.day >= since, EventCounter.day <= until),
                    EventCounter.event.in_(_EVENTS))
             .group_by(EventCounter.form_id, *([label] if by != "form" else [])))
    return query.where(EventCounter.form_id == form_id) if form_id else query
