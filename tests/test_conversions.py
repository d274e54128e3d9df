"""Conversions: orders, sales, calls tied to a lead (phonecapture.record_conversion and
record_conversion_for_phone, `flask phonecapture conversion add`), idempotent by (kind, external_id),
holding no personal data."""
import logging
import re
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from flask_phonecapture import conversion_recorded, conversions
from flask_phonecapture.extension import get_state
from flask_phonecapture.models import Conversion, Submission
from tests.reporting import lead, move_submission
from tests.test_plaintext import NEEDLES, digits_only, dump_database

NUMBER = "+7 (912) 345-67-89"


@pytest.fixture
def ext(app):
    return get_state(app).extension


@pytest.fixture
def sid(client, capsys, run_jobs):
    """A verified submission of NUMBER from ya."""
    return lead(client, capsys, run_jobs, NUMBER, utm_source="ya")


def rows(app):
    with app.app_context():
        return get_state().db.session.execute(sa.select(Conversion).order_by(Conversion.created_at)).scalars().all()


def test_a_conversion_is_stored_with_its_value_currency_and_utc_time(app, ext, sid):
    seen = []
    when = datetime(2026, 3, 1, 15, 30, tzinfo=timezone(timedelta(hours=3)))
    with app.app_context(), conversion_recorded.connected_to(lambda sender, conversion: seen.append(conversion.id)):
        made = ext.record_conversion(sid, kind="order", value="1990.5", currency="rub", external_id="A-17",
                                     occurred_at=when)
    (row,) = rows(app)
    assert row.id == made.id and seen == [made.id]
    assert (row.submission_id, row.kind, row.value, row.currency, row.external_id) == (
        sid, "order", Decimal("1990.50"), "RUB", "A-17")
    assert row.occurred_at == datetime(2026, 3, 1, 12, 30)  # naive UTC, like every time in the tables


def test_recording_the_same_kind_and_external_id_again_returns_the_first_and_changes_nothing(app, ext, sid):
    seen = []
    with app.app_context(), conversion_recorded.connected_to(lambda sender, conversion: seen.append(conversion.id)):
        first = ext.record_conversion(sid, value=100, currency="RUB", external_id="A-17")
        again = ext.record_conversion(sid, value=999, currency="USD", external_id="A-17")
        other_kind = ext.record_conversion(sid, kind="sale", external_id="A-17")
        no_id = [ext.record_conversion(sid, kind="call").id for _ in range(2)]
        assert again.id == first.id and (again.value, again.currency) == (Decimal("100.00"), "RUB")
        assert other_kind.id != first.id and no_id[0] != no_id[1]
        assert seen == [first.id, other_kind.id, *no_id]  # the repeat sent no signal
    assert len(rows(app)) == 4


def test_an_order_id_typed_in_full_width_or_with_spaces_is_the_same_order(app, ext, sid):
    """NFKC: "Ａ-１７" from a Japanese keyboard or a copied PDF is A-17; case stays significant."""
    with app.app_context():
        first = ext.record_conversion(sid, external_id="A-17")
        assert ext.record_conversion(sid, external_id="Ａ-１７").id == first.id
        assert ext.record_conversion(sid, external_id=" A-17\u00a0").id == first.id
        assert ext.record_conversion(sid, external_id="a-17").id != first.id
    assert [r.external_id for r in rows(app)] == ["A-17", "a-17"]


