"""An inline form drawn by the server in a declarative shadow root ({{ phonecapture_inline() }}):
a working form without JavaScript, wired up (not redrawn) by the widget."""
import re

import pytest

from tests.browser.helpers import CSP_WATCH, LAYOUT_SHIFT, axe, goto, have_axe

PHONE = "Телефон"
@pytest.fixture
def no_js_page(browser):
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    yield ctx.new_page()
    ctx.close()


def test_drawn_form_shows_and_posts_without_javascript(site, no_js_page):
    page = no_js_page
    page.goto(site.url + "/page/inline?drawn=1")
    region = page.get_by_role("region", name="Перезвоним вам")
    assert region.is_visible()
    # styled by the widget's own stylesheet, inside the shadow root
    bg = region.get_by_role("button", name="Перезвоните мне").evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg == "rgb(11, 122, 90)"
    region.get_by_label(PHONE, exact=True).fill("8 912 345-00-44")
    region.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    page.wait_for_timeout(400)  # the form's minimum fill time
    since = len(site.lines)
    region.get_by_role("button", name="Перезвоните мне").click()
    page.wait_for_url(re.compile(r"/phonecapture/f/inline/verify/"))
    assert site.code(since)


def test_widget_wires_up_the_drawn_form_without_drawing_another(site, page):
    page.add_init_script("window.__layout = []; new PerformanceObserver(l => l.getEntries().forEach(e => __layout.push(e.value)))"
                         ".observe({type: 'layout-shift', buffered: true})")
    goto(page, site.url + "/page/inline?drawn=1", "inline")
    region = page.get_by_role("region", name="Перезвоним вам")
    field = region.get_by_label(PHONE, exact=True)
    field.press_sequentially("89123450055")
    assert field.input_value() == "+7 (912) 345-00-55"  # the widget's mask: it is wired up
    assert page.evaluate("() => document.querySelector('[data-phonecapture-inline]').shadowRoot.querySelectorAll('form').length") == 1
    region.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    since = len(site.lines)
    region.get_by_role("button", name="Перезвоните мне").click()
    code = page.get_by_role("textbox", name="Код из SMS")  # the region is now named by the code step's title
    code.wait_for()
    assert "/verify/" not in page.url  # the JSON API, not the no-JS page
    code.fill(site.code(since))
    page.get_by_role("button", name="Подтвердить").click()
    page.get_by_text("Номер подтверждён").wait_for()
    # no reserved height on this page (.drawn has min-height 0), and still nothing moved
    assert page.evaluate(LAYOUT_SHIFT) == 0
    assert page.errors == []


def test_drawn_form_errors_come_from_the_widget(site, page):
    goto(page, site.url + "/page/inline?drawn=1", "inline")
    region = page.get_by_role("region", name="Перезвоним вам")
    region.get_by_label(PHONE, exact=True).press_sequentially("9123456700")
    region.get_by_role("button", name="Перезвоните мне").click()
    box = region.get_by_role("checkbox", name=re.compile("Согласен на обработку"))
    assert box.get_attribute("aria-invalid") == "true"
    assert region.get_by_text("Нужно ваше согласие").is_visible()


def test_drawn_form_under_a_strict_csp_with_a_style_nonce(site, page):
    page.add_init_script(CSP_WATCH)
    goto(page, site.url + "/page/inline?drawn=1&csp=2", "inline")
    region = page.get_by_role("region", name="Перезвоним вам")
    bg = region.get_by_role("button", name="Перезвоните мне").evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg == "rgb(11, 122, 90)"
    region.get_by_label(PHONE, exact=True).press_sequentially("9123456700")
    assert region.get_by_label(PHONE, exact=True).input_value() == "+7 (912) 345-67-00"
    assert page.evaluate("() => __csp") == []
    assert page.errors == []


def test_drawn_form_has_no_axe_violations(site, page):
    if not have_axe():
        from tests.conftest import require
        require(False, "axe-core is not installed (npm --prefix widget ci)")
    goto(page, site.url + "/page/inline?drawn=1", "inline")
    page.get_by_role("region", name="Перезвоним вам").wait_for()
    assert axe(page) == []


def test_what_was_typed_before_the_widget_arrived_is_kept(site, page):
    page.route("**/widget.js", lambda r: r.abort())  # the widget is late
    page.goto(site.url + "/page/inline?drawn=1")
    region = page.get_by_role("region", name="Перезвоним вам")
    region.get_by_label(PHONE, exact=True).fill("8 912 345-00-66")
    region.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    page.unroute("**/widget.js")
    page.evaluate("""() => { const s = document.createElement('script');
        s.src = '/phonecapture/widget.js'; s.dataset.form = 'inline'; s.dataset.api = '/phonecapture/api/v1';
        document.body.append(s) }""")
    field = region.get_by_label(PHONE, exact=True)
    page.wait_for_function("() => window.PhoneCapture")
    page.wait_for_timeout(500)
    assert field.input_value() == "+7 (912) 345-00-66"
    since = len(site.lines)
    region.get_by_role("button", name="Перезвоните мне").click()
    page.get_by_role("textbox", name="Код из SMS").wait_for()
    assert site.code(since)
