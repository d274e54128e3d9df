"""/phonecapture/admin/leads: recent leads, masked, for managers; an audited "show number"."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.models import AuditRecord, Submission, utcnow
from tests.reporting import lead, move_submission

PAGE = "/phonecapture/admin/leads"
PHONES = ("+7 912 345-67-81", "+7 912 345-67-82", "+7 912 345-67-83")
RU = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}


@pytest.fixture
def roles():
    return set()


@pytest.fixture
def actor():
    """What the host app's actor_loader answers (None by default: the fallback actor)."""
    return {"name": None}


@pytest.fixture
def app(make_app, roles, actor):
    app, ext = make_app(WTF_CSRF_ENABLED=True)
    ext.role_loader(lambda: roles)
    ext.actor_loader(lambda: actor["name"])  # None: as if the app named nobody
    return app


@pytest.fixture
def manager(roles):
    roles.add("manager")


@pytest.fixture
def traffic(client, capsys, run_jobs):
    """Three leads, oldest first: verified (ya/cpc/spring, marketing too), pending, verified (tracking form)."""
    return [lead(client, capsys, run_jobs, PHONES[0], utm_source="ya", utm_medium="cpc", utm_campaign="spring",
                page_url="https://shop.example/product/kettle?phone=%2B79123456781",
                consents={"service_sms": True, "marketing_sms": True}, name="Анна"),
           lead(client, capsys, run_jobs, PHONES[1], verify=False),
           lead(client, capsys, run_jobs, PHONES[2], form_id="tracking")]


def contact_of(app, submission_id) -> str:
    with app.app_context():
        return get_state().db.session.get(Submission, submission_id).contact_id


def audits(app, action="reveal") -> list[AuditRecord]:
    with app.app_context():
        return get_state().db.session.execute(
            select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)).scalars().all()


def csrf(client) -> str:
    html = client.get(PAGE).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def reveal(client, contact_id, reason="call back about order 17", token=None, **kw):
    data = {"reason": reason}
    if token is not False:
        data["csrf_token"] = token or csrf(client)
    return client.post(f"{PAGE}/{contact_id}/reveal", data=data, **kw)


def rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        out.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells[:6]])
    return out


# -- who may look --------------------------------------------------------------------
@pytest.mark.parametrize("granted", [set(), {"marketer"}, {"analyst"}, {"marketer", "analyst", "visitor"}])
def test_without_manager_or_admin_the_page_and_the_reveal_are_forbidden_and_nothing_is_recorded(
        app, client, roles, traffic, granted, monkeypatch):
    contact_id = contact_of(app, traffic[0])
    roles.clear()
    roles.update(granted)
    from flask_phonecapture import contacts, subject_access

    def no_decrypt(*args, **kw):
        raise AssertionError("decrypted for someone without the role")

    monkeypatch.setattr(contacts, "decrypt_e164", no_decrypt)
    monkeypatch.setattr(subject_access, "decrypt_e164", no_decrypt)
    for response in (client.get(PAGE), client.get(f"{PAGE}/{contact_id}/reveal"),
                     client.post(f"{PAGE}/{contact_id}/reveal", data={"reason": "call back"}),
                     client.get(PAGE + "?before=garbage")):
        assert response.status_code == 403
        body = response.get_data(as_text=True)
        assert "<h1" in body and "manager or admin role" in body and "<table" not in body
        assert response.headers["Cache-Control"] == "no-store"
    assert audits(app) == []


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_see_the_leads(app, client, roles, role, traffic):
    roles.add(role)
    response = client.get(PAGE)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert len(rows(response.get_data(as_text=True))) == 3


def test_the_staff_menu_shows_the_pages_each_role_may_open(app, client, roles):
    roles.add("manager")
    html = client.get(PAGE).get_data(as_text=True)
    nav = html.split('<nav class="phonecapture-staff-nav"', 1)[1].split("</nav>", 1)[0]
    assert f'<a href="{PAGE}" aria-current="page">Leads</a>' in nav and "Sources" not in nav
    roles.add("marketer")
    nav = client.get("/phonecapture/admin/sources").get_data(as_text=True).split("</nav>", 1)[0]
    assert nav.index(">Sources</a>") < nav.index(">Leads</a>")
    assert '<a href="/phonecapture/admin/sources" aria-current="page">Sources</a>' in nav