def test_two_simultaneous_records_of_one_order_make_one_row(app, ext, sid):
    """Both callers' INSERTs are held until both have reached theirs, whatever was looked up
    before (PostgreSQL: two connections; SQLite: two threads on the file): one row, and both
    callers get it, without an error."""
    barrier = threading.Barrier(2, timeout=2)

    def hold(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO PHONECAPTURE_CONVERSION"):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:  # the other one is kept out by a lock: fine
                pass

    results, errors = [None, None], []

    def go(i):
        try:
            with app.app_context():
                results[i] = ext.record_conversion(sid, value="10.00", currency="RUB", external_id="A-17").id
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with app.app_context():
        engine = get_state().db.engine
    sa.event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sa.event.remove(engine, "before_cursor_execute", hold)
    assert errors == []
    assert len(rows(app)) == 1 and results[0] == results[1] == rows(app)[0].id


@pytest.mark.parametrize("kw, message", [
    ({"kind": "Order"}, "kind must be 1 to 32 characters of a-z, 0-9 and _"),
    ({"kind": ""}, "kind must be"),
    ({"kind": "x" * 33}, "kind must be"),
    ({"kind": "pre-order"}, "kind must be"),
    ({"value": "1990"}, "a value needs its currency"),
    ({"currency": "RUB"}, "currency is given without a value"),
    ({"value": -1, "currency": "RUB"}, "value must not be negative"),
    ({"value": "1,990", "currency": "RUB"}, "value must be a number such as 1990.00"),
    ({"value": True, "currency": "RUB"}, "value must be a number"),
    ({"value": "NaN", "currency": "RUB"}, "value must be a finite number"),
    ({"value": "Infinity", "currency": "RUB"}, "value must be a finite number"),
    ({"value": "19.999", "currency": "RUB"}, "at most 2 digits after the point"),
    ({"value": 10 ** 12, "currency": "RUB"}, "value must be less than 1,000,000,000,000"),
    ({"value": 5, "currency": "ABC"}, "currency must be an ISO 4217 code"),
    ({"value": 5, "currency": "RU"}, "currency must be an ISO 4217 code"),
    ({"value": 5, "currency": "руб"}, "currency must be an ISO 4217 code"),
    ({"value": 5, "currency": "XXX"}, "currency must be an ISO 4217 code"),  # "no currency"
    ({"value": 5, "currency": "xts"}, "currency must be an ISO 4217 code"),  # reserved for tests
    ({"occurred_at": datetime(2026, 3, 1, 12, 0)}, "occurred_at must carry a time zone"),
    ({"occurred_at": "2026-03-01"}, "occurred_at must be a datetime"),
    ({"external_id": "  "}, "external_id must be a non-empty string"),
    ({"external_id": "x" * 129}, "external_id must be at most 128 characters"),
    ({"external_id": "A\x1b[2J"}, "external_id must not contain control characters"),
    ({"external_id": "+7 912 345-67-89"}, "external_id looks like a phone number"),
    ({"external_id": "order-89123456789"}, "external_id looks like a phone number"),
    ({"external_id": "+1 212 555 0123"}, "external_id looks like a phone number"),
])
def test_bad_arguments_are_refused_with_a_value_error_that_names_them(app, ext, sid, kw, message):
    with app.app_context(), pytest.raises(ValueError, match=message) as info:
        ext.record_conversion(sid, **kw)
    assert "9123456789" not in digits_only(str(info.value)) and "2125550123" not in digits_only(str(info.value))
    assert rows(app) == []


def test_an_unknown_submission_is_refused(app, ext):
    for bad in ("0" * 32, None, 17, "", "a\x00" * 16, "f" * 1000):
        with app.app_context(), pytest.raises(ValueError, match="there is no submission with this id"):
            ext.record_conversion(bad)


def test_an_order_id_or_a_yclid_that_is_no_phone_number_is_kept(app, ext, sid):
    with app.app_context():
        for external_id in ("A-17", "1042", "2026-03-01/17", "5423875468723684324"):
            assert ext.record_conversion(sid, external_id=external_id).external_id == external_id


# -- by phone --------------------------------------------------------------------
def test_a_phone_finds_the_latest_verified_submission_of_its_lead(app, ext, client, capsys, run_jobs):
    older = lead(client, capsys, run_jobs, NUMBER, form_id="tracking", utm_source="vk")
    newer = lead(client, capsys, run_jobs, NUMBER, utm_source="ya")
    unverified = lead(client, capsys, run_jobs, NUMBER, form_id="tracking", verify=False, utm_source="fb")
    move_submission(app, older, datetime(2026, 1, 1))
    move_submission(app, newer, datetime(2026, 2, 1))
    move_submission(app, unverified, datetime(2026, 3, 1))
    with app.app_context():
        assert ext.record_conversion_for_phone("8 912 345-67-89", external_id="A-1").submission_id == newer
        in_january = datetime(2026, 1, 15, tzinfo=timezone.utc)  # only the older one was there then
        assert ext.record_conversion_for_phone(NUMBER, external_id="A-2", occurred_at=in_january).submission_id == older
        with pytest.raises(ValueError, match="left no submission before the conversion's time"):
            ext.record_conversion_for_phone(NUMBER, occurred_at=datetime(2025, 12, 31, tzinfo=timezone.utc))


def test_without_a_verified_submission_the_latest_one_counts(app, ext, client, capsys, run_jobs):
    first = lead(client, capsys, run_jobs, NUMBER, verify=False, form_id="tracking")
    latest = lead(client, capsys, run_jobs, NUMBER, verify=False)
    move_submission(app, first, datetime(2026, 1, 1))
    with app.app_context():
        assert ext.record_conversion_for_phone(NUMBER).submission_id == latest


@pytest.mark.parametrize("phone, message", [
    ("+7 912 000-00-00", "no lead left this number"),
    ("12", "phone: "),
    ("+7 912 345-67-89 ext", "phone: "),
])
def test_a_phone_without_a_lead_or_not_a_number_is_refused_without_echoing_it(app, ext, sid, phone, message):
    with app.app_context(), pytest.raises(ValueError, match=message) as info:
        ext.record_conversion_for_phone(phone)
    assert "91200000" not in digits_only(str(info.value)) and "9123456789" not in digits_only(str(info.value))
    assert rows(app) == []


def test_an_erased_lead_keeps_its_conversions_and_takes_new_ones_by_submission_only(app, ext, sid):
    with app.app_context():
        ext.record_conversion(sid, value="500.00", currency="RUB", external_id="A-1")
    result = app.test_cli_runner().invoke(args=["phonecapture", "erase", NUMBER, "--actor", "dpo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with pytest.raises(ValueError, match="no lead left this number"):
            ext.record_conversion_for_phone(NUMBER)
        ext.record_conversion(sid, kind="call")
    assert [(r.kind, r.value) for r in rows(app)] == [("order", Decimal("500.00")), ("call", None)]


def test_no_phone_number_reaches_the_conversion_table_or_the_logs(app, ext, sid, caplog):
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        ext.record_conversion_for_phone(NUMBER, value="1990.00", currency="RUB", external_id="A-17")
        for bad in ("+7 912 345-67-89", "89123456789"):
            with pytest.raises(ValueError):
                ext.record_conversion(sid, external_id=bad)
    result = app.test_cli_runner().invoke(args=["phonecapture", "conversion", "add", "--phone", NUMBER,
                                                "--kind", "call"])
    assert result.exit_code == 0, result.output
    assert "9123456789" not in digits_only(result.output)
    with app.app_context():
        table = get_state().db.session.execute(sa.select(Conversion.__table__)).all()
    assert len(table) == 2
    conversion_rows = "\n".join(" ".join(str(v) for v in row) for row in table)
    assert "9123456789" not in digits_only(conversion_rows)
    dump = dump_database(app)
    for needle in NEEDLES:
        assert needle not in dump, needle
    for record in caplog.records:
        assert "9123456789" not in digits_only(record.getMessage())


# -- CLI ---------------------------------------------------------------------------
def add(app, *args):
    return app.test_cli_runner().invoke(args=["phonecapture", "conversion", "add", *args])


def test_cli_records_by_submission_or_by_phone_and_says_so_on_a_repeat(app, sid):
    result = add(app, "--submission", sid, "--value", "1990.00", "--currency", "RUB", "--external-id", "A-17",
                 "--occurred-at", "2026-03-01T15:30:00+03:00")
    assert result.exit_code == 0, result.output
    (row,) = rows(app)
    assert result.output == f"recorded conversion {row.id} (order, 1990.00 RUB, external id A-17) for submission {sid}\n"
    assert row.occurred_at == datetime(2026, 3, 1, 12, 30)
    again = add(app, "--phone", "8 912 345 67 89", "--value", "5", "--currency", "USD", "--external-id", "A-17")
    assert again.exit_code == 0, again.output
    assert again.output.startswith(f"already recorded: conversion {row.id} (order, 1990.00 RUB") and "nothing changed" in again.output
    call = add(app, "--phone", "8 912 345 67 89", "--kind", "call")
    assert call.exit_code == 0 and call.output.endswith(f"(call) for submission {sid}\n")
    assert len(rows(app)) == 2


@pytest.mark.parametrize("args, message", [
    ([], "give either --submission ID or --phone PHONE"),
    (["--submission", "x", "--phone", NUMBER], "give either --submission ID or --phone PHONE"),
    (["--submission", "0" * 32], "there is no submission with this id"),
    (["--submission", "a\x00b"], "there is no submission with this id"),
    (["--phone", "+7 912 000-00-00"], "no lead left this number"),
    (["--phone", "+7 912"], "phone: "),
    (["SID", "--value", "1990"], "a value needs its currency"),
    (["SID", "--value", "abc", "--currency", "RUB"], "value must be a number such as 1990.00"),
    (["SID", "--value", "-5", "--currency", "RUB"], "value must not be negative"),
    (["SID", "--value", "5", "--currency", "XYZ"], "currency must be an ISO 4217 code"),
    (["SID", "--kind", "Big Order"], "kind must be"),
    (["SID", "--external-id", "+79123456789"], "external_id looks like a phone number"),
    (["SID", "--occurred-at", "yesterday"], "Invalid value for '--occurred-at': use ISO 8601 with a time zone"),
    (["SID", "--occurred-at", "2026-03-01T12:00:00"], "occurred_at must carry a time zone"),
])
def test_cli_refuses_bad_input_with_a_message_and_a_non_zero_exit(app, sid, args, message):
    args = ["--submission", sid, *args[1:]] if args[:1] == ["SID"] else args
    result = add(app, *args)
    assert result.exit_code == 2 and message in result.stderr, (result.output, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    assert "9123456789" not in digits_only(result.output + result.stderr)
    assert "912000" not in digits_only(result.output + result.stderr)
    assert rows(app) == []


def test_the_conversion_table_is_dropped_by_a_downgrade_to_0004_and_comes_back(app, ext, sid):
    from flask_phonecapture import migrate

    with app.app_context():
        ext.record_conversion(sid)
        get_state().db.session.close()  # its read of the new row holds the table (PostgreSQL) until closed
        migrate.downgrade("0004")
        assert "phonecapture_conversion" not in sa.inspect(get_state().db.engine).get_table_names()
        assert get_state().db.session.get(Submission, sid) is not None
        get_state().db.session.close()
        migrate.upgrade()
        assert migrate.current() == "0006"
    assert rows(app) == []


def test_the_region_of_a_number_without_plus_is_read_in_any_case_and_a_bad_one_is_named(app, ext, sid):
    with app.app_context():
        made = ext.record_conversion_for_phone("8 912 345-67-89", region=" ru ", external_id="A-18")
        assert made.submission_id == sid  # "ru" from a shop's country field, not "not a valid number"
        for region in ("xx", "", None, 5, "\x00"):
            with pytest.raises(conversions.ConversionError, match="region must be a two-letter country code"):
                ext.record_conversion_for_phone("8 912 345-67-89", region=region)
    result = app.test_cli_runner().invoke(args=["phonecapture", "conversion", "add", "--phone", "8 912 345-67-89",
                                                "--region", "kz-"])
    assert result.exit_code == 2 and "region must be" in result.output and "912" not in result.output


def test_an_order_without_a_number_is_refused_as_such_not_as_an_unknown_submission(app, ext, sid):
    with app.app_context(), pytest.raises(conversions.ConversionError, match="without a number"):
        ext.record_conversion_for_phone(None, external_id="A-19")
    assert rows(app) == []


def test_a_number_given_as_dash_is_read_from_stdin_and_never_on_the_command_line(app, ext, sid):
    """`--phone -` keeps the number out of ps and the shell history."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["phonecapture", "conversion", "add", "--phone", "-", "--kind", "call"],
                           input="8 912 345-67-89\n")
    assert result.exit_code == 0, result.output
    assert f"for submission {sid}" in result.output
    assert "912" not in re.sub(r"[0-9a-f]{32}", "<id>", result.output)  # ids are random hex
    empty = runner.invoke(args=["phonecapture", "conversion", "add", "--phone", "-"], input="")
    assert empty.exit_code == 2 and "standard input held no number" in empty.output
    erased = runner.invoke(args=["phonecapture", "erase", "-", "--actor", "dpo"], input="+79123456789\n")
    assert erased.exit_code == 0 and "erased 1 contact(s)" in erased.output, erased.output
    assert "912" not in erased.output
