"""Static-ish public endpoints: the widget bundle."""
from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache

from flask import Blueprint, current_app, request

from .encoding import pick

public_bp = Blueprint("phonecapture_public", __name__)

BUNDLE = os.path.join(os.path.dirname(__file__), "static", "phonecapture", "widget.js")


@lru_cache(maxsize=4)
def _bundle(mtime: float) -> dict[str | None, tuple[bytes, str]]:
    """The bundle as each encoding sends it, with that encoding's ETag (a cache holding the gzip
    body must not revalidate it as the br one). The brotli copy is made by the build (quality 11:
    too slow per request, and no Python package needed); a checkout without it sends gzip."""
    with open(BUNDLE, "rb") as handle:
        data = handle.read()
    digest = hashlib.sha256(data).hexdigest()[:20]
    bodies = {None: (data, digest), "gzip": (gzip.compress(data, 9, mtime=0), digest + "-gz")}
    try:
        with open(BUNDLE + ".br", "rb") as handle:
            bodies["br"] = (handle.read(), digest + "-br")
    except FileNotFoundError:
        pass
    return bodies


@public_bp.get("/widget.js")
def widget_js():
    """The built bundle: ETag, a day of caching (revalidated by ETag), brotli or gzip when accepted."""
    try:
        bodies = _bundle(os.path.getmtime(BUNDLE))
    except FileNotFoundError:
        return current_app.response_class("/* widget bundle not built */", 404,
                                          mimetype="application/javascript")
    encoding = pick(*(name for name in ("br", "gzip") if name in bodies))
    body, etag = bodies[encoding]
    response = current_app.response_class(mimetype="application/javascript")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Access-Control-Allow-Origin"] = "*"  # embeddable on any site
    if request.if_none_match.contains_weak(etag):  # a list, W/ tags and * included
        response.status_code = 304
        return response
    response.set_data(body)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    return response