# -- the list ------------------------------------------------------------------------
def test_the_list_shows_leads_newest_first_with_masked_numbers_status_consents_and_source(app, client, manager, traffic):
    html = client.get(PAGE).get_data(as_text=True)
    assert [r[1:] for r in rows(html)] == [
        ["tracking", "+7 *** ***-**-83", "Verified", "Service SMS", "(direct)"],
        ["callback", "+7 *** ***-**-82", "Pending verification", "Service SMS", "(direct)"],
        ["callback", "+7 *** ***-**-81", "Verified", "Service SMS Marketing SMS",
         "ya / cpc / spring page /product/kettle"],
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows(html)[0][0])
    assert html.count(">Show number</summary>") == 2  # the pending one: not confirmed by SMS
    assert html.count("Not confirmed by SMS: the number is not shown") == 1


def test_no_full_number_or_name_reaches_the_list(app, client, manager, traffic):
    html = client.get(PAGE).get_data(as_text=True)
    digits = re.sub(r"\D", "", html)
    for phone in PHONES:
        e164 = "+" + re.sub(r"\D", "", phone)
        national = e164[2:]  # 9123456781
        assert e164 not in html and national not in digits and phone not in html
        assert "8 (912) 345-67-8" not in html and national[-7:] not in digits
    assert "Анна" not in html and "phone=" not in html  # the page path only, never its query


def test_an_erased_number_shows_as_erased_without_a_reveal_form(app, client, manager, traffic):
    from flask_phonecapture.privacy import erase_number

    with app.app_context():
        erase_number(get_state(), "+79123456781", actor="dpo", reason="request")
    html = client.get(PAGE).get_data(as_text=True)
    last = rows(html)[-1]
    assert last[2:4] == ["–", "Erased"] and "Service SMS (withdrawn" in last[4]
    assert html.count(">Show number</summary>") == 1


def test_a_withdrawn_marketing_consent_says_so(app, client, manager, traffic):
    from flask_phonecapture import consent

    with app.app_context():
        state = get_state()
        consent.withdraw(state, contact_of(app, traffic[0]), ["marketing_sms"], channel="sms")
        state.db.session.commit()
    row = rows(client.get(PAGE).get_data(as_text=True))[-1]
    assert re.search(r"Service SMS Marketing SMS \(withdrawn \d{4}-\d\d-\d\d\)$", row[4])


@pytest.mark.parametrize("query, forms", [
    ({"status": "verified"}, ["tracking", "callback"]),
    ({"status": "pending"}, ["callback"]),
    ({"form": "tracking"}, ["tracking"]),
    ({"form": "callback", "status": "verified"}, ["callback"]),
])
def test_filters_by_status_and_form(app, client, manager, traffic, query, forms):
    response = client.get(PAGE, query_string=query)
    assert response.status_code == 200
    assert [r[1] for r in rows(response.get_data(as_text=True))] == forms


def test_the_period_leaves_out_older_leads(app, client, manager, traffic):
    move_submission(app, traffic[0], utcnow() - timedelta(days=10))
    assert len(rows(client.get(PAGE, query_string={"period": "7"}).get_data(as_text=True))) == 2
    assert len(rows(client.get(PAGE, query_string={"period": "30"}).get_data(as_text=True))) == 3
    move_submission(app, traffic[0], utcnow() - timedelta(days=400))
    assert len(rows(client.get(PAGE).get_data(as_text=True))) == 2  # the default: 30 days
    assert len(rows(client.get(PAGE, query_string={"period": "all"}).get_data(as_text=True))) == 3


