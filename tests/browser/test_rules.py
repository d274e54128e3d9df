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


def test_a_click_on_the_click_selector_opens_the_form_every_time(site, page):
    """The visitor asked: again after closing it (no 7-day pause), after another form took the
    page view's interruption, and a matching link does not navigate away under it."""
    page.clock.install()
    goto(page, site.url + "/page/first,more?more=1", "first", "more")
    page.clock.fast_forward(2_000)
    page.get_by_role("dialog").wait_for()  # "first" took the interruption; the visitor closes it
    page.get_by_role("button", name="Закрыть").click()
    for _ in range(2):
        page.get_by_role("link", name="Подробнее").click()
        page.get_by_role("dialog").wait_for()
        assert page.url.endswith("more=1")  # the link's default was cancelled
        page.keyboard.press("Escape")
        assert dialogs(page) == 0
    goto(page, site.url + "/page/more?more=1", "more")  # the next page view: still opens
    page.get_by_role("link", name="Подробнее").click()
    page.get_by_role("dialog").wait_for()


def test_a_page_too_short_to_scroll_counts_as_scrolled(site, page):
    """scroll_pct on a page that fits the window (no scroll event ever comes): seen whole."""
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.clock.install()
    goto(page, site.url + "/page/slidein?long=0", "slidein")
    assert page.evaluate("() => document.documentElement.scrollHeight <= innerHeight")
    page.clock.fast_forward(1_500)
    page.get_by_role("dialog").wait_for()


def test_the_first_form_in_data_form_wins_the_interruption_whichever_config_arrives_first(site, page):
    def slow(route):
        page.wait_for_timeout(400)
        route.continue_()

    page.route("**/api/v1/forms/first*", slow)  # the first listed form's config comes last
    page.clock.install()
    goto(page, site.url + "/page/first,session", "first", "session")
    page.clock.fast_forward(2_000)
    page.get_by_role("dialog").wait_for()
    assert page.locator("[data-phonecapture]").evaluate_all("hs => hs.map(h => h.dataset.phonecapture)") == ["first"]


def test_a_narrow_desktop_window_is_still_a_desktop(site, page):
    page.set_viewport_size({"width": 700, "height": 800})
    page.clock.install()
    goto(page, site.url + "/page/mobile", "mobile")  # targeting: device mobile
    page.clock.fast_forward(2_000)
    assert dialogs(page) == 0


def test_a_page_script_queued_before_the_async_widget_runs_once_it_loads(site, page):
    page.add_init_script("(window.PhoneCapture ||= []).push(pc => { window.__ready = typeof pc.open; "
                         "pc.on('show', e => window.__shown = e.detail.form) })")
    page.clock.install()
    goto(page, site.url + "/page/first", "first")
    assert page.evaluate("() => window.__ready") == "function"
    page.clock.fast_forward(2_000)
    page.get_by_role("dialog").wait_for()
    assert page.evaluate("() => window.__shown") == "first"
    assert page.evaluate("() => new Promise(r => PhoneCapture.push(pc => r(pc === PhoneCapture)))")


def test_open_by_id_fetches_a_form_the_page_did_not_list(site, page):
    goto(page, site.url + "/page/first", "first")
    page.evaluate("() => PhoneCapture.open('click')")  # not in data-form
    page.get_by_role("dialog").wait_for()
    assert page.locator("[data-phonecapture]").evaluate_all("hs => hs.map(h => h.dataset.phonecapture)") == ["click"]
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    page.evaluate("() => PhoneCapture.open('nope')")
    page.wait_for_timeout(500)
    assert any("nope" in m for m in messages)  # an unknown id is said in the console


def test_opening_a_form_over_a_slidein_does_not_count_as_the_visitor_closing_it(site, page):
    page.clock.install()
    goto(page, site.url + "/page/quick,button", "quick", "button")
    page.clock.fast_forward(2_000)
    page.get_by_role("dialog").wait_for()
    teaser = page.locator("[data-phonecapture-teaser] button")
    assert teaser.is_hidden()  # it would cover the slide-in's corner
    page.evaluate("() => PhoneCapture.open('button')")
    page.wait_for_function("() => document.querySelector('[data-phonecapture]').dataset.phonecapture == 'button'")
    assert "c" not in widget_state(page).get("f", {}).get("quick", {})
    page.keyboard.press("Escape")
    assert dialogs(page) == 0
    teaser.wait_for(state="visible")  # back once nothing is open


def test_a_cancelled_close_keeps_the_open_form_and_nothing_stacks(site, page):
    goto(page, site.url + "/page/first,click", "first", "click")
    page.evaluate("() => { PhoneCapture.open('first'); PhoneCapture.on('close', e => e.preventDefault()) }")
    page.get_by_role("dialog").wait_for()
    page.evaluate("() => PhoneCapture.open('click')")
    page.wait_for_timeout(200)
    assert page.locator("[data-phonecapture]").evaluate_all("hs => hs.map(h => h.dataset.phonecapture)") == ["first"]


FLICK_UP = """async px => {
  for (let i = 1; i <= 4; i++) {  // a finger dragging the page down: touch moves, scrolls up
    const t = new Touch({identifier: 1, target: document.body, clientX: 100, clientY: 300 + 40 * i});
    document.dispatchEvent(new TouchEvent('touchmove', {touches: [t], bubbles: true}));
    scrollTo(0, scrollY - px / 4);
    await new Promise(r => setTimeout(r, 40));
  }
}"""


def test_mobile_exit_intent_wants_a_flick_not_a_back_to_top_jump(site, mobile_context):
    page = mobile_context.new_page()
    goto(page, site.url + "/page/exitnow?long=40", "exitnow")
    # reading down, then the site's "back to top" link (a script, an anchor): a fast jump up
    page.evaluate("async () => { scrollTo(0, 3000); await new Promise(r => setTimeout(r, 120)); scrollTo(0, 0) }")
    page.wait_for_timeout(300)
    assert dialogs(page) == 0
    page.evaluate("() => scrollTo(0, 3000)")
    page.wait_for_timeout(1_200)  # the last touch is long gone
    page.evaluate(FLICK_UP, 400)  # the visitor flicks back up towards the address bar
    page.get_by_role("dialog").wait_for()


def test_a_single_page_app_route_change_is_a_new_page_for_the_rules(site, page):
    """history.pushState: targeting follows the URL (a popup excluded from /checkout/* does not
    open there), armed triggers start over, and the route counts as a page view."""
    page.clock.install()
    goto(page, site.url + "/page/spa", "spa")
    views = widget_state(page)["s"]["n"]
    page.clock.fast_forward(1_000)
    page.evaluate("() => history.pushState({}, '', '/checkout/payment')")
    page.clock.fast_forward(5_000)
    assert dialogs(page) == 0  # excluded there, though its 2 s delay has passed
    assert widget_state(page)["s"]["n"] == views + 1
    page.evaluate("() => history.replaceState({}, '', '/checkout/payment?step=2')")  # no new page
    assert widget_state(page)["s"]["n"] == views + 1
    page.evaluate("() => history.pushState({}, '', '/page/spa')")
    page.clock.fast_forward(1_000)
    assert dialogs(page) == 0  # its delay starts over on the new page
    page.clock.fast_forward(1_500)
    page.get_by_role("dialog").wait_for()
    page.keyboard.press("Escape")
    page.evaluate("() => PhoneCapture.page()")  # a router without the Navigation API calls it
    page.clock.fast_forward(2_500)
    page.get_by_role("dialog").wait_for()  # a new page view: its own interruption
