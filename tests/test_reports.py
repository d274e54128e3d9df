"""The source report (reports.py) and `flask phonecapture report`: which sources bring
verified numbers, from the widget's event counters and the submissions, aggregated in SQL."""
import csv
import io
import json
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event

from flask_phonecapture.extension import get_state
from flask_phonecapture.reports import ReportError, Row, source_report
from tests.reporting import beacon, convert, days_ago, lead, move_events, move_submission, today


@pytest.fixture
def traffic(app, client, capsys, run_jobs):
    """Today on form callback: ya 10 impressions, 4 opens, 1 close, 1 submit error, 3 submissions
    (2 verified); direct 5 impressions, 1 open, 1 submission (verified); vk 1 unverified
    submission and no events. Form tracking: 2 direct impressions, one google submission."""
    beacon(client, "impression", 10, utm_source="ya")
    beacon(client, "open", 4, utm_source="ya")
    beacon(client, "close", 1, utm_source="ya")
    beacon(client, "submit_error", 1, utm_source="ya")
    beacon(client, "impression", 5)
    beacon(client, "open", 1)
    beacon(client, "impression", 2, form_id="tracking")
    beacon(client, "submit")  # the widget's own submit/verified beacons: the report counts rows instead
    ids = {
        "ya1": lead(client, capsys, run_jobs, "+7 912 345-67-81", utm_source="ya", utm_medium="cpc", utm_campaign="kettles"),
        "ya2": lead(client, capsys, run_jobs, "+7 912 345-67-82", utm_source="ya", utm_medium="cpc"),
        "ya3": lead(client, capsys, run_jobs, "+7 912 345-67-83", verify=False, utm_source="ya", utm_medium="cpc"),
        "direct": lead(client, capsys, run_jobs, "+7 912 345-67-84"),
        "vk": lead(client, capsys, run_jobs, "+7 912 345-67-85", verify=False, utm_source="vk", utm_campaign="kettles"),
        "tracking": lead(client, capsys, run_jobs, "+7 912 345-67-86", form_id="tracking", utm_source="google"),
    }
    return ids


def report(app, **kw):
    kw.setdefault("since", today())
    kw.setdefault("until", today())
    with app.app_context():
        return source_report(get_state(), **kw)


def by_key(rows):
    return {(r.form_id, r.source): r for r in rows if not r.total}


def test_each_source_shows_its_events_submissions_and_verified_numbers(app, traffic):
    rows = report(app)
    assert by_key(rows) == {
        ("callback", "ya"): Row("callback", "ya", 10, 4, 1, 1, 3, 2),
        ("callback", "(direct)"): Row("callback", "(direct)", 5, 1, 0, 0, 1, 1),
        ("callback", "vk"): Row("callback", "vk", 0, 0, 0, 0, 1, 0),
        ("tracking", "(direct)"): Row("tracking", "(direct)", 2, 0, 0, 0, 0, 0),
        ("tracking", "google"): Row("tracking", "google", 0, 0, 0, 0, 1, 1),
    }
    ya = by_key(rows)[("callback", "ya")]
    assert ya.verification_rate == pytest.approx(2 / 3) and ya.verified_per_1000 == pytest.approx(200.0)
    assert by_key(rows)[("callback", "vk")].verified_per_1000 is None  # no impressions: no rate
    assert by_key(rows)[("tracking", "(direct)")].verification_rate is None  # no submissions


def test_rows_are_per_form_most_verified_first_and_end_with_the_totals(app, traffic):
    rows = report(app)
    assert [(r.form_id, r.source) for r in rows] == [
        ("callback", "ya"), ("callback", "(direct)"), ("callback", "vk"),
        ("tracking", "google"), ("tracking", "(direct)"), (None, None)]
    assert rows[-1] == Row(None, None, 17, 5, 1, 1, 6, 4, total=True)
    assert rows[-1].verification_rate == pytest.approx(4 / 6)
    assert rows[-1].verified_per_1000 == pytest.approx(4000 / 17)


