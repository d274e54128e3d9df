"""A marketer creates a form in /phonecapture/admin/forms without a deploy: a paused copy of another
form, switched on from its edit page, shown by ``{{ phonecapture_widget() }}`` on every page."""
import html as htmllib
import re

import pytest
from flask import render_template_string
from sqlalchemy import select

from flask_phonecapture import formstore
from flask_phonecapture.extension import get_state
from flask_phonecapture.models import Consent, ConsentText, FormVersion, Submission
from tests.conftest import FORMS, submit
from tests.test_admin_forms import (API, LIST, app, audits, hidden, live_json, marketer, quick_data,  # noqa: F401
                                    roles, save_json, versions)


def create(client, new_id="promo", new_mode="popup", copy_of="tracking", csrf=None, lang="en"):
    page = client.get(f"{LIST}?lang={lang}").get_data(as_text=True)
    token = hidden(page, "csrf_token") if csrf is None else csrf
    return client.post(f"{LIST}?lang={lang}", data={"csrf_token": token, "new_id": new_id,
                                                    "new_mode": new_mode, "copy_of": copy_of})


def alert(response) -> str:
    found = re.search(r'role="alert">(.*?)</div>', response.get_data(as_text=True), re.S)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))).strip() if found else ""


def widget_ids(app, template="{{ phonecapture_widget() }}") -> str | None:
    with app.test_request_context("/"):
        tag = render_template_string(template)
    found = re.search(r'data-form="([^"]*)"', tag)
    return found.group(1) if found else (None if not tag.strip() else tag)


