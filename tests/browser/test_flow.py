"""Consent errors, the SMS-code step (code read from the console provider), success."""
import re

from tests.browser.helpers import goto, widget_state

PHONE = "Телефон"


def open_form(site, page, form="button"):
    goto(page, site.url + f"/page/{form}", form)
    page.get_by_role("button", name="Перезвоните мне").click()
    return page.get_by_role("dialog")


def send_number(site, dialog, typed: str) -> str:
    """Type a number, tick the required consent, submit; the SMS code it was sent."""
    dialog.get_by_label(PHONE, exact=True).press_sequentially(typed)
    dialog.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    since = len(site.lines)
    dialog.get_by_role("button", name="Перезвоните мне").click()
    return site.code(since)


def test_required_consent_error_is_on_its_checkbox_and_announced(site, page):
    dialog = open_form(site, page)
    dialog.get_by_label(PHONE, exact=True).press_sequentially("9123456700")
    dialog.get_by_role("button", name="Перезвоните мне").click()
    box = dialog.get_by_role("checkbox", name=re.compile("Согласен на обработку"))
    assert box.get_attribute("aria-invalid") == "true"
    assert box.evaluate("e => e.getRootNode().activeElement === e")
    error = dialog.get_by_text("Нужно ваше согласие")
    assert error.get_attribute("aria-live") == "polite"
    assert box.get_attribute("aria-describedby") == error.get_attribute("id")
    assert not dialog.get_by_role("checkbox", name=re.compile("скидках")).is_checked()  # unticked


def test_bad_phone_is_flagged_before_sending(site, page):
    dialog = open_form(site, page)
    dialog.get_by_label(PHONE, exact=True).press_sequentially("91234")
    dialog.get_by_role("button", name="Перезвоните мне").click()
    assert dialog.get_by_text("Проверьте номер").is_visible()
    assert dialog.get_by_label(PHONE, exact=True).get_attribute("aria-invalid") == "true"


def test_full_code_step(site, page):
    events = []
    page.expose_function("record", lambda e: events.append(e))
    dialog = open_form(site, page)
    page.evaluate("""() => ['submit', 'verified'].forEach(t => PhoneCapture.on(t, e => record(t + ':' + e.detail.form)))""")
    dialog.get_by_label(PHONE, exact=True).press_sequentially("89123450011")
    dialog.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    since = len(site.lines)
    dialog.get_by_role("button", name="Перезвоните мне").click()
    code_field = dialog.get_by_label("Код из SMS")
    code_field.wait_for()
    assert code_field.get_attribute("autocomplete") == "one-time-code"
    assert code_field.get_attribute("inputmode") == "numeric"
    assert code_field.evaluate("e => e.getRootNode().activeElement === e")
    assert dialog.get_by_text("+7 (912) 345-00-11").is_visible()
    code = site.code(since)
    # a wrong code first: attempts left are shown
    wrong = "000000" if code != "000000" else "111111"
    code_field.fill(wrong)
    dialog.get_by_role("button", name="Подтвердить").click()
    dialog.get_by_text(re.compile(r"осталось попыток: \d")).wait_for()
    assert code_field.get_attribute("aria-invalid") == "true"
    code_field.fill(code)
    dialog.get_by_role("button", name="Подтвердить").click()
    dialog.get_by_text("Номер подтверждён").wait_for()
    assert dialog.get_by_role("button", name="Закрыть").count() == 1  # not the × and a button
    assert events == ["submit:button", "verified:button"]
    st = widget_state(page)
    assert st["f"]["button"]["s"] > 0  # frequency: submitted
    assert "89123450011" not in " ".join(site.lines) and "9123450011" not in " ".join(site.lines)


def test_a_code_typed_in_another_scripts_digits_verifies(site, page):
    dialog = open_form(site, page)
    code = send_number(site, dialog, "9123450033")
    arabic = "".join(chr(0x660 + int(d)) for d in code)  # an Arabic phone keyboard
    dialog.get_by_label("Код из SMS").fill(arabic[:3] + " " + arabic[3:])
    dialog.get_by_role("button", name="Подтвердить").click()
    dialog.get_by_text("Номер подтверждён").wait_for()