def test_older_pages_follow_the_time_and_id_of_the_last_row(app, client, manager, traffic, monkeypatch):
    from flask_phonecapture import admin_leads

    monkeypatch.setattr(admin_leads, "PAGE_SIZE", 2)
    # two leads at the same instant: the id breaks the tie, so none is skipped or shown twice
    same = utcnow() - timedelta(hours=1)
    move_submission(app, traffic[1], same)
    move_submission(app, traffic[2], same)
    seen = []
    url = PAGE + "?status=all&lang=en"
    for _ in range(3):
        html = client.get(url).get_data(as_text=True)
        seen += [r[1:3] for r in rows(html)]
        older = re.search(r'<a href="([^"]+)" rel="next">Older leads', html)
        if not older:
            break
        url = older.group(1).replace("&amp;", "&")
        assert "status=all" in url and "lang=en" in url and "before=" in url
    assert sorted(seen) == sorted([["callback", "+7 *** ***-**-81"], ["callback", "+7 *** ***-**-82"],
                                   ["tracking", "+7 *** ***-**-83"]])
    assert "Back to the newest leads" in html


@pytest.mark.parametrize("query, message", [
    ({"before": "garbage"}, "This page link is broken or out of date."),
    ({"before": "20261399T000000.000000_" + "a" * 32}, "This page link is broken or out of date."),
    ({"before": "20260101T000000.000000_" + "a" * 31 + "\x00"}, "This page link is broken or out of date."),
    ({"before": "x" * 100_000}, "This page link is broken or out of date."),
    ({"status": "erased"}, "Status: Choose one of the listed values."),
    ({"period": "-1"}, "Period: Choose one of the listed values."),
    ({"form": "+79123456789"}, "Form: Choose one of the listed values."),
])
def test_a_bad_query_is_a_400_page_that_says_what_to_fix(app, client, manager, traffic, query, message):
    response = client.get(PAGE, query_string=query)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'role="alert"' in html
    assert "<title>Error: Leads</title>" in html and "<table" not in html and "9123456789" not in html


# -- show one number -------------------------------------------------------------------
def test_show_number_records_one_audit_entry_then_shows_the_number(app, client, manager, traffic):
    contact_id = contact_of(app, traffic[0])
    response = reveal(client, contact_id, reason="  call back about order 17 from +7 912 345-67-81  ")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert '<a href="tel:+79123456781">Call +7 912 345-67-81</a>' in html
    assert "8 (912) 345-67-81" in html and contact_id in html
    assert "This view was recorded in the audit log" in html
    (record,) = audits(app)
    assert record.target == contact_id and record.role == "manager"
    assert record.actor == "role:manager@127.0.0.1" and record.origin == "admin 127.0.0.1"
    assert record.reason == "call back about order 17 from [phone]"  # trimmed; no number in the log


def test_the_actor_is_the_host_apps_user_when_it_names_one(app, client, roles, actor, traffic):
    actor["name"] = "olga@shop.example"
    roles.add("admin")
    assert reveal(client, contact_of(app, traffic[0])).status_code == 200
    (record,) = audits(app)
    assert record.actor == "olga@shop.example" and record.role == "admin"


@pytest.mark.parametrize("reason, message", [
    ("", "Enter a reason: why you need the full number"),
    ("      ", "Spaces alone are not a reason."),
    ("\x00\x00 \t", "Spaces alone are not a reason."),
    ("x" * 201, "The reason is longer than 200 characters: shorten it."),
])
def test_no_reason_is_a_400_with_the_form_again_and_nothing_shown_or_recorded(
        app, client, manager, traffic, reason, message):
    contact_id = contact_of(app, traffic[0])
    response = reveal(client, contact_id, reason=reason)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert 'role="alert"' in html and '<a href="#pc-reason">' in html and 'aria-invalid="true"' in html
    assert "+7 *** ***-**-81" in html and "9123456781" not in re.sub(r"\D", "", html) and "tel:" not in html
    assert audits(app) == []


def test_a_reason_with_nul_bytes_is_stored_without_them(app, client, manager, traffic):
    assert reveal(client, contact_of(app, traffic[0]), reason="call\x00back").status_code == 200
    assert audits(app)[0].reason == "call back"


def test_a_huge_body_is_refused_not_a_500(app, client, manager, traffic):
    response = reveal(client, contact_of(app, traffic[0]), reason="x" * 2_000_000)
    assert 400 <= response.status_code < 500 and audits(app) == []


