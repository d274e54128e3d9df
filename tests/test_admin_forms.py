"""/phonecapture/admin/forms: marketers change forms without a deploy; every save is a version,
audited, validated with the start-up schema, and what a visitor saw is what their submission records."""
import html as htmllib
import json
import re

import pytest
from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.models import AuditRecord, Consent, ConsentText, FormVersion, Submission
from flask_phonecapture.privacy import verify_audit_chain
from tests.conftest import FORMS, get_token

LIST = "/phonecapture/admin/forms"
API = "/phonecapture/api/v1"


@pytest.fixture
def roles():
    return set()


@pytest.fixture
def app(make_app, roles):
    # TTL 0: every request looks at the version table, so a test sees a save at once.
    app, ext = make_app(PHONECAPTURE_FORMS_CACHE_S=0)
    ext.role_loader(lambda: roles)
    return app


@pytest.fixture
def marketer(roles):
    roles.add("marketer")


def hidden(html: str, name: str) -> str:
    return htmllib.unescape(re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1))


def textarea(html: str, field_id: str) -> str:
    return htmllib.unescape(re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>\n?(.*?)</textarea>', html, re.S).group(1))


def live_json(client, form_id="tracking") -> tuple[dict, str, str]:
    """(config shown in the JSON editor, csrf token, base version) of the edit page."""
    page = client.get(f"{LIST}/{form_id}").get_data(as_text=True)
    return json.loads(textarea(page, "pc-config")), hidden(page, "csrf_token"), hidden(page, "base")


def save_json(client, config, note="Longer delay: popups annoyed buyers", form_id="tracking", base=None, raw=None):
    _, csrf, live_base = live_json(client, form_id)
    return client.post(f"{LIST}/{form_id}/json", data={
        "csrf_token": csrf, "base": live_base if base is None else base, "note": note,
        "config": raw if raw is not None else json.dumps(config, ensure_ascii=False)})


def quick_data(client, form_id="tracking", **changes):
    page = client.get(f"{LIST}/{form_id}").get_data(as_text=True)
    csrf = hidden(page, "csrf_token") if 'name="csrf_token"' in page else ""
    data = {"csrf_token": csrf, "base": hidden(page, "base"), "mode": "popup",
            "active": "y", "note": "tune"}
    for name in ("title", "offer", "purpose", "promise", "submit", "delay_s", "scroll_pct",
                 "after_close_days", "after_submit_days"):
        m = re.search(rf'id="pc-{name}"[^>]*value="([^"]*)"', page)
        data[name] = htmllib.unescape(m.group(1)) if m else ""
    data["device"] = re.search(r'<option selected value="(\w+)">[^<]*</option>', page.split('id="pc-device"')[1]).group(1)
    data["include"], data["exclude"] = textarea(page, "pc-include"), textarea(page, "pc-exclude")
    data.update(changes)
    return data


def versions(app, form_id="tracking"):
    with app.app_context():
        return [(v.number, v.config is None, v.note) for v in get_state().db.session.execute(
            select(FormVersion).where(FormVersion.form_id == form_id).order_by(FormVersion.number)).scalars()]


def audits(app):
    with app.app_context():
        return [(a.action, a.target, a.actor, a.role, a.reason) for a in
                get_state().db.session.execute(select(AuditRecord).order_by(AuditRecord.id)).scalars()]


# -- who may ------------------------------------------------------------------------
@pytest.mark.parametrize("granted,view,edit", [
    (set(), 403, 403), ({"manager"}, 403, 403), ({"visitor"}, 403, 403),
    ({"analyst"}, 200, 403), ({"marketer"}, 200, 303), ({"admin"}, 200, 303)])
def test_role_matrix_marketers_and_admins_edit_analysts_read_others_are_forbidden(app, client, roles, granted,
                                                                                   view, edit):
    roles.update(granted | {"admin"})  # an admin opens the page to get a CSRF token...
    data = quick_data(client, delay_s="90")
    roles.clear()
    roles.update(granted)  # ...then the role under test looks and saves
    for url in (LIST, f"{LIST}/tracking", f"{LIST}/tracking/history"):
        response = client.get(url)
        assert response.status_code == view, url
        assert response.headers["Cache-Control"] == "no-store"
    assert client.post(f"{LIST}/tracking", data=data).status_code == edit
    assert len(versions(app)) == (1 if edit == 303 else 0)


def test_an_analyst_sees_the_settings_without_save_buttons(app, client, roles):
    roles.add("analyst")
    page = client.get(f"{LIST}/tracking").get_data(as_text=True)
    assert "Save and publish" not in page and 'name="csrf_token"' not in page
    assert "readonly" in page and json.loads(textarea(page, "pc-config"))["mode"] == "popup"


def test_the_list_shows_each_configured_form_with_its_live_version(app, client, marketer):
    page = client.get(LIST).get_data(as_text=True)
    assert [m for m in re.findall(r'<th scope="row"[^>]*>([^<]+)</th>', page)] == sorted(FORMS)
    assert page.count("app config") == 3
    config, _, _ = live_json(client)
    config["triggers"] = {"delay_s": 90}
    assert save_json(client, config).status_code == 303
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", client.get(LIST).get_data(as_text=True), re.S)
               if ">tracking<" in r)
    assert "version 1" in row and "role:marketer@127.0.0.1" in row