def test_one_form_only(app, traffic):
    rows = report(app, form_id="tracking")
    assert [(r.source, r.impressions, r.submissions) for r in rows] == [
        ("google", 0, 1), ("(direct)", 2, 0), (None, 2, 1)]


def test_by_medium_and_campaign_have_submission_columns_only(app, traffic):
    medium = by_key(report(app, by="utm_medium"))
    assert {k: (r.submissions, r.verified) for k, r in medium.items()} == {
        ("callback", "cpc"): (3, 2), ("callback", "(none)"): (2, 1), ("tracking", "(none)"): (1, 1)}
    assert all(r.impressions is r.opens is r.closes is r.submit_errors is None for r in medium.values())
    campaign = report(app, by="utm_campaign", form_id="callback")
    assert [(r.source, r.submissions, r.verified) for r in campaign] == [
        ("(none)", 3, 2), ("kettles", 2, 1), (None, 5, 3)]
    assert campaign[-1].impressions is None and campaign[-1].verified_per_1000 is None


def test_by_form_sums_every_source(app, traffic):
    rows = report(app, by="form")
    assert rows == [Row("callback", None, 15, 5, 1, 1, 5, 3), Row("tracking", None, 2, 0, 0, 0, 1, 1),
                    Row(None, None, 17, 5, 1, 1, 6, 4, total=True)]


def test_erased_contacts_still_count(app, traffic):
    result = app.test_cli_runner().invoke(args=["phonecapture", "erase", "+7 912 345-67-81", "--actor", "dpo"])
    assert result.exit_code == 0, result.output
    assert by_key(report(app))[("callback", "ya")] == Row("callback", "ya", 10, 4, 1, 1, 3, 2)
    assert by_key(report(app, by="utm_campaign"))[("callback", "kettles")].verified == 1


def test_both_ends_of_the_date_range_are_included(app, traffic):
    start = datetime.combine(days_ago(7), time.min)
    move_submission(app, traffic["ya1"], start)                            # first second of the first day
    move_submission(app, traffic["ya2"], start - timedelta(microseconds=1))  # the day before: out
    move_submission(app, traffic["ya3"], datetime.combine(days_ago(5), time.max))  # last moment of the last day
    move_events(app, days_ago(7), source="ya")
    move_events(app, days_ago(8), source="(direct)")
    rows = by_key(report(app, since=days_ago(7), until=days_ago(5), form_id="callback"))
    assert rows == {("callback", "ya"): Row("callback", "ya", 10, 4, 1, 1, 2, 1)}
    assert by_key(report(app, since=days_ago(8), until=days_ago(8), form_id="callback")) == {
        ("callback", "ya"): Row("callback", "ya", 0, 0, 0, 0, 1, 1),
        ("callback", "(direct)"): Row("callback", "(direct)", 5, 1, 0, 0, 0, 0)}


def test_an_empty_period_has_only_a_zero_totals_row(app, traffic):
    assert report(app, since=days_ago(3), until=days_ago(1)) == [Row(None, None, 0, 0, 0, 0, 0, 0, total=True)]
    lines = cli(app, "--since", str(days_ago(3)), "--until", str(days_ago(1))).output.splitlines()
    assert lines[4] == "(nothing was counted in these days)" and lines[-1].split()[:2] == ["total", "0"]


def test_first_touch_attributes_to_the_first_visits_source(app, client, capsys, run_jobs):
    first = {"utm_source": "vk", "at": "2026-01-01T10:00:00Z"}
    lead(client, capsys, run_jobs, "+7 912 345-67-81", utm_source="ya", first_touch=first)
    lead(client, capsys, run_jobs, "+7 912 345-67-82", utm_source="ya",
         first_touch={"at": "2026-01-01T10:00:00Z"})  # first visit untagged: direct
    lead(client, capsys, run_jobs, "+7 912 345-67-83", utm_source="ya")  # no first touch known
    beacon(client, "impression", 3, utm_source="ya")
    rows = report(app, first_touch=True)
    assert [(r.source, r.submissions, r.impressions) for r in rows] == [
        ("(direct)", 1, None), ("vk", 1, None), ("ya", 1, None), (None, 3, None)]
    assert [(r.source, r.submissions) for r in report(app)][:1] == [("ya", 3)]