def test_without_the_csrf_token_nothing_is_shown_or_recorded(app, client, manager, traffic):
    contact_id = contact_of(app, traffic[0])
    for token in (False, "forged"):
        response = reveal(client, contact_id, token=token)
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and "The form has expired (CSRF)" in html and "tel:" not in html
    assert audits(app) == []


@pytest.mark.parametrize("contact_id, status", [
    ("f" * 32, 404), ("not-hex", 404), ("A" * 32, 404), ("%00" * 4, 404), ("x" * 5000, 404)])
def test_an_unknown_or_malformed_id_is_a_404_page(app, client, manager, traffic, contact_id, status):
    response = reveal(client, contact_id)
    assert response.status_code == status and "No contact has this id" in response.get_data(as_text=True)
    assert audits(app) == []


def test_an_erased_contact_is_a_410_and_nothing_is_recorded(app, client, manager, traffic):
    from flask_phonecapture.privacy import erase_number

    contact_id = contact_of(app, traffic[0])
    token = csrf(client)
    with app.app_context():
        erase_number(get_state(), "+79123456781", actor="dpo", reason="request")
    response = reveal(client, contact_id, token=token)
    assert response.status_code == 410 and "This number was erased" in response.get_data(as_text=True)
    assert audits(app) == []


def test_the_get_form_shows_only_the_masked_number(app, client, manager, traffic):
    response = client.get(f"{PAGE}/{contact_of(app, traffic[0])}/reveal")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "+7 *** ***-**-81" in html and "tel:" not in html
    assert audits(app) == []


def test_one_number_too_many_is_a_429_with_retry_after(make_app, roles, capsys, run_jobs):
    app, ext = make_app(WTF_CSRF_ENABLED=True, PHONECAPTURE_RATELIMIT_REVEAL="2/hour")
    ext.role_loader(lambda: {"manager"})
    client = app.test_client()
    contact_id = contact_of(app, lead(client, capsys, run_jobs, PHONES[0]))
    assert reveal(client, contact_id, reason=" ").status_code == 400  # a refused form doesn't count
    assert [reveal(client, contact_id).status_code for _ in range(2)] == [200, 200]
    response = reveal(client, contact_id)
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 3600
    assert "Too many numbers shown" in response.get_data(as_text=True) and "tel:" not in response.get_data(as_text=True)
    assert len(audits(app)) == 2
    ext.actor_loader(lambda: "another@shop.example")  # the budget is each staff member's own
    assert reveal(client, contact_id).status_code == 200


# -- Russian ---------------------------------------------------------------------------
def test_a_russian_browser_gets_the_leads_in_russian(app, client, manager, traffic):
    response = client.get(PAGE, headers=RU)
    html = response.get_data(as_text=True)
    assert '<html lang="ru">' in html and "<title>Заявки</title>" in html and "Accept-Language" in response.headers["Vary"]
    assert [r[3] for r in rows(html)] == ["Подтверждён", "Ждёт подтверждения", "Подтверждён"]
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", rows(html)[0][0])
    assert ">Показать номер</summary>" in html and "Причина (попадёт в журнал аудита)" in html
    for english in ("Leads", "Show number", "Verified", "Reason"):
        assert english not in html
    response = reveal(client, contact_of(app, traffic[0]), reason=" ", headers=RU)
    assert "Одни пробелы — не причина." in response.get_data(as_text=True)
    html = reveal(client, contact_of(app, traffic[0]), headers=RU).get_data(as_text=True)
    assert "Этот просмотр записан в журнал аудита" in html and "Позвонить +7 912 345-67-81" in html


def test_both_languages_have_the_same_texts():
    from flask_phonecapture.admin_leads import TEXTS

    ru, en = TEXTS["ru"], TEXTS["en"]
    assert set(ru) == set(en)
    for key in ("statuses", "periods", "columns", "row_status", "purposes"):
        assert set(ru[key]) == set(en[key])
    assert set(en["errors"]) <= set(ru["errors"])