def test_the_list_shows_each_forms_last_30_days_as_the_source_report_counts_them(app, client, marketer, capsys,
                                                                                 run_jobs):
    from tests.reporting import beacon, days_ago, lead, move_events

    beacon(client, "impression", times=3, form_id="callback")
    move_events(app, days_ago(40))  # outside the 30 days
    beacon(client, "impression", times=5, form_id="callback")
    beacon(client, "impression", times=2, form_id="tracking")
    lead(client, capsys, run_jobs, "8 912 345-67-81", form_id="callback")
    lead(client, capsys, run_jobs, "8 912 345-67-82", form_id="callback", verify=False)
    page = client.get(LIST).get_data(as_text=True)
    cells = {m[0]: re.findall(r"<td>(\d+)</td>", m[1]) for m in
             re.findall(r'<th scope="row"[^>]*>([^<]+)</th>(.*?)</tr>', page, re.S)}
    assert cells == {"callback": ["5", "2", "1"], "tracking": ["2", "0", "0"], "world": ["0", "0", "0"]}
    assert "the last 30 days (UTC)" in page and 'href="/phonecapture/admin/sources?by=form"' in page


# -- saving -------------------------------------------------------------------------
def test_the_host_apps_actor_loader_names_who_saved(app, client, marketer):
    get_state(app).extension.actor_loader(lambda: "anna@shop.example")
    config, _, _ = live_json(client)
    config["triggers"] = {"delay_s": 90}
    assert save_json(client, config).status_code == 303
    assert audits(app)[-1][2] == "anna@shop.example"


def test_saving_creates_a_version_and_a_config_change_audit_record(app, client, marketer):
    config, _, base = live_json(client)
    assert base == "0"
    config["triggers"] = {"delay_s": 90}
    response = save_json(client, config, note="Delay 90 s, call +7 912 345-67-89 for details")
    assert response.status_code == 303 and response.headers["Location"].endswith("/tracking?saved=1")
    assert versions(app) == [(1, False, "Delay 90 s, call [phone] for details")]
    action, target, actor, role, reason = audits(app)[-1]
    assert (action, target, actor, role) == ("config_change", "tracking", "role:marketer@127.0.0.1", "marketer")
    assert reason.startswith("v1: ") and "912" not in reason
    with app.app_context():
        assert verify_audit_chain(get_state()) is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved as version 1" in page and json.loads(textarea(page, "pc-config"))["triggers"] == {"delay_s": 90}


