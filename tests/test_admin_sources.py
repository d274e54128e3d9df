"""/phonecapture/admin/sources: the source report for staff whose roles the host app grants."""
import csv
import io
import re

import pytest

from tests.reporting import beacon, convert, days_ago, lead, today

PAGE = "/phonecapture/admin/sources"
CSV_URL = "/phonecapture/admin/sources.csv"


@pytest.fixture
def roles():
    """The roles the host app's role_loader answers with; a test sets them."""
    return set()


@pytest.fixture
def app(make_app, roles):
    app, ext = make_app()
    ext.role_loader(lambda: roles)
    return app


@pytest.fixture
def marketer(roles):
    roles.add("marketer")


@pytest.fixture
def traffic(client, capsys, run_jobs):
    beacon(client, "impression", 8, utm_source="ya")
    beacon(client, "open", 2, utm_source="ya")
    beacon(client, "impression", 4)
    lead(client, capsys, run_jobs, "+7 912 345-67-81", utm_source="ya", utm_medium="cpc",
         page_url="https://shop.example/p?utm_source=ya&phone=%2B79123456781", referrer="https://ya.ru/search?q=x")
    lead(client, capsys, run_jobs, "+7 912 345-67-82", verify=False, utm_source="ya", name="Анна")
    lead(client, capsys, run_jobs, "+7 912 345-67-83", form_id="tracking")


def cells(html: str) -> list[list[str]]:
    """The report table's rows as text, header and totals included."""
    table = html.split("<table", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)
    out = []
    for row in rows:
        texts = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        # a value cell has a line per currency: "1990.50 RUB; 20.00 USD"
        texts = [re.sub(r'<span class="phonecapture-money">([^<]*)</span>', r"\1; ", t).replace("&nbsp;", " ")
                 for t in texts]
        texts = [t[:-2] if t.endswith("; ") else t for t in texts]
        out.append([re.sub(r'<span class="phonecapture-vh">[^<]*</span>', "–",  # "not counted", "none"...
                           re.sub(r"<span aria-hidden=\"true\">–</span>", "", re.sub(r"\s+", " ", t))).strip()
                    for t in texts])
    return out


@pytest.mark.parametrize("granted", [set(), {"manager"}, {"visitor", "editor"}])
def test_without_a_report_role_the_page_is_forbidden(app, client, roles, granted):
    roles.update(granted)
    for url in (PAGE, CSV_URL, PAGE + "?since=nonsense"):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.get_data(as_text=True)
        assert "<h1" in body and "marketer, analyst or admin role" in body
        assert "<table" not in body


@pytest.mark.parametrize("role", ["admin", "marketer", "analyst"])
def test_admin_marketer_and_analyst_may_read_it(app, client, roles, role):
    roles.add(role)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "<caption" in response.get_data(as_text=True)


def test_the_page_shows_each_sources_counts_and_rates(app, client, marketer, traffic):
    html = client.get(PAGE).get_data(as_text=True)
    assert f"All forms, {days_ago(29)} to {today()} (UTC days)" in html
    assert cells(html) == [
        ["Form", "Source", "Impressions", "Opens", "Closes", "Submit errors", "Submissions", "Verified",
         "Verified %", "Verified per 1,000 impressions", "Conversions", "Conversions per verified number %", "Value"],
        ["callback", "ya", "8", "2", "0", "0", "2", "1", "50.0", "125.0", "0", "0.0", "–"],
        ["callback", "(direct)", "4", "0", "0", "0", "0", "0", "–", "0.0", "0", "–", "–"],
        ["tracking", "(direct)", "0", "0", "0", "0", "1", "1", "100.0", "–", "0", "0.0", "–"],
        ["Total", "12", "2", "0", "0", "3", "2", "66.7", "166.7", "0", "0.0", "–"],
    ]
    assert '<th scope="row" class="phonecapture-label">ya</th>' in html