def test_a_long_tag_lines_up_with_its_cut_event_label(app, client, capsys, run_jobs):
    tag = "x" * 200
    beacon(client, "impression", 2, utm_source=tag)
    lead(client, capsys, run_jobs, "+7 912 345-67-81", utm_source=tag)
    (row, _) = report(app)
    assert (row.source, row.impressions, row.verified) == ("x" * 128, 2, 1)


def test_the_report_is_one_grouped_query(app, traffic):
    convert(app, traffic["ya1"], value="10.00", currency="RUB")
    statements = []
    with app.app_context():
        engine = get_state().db.engine
        listen = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listen)
        try:
            source_report(get_state(), since=today(), until=today())
        finally:
            event.remove(engine, "before_cursor_execute", listen)
    assert len(statements) == 1
    assert "GROUP BY" in statements[0] and "UNION ALL" in statements[0]


@pytest.mark.parametrize("kw, message", [
    ({"since": today(), "until": days_ago(1)}, "since must not be after until"),
    ({"by": "utm_term"}, "by must be one of"),
    ({"by": "form", "first_touch": True}, "first_touch attribution needs by=utm_source"),
])
def test_impossible_reports_are_refused(app, kw, message):
    with pytest.raises(ReportError, match=message):
        report(app, **kw)


# -- CLI ---------------------------------------------------------------------
def cli(app, *args):
    return app.test_cli_runner().invoke(args=["phonecapture", "report", *args])


def test_cli_prints_a_table_for_the_last_30_days(app, traffic):
    result = cli(app)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Sources of phone numbers, {days_ago(29)} to {today()} (UTC), by utm_source"
    assert lines[2].split() == ["form", "source", "impressions", "opens", "closes", "submit", "errors",
                                "submissions", "verified", "verified", "%", "verified/1000", "impr.",
                                "conversions", "conv./verified", "%"]
    assert lines[4].split() == ["callback", "ya", "10", "4", "1", "1", "3", "2", "66.7", "200.0", "0", "0.0"]
    assert lines[6].split() == ["callback", "vk", "0", "0", "0", "0", "1", "0", "0.0", "–", "0", "–"]
    assert lines[-1].split() == ["total", "17", "5", "1", "1", "6", "4", "66.7", "235.3", "0", "0.0"]


def test_cli_csv_and_json_carry_the_same_numbers(app, traffic):
    table = list(csv.DictReader(io.StringIO(cli(app, "--format", "csv", "--form", "callback").output)))
    assert table[0] == {"form": "callback", "source": "ya", "impressions": "10", "opens": "4", "closes": "1",
                        "submit_errors": "1", "submissions": "3", "verified": "2",
                        "verification_rate": "0.6667", "verified_per_1000_impressions": "200.0",
                        "conversions": "0", "conversions_per_verified": "0.0"}
    assert table[-1]["form"] == "(total)" and table[-1]["submissions"] == "5"
    data = json.loads(cli(app, "--format", "json", "--by", "utm_medium", "--since", str(today()),
                          "--until", str(today())).output)
    assert data["by"] == "utm_medium" and data["since"] == str(today())
    assert data["rows"][0] == {"form_id": "callback", "source": "cpc", "impressions": None, "opens": None,
                               "closes": None, "submit_errors": None, "submissions": 3, "verified": 2,
                               "conversions": 0, "value": {}, "total": False,
                               "verification_rate": pytest.approx(2 / 3), "verified_per_1000": None,
                               "conversions_per_verified": 0.0}


