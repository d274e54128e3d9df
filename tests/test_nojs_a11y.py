"""Accessibility of what the server draws: a policy link that says it opens a new tab (G201), and
the drawn inline form described like the widget's."""
import re

import pytest
from flask import render_template_string

from flask_phonecapture.extension import get_state
from flask_phonecapture.publicform import public_config
from tests.conftest import CONSENTS


@pytest.mark.parametrize("template", ["{{ phonecapture_form('callback') }}", "{{ phonecapture_inline('callback') }}",
                                      "{{ phonecapture_form('world') }}"])
def test_the_policy_link_says_it_opens_a_new_tab(make_app, template):
    app, _ = make_app()
    with app.test_request_context("/"):
        html = render_template_string(template)
    said = ('aria-label="Privacy policy (opens in a new tab)">Privacy policy</a>' if "world" in template else
            'aria-label="Политика конфиденциальности (откроется в новой вкладке)">Политика конфиденциальности</a>')
    assert said in html and re.search(r'target="_blank" rel="noopener" ' + re.escape(said), html)


def test_a_form_may_say_new_tab_its_own_way_and_the_widget_gets_it_only_with_a_policy_link(make_app):
    no_link = {"purpose": "service_sms", "required": True, "text": "Согласен на звонок."}
    app, _ = make_app(PHONECAPTURE_FORMS={
        "callback": {"mode": "inline", "default_region": "RU", "consents": CONSENTS,
                     "texts": {"new_tab": "(в новом окне)"}},
        "plain": {"mode": "popup", "default_region": "RU", "consents": [no_link]}})
    with app.test_request_context("/"):
        html = render_template_string("{{ phonecapture_inline('callback') }}")
        state = get_state()
        with_link, without = (public_config(state, state.forms[k])["texts"] for k in ("callback", "plain"))
    assert 'aria-label="Политика конфиденциальности (в новом окне)"' in html
    assert with_link["nt"] == "(в новом окне)" and "nt" not in without and "po" not in without


def test_the_drawn_form_is_described_by_its_offer_and_purpose_like_the_widgets(make_app):
    consent = {"purpose": "service_sms", "required": True, "text": "Согласен на звонок."}
    app, _ = make_app(PHONECAPTURE_FORMS={
        "offer": {"mode": "inline", "default_region": "RU", "consents": [consent], "texts": {"offer": "Скидка 10%"}},
        "bare": {"mode": "inline", "default_region": "RU", "consents": [consent], "texts": {"purpose": ""}}})
    with app.test_request_context("/"):
        offer, bare = (render_template_string(f"{{{{ phonecapture_inline('{k}') }}}}") for k in ("offer", "bare"))
    assert '<section class="d i" aria-labelledby="t" aria-describedby="o pu"' in offer
    assert '<p id="o">Скидка 10%</p>' in offer
    assert 'aria-describedby="" tabindex="-1"' in bare  # nothing to describe it: no id of a missing element