def test_filters_by_form_and_groups_by_medium(app, client, marketer, traffic):
    html = client.get(PAGE, query_string={"form": "callback", "by": "utm_medium"}).get_data(as_text=True)
    assert cells(html)[1:] == [["callback", "cpc", "–", "–", "–", "–", "1", "1", "100.0", "–", "0", "0.0", "–"],
                               ["callback", "(none)", "–", "–", "–", "–", "1", "0", "0.0", "–", "0", "–", "–"],
                               ["Total", "–", "–", "–", "–", "2", "1", "50.0", "–", "0", "0.0", "–"]]
    assert '<option selected value="callback">' in html
    by_form = cells(client.get(PAGE, query_string={"by": "form"}).get_data(as_text=True))
    assert by_form[0][:2] == ["Form", "Impressions"] and by_form[1] == ["callback", "12", "2", "0", "0", "2", "1", "50.0", "83.3", "0", "0.0", "–"]


def test_an_empty_period_says_so(app, client, marketer, traffic):
    html = client.get(PAGE, query_string={"since": str(days_ago(9)), "until": str(days_ago(2))}).get_data(as_text=True)
    assert "Nothing was counted in this period." in html and f"{days_ago(9)} to {days_ago(2)}" in html


@pytest.mark.parametrize("query, message", [
    ({"since": "2026-02-30"}, "From (UTC): Enter a real date as YYYY-MM-DD"),
    ({"until": "yesterday"}, "To, included: Enter a real date as YYYY-MM-DD"),
    ({"since": "2026-03-02", "until": "2026-03-01"}, "Since must not be after until."),
    ({"since": "9999-12-30", "until": "9999-12-31"}, "Until must be before 9999-12-31."),
    ({"by": "utm_term"}, "Group by: Choose one of the listed values."),
    ({"form": "nope"}, "Form: Choose one of the listed values."),
    ({"form": "+79123456789"}, "Form: Choose one of the listed values."),
])
def test_a_bad_filter_is_a_400_page_that_says_what_to_fix(app, client, marketer, query, message):
    response = client.get(PAGE, query_string=query)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "<title>Error: " in html and 'role="alert"' in html and "<table" not in html
    assert "9123456789" not in html  # what was typed is not echoed back as text
    csv_response = client.get(CSV_URL, query_string=query)
    assert csv_response.status_code == 400 and message in csv_response.get_data(as_text=True)


def test_an_until_in_the_first_days_of_year_one_starts_the_default_period_on_its_first_day(app, client, marketer):
    for url in (PAGE, CSV_URL):  # until - 29 days would be before date.min: was an OverflowError, a 500
        response = client.get(url, query_string={"until": "0001-01-05", "lang": "en"})
        assert response.status_code == 200, response.status_code
    html = client.get(PAGE, query_string={"until": "0001-01-05", "lang": "en"}).get_data(as_text=True)
    assert "-01-01 to " in html and "-01-05 (UTC days)" in html  # strftime may not pad year 1


def test_the_csv_link_downloads_the_same_report(app, client, marketer, traffic):
    html = client.get(PAGE, query_string={"form": "callback"}).get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" download>', html).group(1).replace("&amp;", "&")
    assert link.startswith(CSV_URL + "?") and "form=callback" in link
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="phonecapture-sources-{days_ago(29)}-{today()}-utm_source.csv"' in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table == [
        ["form", "source", "impressions", "opens", "closes", "submit_errors", "submissions", "verified",
         "verification_rate", "verified_per_1000_impressions", "conversions", "conversions_per_verified"],
        ["callback", "ya", "8", "2", "0", "0", "2", "1", "0.5", "125.0", "0", "0.0"],
        ["callback", "(direct)", "4", "0", "0", "0", "0", "0", "", "0.0", "0", ""],
        ["(total)", "", "12", "2", "0", "0", "2", "1", "0.5", "83.3", "0", "0.0"],
    ]