def test_the_quick_fields_change_delay_texts_and_targeting(app, client, marketer):
    data = quick_data(client, delay_s="15", title="Узнайте о доставке первым", include="/product/*\n/cart",
                      device="mobile", after_close_days="3", note="Faster popup on product pages")
    assert client.post(f"{LIST}/tracking", data=data).status_code == 303
    config = client.get(f"{API}/forms/tracking").json
    assert config["triggers"] == {"d": 15}
    assert config["targeting"] == {"i": ["/product/*", "/cart"], "d": "mobile"}
    assert config["frequency"] == {"c": 3}
    assert config["texts"]["t"] == "Узнайте о доставке первым"


def test_switching_a_popup_to_inline_drops_the_rules_inline_forms_ignore(app, client, marketer):
    data = quick_data(client, delay_s="15", mode="inline")
    assert client.post(f"{LIST}/tracking", data=data).status_code == 303
    config, _, _ = live_json(client)
    assert config["mode"] == "inline" and "triggers" not in config and "frequency" not in config


def test_a_negative_delay_names_the_key_keeps_what_was_typed_and_saves_nothing(app, client, marketer):
    response = client.post(f"{LIST}/tracking", data=quick_data(client, delay_s="-5", title="Новый заголовок"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "triggers.delay_s: must be ≥ 0 (got -5)" in page
    assert '<a href="#pc-delay_s">' in page
    assert re.search(r'<input aria-describedby="pc-delay_s-hint pc-delay_s-error" aria-invalid="true" '
                     r'id="pc-delay_s"[^>]*value="-5">', page)
    assert 'value="Новый заголовок"' in page
    assert versions(app) == [] and audits(app) == []


def test_an_unknown_key_in_the_json_names_its_path_and_saves_nothing(app, client, marketer):
    config, _, _ = live_json(client)
    config["triggers"] = {"dealy_s": 5}
    response = save_json(client, config)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "triggers.dealy_s: unknown key; did you mean delay_s?" in page
    assert '"dealy_s": 5' in textarea(page, "pc-config")  # what was typed stays
    assert versions(app) == [] and client.get(f"{API}/forms/tracking").json.get("triggers") == {"d": 60}


def test_malformed_json_is_a_400_with_line_and_column(app, client, marketer):
    response = save_json(client, None, raw='{\n  "mode": "popup",\n  "texts": {"title": "x"\n}')
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r"The JSON could not be read: line 4, column 2: Expecting &#39;,&#39; delimiter", page)
    assert versions(app) == []
    assert save_json(client, None, raw="[1, 2]").status_code == 400


def test_a_missing_note_is_refused(app, client, marketer):
    config, _, _ = live_json(client)
    config["triggers"] = {"delay_s": 30}
    response = save_json(client, config, note="  ")
    assert response.status_code == 422 and "Say what changed and why." in response.get_data(as_text=True)
    assert versions(app) == []


def test_a_save_without_a_change_is_refused_and_makes_no_version(app, client, marketer):
    config, _, _ = live_json(client)
    response = save_json(client, config, note="just looking")
    assert response.status_code == 422 and "Nothing to save" in response.get_data(as_text=True)
    assert client.post(f"{LIST}/tracking", data=quick_data(client)).status_code == 422
    assert versions(app) == [] and audits(app) == []


def test_a_save_on_a_stale_version_is_a_409_and_keeps_the_edit(app, client, marketer):
    config, csrf, base = live_json(client)
    config["triggers"] = {"delay_s": 30}
    assert save_json(client, config, note="first").status_code == 303
    config["triggers"] = {"delay_s": 45}
    response = save_json(client, config, note="second, from an old tab", base=base)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "saved version 1 while you were editing" in page and "reload the page" in page
    assert '"delay_s": 45' in textarea(page, "pc-config")
    assert versions(app) == [(1, False, "first")]


def test_bad_input_gets_precise_4xx_never_500(app, client, marketer):
    _, csrf, base = live_json(client)
    assert client.get(f"{LIST}/nope").status_code == 404
    assert client.post(f"{LIST}/nope/json", data={"csrf_token": csrf}).status_code == 404
    assert client.post(f"{LIST}/tracking/json", data={"base": base, "note": "x", "config": "{}"}).status_code == 400
    assert client.post(f"{LIST}/tracking/json", data={"csrf_token": csrf, "base": "x", "note": "x",
                                                      "config": "{}"}).status_code == 400
    big = client.post(f"{LIST}/tracking/json", data={"csrf_token": csrf, "base": base, "note": "x",
                                                     "config": "x" * 70000})
    assert big.status_code == 413 and big.headers["Cache-Control"] == "no-store"
    deep = save_json(client, None, raw="[" * 100000 + "]" * 100000)
    assert deep.status_code in (400, 413)
    assert client.post(f"{LIST}/tracking/restore/9", data={"csrf_token": csrf, "base": base}).status_code == 404
    assert save_json(client, None, raw='{"id": "other", "mode": "popup"}').status_code == 422
    assert versions(app) == []


def test_a_marketer_may_not_change_consent_wording_an_admin_may_and_it_is_recorded(app, client, roles,
                                                                                    capsys, run_jobs):
    roles.add("marketer")
    config, _, _ = live_json(client)
    config["consents"][0]["text"] = "Согласен на звонок и SMS по заявке (152-ФЗ), новая редакция."
    refused = save_json(client, config, note="new wording")
    assert refused.status_code == 403 and "only an admin may change consent" in refused.get_data(as_text=True)
    assert versions(app) == []
    roles.add("admin")
    assert save_json(client, config, note="new wording from legal").status_code == 303
    with app.app_context():
        bodies = set(get_state().db.session.execute(select(ConsentText.body)).scalars())
    assert config["consents"][0]["text"] in bodies  # a new text version, stored at save time
    response = client.post(f"{API}/submissions", json={
        "form_id": "tracking", "token": get_token(client, "tracking"), "phone": "8 912 345-67-80",
        "consents": {"service_sms": True}, "hp": "", "elapsed_ms": 4000})
    assert response.status_code == 201
    with app.app_context():
        consent = get_state().db.session.execute(select(Consent).where(Consent.purpose == "service_sms")).scalar_one()
        assert get_state().db.session.get(ConsentText, consent.text_version).body == config["consents"][0]["text"]


# -- history and restore ------------------------------------------------------------------
def test_history_shows_each_version_with_a_diff_and_restore_makes_a_new_version(app, client, marketer):
    config, _, _ = live_json(client)
    config["triggers"] = {"delay_s": 30}
    assert save_json(client, config, note="30 s").status_code == 303
    config["triggers"] = {"delay_s": 45}
    assert save_json(client, config, note="45 s").status_code == 303
    page = client.get(f"{LIST}/tracking/history").get_data(as_text=True)
    assert "<del>-    &#34;delay_s&#34;: 30</del><ins>+    &#34;delay_s&#34;: 45</ins>" in page
    assert "45 s" in page and "30 s" in page
    csrf, base = hidden(page, "csrf_token"), hidden(page, "base")
    assert base == "2"
    response = client.post(f"{LIST}/tracking/restore/1", data={"csrf_token": csrf, "base": base})
    assert response.status_code == 303
    assert versions(app)[-1] == (3, False, "Restored version 1")
    assert client.get(f"{API}/forms/tracking").json["triggers"] == {"d": 30}
    assert audits(app)[-1][4].startswith("v3: Restored version 1")
    # an old page's restore button after that is stale
    assert client.post(f"{LIST}/tracking/restore/2", data={"csrf_token": csrf, "base": base}).status_code == 409
    # back to the app config
    response = client.post(f"{LIST}/tracking/restore/0", data={"csrf_token": csrf, "base": "3"})
    assert response.status_code == 303 and versions(app)[-1] == (4, True, "Back to the app config")
    assert client.get(f"{API}/forms/tracking").json["triggers"] == {"d": 60}


# -- the public side --------------------------------------------------------------------
def test_the_public_config_serves_the_edit_after_the_cache_window(make_app, roles, monkeypatch):
    app, ext = make_app(PHONECAPTURE_FORMS_CACHE_S=60)
    ext.role_loader(lambda: roles)
    roles.add("marketer")
    client = app.test_client()
    assert client.get(f"{API}/forms/tracking").json["triggers"] == {"d": 60}  # read and cached
    other = app.test_client()  # "another process": the same registry, its cache still warm
    config, _, _ = live_json(client)
    config["triggers"] = {"delay_s": 5}
    # the save happens in a second app on the same database: this app's cache knows nothing of it
    app2, ext2 = make_app(PHONECAPTURE_FORMS_CACHE_S=60, migrate=False)
    ext2.role_loader(lambda: roles)
    assert save_json(app2.test_client(), config).status_code == 303
    assert other.get(f"{API}/forms/tracking").json["triggers"] == {"d": 60}  # within the window
    import flask_phonecapture.formstore as formstore

    clock = formstore.time.monotonic()
    monkeypatch.setattr(formstore.time, "monotonic", lambda: clock + 61)
    assert other.get(f"{API}/forms/tracking").json["triggers"] == {"d": 5}  # after it


def test_a_submission_with_a_token_from_before_an_edit_succeeds_and_records_what_was_shown(
        app, client, roles, capsys, run_jobs):
    roles.add("admin")
    before = client.get(f"{API}/forms/tracking").json
    with app.app_context():
        shown_version = get_state().forms["tracking"].version
    config, _, _ = live_json(client)
    # the edit adds a required consent and rewords the first: the visitor saw neither
    config["consents"][0]["text"] = "Новая редакция согласия на обработку номера (152-ФЗ)."
    config["consents"].append({"purpose": "calls", "required": True, "text": "Согласен на звонки менеджера."})
    assert save_json(client, config, note="calls consent").status_code == 303
    response = client.post(f"{API}/submissions", json={
        "form_id": "tracking", "token": before["token"], "phone": "8 912 345-67-81",
        "consents": {"service_sms": True}, "hp": "", "elapsed_ms": 4000})
    assert response.status_code == 201, response.json
    with app.app_context():
        session = get_state().db.session
        submission = session.get(Submission, response.json["id"])
        assert submission.form_version == shown_version != get_state().forms["tracking"].version
        consents = session.execute(select(Consent).where(Consent.submission_id == submission.id)).scalars().all()
        assert sorted(c.purpose for c in consents) == ["marketing_sms", "service_sms"]
        service = next(c for c in consents if c.purpose == "service_sms")
        assert session.get(ConsentText, service.text_version).body == FORMS["tracking"]["consents"][0]["text"]
    # a fresh token is judged by the new version: its required consent is required
    fresh = client.post(f"{API}/submissions", json={
        "form_id": "tracking", "token": get_token(client, "tracking"), "phone": "8 912 345-67-82",
        "consents": {"service_sms": True}, "hp": "", "elapsed_ms": 4000})
    assert fresh.status_code == 422 and "consents.calls" in fresh.json["fields"]


def test_a_token_whose_version_tag_was_altered_is_refused(app, client):
    token = get_token(client, "tracking")
    head, mac = token.split(".")
    forged = head[:-1] + ("0" if head[-1] != "0" else "1") + "." + mac
    response = client.post(f"{API}/submissions", json={
        "form_id": "tracking", "token": forged, "phone": "8 912 345-67-81",
        "consents": {"service_sms": True}, "hp": "", "elapsed_ms": 4000})
    assert response.status_code == 400 and response.json["error"] == "invalid_token"


def test_a_saved_version_that_no_longer_validates_falls_back_to_the_app_config(app, client, caplog):
    with app.app_context():
        session = get_state().db.session
        session.add(FormVersion(form_id="tracking", number=1, config={"mode": "popup", "bogus": 1},
                                spec_version="x", actor="test", note="written by an older release"))
        session.add(FormVersion(form_id="gone", number=1, config={"mode": "popup"}, spec_version="x",
                                actor="test", note="a form the config no longer has"))
        session.commit()
    assert client.get(f"{API}/forms/tracking").json["triggers"] == {"d": 60}
    assert client.get(f"{API}/forms/gone").status_code == 404
    assert "no longer validates" in caplog.text




def test_the_no_js_form_opened_before_an_edit_is_still_accepted(app, client, roles, capsys, run_jobs):
    roles.add("admin")
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    config, _, _ = live_json(client, "callback")
    config["consents"].append({"purpose": "calls", "required": True, "text": "Согласен на звонки менеджера."})
    assert save_json(client, config, form_id="callback", note="calls consent").status_code == 303
    response = client.post("/phonecapture/f/callback", data={
        "csrf_token": hidden(html, "csrf_token"), "token": hidden(html, "token"), "hp": "",
        "phone": "8 912 345 67 89", "consent_service_sms": "y"})
    assert response.status_code == 302 and "/verify/" in response.headers["Location"]


def test_two_saves_from_the_same_version_land_once(app, client, marketer, monkeypatch):
    """Both pass the number check at the same moment: the unique (form, number) refuses the second."""
    from flask_phonecapture import formstore

    with app.app_context():
        state = get_state()
        spec = state.forms["tracking"]
        formstore.save(state, "tracking", spec, base=0, actor="a", role="marketer", note="first")
        monkeypatch.setattr(formstore, "current_number", lambda state, form_id: 0)  # read before the first landed
        with pytest.raises(formstore.StaleEdit):
            formstore.save(state, "tracking", spec, base=0, actor="b", role="marketer", note="second")
    monkeypatch.undo()
    assert versions(app) == [(1, False, "first")]
    assert [a[4] for a in audits(app)] == ["v1: first"]


def test_the_example_shops_marketer_changes_the_callback_title_on_the_product_page(tmp_path, monkeypatch,
                                                                                   database_url):
    from example_app import create_app
    from flask_phonecapture import migrate

    monkeypatch.setenv("EXAMPLE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", database_url)
    shop = create_app()
    with shop.app_context():
        migrate.upgrade()
    try:
        client = shop.test_client()  # 127.0.0.1: the demo's marketer
        assert "Перезвоните мне" in client.get("/product/kettle").get_data(as_text=True)
        data = quick_data(client, "callback", mode="inline", title="Поможем с выбором за 5 минут",
                          note="Title test for the kettle page")
        assert client.post(f"{LIST}/callback", data=data).status_code == 303
        page = client.get("/product/kettle").get_data(as_text=True)
        assert "Поможем с выбором за 5 минут" in page and "Перезвоните мне</" not in page
        proxied = client.get(LIST, headers={"X-Forwarded-For": "203.0.113.9"})
        assert proxied.status_code == 403  # never through a proxy
    finally:
        with shop.app_context():
            shop.extensions["sqlalchemy"].engine.dispose()


def test_nul_bytes_and_huge_numbers_are_refused_with_a_message_not_a_500(app, client, marketer):
    config, _, _ = live_json(client)
    config["texts"] = {"title": "Перезвоним\u0000"}
    response = save_json(client, config, note="nul\u0000 note")
    assert response.status_code == 422 and "NUL character" in response.get_data(as_text=True)
    response = client.post(f"{LIST}/tracking", data=quick_data(client, delay_s="99999999999", title="a\x00b"))
    assert response.status_code == 422
    response = client.post(f"{LIST}/tracking", data=quick_data(client, delay_s="99999999999"))
    assert response.status_code == 422 and "triggers.delay_s: must be ≤ 3600" in response.get_data(as_text=True)
    deep = save_json(client, None, raw="[" * 9000 + "]" * 9000)  # under 64 KB, past the parser's depth
    assert deep.status_code == 400
    long = save_json(client, None, raw='{"triggers": {"delay_s": ' + "9" * 5000 + "}}")  # past int's 4,300 digits
    assert long.status_code == 400 and "number too long" in long.get_data(as_text=True)
    assert client.post(f"{LIST}/tracking", data=quick_data(client, delay_s="25", note="ok\x00")).status_code == 303
    assert versions(app) == [(1, False, "ok")]


def test_an_app_without_csrf_still_gets_the_editor(make_app, roles):
    app, ext = make_app(WTF_CSRF_ENABLED=False, PHONECAPTURE_FORMS_CACHE_S=0)
    ext.role_loader(lambda: roles)
    roles.add("marketer")
    client = app.test_client()
    page = client.get(f"{LIST}/tracking").get_data(as_text=True)
    assert 'name="csrf_token"' not in page
    response = client.post(f"{LIST}/tracking", data={**quick_data(client), "delay_s": "20"})
    assert response.status_code == 303
    assert client.get(f"{LIST}/tracking/history").status_code == 200


def test_a_marketer_cannot_restore_other_consent_wording(app, client, roles):
    roles.add("admin")
    config, _, _ = live_json(client)
    config["consents"][0]["text"] = "Согласие в редакции юриста, версия для проверки."
    assert save_json(client, config, note="legal").status_code == 303
    roles.discard("admin")
    roles.add("marketer")
    page = client.get(f"{LIST}/tracking/history").get_data(as_text=True)
    response = client.post(f"{LIST}/tracking/restore/0", data={"csrf_token": hidden(page, "csrf_token"), "base": "1"})
    assert response.status_code == 403 and "only an admin may change consent" in response.get_data(as_text=True)
    assert versions(app) == [(1, False, "legal")]


def test_the_editor_says_when_the_app_config_changed_under_a_saved_version(make_app, roles):
    roles.add("marketer")
    app, ext = make_app(PHONECAPTURE_FORMS_CACHE_S=0)
    ext.role_loader(lambda: roles)
    client = app.test_client()
    config, _, _ = live_json(client)
    config["triggers"] = {"delay_s": 20}
    assert save_json(client, config).status_code == 303
    assert "app config changed since" not in client.get(LIST).get_data(as_text=True)
    # a deploy changes the form in PHONECAPTURE_FORMS: the saved version still wins, and says so
    deployed = {**FORMS, "tracking": {**FORMS["tracking"], "texts": {"title": "Новый заголовок из кода"}}}
    app2, ext2 = make_app(PHONECAPTURE_FORMS=deployed, PHONECAPTURE_FORMS_CACHE_S=0, migrate=False)
    ext2.role_loader(lambda: roles)
    client2 = app2.test_client()
    assert client2.get(f"{API}/forms/tracking").json["triggers"] == {"d": 20}
    assert "app config changed since" in client2.get(LIST).get_data(as_text=True)
    assert "has changed since this version was saved" in client2.get(f"{LIST}/tracking").get_data(as_text=True)
    page = client2.get(f"{LIST}/tracking/history").get_data(as_text=True)
    response = client2.post(f"{LIST}/tracking/restore/0", data={"csrf_token": hidden(page, "csrf_token"), "base": "1"})
    assert response.status_code == 303
    assert client2.get(f"{API}/forms/tracking").json["texts"]["t"] == "Новый заголовок из кода"
    assert "app config changed since" not in client2.get(LIST).get_data(as_text=True)


def test_the_cli_lists_edited_forms_and_hands_one_back_to_the_app_config(app, client, marketer):
    runner = app.test_cli_runner()
    config, _, _ = live_json(client)
    config["triggers"] = {"delay_s": 20}
    assert save_json(client, config).status_code == 303
    listed = runner.invoke(args=["phonecapture", "forms", "list"])
    assert listed.exit_code == 0
    assert "tracking\tpopup\ton\tversion 1, saved by role:marketer@127.0.0.1" in listed.output
    assert "callback\tinline\ton\tapp config\n" in listed.output
    assert runner.invoke(args=["phonecapture", "forms", "use-config", "nope", "--actor", "ops",
                               "--note", "x"]).exit_code != 0
    done = runner.invoke(args=["phonecapture", "forms", "use-config", "tracking", "--actor", "ops@example.com",
                               "--note", "popup broke checkout"])
    assert done.exit_code == 0 and "version 2 shows the app config" in done.output
    assert versions(app)[-1] == (2, True, "popup broke checkout")
    assert audits(app)[-1][:4] == ("config_change", "tracking", "ops@example.com", "cli")
    assert client.get(f"{API}/forms/tracking").json["triggers"] == {"d": 60}
    again = runner.invoke(args=["phonecapture", "forms", "use-config", "tracking", "--actor", "ops", "--note", "x"])
    assert "already shows the app config" in again.output


def test_the_staff_menu_links_the_forms_for_the_roles_that_open_them(app, client, roles):
    def menu(url):
        html = client.get(url).get_data(as_text=True)
        nav = re.search(r'<nav class="phonecapture-staff-nav".*?</nav>', html, re.S)
        return re.findall(r">([^<]+)</a>", nav.group(0)) if nav else []

    roles.add("marketer")
    assert menu(LIST) == menu("/phonecapture/admin/sources") == ["Sources", "Forms"]
    roles.clear()
    roles.add("manager")
    assert menu("/phonecapture/admin/leads") == ["Leads"]
    roles.add("admin")
    assert menu(LIST) == ["Sources", "Leads", "Forms"]


def test_a_database_error_on_the_editor_is_a_503_page_not_a_500(app, client, marketer, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from flask_phonecapture import admin_forms

    def down(*args, **kw):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(admin_forms, "_config_changed", down)
    response = client.get(LIST)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("change, message", [
    ({"triggers": {"dealy_s": 5}}, "triggers.dealy_s: неизвестный ключ; может быть, delay_s?"),
    ({"mode": "popover"}, "mode: допустимо: 'popup', 'inline', 'slidein', 'exit_intent' or 'button' (введено \"popover\")"),
    ({"triggers": {"delay_s": 5, "scroll_pct": 150}}, "triggers.scroll_pct: должно быть не больше 100 (введено 150)"),
    ({"frequency": {"once_per_session": "иногда"}}, "frequency.once_per_session: нужно true или false (введено \"иногда\")"),
    ({"targeting": {"include": "/product/*"}}, "targeting.include: нужен список [...] (введено \"/product/*\")"),
    ({"theme": {"brand": "gren"}}, "theme.brand: 'gren' — не цвет CSS; может быть, 'green'?"),
    ({"theme": {"radius": "10"}}, "theme.radius: '10' без единиц: добавьте их, например 10px"),
    ({"triggers": {"click_selector": "a["}}, "triggers.click_selector: это не селектор CSS"),
    ({"mode": "inline", "targeting": {"device": "mobile"}},
     "targeting: встроенная форма показывается там, где стоит на странице; удалите targeting"),
])
def test_a_russian_editor_names_schema_errors_in_russian(app, client, marketer, change, message):
    config, _, _ = live_json(client)
    config.update(change)
    _, csrf, base = live_json(client)
    response = client.post(f"{LIST}/tracking/json?lang=ru", data={
        "csrf_token": csrf, "base": base, "note": "проверка",
        "config": json.dumps(config, ensure_ascii=False)})
    assert response.status_code == 422
    assert message in htmllib.unescape(response.get_data(as_text=True))
    assert versions(app) == []


@pytest.mark.parametrize("field, typed, message", [
    ("include", "https://shop.example/product/*", "targeting.include: 'https://shop.example/product/*' никогда "
                                                  "не совпадёт: нужен только путь страницы, например /product/*"),
    ("exclude", "cart", "targeting.exclude: 'cart' никогда не совпадёт: шаблон сравнивается с путём: напишите /cart"),
    ("exclude", "/cart#top", "часть после # браузер не передаёт: напишите /cart"),
    ("title", "Скидка {sale}", "texts.title: неизвестная подстановка {sale}; в этом тексте подстановок нет"),
])
def test_a_russian_marketer_reads_the_quick_fields_own_checks_in_russian(app, client, marketer, field, typed, message):
    response = client.post(f"{LIST}/tracking?lang=ru", data=quick_data(client, **{field: typed}))
    assert response.status_code == 422
    assert message in htmllib.unescape(response.get_data(as_text=True))
    assert versions(app) == []
