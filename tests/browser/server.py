"""A small test-only site for the widget's browser tests and bench/widget.py.

It registers PhoneCapture with one form per display mode and serves plain pages that
embed the widget. Run it as a process (the browser tests read SMS codes from its stdout):

    python -m tests.browser.server --port 5001 --instance /tmp/x [--origins http://127.0.0.1:5002]
    python -m tests.browser.server --port 5002 --embed-from http://127.0.0.1:5001   # another origin

Pages:
  /page/<form_ids>?lang=ru|en&csp=1&long=1&cta=1   a shop-like page embedding the widget
                                                   (&more=1: a link a.more, for click_selector)
                                                   (&below=1: inline forms after the text;
                                                   &drawn=1: drawn by the server, phonecapture_inline)
  /inline/<form_id>                                an article with an inline placeholder
  /plain                                           the same page without any widget (baseline)
  /phonecapture/admin/sources                      the source report (the browser is a marketer)
  /phonecapture/admin/leads                        the leads, "Show number" (the browser is a manager)
"""
from __future__ import annotations

import argparse
import os
import secrets

from flask import Flask, Response, abort, g, render_template_string, request
from flask_sqlalchemy import SQLAlchemy

from flask_phonecapture import PhoneCapture
from flask_phonecapture.extension import get_state

SERVICE = {"purpose": "service_sms", "required": True, "policy_url": "/privacy",
           "text": "Согласен на обработку номера телефона для ответа на заявку (152-ФЗ)."}
MARKETING = {"purpose": "marketing_sms", "required": False, "policy_url": "/privacy",
             "text": "Хочу получать SMS о скидках (можно отписаться в любой момент)."}
SERVICE_EN = {"purpose": "service_sms", "required": True, "policy_url": "/privacy",
              "text": "I agree that my number is used to answer this request."}
RU = {"locale": "ru", "default_region": "RU", "countries": ["RU", "KZ", "BY", "DE"], "consents": [SERVICE, MARKETING]}
EN = {"locale": "en", "default_region": "GB", "countries": ["GB", "US", "DE", "FR"], "consents": [SERVICE_EN]}


def forms(lang: str) -> dict:
    base = RU if lang == "ru" else EN
    texts = ({"offer": "Поможем выбрать чайник под вашу воду.", "promise": "Перезвоним за 15 минут (9:00–21:00)."}
             if lang == "ru" else {"offer": "We'll help you pick the right kettle.", "promise": "We call back within 15 minutes, 9am–9pm."})
    f = lambda **kw: {**base, "texts": dict(texts), **kw}  # noqa: E731
    return {
        "popup": f(mode="popup", fields={"name": "optional"}, triggers={"delay_s": 60}),
        "inline": f(mode="inline", countries=base["countries"][:1], default_region=base["default_region"]),
        "slidein": f(mode="slidein", triggers={"scroll_pct": 50}),
        "exit": f(mode="exit_intent", exit_intent={"arm_delay_s": 1, "sensitivity_px": 20}),
        "button": f(mode="button"),
        "click": f(mode="popup", triggers={"click_selector": "#cta"}),
        "idle": f(mode="popup", triggers={"inactivity_s": 30}),
        "views": f(mode="popup", triggers={"page_views": 2, "delay_s": 1, "match": "all"}),
        "target": f(mode="popup", triggers={"delay_s": 1},
                    targeting={"include": ["/page/*"], "exclude": ["/page/*?*nope*"], "utm": {"utm_source": "google*"}}),
        "session": f(mode="popup", triggers={"delay_s": 1}, frequency={"once_per_session": True, "after_close_days": 0}),
        "mobile": f(mode="popup", triggers={"delay_s": 1}, targeting={"device": "mobile"}),
        "more": f(mode="popup", triggers={"click_selector": "a.more"}),
        "first": f(mode="popup", triggers={"delay_s": 1}, frequency={"after_close_days": 0}),
        "quick": f(mode="slidein", triggers={"delay_s": 1}, frequency={"after_close_days": 0}),
        "spa": f(mode="popup", triggers={"delay_s": 2}, targeting={"exclude": ["/checkout/*"]},
                 frequency={"after_close_days": 0}),
        "exitnow": f(mode="exit_intent", exit_intent={"arm_delay_s": 0, "mobile_scroll_up_px": 150}),
    }