def test_a_tag_that_looks_like_a_formula_is_defused_in_the_csv(app, client, marketer, capsys, run_jobs):
    lead(client, capsys, run_jobs, "+7 912 345-67-81", utm_source='=HYPERLINK("http://evil.example","x")')
    (row,) = [r for r in csv.reader(io.StringIO(client.get(CSV_URL).get_data(as_text=True))) if r[0] == "callback"]
    assert row[1] == "'=HYPERLINK(\"http://evil.example\",\"x\")"


def test_no_personal_data_reaches_the_page_or_the_csv(app, client, marketer, traffic, capsys, run_jobs):
    lead(client, capsys, run_jobs, "+7 912 345-67-84", utm_source="+7 912 345-67-84")  # a number in a tag
    for response in (client.get(PAGE), client.get(CSV_URL)):
        body = response.get_data(as_text=True)
        digits = re.sub(r"\D", "", body)
        for tail in ("3456781", "3456782", "3456783", "3456784"):
            assert tail not in digits
        for secret in ("Анна", "shop.example", "ya.ru", "127.0.0.1"):
            assert secret not in body
    assert "[phone]" in client.get(PAGE).get_data(as_text=True)


def test_a_database_error_is_a_503_page_not_a_500(client, marketer, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from flask_phonecapture import admin

    def down(*args, **kw):
        raise OperationalError("SELECT 1", {}, Exception("canceling statement due to statement timeout"))

    monkeypatch.setattr(admin, "source_report", down)
    for url in (PAGE, CSV_URL):
        response = client.get(url)
        assert response.status_code == 503 and "database is unavailable" in response.get_data(as_text=True)
        assert response.headers["Retry-After"] == "60" and response.headers["Cache-Control"] == "no-store"


RU = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}


def test_a_russian_browser_gets_the_page_in_russian(app, client, marketer, traffic):
    response = client.get(PAGE, headers=RU)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Accept-Language" in response.headers["Vary"]
    assert '<html lang="ru">' in html and '<div class="phonecapture-report" lang="ru">' in html
    assert "<title>Какие источники приносят подтверждённые номера</title>" in html
    since, until = days_ago(29).strftime("%d.%m.%Y"), today().strftime("%d.%m.%Y")
    assert f"Все формы, с {since} по {until} (дни по UTC), разбивка по utm_source" in html
    assert cells(html) == [
        ["Форма", "Источник", "Показы", "Открытия", "Закрытия", "Ошибки отправки", "Заявки", "Подтверждено",
         "Подтверждено, %", "Подтверждённых на 1000 показов", "Конверсии", "Конверсий на номер, %", "Сумма"],
        ["callback", "ya", "8", "2", "0", "0", "2", "1", "50,0", "125,0", "0", "0,0", "–"],
        ["callback", "(direct)", "4", "0", "0", "0", "0", "0", "–", "0,0", "0", "–", "–"],
        ["tracking", "(direct)", "0", "0", "0", "0", "1", "1", "100,0", "–", "0", "0,0", "–"],
        ["Итого", "12", "2", "0", "0", "3", "2", "66,7", "166,7", "0", "0,0", "–"],
    ]
    assert '<span class="phonecapture-vh">нет</span>' in html  # the dash of a rate, read out
    for text in ("Скачать отчёт в CSV", "Что значат столбцы", "<dt>Заявки</dt>", ">Показать</button>",
                 '<label for="pc-by">Разбивка</label>', 'value="">Все формы</option>',
                 ">По каналу (utm_medium)</option>"):
        assert text in html
    for english in ("Impressions", "Which sources", "Download", "Group by", "Nothing was counted"):
        assert english not in html
    assert 'name="lang"' not in html  # the browser chose: the filter does not pin the language