def test_resend_countdown_and_wrong_number(site, page):
    dialog = open_form(site, page)
    dialog.get_by_label(PHONE, exact=True).press_sequentially("9123450022")
    dialog.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    dialog.get_by_role("button", name="Перезвоните мне").click()
    resend = dialog.get_by_role("button", name=re.compile("Отправить код ещё раз"))
    resend.wait_for()
    assert resend.is_disabled()
    assert re.search(r"\(\d\)", resend.inner_text())  # countdown from resend_after_s (3 s here)
    since = len(site.lines)
    page.wait_for_function("""() => !document.querySelector('[data-phonecapture-teaser]') ||
        [...document.querySelectorAll('[data-phonecapture]')].some(h => { const b = h.shadowRoot.querySelector('.l'); return b && !b.disabled })""",
                           timeout=8000)
    resend.click()
    assert site.code(since)
    dialog.get_by_role("button", name="Неверный номер?").click()
    field = dialog.get_by_label(PHONE, exact=True)
    assert field.input_value() == "+7 (912) 345-00-22"  # kept for editing
    assert field.evaluate("e => e.getRootNode().activeElement === e")


def test_source_capture_and_first_touch(site, page):
    goto(page, site.url + "/page/button?utm_source=google&utm_campaign=spring&gclid=abc", "button")
    goto(page, site.url + "/page/button", "button")  # a later page without tags
    sent = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith("/submissions") and sent.append(r.post_data_json))
    page.get_by_role("button", name="Перезвоните мне").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label(PHONE, exact=True).press_sequentially("9123450033")
    dialog.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    dialog.get_by_role("button", name="Перезвоните мне").click()
    dialog.get_by_label("Код из SMS").wait_for()
    body = sent[0]
    assert body["phone"] == "+79123450033" and body["country"] == "RU" and body["hp"] == ""
    assert body["consents"] == {"service_sms": True, "marketing_sms": False}
    assert body["elapsed_ms"] >= 300
    src = body["source"]
    assert src["utm_source"] == "google" and src["utm_campaign"] == "spring" and src["gclid"] == "abc"
    assert src["page_url"].endswith("/page/button")
    assert src["first_touch"]["utm_source"] == "google"
    assert "utm_source=google" in src["first_touch"]["page_url"]


def test_beacons(site, page):
    beacons = []
    page.on("request", lambda r: r.url.endswith("/events") and beacons.append(r.post_data_json["event"]))
    dialog = open_form(site, page)
    dialog.get_by_label(PHONE, exact=True).focus()
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    assert beacons == ["impression", "open", "close"]  # the teaser's own impression: when the page is hidden


def test_submit_and_verified_beacons_complete_the_funnel(site, page):
    beacons = []
    page.on("request", lambda r: r.url.endswith("/events") and beacons.append(r.post_data_json["event"]))
    dialog = open_form(site, page)
    dialog.get_by_label("Код из SMS").fill(send_number(site, dialog, "9123450055"))
    dialog.get_by_role("button", name="Подтвердить").click()
    dialog.get_by_text("Номер подтверждён").wait_for()
    page.wait_for_timeout(200)
    assert beacons == ["impression", "open", "submit", "verified"]


def test_inline_impression_is_sent_once_when_the_page_is_hidden(site, page):
    beacons = []
    page.on("request", lambda r: r.url.endswith("/events") and beacons.append(r.post_data_json["event"]))
    goto(page, site.url + "/page/inline", "inline")
    page.get_by_role("region", name="Перезвоним вам").wait_for()
    page.wait_for_timeout(200)
    assert beacons == []  # nothing on the load path
    hide = "() => { Object.defineProperty(document, 'hidden', {value: true, configurable: true}); document.dispatchEvent(new Event('visibilitychange')) }"
    page.evaluate(hide)  # what the browser does when the visitor leaves or switches away
    page.evaluate(hide)
    page.wait_for_timeout(300)
    assert beacons == ["impression"]