def all_forms() -> dict:
    out = {k: v for k, v in forms("ru").items()}
    out.update({k + "_en": v for k, v in forms("en").items()})
    # Regions sharing a calling code: the country list follows the number (+1 416 is Canadian).
    out["shared_en"] = {**out["button_en"], "countries": ["US", "CA", "GB", "GG"], "default_region": "US"}
    return out


PAGE = """<!doctype html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ 'Чайная лавка' if lang == 'ru' else 'Tea shop' }}</title>
<link rel="stylesheet" href="/site.css"></head>
<body>
<header><a href="/page/{{ ids }}?lang={{ lang }}" class="logo">{{ 'Чайная лавка' if lang == 'ru' else 'Tea shop' }}</a>
<nav aria-label="{{ 'Разделы' if lang == 'ru' else 'Sections' }}"><a href="/plain?lang={{ lang }}">{{ 'Каталог' if lang == 'ru' else 'Catalogue' }}</a> <a href="/privacy">{{ 'Доставка' if lang == 'ru' else 'Delivery' }}</a></nav></header>
<main>
<h1>{{ 'Чайник «Самовар 2.0»' if lang == 'ru' else 'Kettle “Samovar 2.0”' }}</h1>
<div class="hero" role="img" aria-label="{{ 'Чайник' if lang == 'ru' else 'Kettle' }}"></div>
<p class="lead">{{ text }}</p>
<form class="filters"><label>{{ 'Объём' if lang == 'ru' else 'Volume' }}
<select id="vol"><option>1 л</option><option>1,5 л</option><option>1,7 л</option></select></label>
<label>{{ 'Ваш e-mail' if lang == 'ru' else 'Your e-mail' }} <input id="email" type="email" name="email" autocomplete="email"></label></form>
{% if more %}<p><a class="more" href="/plain?lang={{ lang }}">{{ 'Подробнее' if lang == 'ru' else 'More' }}</a></p>{% endif %}
{% if cta %}<p><button id="cta" type="button">{{ 'Узнать цену' if lang == 'ru' else 'Ask the price' }}</button>
<a href="#" data-phonecapture-open="{{ ids.split(',')[0] }}">{{ 'Перезвонить мне' if lang == 'ru' else 'Call me' }}</a></p>{% endif %}
{% if not below %}{% for form_id in inline %}{% if drawn %}{{ phonecapture_inline(form_id, tag="section", class_="callback drawn") }}{% else %}<section class="callback" data-phonecapture-inline="{{ form_id }}">{{ phonecapture_form(form_id) }}</section>{% endif %}{% endfor %}{% endif %}
{% for i in range(long) %}<p>{{ text }}</p>{% endfor %}
{% if below %}{% for form_id in inline %}<section class="callback" data-phonecapture-inline="{{ form_id }}">{{ phonecapture_form(form_id) }}</section>{% endfor %}{% endif %}
<p id="after">{{ 'Конец страницы.' if lang == 'ru' else 'End of page.' }}</p>
</main>
{% if widget %}{{ phonecapture_widget(ids) }}{% endif %}
</body></html>"""

CSS = """body{font:16px/1.5 Georgia,serif;margin:0;color:#222}header{display:flex;justify-content:space-between;padding:12px 24px;background:#f3efe6}
a{color:#0a5a42}main{max-width:760px;margin:0 auto;padding:24px}h1{font-size:34px;margin:0 0 16px}
.hero{height:300px;background:linear-gradient(135deg,#c9b38a,#7a5c3a);border-radius:12px;margin:0 0 16px}
.lead{font-size:18px}.filters{display:flex;gap:16px;flex-wrap:wrap;margin:16px 0}
.callback{display:flex;flex-direction:column;margin:24px 0;min-height:400px}.callback>form{flex:1}
@media(max-width:640px){.callback{min-height:500px}}
.callback.drawn{min-height:0}"""

TEXT_RU = ("Стальной электрический чайник на 1,7 л с поддержанием температуры. Пять режимов для зелёного, "
           "белого и чёрного чая, защита от включения без воды и съёмный фильтр от накипи.")