def test_a_marketer_creates_a_paused_copy_then_switches_it_on_and_the_site_shows_it(app, client, marketer):
    assert widget_ids(app) == "tracking"  # the one active popup of the config
    response = create(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{LIST}/promo?created=1&lang=en")
    page = htmllib.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Form created as version 1. It is off" in page
    assert 'data-form="promo"' in page and "phonecapture_widget()" in page  # how it reaches a site
    # Paused: the site neither lists nor serves it until it is switched on.
    assert client.get(f"{API}/forms/promo").status_code == 404
    assert widget_ids(app) == "tracking"
    assert versions(app, "promo") == [(1, False, "Created as a copy of “tracking”, off")]
    assert audits(app)[-1][:4] == ("config_change", "promo", "role:marketer@127.0.0.1", "marketer")

    data = quick_data(client, "promo", title="Скидка 10% на первый заказ", delay_s="20", note="Launch")
    assert data["active"] == "y"  # quick_data ticks "Show this form on the site"
    assert client.post(f"{LIST}/promo", data=data).status_code == 303
    config = client.get(f"{API}/forms/promo").json
    assert config["texts"]["t"] == "Скидка 10% на первый заказ" and config["triggers"] == {"d": 20}
    assert widget_ids(app) == "tracking,promo"  # the config's first, then what was created
    assert widget_ids(app, "{{ phonecapture_widget('callback,*,tracking') }}") == "callback,tracking,promo"
    listed = client.get(LIST).get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", listed, re.S) if ">promo<" in r)
    assert "version 2" in row and "created here" in row

    # A visitor's submission to it records the form and its consent wording, like any other.
    response = submit(client, form_id="promo")
    assert response.status_code == 201, response.json
    with app.app_context():
        session = get_state().db.session
        service = session.execute(select(Consent).where(Consent.submission_id == response.json["id"],
                                                        Consent.purpose == "service_sms")).scalar_one()
        assert session.get(ConsentText, service.text_version).body == FORMS["tracking"]["consents"][0]["text"]
        assert session.get(Submission, response.json["id"]).form_id == "promo"


def test_a_copy_in_another_mode_drops_the_settings_that_mode_ignores(app, client, marketer):
    config, _, _ = live_json(client)
    config["triggers"] = {"delay_s": 5}
    config["frequency"] = {"after_close_days": 2}
    assert save_json(client, config).status_code == 303
    assert create(client, "tracking-inline", "inline", "tracking").status_code == 303
    with app.app_context():
        inline = formstore.config_of(get_state().forms.live(fresh=True)["tracking-inline"])
    assert inline["mode"] == "inline" and inline["active"] is False
    assert "triggers" not in inline and "frequency" not in inline
    assert inline["consents"] == config["consents"]
    assert create(client, "callback-exit", "exit_intent", "callback").status_code == 303
    with app.app_context():
        assert get_state().forms.live(fresh=True)["callback-exit"].mode == "exit_intent"


@pytest.mark.parametrize("new_id,copy_of,status,message", [
    ("", "tracking", 422, "Name the new form."),
    ("Promo Summer", "tracking", 422, "id: form ids are lowercase letters, digits, '-' and '_' (max 64)"),
    ("x" * 65, "tracking", 422, "Field cannot be longer than 64 characters."),
    ("callback", "tracking", 409, "id: “callback” is taken (a form has or had this id); choose another id."),
    ("promo", "nope", 422, "Not a valid choice."),
])
def test_a_bad_new_form_gets_a_precise_4xx_and_creates_nothing(app, client, marketer, new_id, copy_of, status,
                                                               message):
    response = create(client, new_id, "popup", copy_of)
    assert response.status_code == status
    assert message in alert(response)
    assert response.get_data(as_text=True).count('aria-invalid="true"') == 1  # the field it names
    with app.app_context():
        assert get_state().db.session.execute(select(FormVersion)).first() is None


def test_the_same_id_created_twice_lands_once(app, client, marketer):
    assert create(client).status_code == 303
    again = create(client, new_mode="slidein")
    assert again.status_code == 409 and "“promo” is taken" in alert(again)
    assert versions(app, "promo") == [(1, False, "Created as a copy of “tracking”, off")]


def test_two_creations_racing_on_one_id_land_once(app, monkeypatch):
    with app.app_context():
        state = get_state()
        spec = formstore.parse("promo", {**formstore.config_of(state.forms["tracking"]), "active": False})
        formstore.create(state, spec, actor="a", role="marketer", note="first")
        monkeypatch.setattr(formstore, "current_number", lambda state, form_id: 0)  # read before it landed
        with pytest.raises(formstore.FormExists):
            formstore.create(state, spec, actor="b", role="marketer", note="second")
    monkeypatch.undo()
    assert versions(app, "promo") == [(1, False, "first")]


def test_creating_needs_the_csrf_token_and_an_editing_role(app, client, roles):
    roles.add("marketer")
    assert create(client, csrf="forged").status_code == 400
    roles.clear()
    roles.add("analyst")
    page = client.get(LIST).get_data(as_text=True)
    assert "New form" not in page  # an analyst reads the list
    assert create(client, csrf="").status_code == 403
    with app.app_context():
        assert get_state().db.session.execute(select(FormVersion)).first() is None


def test_a_russian_marketer_reads_the_new_form_page_and_its_refusals_in_russian(app, client, marketer):
    page = client.get(f"{LIST}?lang=ru").get_data(as_text=True)
    assert "Новая форма" in page and "Создать форму (выключенной)" in page
    refused = create(client, "Акция", lang="ru")
    assert refused.status_code == 422 and "Форма не создана" in alert(refused)
    assert "идентификатор формы: строчные латинские буквы" in alert(refused)
    assert "«tracking» занят" in alert(create(client, "tracking", lang="ru"))


def test_a_created_form_has_no_app_config_to_go_back_to(app, client, marketer):
    assert create(client).status_code == 303
    assert client.post(f"{LIST}/promo", data=quick_data(client, "promo", note="on")).status_code == 303
    history = client.get(f"{LIST}/promo/history").get_data(as_text=True)
    assert "Use the app config again" not in history and "Restore this version" in history
    assert client.post(f"{LIST}/promo/restore/0", data={"csrf_token": hidden(history, "csrf_token"),
                                                        "base": "2"}).status_code == 404
    restored = client.post(f"{LIST}/promo/restore/1", data={"csrf_token": hidden(history, "csrf_token"),
                                                           "base": "2"})
    assert restored.status_code == 303 and client.get(f"{API}/forms/promo").status_code == 404  # off again
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["phonecapture", "forms", "list"])
    assert "promo\tpopup\toff\tversion 3, saved by role:marketer@127.0.0.1" in listed.output
    assert "; created in the admin" in listed.output
    refused = runner.invoke(args=["phonecapture", "forms", "use-config", "promo", "--actor", "ops", "--note", "x"])
    assert refused.exit_code != 0 and "created in the admin: switch it off there" in refused.output


def test_another_process_sees_a_created_form_after_its_cache_window(make_app, roles, monkeypatch):
    app, ext = make_app(PHONECAPTURE_FORMS_CACHE_S=60)
    ext.role_loader(lambda: roles)
    roles.add("marketer")
    client = app.test_client()
    assert client.get(f"{API}/forms/promo").status_code == 404  # and the registry is cached
    app2, ext2 = make_app(PHONECAPTURE_FORMS_CACHE_S=0, migrate=False)  # the editor's process
    ext2.role_loader(lambda: roles)
    editor = app2.test_client()
    assert create(editor).status_code == 303
    assert editor.post(f"{LIST}/promo", data=quick_data(editor, "promo", note="on")).status_code == 303
    assert client.get(f"{API}/forms/promo").status_code == 404  # within the window
    clock = formstore.time.monotonic()
    monkeypatch.setattr(formstore.time, "monotonic", lambda: clock + 61)
    assert client.get(f"{API}/forms/promo").status_code == 200


