"""The app a fault-test worker subprocess builds: the test app's keys and forms, plus the
database, Redis, queue and provider settings handed over in the environment."""
import json
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_phonecapture import PhoneCapture
from tests.conftest import FORMS, TEST_INDEX_KEY, TEST_KEYS


def create_app():
    app = Flask("phonecapture_fault_worker", instance_path=os.environ["PHONECAPTURE_FAULT_INSTANCE"])
    app.config.update(
        SECRET_KEY="test-secret",
        SQLALCHEMY_DATABASE_URI=os.environ["PHONECAPTURE_FAULT_DB"],
        PHONECAPTURE_FORMS=FORMS, PHONECAPTURE_KEYS=TEST_KEYS, PHONECAPTURE_INDEX_KEY=TEST_INDEX_KEY,
        PHONECAPTURE_REDIS_URL=os.environ["PHONECAPTURE_FAULT_REDIS"],
        PHONECAPTURE_QUEUE_NAME=os.environ["PHONECAPTURE_FAULT_QUEUE"],
    )
    app.config.update(json.loads(os.environ.get("PHONECAPTURE_FAULT_CONFIG") or "{}"))
    PhoneCapture(app, db=SQLAlchemy(app))
    return app
