"""Strict CSP, a cross-origin embed, the JS API, several forms, page impact."""
import json
import re
import urllib.error
import urllib.request

import pytest

from tests.browser.helpers import CSP_WATCH, LAYOUT_SHIFT, LCP, goto


def test_strict_csp(site, page):
    page.add_init_script(CSP_WATCH)
    goto(page, site.url + "/page/inline,button?csp=1", "inline", "button")
    csp = page.evaluate("() => performance.getEntriesByType('navigation').length")
    assert csp == 1
    region = page.get_by_role("region", name="Перезвоним вам")
    region.wait_for()
    # styled (constructed stylesheet allowed under style-src 'self'): the submit button is branded
    bg = region.get_by_role("button", name="Перезвоните мне").evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg == "rgb(11, 122, 90)"
    page.get_by_role("button", name="Перезвоните мне").last.click()
    page.get_by_role("dialog").wait_for()
    assert page.evaluate("() => __csp") == []
    assert page.errors == []


def test_cross_origin_embed(site, other_site, page):
    goto(page, other_site.url + "/page/button", "button")
    assert page.url.startswith(other_site.url)
    page.get_by_role("button", name="Перезвоните мне").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Телефон", exact=True).press_sequentially("9123450044")
    dialog.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    since = len(site.lines)
    dialog.get_by_role("button", name="Перезвоните мне").click()
    dialog.get_by_label("Код из SMS").wait_for()
    dialog.get_by_label("Код из SMS").fill(site.code(since))
    dialog.get_by_role("button", name="Подтвердить").click()
    dialog.get_by_text("Номер подтверждён").wait_for()


def test_widget_and_its_config_arrive_compressed(site, other_site, page):
    """What a page view downloads from the widget's server, cross-origin included: widget.js as
    the build's brotli copy (7.6 KB, not 18.5), the form config gzipped (~1 KB, not ~1.9)."""
    encodings = {}

    def note(response):
        for part in ("/widget.js", "/api/v1/forms/"):
            if part in response.url:
                encodings[part] = response.headers.get("content-encoding")
    page.on("response", note)
    goto(page, other_site.url + "/page/button", "button")
    page.get_by_role("button", name="Перезвоните мне").click()
    page.get_by_role("dialog").get_by_label("Телефон", exact=True).wait_for()
    assert encodings == {"/widget.js": "br", "/api/v1/forms/": "gzip"}
    assert page.errors == []


def test_js_api(site, page):
    goto(page, site.url + "/page/button,popup?cta=1", "button", "popup")
    page.evaluate("() => { window.shown = []; PhoneCapture.on('show', e => { shown.push(e.detail.form); if (e.detail.form === 'button') e.preventDefault(); }) }")
    assert page.evaluate("() => Object.keys(window).filter(k => /phone/i.test(k))") == ["PhoneCapture"]
    page.evaluate("() => PhoneCapture.open('button')")
    assert page.get_by_role("dialog").count() == 0  # cancelled
    page.evaluate("() => PhoneCapture.open('popup')")
    page.get_by_role("dialog").wait_for()
    page.evaluate("() => PhoneCapture.close()")
    assert page.get_by_role("dialog").count() == 0
    page.get_by_role("link", name="Перезвонить мне").click()  # data-phonecapture-open
    assert page.evaluate("() => shown") == ["button", "popup", "button"]


def test_an_open_link_for_a_form_not_loaded_follows_its_href(site, page):
    goto(page, site.url + "/page/button", "button")
    page.evaluate("""() => document.body.insertAdjacentHTML('beforeend',
        '<a href="/privacy" data-phonecapture-open="not-on-this-page">Перезвоните</a>')""")
    page.get_by_role("link", name="Перезвоните", exact=True).click()
    page.wait_for_url("**/privacy")


def test_page_impact(site, page):
    page.clock.install()
    goto(page, site.url + "/page/inline,popup", "inline", "popup")
    page.clock.fast_forward(61_000)
    page.get_by_role("dialog").wait_for()
    page.wait_for_timeout(400)
    assert page.evaluate(LAYOUT_SHIFT) == 0
    lcp = page.evaluate(LCP)
    assert lcp["widget"] is False, lcp


def test_refused_origin_gets_a_clear_error(site, tmp_path, page):
    """A page on an origin missing from PHONECAPTURE_ALLOWED_ORIGINS: the API answers 403
    origin_not_allowed without CORS headers, and the widget says what to do in the console."""
    from tests.browser.conftest import Server

    refused = Server(tmp_path, "--embed-from", site.url)  # its port is not in the site's origins
    try:
        req = urllib.request.Request(site.url + "/phonecapture/api/v1/forms/button", headers={"Origin": refused.url})
        with pytest.raises(urllib.error.HTTPError) as refusal:
            urllib.request.urlopen(req)
        assert refusal.value.code == 403 and json.load(refusal.value)["error"] == "origin_not_allowed"
        with page.expect_console_message(lambda m: "PhoneCapture" in m.text) as msg:
            page.goto(refused.url + "/page/button")
        assert msg.value.type == "error" and "PHONECAPTURE_ALLOWED_ORIGINS" in msg.value.text
        assert page.locator("[data-phonecapture-teaser]").count() == 0
    finally:
        refused.stop()