def test_a_created_form_whose_version_no_longer_validates_is_left_out_not_a_500(app, client, caplog):
    with app.app_context():
        session = get_state().db.session
        session.add(FormVersion(form_id="promo", number=1, config={"mode": "popup", "bogus": 1},
                                spec_version="x", config_version=formstore.CREATED, actor="test", note="old"))
        session.commit()
    assert client.get(f"{API}/forms/promo").status_code == 404
    assert widget_ids(app) == "tracking"
    assert "the form is not served until a valid version is saved" in caplog.text


def test_the_site_tag_is_left_out_when_no_form_shows_by_itself(make_app):
    app, _ = make_app(PHONECAPTURE_FORMS={k: v for k, v in FORMS.items() if v["mode"] == "inline"})
    assert widget_ids(app) is None  # no popup: not a byte of widget on the page
    assert widget_ids(app, "{{ phonecapture_widget('callback,*') }}") == "callback"


def test_the_example_shops_marketer_adds_a_popup_to_every_page_without_a_deploy(tmp_path, monkeypatch, database_url):
    from example_app import create_app
    from flask_phonecapture import migrate

    monkeypatch.setenv("EXAMPLE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", database_url)
    shop = create_app()
    with shop.app_context():
        migrate.upgrade()

    def tag(path):
        found = re.search(r'<script src="/phonecapture/widget.js" data-form="([^"]*)"', client.get(path).get_data(as_text=True))
        return found and found.group(1)

    try:
        client = shop.test_client()  # 127.0.0.1: the demo's marketer
        assert tag("/") is None and tag("/product/kettle") == "callback"  # no popup yet: no script on the catalogue
        assert create(client, "welcome", "popup", "callback").status_code == 303
        assert tag("/") is None  # created off
        data = quick_data(client, "welcome", title="Скидка 5% на первый заказ", delay_s="30", note="Welcome popup")
        assert client.post(f"{LIST}/welcome", data=data).status_code == 303
        assert tag("/") == "welcome" and tag("/product/kettle") == "callback,welcome"
        assert tag("/tracking") == "tracking,welcome"
        assert client.get(f"{API}/forms/welcome").json["texts"]["t"] == "Скидка 5% на первый заказ"
    finally:
        with shop.app_context():
            shop.extensions["sqlalchemy"].engine.dispose()


def test_a_form_removed_from_the_config_stays_removed_and_its_id_stays_taken(app, client, marketer):
    with app.app_context():
        session = get_state().db.session
        session.add(FormVersion(form_id="gone", number=1, config={**FORMS["tracking"]}, spec_version="x",
                                config_version="0123abcd", actor="test", note="saved before a deploy removed it"))
        session.commit()
    assert client.get(f"{API}/forms/gone").status_code == 404
    assert ">gone<" not in client.get(LIST).get_data(as_text=True)
    refused = create(client, "gone")
    assert refused.status_code == 409 and "“gone” is taken (a form has or had this id)" in alert(refused)


def test_the_cli_creates_a_paused_copy_and_refuses_bad_or_taken_ids(app, client, marketer):
    runner = app.test_cli_runner()
    done = runner.invoke(args=["phonecapture", "forms", "create", "promo", "--from", "callback", "--mode", "popup",
                               "--actor", "ops@example.com"])
    assert done.exit_code == 0 and "promo: created as version 1 (popup, off), a copy of callback" in done.output
    assert versions(app, "promo") == [(1, False, "Created as a copy of “callback”, off")]
    assert audits(app)[-1][:4] == ("config_change", "promo", "ops@example.com", "cli")
    assert client.get(f"{API}/forms/promo").status_code == 404  # off until switched on
    for args, said in ((["promo", "--from", "callback"], "'promo' is taken"),
                       (["Promo X", "--from", "callback"], "id: form ids are lowercase letters"),
                       (["other", "--from", "nope"], "there is no form 'nope' to start from"),
                       (["other", "--from", "callback", "--mode", "modal"], "Invalid value for '--mode'")):
        refused = runner.invoke(args=["phonecapture", "forms", "create", *args, "--actor", "ops"])
        assert refused.exit_code == 2 and said in refused.output, refused.output
    assert [v[0] for v in versions(app, "other")] == []


def test_a_rows_copy_link_starts_the_new_form_from_that_form_in_its_mode(app, client, marketer, roles):
    page = client.get(LIST).get_data(as_text=True)
    assert 'href="/phonecapture/admin/forms?copy=callback#pc-new_id" aria-label="Copy callback"' in page
    copying = client.get(f"{LIST}?copy=callback").get_data(as_text=True)
    assert re.search(r'<option selected value="callback">', copying.split('id="pc-copy_of"')[1])
    assert re.search(r'<option selected value="inline">', copying.split('id="pc-new_mode"')[1])
    assert client.get(f"{LIST}?copy=nope").status_code == 200  # an unknown id: the usual defaults
    roles.clear()
    roles.add("analyst")
    assert "?copy=" not in client.get(LIST).get_data(as_text=True)
