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
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, String, and_, case, cast, func, literal, or_, select, union_all

from .models import EventCounter, Submission

#: what rows can be grouped by; only utm_source lines up with the event counters
BY = ("utm_source", "utm_medium", "utm_campaign", "form")
#: the label of visits and submissions without the tag (api.record_event writes the same)
DIRECT = "(direct)"
#: the label of submissions without utm_medium / utm_campaign
NONE = "(none)"
#: the event counter's source column is this long; submission tags are cut the same to match
_SOURCE_LEN = 128
_EVENTS = ("impression", "open", "close", "submit_error")
_COUNTS = ("impressions", "opens", "closes", "submit_errors", "submissions", "verified")


class ReportError(ValueError):
    """A report that can't be asked for (dates the wrong way round, an unknown grouping)."""


@dataclass(frozen=True)
class Row:
    """One line of the report. ``form_id`` and ``source`` are None on the totals row;
    ``source`` is None when grouped by form. The event columns are None when the grouping
    has no event counts (utm_medium, utm_campaign, first touch)."""

    form_id: str | None
    source: str | None
    impressions: int | None
    opens: int | None
    closes: int | None
    submit_errors: int | None
    submissions: int
    verified: int
    total: bool = False

    @property
    def verification_rate(self) -> float | None:
        """verified / submissions (0..1); None without submissions."""
        return self.verified / self.submissions if self.submissions else None

    @property
    def verified_per_1000(self) -> float | None:
        """verified numbers per 1,000 impressions; None without impressions."""
        return self.verified * 1000 / self.impressions if self.impressions else None

    def as_dict(self) -> dict:
        out = asdict(self)
        out["verification_rate"] = self.verification_rate
        out["verified_per_1000"] = self.verified_per_1000
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

    parts = [_submission_counts(since, until, form_id, by, first_touch)]
    if with_events:
        parts.append(_event_counts(since, until, form_id, by))
    both = union_all(*parts).subquery()
    query = (select(both.c.form_id, both.c.label, *(func.sum(both.c[n]).label(n) for n in _COUNTS))
             .group_by(both.c.form_id, both.c.label))
    rows = [Row(form_id=r.form_id, source=r.label if by != "form" else None,
                **{n: int(r._mapping[n] or 0) for n in _COUNTS[4:]},
                **{n: (int(r._mapping[n] or 0) if with_events else None) for n in _COUNTS[:4]})
            for r in state.db.session.execute(query)]
    rows.sort(key=lambda r: (r.form_id, -r.verified, -r.submissions, -(r.impressions or 0), r.source or ""))
    return rows + [_totals(rows, with_events)]


def _totals(rows: list[Row], with_events: bool) -> Row:
    # Sums of the grouped rows: the same numbers the rows show, without another scan.
    sums = {n: sum(getattr(r, n) or 0 for r in rows) for n in _COUNTS}
    if not with_events:
        sums.update({n: None for n in _COUNTS[:4]})
    return Row(form_id=None, source=None, total=True, **sums)


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


def _submission_counts(since, until, form_id, by, first_touch):
    verified = case((Submission.verified_at.is_not(None), 1), else_=0)
    start, end = datetime.combine(since, time.min), datetime.combine(until + timedelta(days=1), time.min)
    zero = cast(literal(0), Integer)
    label = _label(by, first_touch).label("label")
    query = (select(Submission.form_id.label("form_id"), label,
                    *(zero.label(n) for n in _COUNTS[:4]),
                    func.count().label("submissions"), func.sum(verified).label("verified"))
             .where(Submission.created_at >= start, Submission.created_at < end)
             .group_by(Submission.form_id, *([label] if by != "form" else [])))
    return query.where(Submission.form_id == form_id) if form_id else query


def _event_counts(since, until, form_id, by):
    label = (cast(literal(""), String) if by == "form" else EventCounter.source).label("label")
    sums = [func.sum(case((EventCounter.event == event, EventCounter.count), else_=0)).label(name)
            for event, name in zip(_EVENTS, _COUNTS)]
    zero = cast(literal(0), Integer)
    query = (select(EventCounter.form_id.label("form_id"), label, *sums,
                    zero.label("submissions"), zero.label("verified"))
             .where(and_(EventCounter.day >= since, EventCounter.day <= until),
                    EventCounter.event.in_(_EVENTS))
             .group_by(EventCounter.form_id, *([label] if by != "form" else [])))
    return query.where(EventCounter.form_id == form_id) if form_id else query
