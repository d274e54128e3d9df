"""Dialog accessibility: focus trap and restore, Escape, an inert background, axe-core."""
import re

import pytest

from tests.browser.helpers import BACKGROUND_INERT, axe, goto, have_axe, slidein_on_a_phone, widget_state


def test_escape_closes_and_focus_returns(site, page):
    goto(page, site.url + "/page/button", "button")
    teaser = page.get_by_role("button", name="Перезвоните мне")
    teaser.focus()
    page.keyboard.press("Enter")
    page.get_by_role("dialog").wait_for()
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").count() == 0
    assert page.evaluate("() => document.activeElement.dataset.phonecaptureTeaser") == "button"
    assert teaser.evaluate("e => e.getRootNode().activeElement === e")


def test_focus_is_trapped(site, page):
    goto(page, site.url + "/page/button", "button")
    page.get_by_role("button", name="Перезвоните мне").click()
    dialog = page.get_by_role("dialog")
    for _ in range(15):
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.dataset.phonecapture") == "button"
    for _ in range(15):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("() => document.activeElement.dataset.phonecapture") == "button"
    assert dialog.is_visible()


def test_background_is_inert_while_open_and_the_sites_own_inert_is_untouched(site, page):
    goto(page, site.url + "/page/button", "button")
    page.evaluate("() => { document.querySelector('header').inert = true }")  # the site's own
    page.get_by_role("button", name="Перезвоните мне").click()
    assert page.evaluate(BACKGROUND_INERT) is True
    page.get_by_role("button", name="Закрыть").click()
    assert page.get_by_role("dialog").count() == 0
    assert page.evaluate("() => [document.querySelector('header').inert, document.querySelector('main').inert]") == [True, False]
    assert page.evaluate(BACKGROUND_INERT) is False  # main is usable again


def test_close_event_can_be_cancelled(site, page):
    goto(page, site.url + "/page/button", "button")
    page.evaluate("() => PhoneCapture.on('close', e => e.preventDefault())")
    page.get_by_role("button", name="Перезвоните мне").click()
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").count() == 1


@pytest.mark.parametrize("mode, opener", [
    ("popup", "clock"), ("inline", None), ("slidein", "scroll"), ("exit", "exit"), ("button", "teaser"),
    ("button_en", "teaser"), ("inline_en", None),
])
def test_axe_has_no_violations(site, page, mode, opener):
    if not have_axe():
        from tests.conftest import require
        require(False, "axe-core is not installed (npm --prefix widget ci)")
    lang = "en" if mode.endswith("_en") else "ru"
    if opener == "clock":
        page.clock.install()
    goto(page, site.url + f"/page/{mode}?lang={lang}&long=40", mode)
    if opener == "clock":
        page.clock.fast_forward(61_000)
    elif opener == "scroll":
        page.mouse.wheel(0, 5000)
    elif opener == "exit":
        page.mouse.move(600, 400)
        page.wait_for_timeout(1100)
        page.mouse.move(600, 5)
        page.mouse.move(600, -10)
    elif opener == "teaser":
        assert axe(page) == []  # the teaser alone
        page.get_by_role("button", name="Перезвоните мне" if lang == "ru" else "Call me back").click()
    (page.get_by_role("region") if opener is None else page.get_by_role("dialog")).first.wait_for()
    page.wait_for_timeout(300)  # animations done: colour contrast is measured on final colours
    # Also with the errors shown.
    submit = page.get_by_role("button", name="Перезвоните мне" if lang == "ru" else "Call me back").last
    submit.click()
    assert axe(page) == []


def _in_widget(page) -> bool:
    return page.evaluate("() => !!document.activeElement.closest('[data-phonecapture]')")


def test_keyboard_focus_on_a_brand_coloured_button_is_visible(site, page):
    """The outline is the brand colour, like the button: a gap makes the ring show (2.4.7)."""
    goto(page, site.url + "/page/button", "button")
    page.get_by_role("button", name="Перезвоните мне").focus()
    page.keyboard.press("Tab")  # keyboard focus on the page after the teaser: then back
    page.keyboard.press("Shift+Tab")
    teaser = page.locator("[data-phonecapture-teaser] button")
    assert teaser.evaluate("e => e.matches(':focus-visible') && getComputedStyle(e).outlineOffset") == "2px"


def test_shift_tab_stays_in_a_popup_that_opened_by_itself(site, page):
    page.clock.install()
    goto(page, site.url + "/page/popup", "popup")
    page.clock.fast_forward(61_000)
    page.get_by_role("dialog").wait_for()  # focus is on the dialog itself
    page.keyboard.press("Shift+Tab")
    assert _in_widget(page)


def test_focus_stays_on_the_button_after_a_form_level_error(site, page):
    goto(page, site.url + "/page/button", "button")
    page.get_by_role("button", name="Перезвоните мне").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Телефон", exact=True).press_sequentially("9123450088")
    dialog.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    page.route("**/api/v1/submissions", lambda route: route.abort())  # offline
    dialog.get_by_role("button", name="Перезвоните мне").click()
    dialog.get_by_text("Не удалось отправить").wait_for()
    assert dialog.get_by_role("button", name="Перезвоните мне").evaluate("e => e.getRootNode().activeElement === e")


def test_escape_with_focus_outside_the_form_closes_it_the_widgets_way(site, page):
    goto(page, site.url + "/page/button", "button")
    page.get_by_role("button", name="Перезвоните мне").click()
    page.get_by_role("dialog").wait_for()
    page.evaluate("() => document.querySelector('[data-phonecapture]').shadowRoot.activeElement.blur()")
    page.keyboard.press("Escape")
    assert page.locator("[data-phonecapture]").count() == 0  # not left hidden in the page
    assert widget_state(page)["f"]["button"]["c"] > 0


