"""The app a worker subprocess builds in tests (same keys and forms as the test app)."""
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_phonecapture import PhoneCapture
from tests.conftest import FORMS, TEST_INDEX_KEY, TEST_KEYS


def create_app():
    app = Flask("phonecapture_worker_test", instance_path=os.environ["PHONECAPTURE_WORKER_TEST_INSTANCE"])
    app.config.update(
        SECRET_KEY="test-secret",
        SQLALCHEMY_DATABASE_URI=os.environ["PHONECAPTURE_WORKER_TEST_DB"],
        PHONECAPTURE_FORMS=FORMS, PHONECAPTURE_KEYS=TEST_KEYS, PHONECAPTURE_INDEX_KEY=TEST_INDEX_KEY,
        PHONECAPTURE_REDIS_URL=os.environ["PHONECAPTURE_TEST_REDIS_URL"],
        PHONECAPTURE_QUEUE_NAME=os.environ["PHONECAPTURE_WORKER_TEST_QUEUE"],
    )
    PhoneCapture(app, db=SQLAlchemy(app))
    return app
