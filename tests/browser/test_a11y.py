"""Dialog accessibility: focus trap and restore, Escape, an inert background, axe-core."""
import pytest

from tests.browser.helpers import BACKGROUND_INERT, axe, goto, have_axe


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