def test_the_form_says_its_language_and_a_required_box_is_not_invalid_before_a_try(site, page):
    goto(page, site.url + "/page/button?lang=en", "button")  # a Russian form on an English page
    page.get_by_role("button", name="Перезвоните мне").click()
    assert page.locator("[data-phonecapture]").get_attribute("lang") == "ru"
    box = page.get_by_role("dialog").get_by_role("checkbox", name=re.compile("Согласен на обработку"))
    assert box.get_attribute("aria-required") == "true"
    assert box.evaluate("e => e.matches(':invalid')") is False


def test_the_code_field_is_described_by_where_the_code_went(site, page):
    from tests.browser.test_flow import open_form, send_number

    dialog = open_form(site, page)
    send_number(site, dialog, "9123450099")
    field = dialog.get_by_label("Код из SMS")
    described = field.evaluate("e => e.getAttribute('aria-describedby').split(' ').map(i => e.getRootNode().getElementById(i).textContent).join(' ')")
    assert "+7 (912) 345-00-99" in described


def test_a_slidein_taller_than_the_window_keeps_its_close_button_on_screen(site, page):
    page.set_viewport_size({"width": 1280, "height": 420})
    goto(page, site.url + "/page/slidein?long=40", "slidein")
    page.mouse.wheel(0, 5000)
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert dialog.bounding_box()["y"] >= 0
    assert dialog.get_by_role("button", name="Закрыть").bounding_box()["y"] >= 0


def test_a_page_field_focused_behind_a_slidein_is_scrolled_clear_of_it(site, mobile_context):
    page, dialog = slidein_on_a_phone(site, mobile_context)
    page.evaluate("""() => { const e = document.querySelector('#email');
        scrollTo(0, e.getBoundingClientRect().top + scrollY - innerHeight + 40) }""")  # behind it now
    page.wait_for_timeout(200)
    page.locator("#email").focus()
    page.wait_for_timeout(300)
    field, panel = page.locator("#email").bounding_box(), dialog.bounding_box()
    assert field["y"] + field["height"] <= panel["y"], (field, panel)  # not hidden (WCAG 2.4.11)


# The text of each element the dialog's aria-describedby names (undefined: a missing one).
DESCRIBED = """e => (e.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
  .map(i => e.getRootNode().getElementById(i)?.textContent)"""


def test_a_popup_and_a_slidein_are_described_by_the_offer_and_why_the_number_is_asked(site, page):
    goto(page, site.url + "/page/button", "button")
    page.get_by_role("button", name="Перезвоните мне").click()
    assert page.get_by_role("dialog").evaluate(DESCRIBED) == [
        "Поможем выбрать чайник под вашу воду.", "Номер нужен только для ответа на заявку"]
    page.keyboard.press("Escape")
    goto(page, site.url + "/page/slidein?long=40", "slidein")
    page.mouse.wheel(0, 5000)
    assert page.get_by_role("dialog").evaluate(DESCRIBED)[1] == "Номер нужен только для ответа на заявку"


@pytest.mark.parametrize("purpose, described", [
    ("Номер нужен для звонка", ["Номер нужен для звонка"]), ("", [])])
def test_a_form_without_an_offer_or_a_purpose_is_described_by_what_it_shows(site, page, purpose, described):
    def bare(route):  # the form's config without an offer, and with this purpose
        response = route.fetch()
        cfg = response.json()
        del cfg["texts"]["o"]
        cfg["texts"]["pu"] = purpose
        route.fulfill(response=response, json=cfg)

    page.route("**/api/v1/forms/button*", bare)
    goto(page, site.url + "/page/button", "button")
    page.get_by_role("button", name="Перезвоните мне").click()
    assert page.get_by_role("dialog").evaluate(DESCRIBED) == described  # no id of a missing element


@pytest.mark.parametrize("how", ["link", "api"])
def test_a_slidein_the_visitor_opens_takes_focus_and_gives_it_back(site, page, how):
    goto(page, site.url + "/page/slidein?cta=1", "slidein")
    opener = page.get_by_role("link", name="Перезвонить мне")  # data-phonecapture-open
    opener.focus()
    if how == "link":
        page.keyboard.press("Enter")
    else:
        page.evaluate("() => PhoneCapture.open('slidein')")
    field = page.get_by_role("dialog").get_by_label("Телефон", exact=True)
    field.wait_for()
    assert field.evaluate("e => e.getRootNode().activeElement === e")
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").count() == 0
    assert opener.evaluate("e => document.activeElement === e")


def test_a_compact_slidein_the_visitor_opens_on_a_phone_opens_whole_with_focus_in_the_field(site, mobile_context):
    page = mobile_context.new_page()
    goto(page, site.url + "/page/slidein?cta=1", "slidein")
    page.get_by_role("link", name="Перезвонить мне").tap()
    field = page.get_by_role("dialog").get_by_label("Телефон", exact=True)
    field.wait_for()
    assert field.is_visible() and field.evaluate("e => e.getRootNode().activeElement === e")


@pytest.mark.parametrize("lang, said", [("ru", "Политика конфиденциальности (откроется в новой вкладке)"),
                                        ("en", "Privacy policy (opens in a new tab)")])
def test_the_policy_link_says_it_opens_a_new_tab(site, page, lang, said):
    form = "button" if lang == "ru" else "button_en"
    goto(page, site.url + f"/page/{form}?lang={lang}", form)
    page.locator("[data-phonecapture-teaser] button").click()
    link = page.get_by_role("dialog").get_by_role("link", name=said, exact=True).first
    assert link.get_attribute("target") == "_blank"
    assert link.inner_text() == said.split(" (")[0]  # what is seen stays the same