def test_lang_in_the_query_wins_over_the_browser_and_stays_through_the_filter(app, client, marketer, traffic):
    html = client.get(PAGE, query_string={"lang": "en", "form": "callback"}, headers=RU).get_data(as_text=True)
    assert '<html lang="en">' in html and cells(html)[0][:3] == ["Form", "Source", "Impressions"]
    assert '<input type="hidden" name="lang" value="en">' in html
    link = re.search(r'<a href="([^"]+)" download>Download this report as CSV</a>', html).group(1)
    assert "lang=en" in link
    html = client.get(PAGE, query_string={"lang": "ru"}, headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="ru">' in html and "Показы" in html


@pytest.mark.parametrize("accept, lang", [
    ("ru-RU,en;q=0.5", "ru"), ("en-US,ru;q=0.8", "en"), ("fr, ru;q=0.3, en;q=0.2", "ru"), ("de-DE,de;q=0.9", "en"),
    ("ru;q=0, en;q=0.1", "en"), ("*", "en"), ("", "en"),
])
def test_otherwise_the_best_of_the_browsers_languages_or_english(app, client, marketer, accept, lang):
    html = client.get(PAGE, query_string={"lang": "xx"}, headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html


@pytest.mark.parametrize("query, message", [
    ({"since": "2026-02-30"}, "Начало периода (UTC): Введите дату в виде ГГГГ-ММ-ДД, например 2026-03-01."),
    ({"until": "вчера"}, "Конец периода, включительно: Введите дату в виде ГГГГ-ММ-ДД"),
    ({"since": "2026-03-02", "until": "2026-03-01"}, "Начало периода не может быть позже конца."),
    ({"since": "9999-12-30", "until": "9999-12-31"}, "Конец периода должен быть раньше 31.12.9999."),
    ({"by": "utm_term"}, "Разбивка: Выберите одно из значений списка."),
    ({"form": "+79123456789"}, "Форма: Выберите одно из значений списка."),
])
def test_a_bad_filter_on_the_russian_page_says_what_to_fix_in_russian(app, client, marketer, query, message):
    response = client.get(PAGE, query_string=query, headers=RU)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and '<html lang="ru">' in html
    assert "<title>Ошибка: Какие источники приносят подтверждённые номера</title>" in html
    assert "Проверьте фильтр" in html and "Enter a real date" not in html and "<table" not in html
    assert "9123456789" not in html
    csv_response = client.get(CSV_URL, query_string=query, headers=RU)
    assert csv_response.status_code == 400 and message in csv_response.get_data(as_text=True)


def test_without_a_role_a_russian_browser_gets_the_refusal_in_russian(app, client):
    for url in (PAGE, CSV_URL):
        response = client.get(url, headers=RU)
        html = response.get_data(as_text=True)
        assert response.status_code == 403 and '<html lang="ru">' in html and 'lang="ru"' in html.split("<main", 1)[1]
        assert "<title>Нет доступа</title>" in html
        assert "Попросите администратора сайта выдать вам роль marketer, analyst или admin." in html
        assert "access" not in html
    html = client.get(PAGE, query_string={"lang": "en"}, headers=RU).get_data(as_text=True)
    assert '<html lang="en">' in html and "marketer, analyst or admin role" in html


def test_the_503_page_follows_the_language_too(client, marketer, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from flask_phonecapture import admin

    def down(*args, **kw):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(admin, "source_report", down)
    response = client.get(PAGE, headers=RU)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and '<html lang="ru">' in html
    assert "база данных недоступна" in html and response.headers["Retry-After"] == "60"


def test_the_csv_is_the_same_whatever_the_pages_language(app, client, marketer, traffic):
    english = client.get(CSV_URL).get_data(as_text=True)
    assert client.get(CSV_URL, query_string={"lang": "ru"}, headers=RU).get_data(as_text=True) == english
    assert english.startswith("form,source,impressions,")


def test_both_languages_have_the_same_texts():
    from flask_phonecapture.admin import TEXTS

    ru, en = TEXTS["ru"], TEXTS["en"]
    assert set(ru) == set(en)
    for key in ("by", "caption_by", "columns"):
        assert set(ru[key]) == set(en[key])
    assert len(ru["terms"]) == len(en["terms"])
    assert set(en["errors"]) <= set(ru["errors"])  # English falls back to werkzeug's own words


def test_a_wrong_method_or_path_under_the_staff_pages_is_never_cached(client, marketer):
    # routing errors never reach the blueprint's handlers; the app-level fallback keeps no-store
    wrong_method = client.post(PAGE)
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    unknown = client.get(PAGE + "/nothing-here")
    assert unknown.status_code == 404
    for response in (wrong_method, unknown):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Robots-Tag"] == "noindex"


@pytest.fixture
def sales(app, client, capsys, run_jobs):
    """ya: two verified leads, orders of 1990.50 RUB and 20 USD and a call; vk: one order of 300 RUB."""
    first = lead(client, capsys, run_jobs, "+7 912 345-67-81", utm_source="ya")
    second = lead(client, capsys, run_jobs, "+7 912 345-67-82", utm_source="ya")
    vk = lead(client, capsys, run_jobs, "+7 912 345-67-83", utm_source="vk")
    convert(app, first, value="1990.50", currency="RUB", external_id="A-1")
    convert(app, second, value="20", currency="USD", external_id="A-2")
    convert(app, second, kind="call")
    convert(app, vk, value="300", currency="RUB", external_id="A-3")


def test_the_page_shows_conversions_and_a_value_column_per_currency(app, client, marketer, sales):
    table = cells(client.get(PAGE).get_data(as_text=True))
    assert table[0][-3:] == ["Conversions", "Conversions per verified number %", "Value"]
    assert table[1][:2] == ["callback", "ya"] and table[1][-3:] == ["3", "150.0", "1990.50 RUB; 20.00 USD"]
    assert table[2][:2] == ["callback", "vk"] and table[2][-3:] == ["1", "100.0", "300.00 RUB"]
    assert table[-1][-3:] == ["4", "133.3", "2290.50 RUB; 20.00 USD"]
    html = client.get(PAGE).get_data(as_text=True)
    for term in ("<dt>Conversions</dt>", "<dt>Conversions per verified number %</dt>", "<dt>Value</dt>",
                 "a March lead that ordered in April counts in March", "roubles and dollars are never added up"):
        assert term in html


def test_the_russian_page_names_the_conversion_columns_in_russian_with_decimal_commas(app, client, marketer, sales):
    html = client.get(PAGE, headers=RU).get_data(as_text=True)
    table = cells(html)
    assert table[0][-3:] == ["Конверсии", "Конверсий на номер, %", "Сумма"]
    assert table[1][-3:] == ["3", "150,0", "1990,50 RUB; 20,00 USD"]
    assert table[-1][0] == "Итого" and table[-1][-3:] == ["4", "133,3", "2290,50 RUB; 20,00 USD"]
    for term in ("<dt>Конверсии</dt>", "<dt>Сумма</dt>", "рубли и доллары не складываются"):
        assert term in html
    for english in ("Conversions", "Value"):
        assert english not in html


def test_the_csv_has_the_conversion_columns_in_machine_names(app, client, marketer, sales):
    table = list(csv.reader(io.StringIO(client.get(CSV_URL, headers=RU).get_data(as_text=True))))
    assert table[0][-4:] == ["conversions", "conversions_per_verified", "value_RUB", "value_USD"]
    assert table[1][:2] == ["callback", "ya"] and table[1][-4:] == ["3", "1.5", "1990.50", "20.00"]


def test_the_formula_guard_holds_with_the_conversion_columns(app, client, marketer, capsys, run_jobs):
    evil = lead(client, capsys, run_jobs, "+7 912 345-67-81", utm_source="=1+2")
    convert(app, evil, kind="order", value="5", currency="RUB")
    rows = list(csv.reader(io.StringIO(client.get(CSV_URL).get_data(as_text=True))))
    (row,) = [r for r in rows if r[0] == "callback"]
    assert row[1] == "'=1+2" and row[-3:] == ["1", "1.0", "5.00"]
    for r in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in r), r
