"""The server's own pages (no JavaScript) in a browser: one <h1>, and after a failed post an error
summary that takes focus, says what is wrong and leads to each field (WCAG 3.3.1)."""
import re

import pytest

from tests.browser.helpers import axe, have_axe


@pytest.fixture
def no_js_page(browser):
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800}, locale="ru-RU")
    yield ctx.new_page()
    ctx.close()


def test_a_failed_post_opens_on_a_summary_whose_links_lead_to_the_fields(site, no_js_page):
    page = no_js_page
    page.goto(site.url + "/phonecapture/f/popup")
    assert page.locator("h1").all_inner_texts() == ["Перезвоним вам"]
    page.get_by_label("Телефон", exact=True).fill("12")
    page.get_by_role("button", name="Перезвоните мне").click()
    page.wait_for_load_state()
    assert page.title() == "Ошибка: Перезвоним вам"
    summary = page.locator(".phonecapture-summary")
    # autofocus (applied as the page first renders): read first, whatever the reader
    page.wait_for_function("() => document.activeElement.matches('.phonecapture-summary')")
    assert summary.get_by_role("alert").get_by_role("heading", name="Проверьте форму").is_visible()
    assert page.locator("h1").count() == 1
    links = summary.get_by_role("link")
    assert links.all_inner_texts() == ["Это не похоже на номер телефона. Проверьте цифры.",
                                       "Без этого согласия мы не сможем обработать заявку."]
    links.first.click()
    assert page.evaluate("() => document.activeElement.id") == "pc-popup-phone"
    links.last.click()
    assert page.evaluate("() => document.activeElement.id") == "pc-popup-c-service_sms"


def test_the_no_js_error_page_has_no_axe_violations(site, browser):
    if not have_axe():
        from tests.conftest import require
        require(False, "axe-core is not installed (npm --prefix widget ci)")
    # axe runs as a script: JavaScript on, the page itself is the server's (it uses none)
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    try:
        page.goto(site.url + "/phonecapture/f/popup_en?lang=en")
        page.get_by_role("button", name="Call me back").click()
        page.wait_for_url(re.compile(r"/phonecapture/f/popup_en$"))
        assert page.title() == "Error: We'll call you back"
        assert axe(page) == []
    finally:
        ctx.close()


def test_no_js_fields_are_full_size_touch_targets_and_a_refused_one_is_marked(site, no_js_page):
    # the country <select> was left at the browser's tiny default while the inputs were styled
    page = no_js_page
    page.goto(site.url + "/phonecapture/f/popup")
    country, phone = page.get_by_label("Страна"), page.get_by_label("Телефон", exact=True)
    heights = {c.evaluate("e => e.getBoundingClientRect().height") for c in (country, phone)}
    assert min(heights) >= 44 and max(heights) - min(heights) < 2
    assert country.evaluate("e => getComputedStyle(e).fontSize") == phone.evaluate("e => getComputedStyle(e).fontSize")
    phone.fill("12")
    page.get_by_role("button", name="Перезвоните мне").click()
    page.wait_for_load_state()
    refused = page.get_by_label("Телефон", exact=True)
    assert refused.get_attribute("aria-invalid") == "true"
    assert refused.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(179, 38, 30)"
