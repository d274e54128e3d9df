"""Triggers, targeting and frequency, in the browser (Playwright's clock for time)."""
from tests.browser.helpers import goto, widget_state


def dialogs(page):
    return page.get_by_role("dialog").count()


def test_click_trigger(site, page):
    goto(page, site.url + "/page/click?cta=1", "click")
    assert dialogs(page) == 0
    page.locator("#cta").click()
    page.get_by_role("dialog").wait_for()


def test_inactivity_trigger(site, page):
    page.clock.install()
    goto(page, site.url + "/page/idle", "idle")
    page.clock.fast_forward(20_000)
    page.mouse.move(100, 100)  # activity resets the idle timer
    page.clock.fast_forward(20_000)
    assert dialogs(page) == 0
    page.clock.fast_forward(11_000)
    page.get_by_role("dialog").wait_for()


def test_page_views_trigger_all(site, page):
    page.clock.install()
    goto(page, site.url + "/page/views", "views")
    page.clock.fast_forward(2_000)
    assert dialogs(page) == 0  # first page view: delay passed, page views not yet
    goto(page, site.url + "/page/views", "views")
    page.clock.fast_forward(2_000)
    page.get_by_role("dialog").wait_for()


def test_scroll_trigger(site, page):
    goto(page, site.url + "/page/slidein?long=40", "slidein")
    page.mouse.wheel(0, 100)
    page.wait_for_timeout(200)
    assert dialogs(page) == 0
    page.mouse.wheel(0, 5000)
    page.get_by_role("dialog").wait_for()


def test_targeting_utm_and_url(site, page):
    page.clock.install()
    goto(page, site.url + "/page/target", "target")
    page.clock.fast_forward(2_000)
    assert dialogs(page) == 0  # no utm_source=google*
    goto(page, site.url + "/page/target?utm_source=googleads&x=nope", "target")
    page.clock.fast_forward(2_000)
    assert dialogs(page) == 0  # excluded URL
    goto(page, site.url + "/page/target?utm_source=googleads", "target")
    page.clock.fast_forward(2_000)
    page.get_by_role("dialog").wait_for()


def test_device_targeting(site, page, mobile_context):
    page.clock.install()
    goto(page, site.url + "/page/mobile", "mobile")
    page.clock.fast_forward(2_000)
    assert dialogs(page) == 0  # desktop
    m = mobile_context.new_page()
    m.clock.install()
    goto(m, site.url + "/page/mobile", "mobile")
    m.clock.fast_forward(2_000)
    m.get_by_role("dialog").wait_for()


def test_not_again_after_close(site, page):
    page.clock.install()
    goto(page, site.url + "/page/popup", "popup")
    page.clock.fast_forward(61_000)
    page.get_by_role("dialog").wait_for()
    page.get_by_role("button", name="Закрыть").click()
    assert widget_state(page)["f"]["popup"]["c"] > 0
    goto(page, site.url + "/page/popup", "popup")
    page.clock.fast_forward(61_000)
    assert dialogs(page) == 0
    page.clock.fast_forward(8 * 86400_000)  # after_close_days = 7
    goto(page, site.url + "/page/popup", "popup")
    page.clock.fast_forward(61_000)
    page.get_by_role("dialog").wait_for()


def test_once_per_session(site, page):
    page.clock.install()
    goto(page, site.url + "/page/session", "session")
    page.clock.fast_forward(2_000)
    page.get_by_role("dialog").wait_for()
    page.get_by_role("button", name="Закрыть").click()
    goto(page, site.url + "/page/session", "session")
    page.clock.fast_forward(2_000)
    assert dialogs(page) == 0
    page.clock.fast_forward(31 * 60_000)  # 30 idle minutes: a new session
    goto(page, site.url + "/page/session", "session")
    page.clock.fast_forward(2_000)
    page.get_by_role("dialog").wait_for()


def test_one_interruption_per_page_view(site, page):
    page.clock.install()
    goto(page, site.url + "/page/popup,session,idle", "popup", "session", "idle")
    page.clock.fast_forward(2_000)
    page.get_by_role("dialog").wait_for()  # "session" (1 s)
    page.get_by_role("button", name="Закрыть").click()
    page.clock.fast_forward(61_000)  # popup's 60 s and idle's 30 s have passed
    assert dialogs(page) == 0
    assert page.locator("[data-phonecapture]").count() == 0


def test_no_cookies(site, page):
    goto(page, site.url + "/page/button?utm_source=x", "button")
    page.get_by_role("button", name="Перезвоните мне").click()
    page.keyboard.press("Escape")
    assert page.context.cookies() == []
