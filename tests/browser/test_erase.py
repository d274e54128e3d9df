"""Self-service erasure in a browser, with and without JavaScript: a visitor who left a number
erases it with an SMS code and gets a receipt."""
import pytest


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_visitor_erases_the_number_they_left(site, browser, js):
    ctx = browser.new_context(java_script_enabled=js, locale="ru-RU", viewport={"width": 1000, "height": 800})
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    number = "+7 912 777-66-5" + ("1" if js else "2")
    page.goto(site.url + "/phonecapture/f/popup")
    page.get_by_role("textbox", name="Телефон").fill(number)
    page.get_by_role("checkbox", name="Согласен", exact=False).first.check()
    page.wait_for_timeout(400)  # the form's min_fill_ms
    since = len(site.lines)
    page.get_by_role("button", name="Перезвоните мне").click()
    page.get_by_role("textbox", name="Код из SMS").fill(site.code(since))
    page.get_by_role("button", name="Подтвердить").click()
    page.wait_for_load_state()

    page.goto(site.url + "/phonecapture/privacy/erase")  # the browser's language: ru
    assert page.locator("h1").inner_text() == "Удалить мой номер"
    page.get_by_role("textbox", name="Телефон").fill(number)
    since = len(site.lines)
    page.get_by_role("button", name="Получить код").click()
    assert page.locator("h1").inner_text() == "Подтвердите удаление"
    page.get_by_role("textbox", name="Код из SMS").fill(site.code(since))
    page.get_by_role("button", name="Удалить номер").click()
    assert page.locator("h1").inner_text() == "Номер удалён"
    assert "-5" + ("1" if js else "2") + " и связанные с ним данные удалены" in page.get_by_role("status").inner_text()
    assert errors == []
    ctx.close()
