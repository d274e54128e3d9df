"""A marketer changes a form in Chromium and the widget on a shop page shows it on the next page view;
the editor pages have no axe violations. Screenshots for the README (written into docs/screenshots only
with PHONECAPTURE_SCREENSHOTS=1, like the source report's)."""
import os

import pytest

from tests.browser.conftest import ROOT, Server
from tests.browser.helpers import axe, have_axe
from tests.conftest import require

SHOTS = os.path.join(ROOT, "docs", "screenshots")
LIST = "/phonecapture/admin/forms"


@pytest.fixture(scope="module")
def forms_site(browser, tmp_path_factory):
    """A site of its own: the edits here must not change the forms other tests drive."""
    if not have_axe():
        require(False, "axe-core is not installed (npm --prefix widget ci)")
    site = Server(tmp_path_factory.mktemp("forms-site"))
    yield site
    site.stop()


def shot(page, name, tmp_path):
    path = os.path.join(SHOTS, name) if os.environ.get("PHONECAPTURE_SCREENSHOTS") else str(tmp_path / name)
    page.screenshot(path=path, full_page=True)


def test_a_marketer_changes_the_popup_title_and_delay_and_the_widget_shows_it(browser, forms_site, tmp_path):
    site = forms_site
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        page = ctx.new_page()
        page.goto(site.url + "/page/popup_en?lang=en")  # before: the built-in title, after 60 s
        page.goto(site.url + LIST)
        assert page.title() == "Forms"
        assert page.get_by_role("row", name="popup_en").get_by_role("cell").nth(5).inner_text() == "app config"
        assert axe(page) == []
        page.get_by_role("link", name="Edit popup_en", exact=True).click()
        page.wait_for_url("**/popup_en")
        assert page.title() == "Form “popup_en”"

        page.get_by_label("Title", exact=True).fill("Questions? We'll call you in 5 minutes")
        page.get_by_label("Delay before it opens, seconds").fill("-1")
        page.get_by_role("button", name="Save and publish").click()
        alert = page.get_by_role("alert")  # no note, a negative delay: nothing saved, what was typed kept
        assert "Say what changed and why." in alert.inner_text()
        assert page.get_by_label("Title", exact=True).input_value() == "Questions? We'll call you in 5 minutes"
        page.get_by_label("What changed and why", exact=True).fill("Shorter wait, clearer title (test A)")
        page.get_by_role("button", name="Save and publish").click()
        assert "triggers.delay_s: must be ≥ 0 (got -1)" in page.get_by_role("alert").inner_text()
        assert page.get_by_label("Delay before it opens, seconds").get_attribute("aria-invalid") == "true"
        assert axe(page) == []
        shot(page, "admin-forms-error.png", tmp_path)

        page.get_by_label("Delay before it opens, seconds").fill("1")
        page.get_by_role("button", name="Save and publish").click()
        assert page.get_by_role("status").inner_text() == "Saved as version 1; it is live now."
        assert axe(page) == []
        shot(page, "admin-forms-edit.png", tmp_path)

        shop = ctx.new_page()  # the next page view of the shop
        shop.goto(site.url + "/page/popup_en?lang=en")
        dialog = shop.get_by_role("dialog", name="Questions? We'll call you in 5 minutes")
        dialog.wait_for(timeout=8000)  # 1 s now, not 60 s
        shop.close()

        page.get_by_role("link", name="History and restore").click()
        page.get_by_role("heading", name="Version 1").wait_for()
        assert "Shorter wait, clearer title (test A)" in page.content()
        assert axe(page) == []
        shot(page, "admin-forms-history.png", tmp_path)
        page.goto(site.url + LIST)
        assert page.get_by_role("row", name="popup_en").get_by_role("cell").nth(5).inner_text() == "version 1"
        shot(page, "admin-forms.png", tmp_path)
    finally:
        ctx.close()


def test_a_russian_browser_reads_the_editor_in_russian(browser, forms_site, tmp_path):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    try:
        page = ctx.new_page()
        page.goto(forms_site.url + LIST + "/popup")
        assert page.locator("html").get_attribute("lang") == "ru"
        assert page.title() == "Форма «popup»"
        assert page.get_by_label("Заголовок", exact=True).is_visible()
        assert page.get_by_role("button", name="Сохранить и опубликовать").is_visible()
        page.get_by_label("Открыть через, секунд").fill("пять")
        page.get_by_label("Что изменено и зачем", exact=True).fill("Пробуем задержку словами")
        page.get_by_role("button", name="Сохранить и опубликовать").click()
        assert "triggers.delay_s: нужно целое число (введено \"пять\")" in page.get_by_role("alert").inner_text()
        assert page.title() == "Ошибка: Форма «popup»"
        assert axe(page) == []
        shot(page, "admin-forms-ru.png", tmp_path)
    finally:
        ctx.close()


def test_a_marketer_creates_a_slide_in_and_switches_it_on_and_the_shop_shows_it(browser, forms_site, tmp_path):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        page = ctx.new_page()
        page.goto(forms_site.url + LIST)
        page.get_by_label("Form id").fill("Black Friday")
        page.get_by_label("Mode").select_option(label="Slide-in")
        page.get_by_label("Start from").select_option("popup_en")
        page.get_by_role("button", name="Create form (off)").click()
        assert "form ids are lowercase letters" in page.get_by_role("alert").inner_text()
        assert page.get_by_label("Form id").get_attribute("aria-invalid") == "true"
        assert page.get_by_label("Form id").input_value() == "Black Friday"  # what was typed is kept
        assert axe(page) == []
        page.get_by_label("Form id").fill("black-friday")
        new = page.locator("form", has=page.get_by_role("button", name="Create form (off)"))
        path = os.path.join(SHOTS, "admin-forms-new.png") if os.environ.get("PHONECAPTURE_SCREENSHOTS") else str(tmp_path / "new.png")
        new.screenshot(path=path)
        page.get_by_role("button", name="Create form (off)").click()
        page.wait_for_url("**/black-friday?created=1")
        assert "It is off" in page.get_by_role("status").inner_text()
        assert not page.get_by_label("Show this form on the site").is_checked()
        assert page.get_by_label("Mode", exact=True).input_value() == "slidein"
        assert axe(page) == []
        shot(page, "admin-forms-created.png", tmp_path)

        shop = ctx.new_page()
        assert shop.goto(forms_site.url + "/page/black-friday?lang=en").ok  # off: the widget shows nothing
        shop.wait_for_timeout(1500)
        assert shop.locator("[data-phonecapture]").count() == 0

        page.get_by_label("Title", exact=True).fill("Black Friday: −20% on kettles")
        page.get_by_label("Delay before it opens, seconds").fill("1")
        page.get_by_label("Show this form on the site").check()
        page.get_by_label("What changed and why", exact=True).fill("Black Friday slide-in, on")
        page.get_by_role("button", name="Save and publish").click()
        assert page.get_by_role("status").inner_text() == "Saved as version 2; it is live now."
        shop.goto(forms_site.url + "/page/black-friday?lang=en")
        shop.get_by_role("dialog", name="Black Friday: −20% on kettles").wait_for(timeout=8000)
        page.goto(forms_site.url + LIST)
        row = page.get_by_role("row", name="black-friday")
        assert "created here" in row.inner_text() and "Slide-in" in row.inner_text()
    finally:
        ctx.close()
