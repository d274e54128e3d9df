"""Compressed bodies for the two responses every page view with the widget downloads: widget.js
and its form's config. The host app may have no compressing proxy in front (the demo, gunicorn
alone), and uncompressed they are 18.5 KB and ~1.9 KB instead of 7.6 KB and ~1.0 KB."""
from __future__ import annotations

import gzip

from flask import Response, request

#: Smaller bodies cost more to compress than they save (the gzip header alone is 18 B).
MIN_BYTES = 512


def pick(*offered: str) -> str | None:
    """The encoding to send out of ``offered`` (the server's order breaks ties), honouring the
    client's q-values: ``gzip;q=0`` refuses gzip; ``None``: send the body as it is."""
    return request.accept_encodings.best_match(offered)


def gzip_json(response: Response, level: int = 6) -> Response:
    """Gzip a dynamic response for a client that accepts it. Level 6: level 9 saves nothing on a
    2 KB body and costs more per request."""
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    if len(body) >= MIN_BYTES and pick("gzip"):
        response.set_data(gzip.compress(body, level, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response
