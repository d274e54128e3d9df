"""The phone field: typing, caret, paste and autofill, country switching."""
import pytest

from tests.browser.helpers import goto

PHONE = "Телефон"


@pytest.fixture
def field(site, page):
    goto(page, site.url + "/page/button", "button")
    page.get_by_role("button", name="Перезвоните мне").click()
    return page.get_by_role("dialog").get_by_label(PHONE, exact=True)


def caret(field):
    return field.evaluate("e => e.selectionStart")


@pytest.mark.parametrize("typed", ["89123456789", "9123456789", "+79123456789", "8 (912) 345-67-89"])
def test_typing(field, typed):
    field.press_sequentially(typed)
    assert field.input_value() == "+7 (912) 345-67-89"


def test_typing_8_800(field):
    field.press_sequentially("88005553535")
    assert field.input_value() == "+7 (800) 555-35-35"


def test_backspace_over_formatting_deletes_a_digit(field):
    field.press_sequentially("9123456")
    assert field.input_value() == "+7 (912) 345-6"
    field.press("Backspace")
    field.press("Backspace")  # over "-": deletes 5
    assert field.input_value() == "+7 (912) 34"
    field.press_sequentially("5")
    assert field.input_value() == "+7 (912) 345"


def test_caret_stays_after_an_edited_digit(field):
    field.press_sequentially("9123456789")
    for _ in range(5):
        field.press("ArrowLeft")  # before "6": "+7 (912) 345-|67-89" -> caret after "5"
    pos = caret(field)
    field.press("Backspace")
    assert field.input_value() == "+7 (912) 346-78-9"
    assert caret(field) == pos - 2  # after "4", the dash moved with the digits
    field.press_sequentially("5")
    assert field.input_value() == "+7 (912) 345-67-89"


@pytest.mark.parametrize("pasted, shown, region", [
    ("8 912 345-67-89", "+7 (912) 345-67-89", "RU"),
    ("89123456789", "+7 (912) 345-67-89", "RU"),
    ("+7 912 345 67 89", "+7 (912) 345-67-89", "RU"),
    ("7912 345 67 89", "+7 (912) 345-67-89", "RU"),
    ("810 49 30 1234567", "+49 30 1234567", "DE"),
    ("0049 30 1234567", "+49 30 1234567", "DE"),
    ("+49 30 1234567", "+49 30 1234567", "DE"),
    ("+375 29 123-45-67", "+375 29 123-45-67", "BY"),
    ("8 701 234 5678", "+7 (701) 234 5678", "KZ"),
])
def test_paste(page, field, pasted, shown, region):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("t => navigator.clipboard.writeText(t)", pasted)
    field.focus()
    page.keyboard.press("Control+V")
    assert field.input_value() == shown
    assert page.get_by_role("dialog").get_by_role("combobox", name="Страна").input_value() == region


@pytest.mark.parametrize("autofilled", ["+79123456789", "89123456789", "8 (912) 345-67-89"])
def test_autofill(field, autofilled):
    # What Chrome autofill does: set the value, then fire input without an inputType.
    field.evaluate("(e, v) => { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})) }", autofilled)
    assert field.input_value() == "+7 (912) 345-67-89"


def test_fill_replaces(field):
    field.fill("+49 30 1234567")
    assert field.input_value() == "+49 30 1234567"


def test_typing_an_international_prefix_switches_country(page, field):
    field.press_sequentially("+375291234567")
    assert field.input_value() == "+375 29 123-45-67"
    assert page.get_by_role("dialog").get_by_role("combobox", name="Страна").input_value() == "BY"


@pytest.mark.parametrize("typed", ["0049301234567", "810 49 30 1234567", "8 10 49 30 1234567"])
def test_typing_an_exit_code_after_the_shown_code_dials_out(page, field, typed):
    field.press_sequentially(typed)
    assert field.input_value() == "+49 30 1234567"
    assert page.get_by_role("dialog").get_by_role("combobox", name="Страна").input_value() == "DE"


def test_the_shown_code_can_be_erased_and_another_typed(page, field):
    field.focus()
    for _ in range(2):
        field.press("Backspace")  # "+7 " -> "+7" -> "+"
    assert (field.input_value(), caret(field)) == ("+", 1)
    field.press_sequentially("+49301234567")  # the "+" typed again changes nothing
    assert field.input_value() == "+49 30 1234567"
    assert page.get_by_role("dialog").get_by_role("combobox", name="Страна").input_value() == "DE"


