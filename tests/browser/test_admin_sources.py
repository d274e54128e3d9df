"""The source report page in Chromium, in English and in Russian: readable, no axe violations, and
screenshots for the README (written into docs/screenshots only with PHONECAPTURE_SCREENSHOTS=1: the
caption holds the day's dates, so every run would otherwise leave the checkout changed)."""
import os
import time

import pytest

from tests.browser.conftest import ROOT, Server
from tests.browser.helpers import axe, have_axe
from tests.conftest import require

SHOT = os.path.join(ROOT, "docs", "screenshots", "admin-sources.png")
SHOT_RU = os.path.join(ROOT, "docs", "screenshots", "admin-sources-ru.png")
PAGE = "/phonecapture/admin/sources"
API = "/phonecapture/api/v1"


def seed(site, request):
    """A believable week through the public API: beacons, then leads verified with their SMS codes."""
    events = {("popup", "ya"): (240, 60, 31, 4), ("popup", "google"): (160, 35, 20, 1),
              ("popup", None): (90, 12, 9, 0), ("popup", "vk"): (60, 9, 7, 2), ("inline", None): (120, 0, 0, 1)}
    for (form_id, utm), counts in events.items():
        for event, n in zip(("impression", "open", "close", "submit_error"), counts):
            for _ in range(n):
                source = {"utm_source": utm} if utm else {}
                assert request.post(site.url + API + "/events", data={
                    "form_id": form_id, "event": event, "source": source}).status == 204
    leads = [("popup", "ya", True)] * 4 + [("popup", "ya", False)] * 2 + [("popup", "google", True)] * 3 + \
            [("popup", "vk", False), ("popup", None, True), ("inline", None, True), ("inline", "ya", True)]
    for i, (form_id, utm, verify) in enumerate(leads):
        token = request.get(f"{site.url}{API}/forms/{form_id}").json()["token"]
        time.sleep(0.31)  # the site's PHONECAPTURE_MIN_FILL_MS
        since = len(site.lines)
        made = request.post(site.url + API + "/submissions", data={
            "form_id": form_id, "token": token, "phone": f"+7 912 300-10-{i:02d}", "hp": "", "elapsed_ms": 4000,
            "consents": {"service_sms": True}, "source": {"utm_source": utm} if utm else {}})
        assert made.status == 201, made.text()
        if verify:
            done = request.post(f"{site.url}{API}/submissions/{made.json()['id']}/verify",
                                data={"code": site.code(since)})
            assert done.status == 200, done.text()


#: what the leads above bought, by lead number (i): (kind, value, currency)
SALES = [(0, "order", "3490.00", "RUB"), (1, "order", "1890.00", "RUB"), (2, "order", "2250.00", "RUB"),
         (3, "call", None, None), (6, "order", "3490.00", "RUB"), (7, "order", "45.00", "USD"),
         (10, "order", "1890.00", "RUB")]


def seed_sales(instance):
    """Orders and a call, recorded by the customers' numbers as a shop's checkout would."""
    from tests.browser.server import create_app

    app = create_app(str(instance))
    with app.app_context():
        ext = app.extensions["phonecapture"].extension
        for n, (i, kind, value, currency) in enumerate(SALES):
            ext.record_conversion_for_phone(f"+7 912 300-10-{i:02d}", kind=kind, value=value, currency=currency,
                                            external_id=f"Z-{n:04d}")
        app.extensions["sqlalchemy"].engine.dispose()


@pytest.fixture(scope="module")
def report_site(browser, tmp_path_factory):
    """A site of its own (other tests' traffic stays out of the picture), seeded once."""
    if not have_axe():
        require(False, "axe-core is not installed (npm --prefix widget ci)")
    instance = tmp_path_factory.mktemp("report-site")
    site = Server(instance)
    ctx = browser.new_context()
    try:
        seed(site, ctx.request)
        seed_sales(instance)
        yield site
    finally:
        ctx.close()
        site.stop()


