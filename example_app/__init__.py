"""A small shop that shows every way to ask for a phone number.

``flask --app example_app run`` or ``gunicorn 'example_app:create_app()'``.
Any setting comes from the environment with the FLASK_ prefix, e.g.
FLASK_SQLALCHEMY_DATABASE_URI, FLASK_PHONECAPTURE_REDIS_URL, FLASK_PHONECAPTURE_SMS_PROVIDER.
"""
from __future__ import annotations

import ipaddress
import os
import secrets

from flask import Flask, abort, g, render_template, request
from flask_sqlalchemy import SQLAlchemy

from flask_phonecapture import PhoneCapture

from .forms import FORMS
from .orders import OrderForm, new_order_no, register as register_orders

PRODUCTS = {
    "kettle": {"title": "Чайник «Самовар 2.0»", "price": "3 490 ₽", "amount": "3490.00",
               "text": "Стальной электрический чайник на 1,7 л с поддержанием температуры."},
    "teapot": {"title": "Заварочный чайник «Гжель»", "price": "1 890 ₽", "amount": "1890.00",
               "text": "Фарфор ручной росписи, 600 мл, ситечко в комплекте."},
    "cups": {"title": "Набор чашек «Утро»", "price": "2 250 ₽", "amount": "2250.00",
             "text": "Шесть чашек из костяного фарфора по 250 мл."},
}


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("EXAMPLE_INSTANCE_PATH") or None)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(
        SECRET_KEY=_instance_secret(app.instance_path),
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(app.instance_path, "shop.sqlite"),
        PHONECAPTURE_FORMS=FORMS,
        PHONECAPTURE_BRAND="Чайная лавка",
    )
    app.config.from_prefixed_env()
    if test_config:
        app.config.update(test_config)

    db = SQLAlchemy(app)
    phonecapture = PhoneCapture(app, db=db)

    @phonecapture.role_loader
    def demo_roles():
        """The demo's stand-in for a login: whoever browses the shop from this machine is its
        marketer and its manager, so /phonecapture/admin/sources shows the report and
        /phonecapture/admin/leads the leads (with "Show number"). A real app answers from its
        own login (e.g. Flask-Login's current_user). Never in production, and never through a
        proxy, which would make every visitor look like 127.0.0.1."""
        if app.config["PHONECAPTURE_ENV"] == "production":
            return set()
        if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
            return set()
        try:
            local = ipaddress.ip_address(request.remote_addr or "").is_loopback
        except ValueError:
            return set()
        return {"marketer", "manager"} if local else set()

    @phonecapture.actor_loader
    def demo_actor():
        """Who shows a number, for the audit log: a real app names its signed-in user (e.g.
        current_user.email); the demo has no login, so the audit says "demo@<the machine>"."""
        return f"demo@{request.remote_addr}"

    @app.before_request
    def _nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.get("/")
    def catalogue():
        return render_template("catalogue.html", products=PRODUCTS)

    @app.get("/product/<slug>")
    def product(slug):
        if slug not in PRODUCTS:
            abort(404)
        form = OrderForm(formdata=None, order_no=new_order_no())
        return render_template("product.html", product=PRODUCTS[slug], slug=slug, order_form=form)

    register_orders(app, phonecapture, PRODUCTS)  # "place order": records an order conversion

    @app.get("/tracking")
    def tracking():
        return render_template("tracking.html")

    @app.get("/privacy")
    def privacy():
        return render_template("privacy.html")

    return app


def _instance_secret(instance_path: str) -> str:
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32))
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()
