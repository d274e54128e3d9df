"""Property-based fuzzing of the public API from its own OpenAPI document (schemathesis).

Whatever the body, the answer is never a 5xx, and documented status codes and content types hold.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from tests.conftest import FORMS, TEST_INDEX_KEY, TEST_KEYS


def _app():
    import tempfile

    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_phonecapture import PhoneCapture, migrate

    app = Flask("fuzz", instance_path=tempfile.mkdtemp(prefix="pc-fuzz-"))
    app.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite://", PHONECAPTURE_FORMS=FORMS,
                      PHONECAPTURE_KEYS=TEST_KEYS, PHONECAPTURE_INDEX_KEY=TEST_INDEX_KEY,
                      PHONECAPTURE_RATELIMIT_SUBMIT="100000/minute", PHONECAPTURE_RATELIMIT_VERIFY="100000/minute",
                      SQLALCHEMY_ENGINE_OPTIONS={"poolclass": __import__("sqlalchemy").pool.StaticPool,
                                                 "connect_args": {"check_same_thread": False}})
    PhoneCapture(app, db=SQLAlchemy(app))
    with app.app_context():
        migrate.upgrade()
    return app


APP = _app()
schema = schemathesis.openapi.from_wsgi("/phonecapture/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx_and_keeps_its_contract(case):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                             content_type_conformance])
