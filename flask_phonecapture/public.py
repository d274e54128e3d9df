"""Static-ish public endpoints: the widget bundle."""
from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache

from flask import Blueprint, current_app, request

public_bp = Blueprint("phonecapture_public", __name__)

BUNDLE = os.path.join(os.path.dirname(__file__), "static", "phonecapture", "widget.js")


@lru_cache(maxsize=4)
def _bundle(mtime: float) -> tuple[bytes, bytes, str]:
    with open(BUNDLE, "rb") as handle:
        data = handle.read()
    return data, gzip.compress(data, 9, mtime=0), '"' + hashlib.sha256(data).hexdigest()[:20] + '"'


@public_bp.get("/widget.js")
def widget_js():
    """The built bundle: ETag, a day of caching (revalidated by ETag), gzip when accepted."""
    try:
        data, zipped, etag = _bundle(os.path.getmtime(BUNDLE))
    except FileNotFoundError:
        return current_app.response_class("/* widget bundle not built */", 404,
                                          mimetype="application/javascript")
    response = current_app.response_class(mimetype="application/javascript")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Access-Control-Allow-Origin"] = "*"  # embeddable on any site
    if request.headers.get("If-None-Match") == etag:
        response.status_code = 304
        return response
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(zipped)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(data)
    return response
