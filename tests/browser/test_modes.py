"""Each display mode, in Chromium, against the real API."""
from tests.browser.helpers import BACKGROUND_INERT, LAYOUT_SHIFT, goto, slidein_on_a_phone

PHONE = "Телефон"


def test_popup_waits_for_its_delay_then_shows_a_modal(site, page):
    page.clock.install()
    goto(page, site.url + "/page/popup", "popup")
    page.clock.fast_forward(59_000)
    assert page.get_by_role("dialog").count() == 0
    page.clock.fast_forward(2_000)
    dialog = page.get_by_role("dialog", name="Перезвоним вам")
    dialog.wait_for()
    assert dialog.get_attribute("aria-modal") == "true"
    assert page.evaluate(BACKGROUND_INERT) is True
    assert page.errors == []


def test_a_click_in_a_popup_focuses_the_field_clicked(site, page):
    page.clock.install()
    goto(page, site.url + "/page/popup", "popup")
    page.clock.fast_forward(61_000)
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    dialog.get_by_label(PHONE, exact=True).click()  # a real mouse click, not a focus() from script
    page.keyboard.type("912")
    assert dialog.get_by_label(PHONE, exact=True).input_value() == "+7 (912"


def test_an_automatic_popup_never_replaces_the_one_the_visitor_opened(site, page):
    page.clock.install()
    goto(page, site.url + "/page/button,popup", "button")
    page.get_by_role("button", name="Перезвоните мне").click()
    field = page.get_by_role("dialog").get_by_label(PHONE, exact=True)
    field.press_sequentially("91234")
    page.clock.fast_forward(61_000)  # the popup's delay
    page.wait_for_timeout(300)
    assert page.locator("[data-phonecapture]").evaluate_all("hs => hs.map(h => h.dataset.phonecapture)") == ["button"]
    assert field.input_value() == "+7 (912) 34"


def test_slidein_after_scroll_does_not_block_or_take_focus(site, page):
    goto(page, site.url + "/page/slidein?long=40", "slidein")
    page.locator("#email").focus()
    assert page.get_by_role("dialog").count() == 0
    page.mouse.wheel(0, 5000)
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert dialog.get_attribute("aria-modal") is None
    assert page.evaluate("() => document.activeElement.id") == "email"  # focus not stolen
    assert page.evaluate(BACKGROUND_INERT) is False
    page.locator("#email").fill("still typing")  # page stays usable
    page.locator("#email").press("Escape")
    assert page.get_by_role("dialog").count() == 1  # Escape elsewhere leaves it
    page.get_by_role("button", name="Закрыть").click()
    assert page.get_by_role("dialog").count() == 0


def test_slidein_closed_from_inside_gives_focus_back(site, page):
    goto(page, site.url + "/page/slidein?long=40", "slidein")
    page.locator("#email").focus()
    page.mouse.wheel(0, 5000)
    page.get_by_role("dialog").get_by_label(PHONE, exact=True).click()
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").count() == 0
    assert page.evaluate("() => document.activeElement.id") == "email"


def test_inline_replaces_the_no_js_form_without_layout_shift(site, page):
    goto(page, site.url + "/page/inline", "inline")
    region = page.get_by_role("region", name="Перезвоним вам")
    region.wait_for()
    assert page.get_by_role("dialog").count() == 0
    assert page.evaluate(LAYOUT_SHIFT) == 0
    # The server-rendered no-JS form is still in the light DOM, just not rendered.
    assert page.locator("section.callback > form.phonecapture-form").count() == 1
    region.get_by_label(PHONE, exact=True).press_sequentially("9123456789")
    assert region.get_by_label(PHONE, exact=True).input_value() == "+7 (912) 345-67-89"


def test_inline_form_far_below_the_fold_is_built_when_the_visitor_scrolls_near_it(site, page):
    goto(page, site.url + "/page/inline?long=40&below=1", "inline")
    page.wait_for_timeout(300)
    host = page.locator("[data-phonecapture-inline=inline]")
    assert host.evaluate("el => el.shadowRoot") is None  # nothing built, no impression yet
    host.scroll_into_view_if_needed()
    page.get_by_role("region", name="Перезвоним вам").wait_for()
    assert page.evaluate(LAYOUT_SHIFT) == 0