def test_a_national_prefix_keeps_the_country_picked(page, field):
    country = page.get_by_role("dialog").get_by_role("combobox", name="Страна")
    country.select_option("KZ")  # RU owns +7 8…, but "8" here is the prefix typed before a number
    field.press_sequentially("87012345678")
    assert field.input_value() == "+7 (701) 234 5678"
    assert country.input_value() == "KZ"


def test_choosing_a_country_keeps_the_digits(page, field):
    page.get_by_role("dialog").get_by_role("combobox", name="Страна").select_option("DE")
    field.press_sequentially("030 1234567")
    assert field.input_value() == "+49 30 1234567"


def test_field_attributes(field):
    assert field.get_attribute("type") == "tel"
    assert field.get_attribute("autocomplete") == "tel"
    assert field.get_attribute("inputmode") == "tel"


def country(page):
    return page.get_by_role("dialog").get_by_role("combobox", name="Страна").input_value()


@pytest.mark.parametrize("text, shown, region", [
    ("+49 30 123456", "+49 30 123456", "DE"),  # was "+7 (493) 012-34-56", a valid Russian number
    ("+375 29 123-45-67", "+375 29 123-45-67", "BY"),
    ("0049 30 1234567", "+49 30 1234567", "DE"),
])
def test_a_number_inserted_in_one_piece_is_read_whole(page, field, text, shown, region):
    # One insertText carrying the whole string: what an input method committing text sends.
    field.focus()
    page.keyboard.insert_text(text)
    assert (field.input_value(), country(page)) == (shown, region)


def test_international_text_inserted_into_a_number_replaces_it(page, field):
    field.press_sequentially("912345")
    page.keyboard.insert_text("+49 30 1234567")
    assert (field.input_value(), country(page)) == ("+49 30 1234567", "DE")


def compose(page, *steps):
    """Drive an input method: each step's compositions, then commit the last one."""
    cdp = page.context.new_cdp_session(page)
    for step in steps:
        for text in step:
            cdp.send("Input.imeSetComposition", {"text": text, "selectionStart": len(text), "selectionEnd": len(text)})
        cdp.send("Input.insertText", {"text": step[-1]})


def test_ime_digit_by_digit_does_not_double(page, field):
    field.focus()
    compose(page, *[[ch] for ch in "912"])  # was "+7 (991) 22"
    assert field.input_value() == "+7 (912"
    compose(page, *[[ch] for ch in "3456789"])
    assert field.input_value() == "+7 (912) 345-67-89"


def test_ime_one_growing_composition(page, field):
    field.focus()
    typed = "89123456789"
    compose(page, [typed[:i + 1] for i in range(len(typed))])  # was "+7 889128912389123456789"
    assert field.input_value() == "+7 (912) 345-67-89"


def test_ime_trunk_prefix_alone_is_a_prefix(page, field):
    field.focus()
    compose(page, ["8"])
    assert field.input_value() == "+7 "
    compose(page, ["9"])
    assert field.input_value() == "+7 (9"


def test_ime_commits_a_foreign_number(page, field):
    field.focus()
    compose(page, ["+49", "+49 30 1234567"])
    assert (field.input_value(), country(page)) == ("+49 30 1234567", "DE")


def test_full_width_and_arabic_indic_digits(page, field):
    field.focus()
    for ch in "８９１２３４５６７８９":  # what a Japanese IME commits in full-width mode
        page.keyboard.insert_text(ch)
    assert field.input_value() == "+7 (912) 345-67-89"
    field.fill("")
    field.focus()
    page.keyboard.insert_text("+٤٩ ٣٠ ١٢٣٤٥٦٧")
    assert (field.input_value(), country(page)) == ("+49 30 1234567", "DE")


def paste(page, field, text):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("t => navigator.clipboard.writeText(t)", text)
    field.focus()
    page.keyboard.press("Control+V")


def test_full_width_paste(page, field):
    paste(page, field, "８９１２３４５６７８９")
    assert field.input_value() == "+7 (912) 345-67-89"


