"""pytest fixtures for the fake SMS provider servers.

Enable them in ``tests/conftest.py`` with ``pytest_plugins = ["tests.fakes.fixtures"]``.

Each ``fake_<provider>`` fixture is a started server on 127.0.0.1 (function scope, so
faults and recorded requests never leak between tests); ``server.config()`` gives the
Flask config that points the provider at it. ``fake_sms_server`` is parametrized-friendly:
``@pytest.mark.parametrize("fake_sms_server", ["twilio", "smsru"], indirect=True)``.
"""
from __future__ import annotations

import pytest

from .sms_servers import (SERVERS, CallbackRecorder, FakeHttpGateway, FakeSmsAero, FakeSmsRu,
                          FakeTwilio)


def _serve(server):
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake_twilio():
    yield from _serve(FakeTwilio())


@pytest.fixture
def fake_smsru():
    yield from _serve(FakeSmsRu())


@pytest.fixture
def fake_smsaero():
    yield from _serve(FakeSmsAero())


@pytest.fixture
def fake_http_gateway():
    yield from _serve(FakeHttpGateway())


@pytest.fixture
def fake_sms_server(request):
    """The fake for ``request.param`` (a provider name); twilio when not parametrized."""
    yield from _serve(SERVERS[getattr(request, "param", "twilio")]())


@pytest.fixture
def callback_recorder():
    recorder = CallbackRecorder()
    try:
        yield recorder
    finally:
        recorder.stop()
