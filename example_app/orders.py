"""The demo's checkout: "place order" on a product page, and the conversion it records.

A real shop has its own checkout; what matters here is the one call at its end,
``phonecapture.record_conversion_for_phone(phone, kind="order", value=..., currency=...,
external_id=order_no)``: the customer's number on the order finds the lead that left it (its
latest verified submission) and the order counts for that lead's source in the report. The number
is only looked up, never stored. The demo keeps no orders: the confirmation page is all there is.

The order number is made when the product page is drawn and posted back with the form, so a
double click or a reload of the POST records one conversion, not two (``external_id`` is unique
per kind). The page answers the same whether or not the number left a lead: a checkout must not
tell a visitor who else is in the shop's lead list.
"""
from __future__ import annotations

import re
import secrets

from flask import abort, render_template
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Regexp, ValidationError

from flask_phonecapture.phone import PhoneError, parse_phone

ORDER_NO = re.compile(r"Z-[0-9A-F]{4}-[0-9A-F]{4}")


def new_order_no() -> str:
    """"Z-1A2B-3C4D": in groups of four, so no run of digits can read as a phone number (an
    external_id that does is refused)."""
    token = secrets.token_hex(4).upper()
    return f"Z-{token[:4]}-{token[4:]}"


class OrderForm(FlaskForm):
    """Flask-WTF: CSRF-protected with the shop's SECRET_KEY; messages in the shop's Russian."""

    order_no = HiddenField(validators=[DataRequired(), Regexp(ORDER_NO.pattern + "$")])
    phone = StringField("Телефон для доставки", validators=[DataRequired("Введите номер телефона.")])

    def validate_phone(self, field):
        try:
            parse_phone(field.data, "RU", ["RU", "KZ", "BY"])
        except PhoneError as exc:  # its message never repeats the number
            raise ValidationError(str(exc)) from None


def register(app, phonecapture, products: dict) -> None:
    @app.post("/product/<slug>/order")
    def place_order(slug):
        product = products.get(slug) or abort(404)
        form = OrderForm()
        if not form.validate():
            if "order_no" in form.errors or "csrf_token" in form.errors:
                abort(400)  # a tampered or stale page, not the visitor's typing
            return render_template("product.html", product=product, slug=slug, order_form=form), 400
        try:
            phonecapture.record_conversion_for_phone(form.phone.data, kind="order", value=product["amount"],
                                                     currency="RUB", external_id=form.order_no.data)
        except ValueError:
            pass  # the number left no lead here: an order all the same, just not one a form brought
        return render_template("order_done.html", product=product, order_no=form.order_no.data)