@pytest.mark.parametrize("args, message", [
    (["--since", "2026-02-30"], "Invalid value for '--since'"),
    (["--since", str(today())], "give both --since and --until"),
    (["--days", "7", "--since", str(today()), "--until", str(today())], "either --days or --since/--until"),
    (["--since", str(today()), "--until", str(days_ago(1))], "since must not be after until"),
    (["--days", "0"], "Invalid value for '--days'"),
    (["--days", "99999999"], "--days reaches back before the year 1"),
    (["--by", "utm_term"], "Invalid value for '--by'"),
    (["--form", "nope"], "there is no form 'nope'"),
])
def test_cli_refuses_bad_options_with_a_message(app, args, message):
    result = cli(app, *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_cli_table_shows_control_characters_of_a_visitors_tag_escaped_not_raw(app, client, capsys, run_jobs):
    # a tag is the visitor's: raw ESC/BEL/bidi characters would drive the staff member's terminal
    lead(client, capsys, run_jobs, "+7 912 345-67-81", utm_source="\x1b]0;owned\x07\x1b[2Jx\u202ey")
    result = cli(app)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert "\\x1b]0;owned\\x07\\x1b[2Jx\\u202ey" in result.output


# -- conversions ---------------------------------------------------------------
@pytest.fixture
def sales(app, traffic):
    """ya1: an order of 1990 RUB and one of 25.50 USD; ya2: a call (no value); direct: 500 RUB;
    vk (unverified lead): a 100 RUB order; tracking/google: a meeting."""
    convert(app, traffic["ya1"], value="1990.00", currency="RUB", external_id="A-1")
    convert(app, traffic["ya1"], value="25.50", currency="USD", external_id="A-2")
    convert(app, traffic["ya2"], kind="call")
    convert(app, traffic["direct"], value=500, currency="RUB", external_id="A-3")
    convert(app, traffic["vk"], value="100", currency="RUB", external_id="A-4")
    convert(app, traffic["tracking"], kind="meeting")
    return traffic


def test_conversions_count_under_their_leads_source_with_a_value_per_currency(app, sales):
    rows = by_key(report(app))
    ya = rows[("callback", "ya")]
    assert (ya.conversions, ya.value) == (3, {"RUB": Decimal("1990.00"), "USD": Decimal("25.50")})
    assert ya.conversions_per_verified == pytest.approx(3 / 2)
    assert (rows[("callback", "(direct)")].conversions, rows[("callback", "(direct)")].value) == (1, {"RUB": Decimal("500.00")})
    vk = rows[("callback", "vk")]
    assert (vk.conversions, vk.value, vk.conversions_per_verified) == (1, {"RUB": Decimal("100.00")}, None)
    assert (rows[("tracking", "google")].conversions, rows[("tracking", "google")].value) == (1, {})
    assert rows[("tracking", "(direct)")].conversions == 0
    total = report(app)[-1]
    assert (total.conversions, total.value) == (6, {"RUB": Decimal("2590.00"), "USD": Decimal("25.50")})
    assert total.conversions_per_verified == pytest.approx(6 / 4)
    assert (ya.submissions, ya.verified, ya.impressions) == (3, 2, 10)  # the other columns are unchanged


def test_conversions_follow_the_grouping_and_the_form_filter(app, sales):
    medium = by_key(report(app, by="utm_medium"))
    assert medium[("callback", "cpc")].conversions == 3 and medium[("callback", "(none)")].conversions == 2
    assert medium[("callback", "(none)")].value == {"RUB": Decimal("600.00")}
    campaign = by_key(report(app, by="utm_campaign", form_id="callback"))
    assert campaign[("callback", "kettles")].value == {"RUB": Decimal("2090.00"), "USD": Decimal("25.50")}
    by_form = report(app, by="form")
    assert [(r.form_id, r.conversions) for r in by_form] == [("callback", 5), ("tracking", 1), (None, 6)]
    assert [r.conversions for r in report(app, form_id="tracking")] == [1, 0, 1]


def test_a_conversion_counts_in_the_period_of_its_lead_whenever_it_happened(app, traffic):
    """Cohort view: a lead of last month that orders today counts last month, under its source."""
    month_ago = datetime.combine(days_ago(40), time(12))
    move_submission(app, traffic["ya1"], month_ago)
    convert(app, traffic["ya1"], value="1990.00", currency="RUB")  # occurred today
    convert(app, traffic["direct"], value="500.00", currency="RUB",
            occurred_at=datetime.now(timezone.utc) + timedelta(days=3))  # after the period's end: still counts
    assert by_key(report(app))[("callback", "ya")].conversions == 0
    assert by_key(report(app))[("callback", "(direct)")].conversions == 1
    old = by_key(report(app, since=days_ago(40), until=days_ago(40)))
    assert (old[("callback", "ya")].conversions, old[("callback", "ya")].value) == (1, {"RUB": Decimal("1990.00")})


def test_with_first_touch_conversions_go_to_the_first_visits_source(app, client, capsys, run_jobs):
    first = {"utm_source": "vk", "at": "2026-01-01T10:00:00Z"}
    touched = lead(client, capsys, run_jobs, "+7 912 345-67-81", utm_source="ya", first_touch=first)
    plain = lead(client, capsys, run_jobs, "+7 912 345-67-82", utm_source="ya")
    convert(app, touched, value="700.00", currency="RUB")
    convert(app, plain, value="300.00", currency="RUB")
    rows = by_key(report(app, first_touch=True))
    assert (rows[("callback", "vk")].conversions, rows[("callback", "vk")].value) == (1, {"RUB": Decimal("700.00")})
    assert (rows[("callback", "ya")].conversions, rows[("callback", "ya")].value) == (1, {"RUB": Decimal("300.00")})
    assert by_key(report(app))[("callback", "ya")].value == {"RUB": Decimal("1000.00")}


def test_an_erased_leads_conversions_still_count(app, sales):
    result = app.test_cli_runner().invoke(args=["phonecapture", "erase", "+7 912 345-67-81", "--actor", "dpo"])
    assert result.exit_code == 0, result.output
    ya = by_key(report(app))[("callback", "ya")]
    assert (ya.conversions, ya.value) == (3, {"RUB": Decimal("1990.00"), "USD": Decimal("25.50")})


def test_cli_table_csv_and_json_show_conversions_and_each_currency_apart(app, sales):
    lines = cli(app, "--form", "callback").output.splitlines()
    assert lines[2].split()[-7:] == ["conversions", "conv./verified", "%", "value", "RUB", "value", "USD"]
    assert lines[4].split()[-4:] == ["3", "150.0", "1990.00", "25.50"]
    assert lines[-1].split()[-4:] == ["5", "166.7", "2590.00", "25.50"]
    table = list(csv.DictReader(io.StringIO(cli(app, "--format", "csv").output)))
    assert list(table[0])[-4:] == ["conversions", "conversions_per_verified", "value_RUB", "value_USD"]
    assert {k: table[0][k] for k in list(table[0])[-4:]} == {
        "conversions": "3", "conversions_per_verified": "1.5", "value_RUB": "1990.00", "value_USD": "25.50"}
    vk = next(r for r in table if r["source"] == "vk")
    assert (vk["conversions_per_verified"], vk["value_USD"]) == ("", "0.00")
    assert table[-1]["value_RUB"] == "2590.00"
    data = json.loads(cli(app, "--format", "json").output)
    assert data["currencies"] == ["RUB", "USD"]
    assert data["rows"][0]["value"] == {"RUB": "1990.00", "USD": "25.50"}
    assert data["rows"][0]["conversions"] == 3 and data["rows"][0]["conversions_per_verified"] == 1.5
    assert data["rows"][-1]["value"] == {"RUB": "2590.00", "USD": "25.50"}


def test_without_values_there_are_no_value_columns(app, traffic):
    convert(app, traffic["ya1"], kind="call")
    header = cli(app, "--format", "csv").output.splitlines()[0]
    assert header.endswith(",conversions,conversions_per_verified")