def test_a_database_error_is_a_503_page_not_a_500(app, client, manager, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from flask_phonecapture import admin_leads

    def down(*args, **kw):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(admin_leads, "recent_leads", down)
    response = client.get(PAGE)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "database is unavailable" in response.get_data(as_text=True)


def test_a_reveal_keeps_the_audit_chain_whole_and_control_characters_out_of_the_reason(app, client, manager, traffic):
    from flask_phonecapture.privacy import verify_audit_chain

    assert reveal(client, contact_of(app, traffic[0]), reason="call\x1b[31m back\u202e\n").status_code == 200
    assert audits(app)[0].reason == "call [31m back"
    with app.app_context():
        assert verify_audit_chain(get_state()) is None


def test_a_host_app_with_csrfprotect_still_gets_a_400_page_not_a_500(make_app, capsys, run_jobs):
    from flask_wtf.csrf import CSRFProtect

    from flask_phonecapture.api import api_bp

    app, ext = make_app(WTF_CSRF_ENABLED=True)
    CSRFProtect(app).exempt(api_bp)  # made after PhoneCapture: the app exempts the API itself
    ext.role_loader(lambda: {"manager"})
    client = app.test_client()
    contact_id = contact_of(app, lead(client, capsys, run_jobs, PHONES[0]))
    assert reveal(client, contact_id).status_code == 200
    response = reveal(client, contact_id, token=False)
    assert response.status_code == 400 and "tel:" not in response.get_data(as_text=True)
    assert len(audits(app)) == 1


def test_a_number_whose_key_was_removed_is_named_not_a_500(app, client, manager, traffic):
    # an operator dropped the key a number was encrypted with from PHONECAPTURE_KEYS
    from flask_phonecapture.models import Contact

    lost = contact_of(app, traffic[0])
    with app.app_context():
        session = get_state().db.session
        contact = session.get(Contact, lost)
        prefix, _, body = contact.e164_enc.split(".", 2)
        contact.e164_enc = f"{prefix}.gone.{body}"
        session.commit()
    html = client.get(PAGE).get_data(as_text=True)
    assert [r[2] for r in rows(html)] == ["+7 *** ***-**-83", "+7 *** ***-**-82", "can&#39;t be decrypted: key missing"]
    response = reveal(client, lost)
    assert response.status_code == 409 and "not in PHONECAPTURE_KEYS" in response.get_data(as_text=True)
    assert audits(app) == []


def test_a_number_nobody_confirmed_is_not_shown_and_its_reveal_is_refused_unaudited(app, client, manager, traffic):
    """Anyone can type a stranger's number into a callback form: the SMS code is what says it is
    the visitor's own, so the page does not hand an unconfirmed number out for a call."""
    response = reveal(client, contact_of(app, traffic[1]))
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "Number not confirmed" in body
    assert "PHONECAPTURE_LEADS_REVEAL_UNCONFIRMED" in body and "4567" not in body
    assert response.headers["Cache-Control"] == "no-store"
    assert audits(app) == []
    ru = reveal(client, contact_of(app, traffic[1]), headers={"Accept-Language": "ru"})
    assert ru.status_code == 409 and "Номер не подтверждён" in ru.get_data(as_text=True)


def test_a_new_pending_lead_of_a_number_confirmed_before_can_be_shown(app, client, capsys, run_jobs, manager, traffic):
    again = lead(client, capsys, run_jobs, PHONES[0], verify=False)
    html = client.get(PAGE).get_data(as_text=True)
    assert rows(html)[0][3] == "Pending verification"
    assert html.count(">Show number</summary>") == 3
    assert reveal(client, contact_of(app, again)).status_code == 200


def test_a_site_can_allow_showing_unconfirmed_numbers(make_app, client, roles, traffic):
    app = client.application
    app.config["PHONECAPTURE_LEADS_REVEAL_UNCONFIRMED"] = True
    roles.add("manager")
    html = client.get(PAGE).get_data(as_text=True)
    assert html.count(">Show number</summary>") == 3 and "Not confirmed by SMS" not in html
    response = reveal(client, contact_of(app, traffic[1]))
    assert response.status_code == 200 and "+7 912 345-67-82" in response.get_data(as_text=True)
    assert len(audits(app)) == 1
