"""Browser fixtures: the test site (tests/browser/server.py) in a subprocess on a free port,
a second origin embedding it, and Debian's Chromium driven by Playwright (never downloaded).

Skips when Chromium or Playwright is missing; PHONECAPTURE_TEST_STRICT=1 makes that a failure.
The suite runs once: in the SQLite pass of ``make test`` (it starts its own SQLite site).
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from tests.conftest import DATABASE_URL, EMBEDDED_PASS, require

CHROMIUM = os.environ.get("PHONECAPTURE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AXE = os.path.join(ROOT, "widget", "node_modules", "axe-core", "axe.min.js")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A test site process; ``lines`` is everything it printed (SMS codes among them)."""

    def __init__(self, tmp, *extra):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.browser.server", "--port", str(self.port), "--instance", str(tmp), *extra],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/privacy", timeout=1)
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("test site did not start:\n" + "\n".join(self.lines[-30:]))

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def code(self, since: int, timeout: float = 10) -> str:
        """The 6-digit code of the first SMS printed after line ``since``."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in self.lines[since:]:
                if "[phonecapture sms]" in line:
                    m = re.search(r"\b(\d{6})\b", line)
                    if m:
                        return m.group(1)
            time.sleep(0.05)
        raise AssertionError("no SMS printed:\n" + "\n".join(self.lines[since:][-20:]))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)
        self.proc.stdout.close()


@pytest.fixture(scope="session")
def playwright_sync():
    if DATABASE_URL and not EMBEDDED_PASS:
        pytest.skip("browser tests run in the SQLite pass of make test")
    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_sync):
    b = playwright_sync.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    yield b
    b.close()


@pytest.fixture(scope="session")
def second_port():
    return free_port()


@pytest.fixture(scope="session")
def site(tmp_path_factory, second_port, browser):
    s = Server(tmp_path_factory.mktemp("site"), "--origins", f"http://127.0.0.1:{second_port}")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def other_site(tmp_path_factory, site, second_port):
    """Another origin (allowed by PHONECAPTURE_ALLOWED_ORIGINS) embedding the first site's widget."""
    s = Server.__new__(Server)
    s.port = second_port
    s.url = f"http://127.0.0.1:{second_port}"
    s.lines = []
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    s.proc = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.server", "--port", str(second_port), "--instance",
         str(tmp_path_factory.mktemp("other")), "--embed-from", site.url],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    s.reader = threading.Thread(target=s._read, daemon=True)
    s.reader.start()
    for _ in range(300):
        try:
            urllib.request.urlopen(s.url + "/privacy", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield s
    s.stop()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    yield ctx
    ctx.close()


@pytest.fixture
def mobile_context(browser):
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                              device_scale_factor=2, locale="ru-RU")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    p = context.new_page()
    p.errors = []
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.on("console", lambda m: m.type == "error" and p.errors.append(m.text))
    yield p
