"""The two apps the submit benchmark serves under the same gunicorn settings."""
from flask import Flask, jsonify, request


def bare():
    """Baseline: a Flask JSON endpoint that parses the body and answers 201."""
    app = Flask("bare")

    @app.post("/phonecapture/api/v1/submissions")
    def submissions():
        body = request.get_json(force=True)
        return jsonify(id="0" * 32, status="pending_verification", resend_after_s=60,
                       echo=len(body)), 201

    return app


def shop():
    from example_app import create_app

    return create_app()
