"""The Leads page in Chromium: masked numbers only, "Show number" with a reason reveals one number,
a blank reason is refused; no axe violations in English or Russian. Screenshots for the README are
written into docs/screenshots only with PHONECAPTURE_SCREENSHOTS=1 (the rows hold the day's times)."""
import os
import re
import time

import pytest

from tests.browser.conftest import ROOT, Server
from tests.browser.helpers import axe, have_axe
from tests.conftest import require

SHOTS = os.path.join(ROOT, "docs", "screenshots")
PAGE = "/phonecapture/admin/leads"
API = "/phonecapture/api/v1"
# (form, utm tags, page path, verified, marketing consent); the number is +7 912 300-20-<index>
LEADS = [("popup", {"utm_source": "ya", "utm_medium": "cpc", "utm_campaign": "spring"}, "/product/kettle", True, True),
         ("popup", {"utm_source": "google", "utm_medium": "cpc"}, "/product/teapot", True, False),
         ("inline", {}, "/product/cups", False, False),
         ("popup", {"utm_source": "vk", "utm_medium": "social"}, "/", True, True),
         ("inline", {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "march"}, "/product/kettle", True, False)]


def spread(instance) -> None:
    """The leads were made within seconds; spread them over the morning, as a real list looks."""
    import sqlite3

    db = sqlite3.connect(os.path.join(instance, "site.sqlite"))
    with db:
        ids = [r[0] for r in db.execute("SELECT id FROM phonecapture_submission ORDER BY created_at DESC")]
        for i, sid in enumerate(ids):
            db.execute("UPDATE phonecapture_submission SET created_at = datetime(created_at, ?) WHERE id = ?",
                       (f"-{i * 47 + 3} minutes", sid))
    db.close()


def seed(site, request):
    for i, (form_id, tags, path, verify, marketing) in enumerate(LEADS):
        token = request.get(f"{site.url}{API}/forms/{form_id}").json()["token"]
        time.sleep(0.31)  # the site's PHONECAPTURE_MIN_FILL_MS
        since = len(site.lines)
        consents = {"service_sms": True, **({"marketing_sms": True} if marketing and form_id == "popup" else {})}
        made = request.post(site.url + API + "/submissions", data={
            "form_id": form_id, "token": token, "phone": f"+7 912 300-20-{i:02d}", "hp": "", "elapsed_ms": 4000,
            "consents": consents, "source": {"page_url": f"https://shop.example{path}", **tags}})
        assert made.status == 201, made.text()
        if verify:
            done = request.post(f"{site.url}{API}/submissions/{made.json()['id']}/verify",
                                data={"code": site.code(since)})
            assert done.status == 200, done.text()


@pytest.fixture(scope="module")
def leads_site(browser, tmp_path_factory):
    if not have_axe():
        require(False, "axe-core is not installed (npm --prefix widget ci)")
    instance = tmp_path_factory.mktemp("leads-site")
    site = Server(instance)
    ctx = browser.new_context()
    try:
        seed(site, ctx.request)
        spread(instance)
        yield site
    finally:
        ctx.close()
        site.stop()


def shot(page, name, tmp_path):
    path = os.path.join(SHOTS, name) if os.environ.get("PHONECAPTURE_SCREENSHOTS") else str(tmp_path / name)
    page.screenshot(path=path, full_page=True)


def test_a_manager_reads_masked_leads_and_shows_one_number_with_a_reason(browser, leads_site, tmp_path):
    site = leads_site
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        page = ctx.new_page()
        page.goto(site.url + PAGE)
        assert page.title() == "Leads"
        table = page.get_by_role("table", name="All forms, Last 30 days, All")
        assert table.get_by_role("row").count() == 1 + len(LEADS)
        html = page.content()
        assert "+7 *** ***-**-00" in html
        for i in range(len(LEADS)):
            assert f"300-20-{i:02d}" not in html and f"91230020{i:02d}" not in re.sub(r"\D", "", html)
        assert page.get_by_role("navigation", name="Staff pages").get_by_role("link").all_inner_texts() == ["Sources", "Leads", "Forms"]
        assert axe(page) == []

        row = table.get_by_role("row").filter(has_text="+7 *** ***-**-00")
        assert "ya / cpc / spring" in row.inner_text() and "Marketing SMS" in row.inner_text()
        row.get_by_text("Show number").click()
        row.get_by_label("Reason (recorded in the audit log)").fill("call back about order 17")
        assert axe(page) == []
        shot(page, "admin-leads.png", tmp_path)

        row.get_by_role("button", name="Show", exact=True).click()
        page.wait_for_load_state()
        assert page.title() == "Number to call"
        call = page.get_by_role("link", name="Call +7 912 300-20-00")
        assert call.get_attribute("href") == "tel:+79123002000"
        assert "This view was recorded in the audit log" in page.get_by_role("status").inner_text()
        assert axe(page) == []
        shot(page, "admin-leads-shown.png", tmp_path)

        assert page.get_by_role("link", name="Leads", exact=True).get_attribute("aria-current") == "page"
        page.get_by_role("link", name="Back to leads").click()
        row = page.get_by_role("table").get_by_role("row").filter(has_text="+7 *** ***-**-01")
        row.get_by_text("Show number").click()
        row.get_by_label("Reason (recorded in the audit log)").fill("     ")
        row.get_by_role("button", name="Show", exact=True).click()
        page.wait_for_load_state()
        assert page.title() == "Error: Show a lead's number"
        assert "Spaces alone are not a reason." in page.get_by_role("alert").inner_text()
        assert page.get_by_label("Reason (recorded in the audit log)").get_attribute("aria-invalid") == "true"
        assert "tel:" not in page.content()
        assert axe(page) == []
    finally:
        ctx.close()


def test_a_russian_browser_reads_the_leads_in_russian(browser, leads_site, tmp_path):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    try:
        page = ctx.new_page()
        page.goto(leads_site.url + PAGE)
        assert page.locator("html").get_attribute("lang") == "ru" and page.title() == "Заявки"
        table = page.get_by_role("table", name="Все формы, Последние 30 дней, Все")
        assert table.get_by_role("columnheader").all_inner_texts() == [
            "Время (UTC)", "Форма", "Номер", "Статус", "Согласия", "Источник", "Перезвонить"]
        confirmed = sum(1 for _, _, _, verified, _ in LEADS if verified)  # an unconfirmed number has no button
        assert page.get_by_text("Показать номер", exact=True).count() == confirmed < len(LEADS)
        assert page.get_by_text("Не подтверждён по SMS: номер не показывается").count() == len(LEADS) - confirmed
        assert axe(page) == []
        shot(page, "admin-leads-ru.png", tmp_path)
    finally:
        ctx.close()