def shot(page, path, tmp_path):
    page.screenshot(path=path if os.environ.get("PHONECAPTURE_SCREENSHOTS") else str(tmp_path / os.path.basename(path)),
                    full_page=True)


def test_the_source_report_page_is_accessible_and_looks_right(browser, report_site, tmp_path):
    site = report_site
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        page = ctx.new_page()
        page.goto(site.url + PAGE)
        table = page.get_by_role("table", name="All forms")
        assert table.is_visible()
        ya = table.get_by_role("row", name="popup ya")
        assert ya.get_by_role("cell").all_inner_texts() == ["popup", "240", "60", "31", "4", "6", "4", "66.7", "16.7",
                                                            "4", "100.0", "7630.00\xa0RUB"]
        google = table.get_by_role("row", name="popup google")
        assert google.get_by_role("cell").all_inner_texts()[-1] == "3490.00\xa0RUB\n45.00\xa0USD"  # a line each
        assert table.get_by_role("columnheader").all_inner_texts()[-3:] == [
            "Conversions", "Conversions per verified number %", "Value"]
        assert page.locator(".phonecapture-scroll").evaluate("e => e.scrollWidth <= e.clientWidth")
        assert page.get_by_role("link", name="Download this report as CSV").is_visible()
        assert axe(page) == []
        shot(page, SHOT, tmp_path)

        page.get_by_label("Group by").select_option("utm_medium")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**by=utm_medium**")
        assert page.get_by_role("table").get_by_role("row", name="popup (none)").is_visible()
        page.get_by_label("From (UTC)").fill("2026-03-02")
        page.get_by_label("To, included").fill("2026-03-01")
        page.get_by_role("button", name="Show").click()
        page.wait_for_load_state()
        assert page.title() == "Error: Which sources bring verified numbers"
        assert page.get_by_role("alert").inner_text().endswith("Since must not be after until.")
        assert axe(page) == []
    finally:
        ctx.close()


def test_a_russian_browser_reads_the_report_in_russian(browser, report_site, tmp_path):
    site = report_site
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    try:
        page = ctx.new_page()
        page.goto(site.url + PAGE)
        assert page.locator("html").get_attribute("lang") == "ru"
        assert page.title() == "Какие источники приносят подтверждённые номера"
        table = page.get_by_role("table", name="Все формы")
        assert table.get_by_role("columnheader").all_inner_texts()[:4] == ["Форма", "Источник", "Показы", "Открытия"]
        ya = table.get_by_role("row", name="popup ya")
        assert ya.get_by_role("cell").all_inner_texts() == ["popup", "240", "60", "31", "4", "6", "4", "66,7", "16,7",
                                                            "4", "100,0", "7630,00\xa0RUB"]
        assert page.get_by_role("link", name="Скачать отчёт в CSV").is_visible()
        # the longer Russian headers still fit a 1280 px window, no sideways scrolling
        assert page.locator(".phonecapture-scroll").evaluate("e => e.scrollWidth <= e.clientWidth")
        assert axe(page) == []
        shot(page, SHOT_RU, tmp_path)

        page.get_by_label("Разбивка", exact=True).select_option("utm_campaign")
        page.get_by_label("Начало периода (UTC)").fill("2026-03-02")
        page.get_by_label("Конец периода, включительно").fill("2026-03-01")
        page.get_by_role("button", name="Показать").click()
        page.wait_for_load_state()
        assert page.title() == "Ошибка: Какие источники приносят подтверждённые номера"
        assert page.get_by_role("alert").inner_text().endswith("Начало периода не может быть позже конца.")
        assert axe(page) == []

        page.goto(site.url + PAGE + "?lang=en")  # a link in English wins over the browser, and stays
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**by=utm_source**")
        assert page.locator("html").get_attribute("lang") == "en" and "lang=en" in page.url
        assert page.get_by_role("table", name="All forms").is_visible()
    finally:
        ctx.close()