TEXT_EN = ("A 1.7 l steel electric kettle that keeps the temperature. Five modes for green, white and black "
           "tea, dry-boil protection and a removable limescale filter.")


def create_app(instance: str, origins: list[str] | None = None, embed_from: str | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance)
    os.makedirs(instance, exist_ok=True)
    app.config.update(
        SECRET_KEY="browser-tests",
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(instance, "site.sqlite"),
        PHONECAPTURE_FORMS=all_forms(),
        PHONECAPTURE_KEYS="k1:" + "A" * 43,
        PHONECAPTURE_INDEX_KEY="B" * 43,
        PHONECAPTURE_MIN_FILL_MS=300,
        PHONECAPTURE_RESEND_COOLDOWN=3,
        PHONECAPTURE_MAX_SENDS_PER_HOUR=50,
        PHONECAPTURE_RATELIMIT_SUBMIT="1000/minute",
        PHONECAPTURE_RATELIMIT_VERIFY="1000/minute",
        PHONECAPTURE_ALLOWED_ORIGINS=origins or [],
        # Many code sends from one address and number in a few seconds: lift anti-pumping.
        PHONECAPTURE_PUMP_LIMITS={k: "1000/60" for k in ("number", "ip", "prefix", "country")},
    )
    db = SQLAlchemy(app)
    phonecapture = PhoneCapture(app, db=db)
    # The test site runs on 127.0.0.1 only: its browser is the marketer of /phonecapture/admin/sources
    # and the manager of /phonecapture/admin/leads.
    phonecapture.role_loader(lambda: {"marketer", "manager"} if request.remote_addr == "127.0.0.1" else set())
    with app.app_context():
        from flask_phonecapture import migrate

        migrate.upgrade()

    @app.before_request
    def _nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.get("/site.css")
    def site_css():
        return Response(CSS, mimetype="text/css")

    @app.get("/favicon.ico")
    def favicon():
        return "", 204

    @app.get("/privacy")
    def privacy():
        return "<!doctype html><html lang=en><title>Privacy</title><main><h1>Privacy</h1></main></html>"

    def page(ids: str, widget: bool = True):
        lang = request.args.get("lang", "ru")
        ids = ",".join(i.strip() for i in ids.split(","))
        inline = [i for i in ids.split(",") if i.startswith("inline")] if widget else []
        html = render_template_string(
            PAGE, lang=lang, ids=ids, inline=inline, widget=widget and not embed_from,
            text=TEXT_RU if lang == "ru" else TEXT_EN, long=int(request.args.get("long", 12)),
            cta=request.args.get("cta") == "1", more=request.args.get("more") == "1", below=request.args.get("below") == "1",
            drawn=request.args.get("drawn") == "1")
        if embed_from:  # a page on another origin embedding the widget from the first server
            tag = f'<script src="{embed_from}/phonecapture/widget.js" data-form="{ids}" async></script>'
            html = html.replace("</body>", tag + "</body>")
        response = Response(html, mimetype="text/html")
        if request.args.get("csp") in ("1", "2"):
            # csp=2: the nonce also admits the <style> of a server-drawn form (phonecapture_inline)
            styles = "'self'" + (f" 'nonce-{g.csp_nonce}'" if request.args.get("csp") == "2" else "")
            response.headers["Content-Security-Policy"] = (
                f"default-src 'self'; script-src 'self' 'nonce-{g.csp_nonce}'; style-src {styles}; "
                "img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-src 'none'")
        return response

    @app.get("/page/<ids>")
    def widget_page(ids):
        if not all(i in get_state().forms for i in ids.split(",")):  # created in the admin too
            abort(404)
        return page(ids)

    @app.get("/plain")
    def plain():
        return page("popup", widget=False)

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--instance", required=True)
    ap.add_argument("--origins", default="")
    ap.add_argument("--embed-from", default=None)
    args = ap.parse_args()
    app = create_app(args.instance, [o for o in args.origins.split(",") if o], args.embed_from)
    print(f"ready http://127.0.0.1:{args.port}", flush=True)
    app.run(host="127.0.0.1", port=args.port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