def test_expired_token_is_refetched_and_the_submission_sent_again(site, page):
    """A page left open longer than PHONECAPTURE_TOKEN_MAX_AGE: the server answers 400
    expired_token/invalid_token; the widget fetches the form again and retries once."""
    loads = []

    def stale(route):
        response = route.fetch()
        body = response.json()
        loads.append(body["token"])
        if len(loads) == 1:
            body["token"] = body["token"][:-4] + "AAAA"  # as good as expired: the server refuses it
        route.fulfill(response=response, json=body)

    page.route("**/api/v1/forms/button?*", stale)
    statuses = []
    page.on("response", lambda r: r.url.endswith("/submissions") and statuses.append(r.status))
    dialog = open_form(site, page)
    dialog.get_by_label(PHONE, exact=True).press_sequentially("9123450055")
    dialog.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    dialog.get_by_role("button", name="Перезвоните мне").click()
    dialog.get_by_label("Код из SMS").wait_for()
    assert statuses == [400, 201] and len(loads) == 2


def test_a_second_enter_while_a_code_is_checked_spends_no_attempt(site, page):
    dialog = open_form(site, page)
    code = send_number(site, dialog, "9123450044")
    field = dialog.get_by_label("Код из SMS")
    field.fill("000000" if code != "000000" else "111111")

    def slow(route):  # a check on a slow connection: the visitor presses Enter again meanwhile
        page.wait_for_timeout(600)
        route.continue_()

    page.route("**/verify", slow)
    field.press("Enter")
    page.wait_for_timeout(100)
    field.press("Enter")
    dialog.get_by_text(re.compile(r"осталось попыток: \d")).wait_for()
    page.wait_for_timeout(500)
    assert dialog.get_by_text("осталось попыток: 4").is_visible()  # 5 allowed, one spent


def test_the_whole_sms_pasted_into_the_code_field_verifies(site, page):
    dialog = open_form(site, page)
    since = len(site.lines)
    send_number(site, dialog, "9123450055")
    sms = next(line for line in site.lines[since:] if "[phonecapture sms]" in line)
    dialog.get_by_label("Код из SMS").fill(sms.split("] ", 1)[1])  # "+7 *** … Код подтверждения: 123456 (…) | @host #123456"
    dialog.get_by_role("button", name="Подтвердить").click()
    dialog.get_by_text("Номер подтверждён").wait_for()


def test_a_double_click_on_resend_sends_one_code_and_no_error(site, page):
    dialog = open_form(site, page)
    send_number(site, dialog, "9123450066")
    resend = dialog.get_by_role("button", name=re.compile("Отправить код ещё раз"))
    page.wait_for_function("""() => [...document.querySelectorAll('[data-phonecapture]')].some(h => {
        const b = h.shadowRoot.querySelector('.l'); return b && !b.disabled })""", timeout=8000)
    since = len(site.lines)
    resend.dblclick()
    page.wait_for_timeout(800)
    assert sum("[phonecapture sms]" in line for line in site.lines[since:]) == 1
    assert dialog.get_by_text(re.compile("Слишком часто")).count() == 0
    assert re.search(r"\(\d\)", resend.inner_text())  # a fresh countdown


def test_a_refused_sms_read_leaves_the_resend_countdown_running(site, page):
    # WebOTP where the browser refuses it (another tab, no permission): the visitor types the code.
    page.add_init_script("window.OTPCredential = function () {};"
                         "navigator.credentials.get = () => Promise.reject(new DOMException('no', 'InvalidStateError'))")
    dialog = open_form(site, page)
    send_number(site, dialog, "9123450077")
    page.wait_for_function("""() => [...document.querySelectorAll('[data-phonecapture]')].some(h => {
        const b = h.shadowRoot.querySelector('.l'); return b && !b.disabled })""", timeout=8000)


def test_the_servers_reason_for_refusing_a_number_is_shown_on_the_field(site, page):
    """+7 701… is Kazakh: the length looks right to the browser, the RU-only form refuses it."""
    goto(page, site.url + "/page/inline", "inline")
    form = page.locator("[data-phonecapture-inline='inline'] section")  # the widget's, in the shadow root
    field = form.get_by_label(PHONE, exact=True)
    field.press_sequentially("+77012345678")
    form.get_by_role("checkbox", name=re.compile("Согласен на обработку")).check()
    form.get_by_role("button", name="Перезвоните мне").click()
    form.get_by_text("Номера этой страны форма не принимает.").wait_for()
    assert field.get_attribute("aria-invalid") == "true"