def test_exit_intent_fires_when_the_pointer_leaves_through_the_top(site, page):
    goto(page, site.url + "/page/exit", "exit")
    page.mouse.move(600, 400)
    page.wait_for_timeout(1100)  # arm delay 1 s
    page.mouse.move(600, 200)
    page.mouse.move(600, 5)
    page.mouse.move(600, -10)
    page.get_by_role("dialog").wait_for(timeout=3000)


def test_exit_intent_is_not_armed_at_first(site, page):
    goto(page, site.url + "/page/exit", "exit")
    page.mouse.move(600, 300)
    page.mouse.move(600, 5)
    page.mouse.move(600, -10)
    page.wait_for_timeout(200)
    assert page.get_by_role("dialog").count() == 0


def test_button_teaser_opens_the_form_with_focus_in_the_phone_field(site, page):
    goto(page, site.url + "/page/button", "button")
    teaser = page.get_by_role("button", name="Перезвоните мне")
    teaser.click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert page.evaluate("() => document.activeElement.dataset.phonecapture") == "button"
    assert dialog.get_by_label(PHONE, exact=True).evaluate("e => e.getRootNode().activeElement === e")


def test_english_form(site, page):
    goto(page, site.url + "/page/button_en?lang=en", "button_en")
    page.get_by_role("button", name="Call me back").click()
    dialog = page.get_by_role("dialog", name="We'll call you back")
    field = dialog.get_by_label("Phone", exact=True)
    field.press_sequentially("07400 123456")
    assert field.input_value() == "+44 7400 123456"
    assert dialog.get_by_role("combobox", name="Country").input_value() == "GB"


def test_mobile_360(site, mobile_context):
    page = mobile_context.new_page()
    goto(page, site.url + "/page/button", "button")
    page.get_by_role("button", name="Перезвоните мне").tap()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    box = dialog.bounding_box()
    assert box["width"] <= 360 and box["x"] >= 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # no horizontal scroll
    field = dialog.get_by_label(PHONE, exact=True)
    assert field.get_attribute("inputmode") == "tel" and field.get_attribute("autocomplete") == "tel"
    # Safari on iPhone zooms the page into a field whose text is under 16px when it takes focus.
    assert field.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16


def test_the_country_list_and_the_phone_field_fit_a_280px_phone(site, mobile_context):
    page = mobile_context.new_page()
    page.set_viewport_size({"width": 280, "height": 640})  # a folded Galaxy Fold; a card in a column
    goto(page, site.url + "/page/button", "button")  # four countries: a <select> beside the field
    page.get_by_role("button", name="Перезвоните мне").tap()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    edge = dialog.evaluate("d => { const r = d.querySelector('form').getBoundingClientRect(); return r.right }")
    for control in (dialog.get_by_role("combobox"), dialog.get_by_label(PHONE, exact=True)):
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= edge + 0.5, (box, edge)
    assert dialog.get_by_label(PHONE, exact=True).bounding_box()["width"] >= 140  # room to read a number


def test_the_country_list_sits_beside_the_phone_field_where_there_is_room(site, page, mobile_context):
    for p in (page, mobile_context.new_page()):  # 1280 and 360 px wide
        goto(p, site.url + "/page/button", "button")
        p.get_by_role("button", name="Перезвоните мне").click()
        dialog = p.get_by_role("dialog")
        country, field = dialog.get_by_role("combobox").bounding_box(), dialog.get_by_label(PHONE, exact=True).bounding_box()
        assert country["y"] == field["y"] and country["x"] + country["width"] < field["x"], (country, field)


def test_slidein_is_compact_on_a_small_screen(site, mobile_context):
    page, dialog = slidein_on_a_phone(site, mobile_context)
    box = dialog.bounding_box()
    assert box["height"] < 740 * 0.3, box  # title and one button, not most of the screen
    assert not dialog.get_by_label(PHONE, exact=True).is_visible()
    dialog.get_by_role("button", name="Перезвоните мне").tap()
    field = dialog.get_by_label(PHONE, exact=True)
    assert field.is_visible() and field.evaluate("e => e.getRootNode().activeElement === e")
