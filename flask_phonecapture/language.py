"""Which of our languages a browser wants, from its Accept-Language header.

werkzeug's ``best_match`` prefers any exact tag, however low its quality, to a regional one of a
higher quality: among ru and en it answers en for "ru-RU,en;q=0.5" and ru for "en-US,ru;q=0.8"
(and for ``*``). The visitor's first language by quality is what they read best, so that wins.
"""
from __future__ import annotations

from flask import g, request


def browser_language(supported) -> str | None:
    """The first of the browser's languages, by quality, whose primary subtag is in
    ``supported`` ("ru-RU" counts as ru); None for ``*``, unknown tags or no header."""
    for value, quality in request.accept_languages:  # highest quality first
        lang = value.replace("_", "-").split("-", 1)[0].lower()
        if quality > 0 and lang in supported:
            return lang
    return None


def asked_language(supported) -> str | None:
    """The ``?lang=`` a page was asked in, if it is one of ``supported``."""
    lang = (request.args.get("lang") or "")[:2].lower()
    return lang if lang in supported else None


def page_language(supported) -> str:
    """``?lang=``, else the browser's first of ``supported``, else English; ``<html lang>`` (the
    base template) and the web forms' own messages read it from ``g``."""
    lang = asked_language(supported) or browser_language(supported) or "en"
    g.phonecapture_locale = lang
    return lang
