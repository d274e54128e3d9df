"""Unsubscribe links: signed, unforgeable, prefetch-safe, in the visitor's language."""
from __future__ import annotations

import string
from datetime import timedelta

import pytest
from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.messaging.links import make_token, read_token
from flask_phonecapture.models import Consent, Suppression, utcnow
from tests.messaging_helpers import add_due, messages, record_queue, verified_contact


@pytest.fixture
def link_app(make_app):
    app, _ = make_app(PHONECAPTURE_PUBLIC_URL="https://shop.example")
    record_queue(app)
    return app


def token_for(app, contact_id):
    with app.app_context():
        return make_token(get_state(), contact_id)


def marketing_withdrawn(app) -> bool:
    with app.app_context():
        row = get_state().db.session.execute(
            select(Consent).where(Consent.purpose == "marketing_sms")).scalar_one()
        return row.withdrawn_at is not None


def test_get_only_shows_a_confirmation_page_in_russian(link_app):
    contact_id, _ = verified_contact(link_app)
    client = link_app.test_client()
    for _ in range(3):  # a mail scanner, a link preview and the visitor
        response = client.get(f"/phonecapture/u/{token_for(link_app, contact_id)}")
        assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'lang="ru"' in page and "Отписаться" in page and "+7 *** ***-**-89" in page
    assert "9123456789" not in page and response.headers["Cache-Control"] == "no-store"
    assert client.head(f"/phonecapture/u/{token_for(link_app, contact_id)}").status_code == 200
    assert not marketing_withdrawn(link_app)


def test_post_withdraws_marketing_suppresses_and_cancels_pending(link_app):
    contact_id, _ = verified_contact(link_app)
    promo = add_due(link_app, contact_id, kind="marketing", purpose="marketing_sms",
                    not_before=utcnow() + timedelta(days=2))
    client = link_app.test_client()
    response = client.post(f"/phonecapture/u/{token_for(link_app, contact_id)}")
    assert response.status_code == 200 and "Вы отписаны" in response.get_data(as_text=True)
    assert "/phonecapture/privacy/erase?lang=ru" in response.get_data(as_text=True)  # erasing goes one step further
    assert marketing_withdrawn(link_app)
    assert next(m for m in messages(link_app) if m.id == promo).status == "cancelled"
    with link_app.app_context():
        assert get_state().db.session.execute(select(Suppression.reason)).scalar() == "optout_link"
    again = client.post(f"/phonecapture/u/{token_for(link_app, contact_id)}")
    assert "уже отписаны" in again.get_data(as_text=True)


def test_english_contact_gets_the_english_page(link_app):
    contact_id, _ = verified_contact(link_app, phone="+1 212 555 0123", form_id="world",
                                     consents={"service_sms": True})
    page = link_app.test_client().get(f"/phonecapture/u/{token_for(link_app, contact_id)}")
    assert 'lang="en"' in page.get_data(as_text=True) and "Unsubscribe" in page.get_data(as_text=True)


def test_every_one_character_change_is_404(link_app):
    contact_id, _ = verified_contact(link_app)
    token = token_for(link_app, contact_id)
    client = link_app.test_client()
    alphabet = string.ascii_letters + string.digits + "-_"
    for i in range(len(token)):
        for replacement in {alphabet[(alphabet.index(token[i]) + k) % len(alphabet)] for k in (1, 2, 31)}:
            forged = token[:i] + replacement + token[i + 1:]
            assert client.get(f"/phonecapture/u/{forged}").status_code == 404, (i, replacement)
    assert client.post(f"/phonecapture/u/{token[:-1]}").status_code == 404
    assert client.post(f"/phonecapture/u/{token}A").status_code == 404


def test_a_broken_link_says_so_in_the_browsers_language(link_app):
    token = token_for(link_app, verified_contact(link_app)[0])
    client = link_app.test_client()
    russian = client.get(f"/phonecapture/u/{token[:-1]}", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    page = russian.get_data(as_text=True)
    assert russian.status_code == 404 and 'lang="ru"' in page and "Ссылка не работает" in page
    assert russian.headers["Cache-Control"] == "no-store" and russian.headers["X-Robots-Tag"] == "noindex"
    english = client.get(f"/phonecapture/u/{token[:-1]}", headers={"Accept-Language": "de, en;q=0.5"})
    assert english.status_code == 404 and "This link does not work" in english.get_data(as_text=True)
    assert "This link does not work" in client.get(f"/phonecapture/u/{token[:-1]}").get_data(as_text=True)
    # the first language by quality wins, a regional tag included (werkzeug's best_match said en)
    first = client.get(f"/phonecapture/u/{token[:-1]}", headers={"Accept-Language": "ru-RU,en;q=0.5"})
    assert "Ссылка не работает" in first.get_data(as_text=True)
    first = client.get(f"/phonecapture/u/{token[:-1]}", headers={"Accept-Language": "en-US,ru;q=0.8"})
    assert "This link does not work" in first.get_data(as_text=True)
    assert not marketing_withdrawn(link_app)


def test_tokens_are_bound_to_the_apps_keys(make_app, link_app):
    contact_id, _ = verified_contact(link_app)
    other, _ = make_app(PHONECAPTURE_INDEX_KEY="C" * 43, migrate=False)
    with other.app_context():
        forged = make_token(get_state(), contact_id)
    with link_app.app_context():
        assert read_token(get_state(), forged) is None
        assert read_token(get_state(), token_for(link_app, contact_id)) == contact_id


def test_the_token_reveals_no_number_and_is_short(link_app):
    contact_id, _ = verified_contact(link_app)
    token = token_for(link_app, contact_id)
    assert len(token) == 32 and "912" not in token


def test_erasure_cancels_everything_pending_and_suppresses_nothing(link_app):
    """The erased contact has no number to send to; a suppression would outlive the erasure and
    silence the number's next, freshly consented signup (privacy.py)."""
    from flask_phonecapture.messaging.inbound import forget
    from flask_phonecapture.models import Contact

    contact_id, _ = verified_contact(link_app)
    later = add_due(link_app, contact_id, kind="confirmation", not_before=utcnow() + timedelta(hours=1))
    with link_app.app_context():
        state = get_state()
        forget(state, state.db.session.get(Contact, contact_id))
        state.db.session.commit()
        assert state.db.session.execute(select(Suppression.scope)).scalar() is None
    assert {m.status for m in messages(link_app)} == {"cancelled"}
    assert later in {m.id for m in messages(link_app)}