@pytest.mark.parametrize("key, shown", [("Backspace", "+7 (912) 345-68-9"), ("Delete", "+7 (912) 345-67-9")])
def test_deleting_a_selected_separator_deletes_a_digit(field, key, shown):
    field.press_sequentially("9123456789")
    field.press("ArrowLeft")
    field.press("ArrowLeft")
    field.press("Shift+ArrowLeft")  # selects the "-" between 67 and 89
    field.press(key)
    assert field.input_value() == shown


@pytest.mark.parametrize("pasted", ["+7 912 345-67-89 ext. 123", "+7 912 345 67 89 доб. 5", "8 912 345 67 89 x123",
                                    "89123456789#123", "tel:+79123456789;ext=5"])
def test_an_extension_is_not_glued_on(page, field, pasted):
    paste(page, field, pasted)
    assert field.input_value() == "+7 (912) 345-67-89"


def test_a_marker_typed_into_a_number_cuts_nothing(field):
    field.press_sequentially("9123456789")
    for _ in range(5):
        field.press("ArrowLeft")
    field.press_sequentially("x#,")
    assert field.input_value() == "+7 (912) 345-67-89"


def test_a_long_paste_is_capped(page, field):
    paste(page, field, "9" * 2000)
    assert len(field.input_value().replace(" ", "").replace("+", "")) <= 15


def test_deleting_the_last_digit_leaves_no_bracket(field):
    field.press_sequentially("9")
    assert field.input_value() == "+7 (9"
    field.press("Backspace")
    assert field.input_value() == "+7 "


def test_typing_8_over_a_selected_number_starts_a_national_one(field):
    field.press_sequentially("9123456789")
    field.press("Control+A")
    field.press_sequentially("8")
    assert field.input_value() == "+7 "  # the trunk prefix, not "+7 (8"
    field.press_sequentially("4951234567")
    assert field.input_value() == "+7 (495) 123-45-67"


def test_a_short_international_paste_is_read(page, field):
    paste(page, field, "+0 123")  # was "+7 0123"
    assert field.input_value() == "+0123"


@pytest.mark.parametrize("typed, shown, region", [
    ("+14165550123", "+1 (416) 555-0123", "CA"),  # Toronto
    ("4165550123", "+1 (416) 555-0123", "CA"),
    ("+12125550123", "+1 (212) 555-0123", "US"),
    ("+447781123456", "+44 7781 123456", "GG"),  # a Guernsey mobile
])
def test_the_country_list_follows_a_region_sharing_the_code(site, page, typed, shown, region):
    goto(page, site.url + "/page/shared_en?lang=en", "shared_en")
    page.get_by_role("button", name="Call me back").click()
    dialog = page.get_by_role("dialog")
    country = dialog.get_by_role("combobox", name="Country")
    field = dialog.get_by_label("Phone", exact=True)
    field.press_sequentially(typed[:-6])  # the area code decides, before the last digits
    assert country.input_value() == region
    field.press_sequentially(typed[-6:])
    assert (field.input_value(), country.input_value()) == (shown, region)


@pytest.mark.parametrize("picked", ["RU", "KZ"])
@pytest.mark.parametrize("typed, steps, shown, region", [
    # no Kazakh number starts 79: the 7 was the code typed again
    ("79123456789", [None, ("+7 (9", "RU"), ("+7 (91", "RU")], "+7 (912) 345-67-89", "RU"),
    # 74… may still be KZ 747…; 749… is not
    ("74951234567", [None, None, ("+7 (49", "RU")], "+7 (495) 123-45-67", "RU"),
    ("7012345678", [None, ("+7 (70", "KZ")], "+7 (701) 234 5678", "KZ"),
])
def test_the_code_typed_again_decides_the_country_as_soon_as_the_digits_do(page, field, picked, typed, steps, shown, region):
    """RU and KZ share +7 and Kazakh numbers start with 7: "+7 7912…" showed Kazakhstan (and
    "+7 (791) 234 5678") until the 11th digit. The picked country stays while nothing is decided."""
    select = page.get_by_role("dialog").get_by_role("combobox", name="Страна")
    select.select_option(picked)
    for ch, want in zip(typed, steps):
        field.press_sequentially(ch)
        assert (field.input_value(), select.input_value()) == want or (want is None and select.input_value() == picked), ch
    field.press_sequentially(typed[len(steps):])
    assert (field.input_value(), select.input_value()) == (shown, region)
