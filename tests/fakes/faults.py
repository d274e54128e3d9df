"""Fault-test plumbing: a private Redis server that can be stopped and started, real
``flask phonecapture worker`` processes, the app served over HTTP for provider callbacks."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    """``redis-server`` on its own port, nothing saved: stop() and start() it at will.

    Never the machine's shared Redis on 6379.
    """

    def __init__(self, workdir: Path):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        with open(self.workdir / f"redis-{self.port}.log", "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--maxmemory-policy", "noeviction",
                 "--dir", str(self.workdir)],
                stdout=log, stderr=subprocess.STDOUT)
        from redis import Redis

        client = Redis.from_url(self.url, socket_connect_timeout=0.5)

        def up():
            try:
                return client.ping()
            except Exception:  # noqa: BLE001
                return False

        wait_until(up, 10, what="redis-server to start")
        client.close()
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


class Worker:
    """A real ``flask phonecapture worker`` process (RQ SimpleWorker + scheduler)."""

    def __init__(self, *, db_url: str, redis_url: str, queue: str, workdir: Path, config: dict,
                 name: str = "w1", args: tuple[str, ...] = ()):
        env = dict(os.environ, PHONECAPTURE_FAULT_DB=db_url, PHONECAPTURE_FAULT_REDIS=redis_url,
                   PHONECAPTURE_FAULT_QUEUE=queue, PHONECAPTURE_FAULT_INSTANCE=str(workdir),
                   PHONECAPTURE_FAULT_CONFIG=json.dumps(config), PYTHONUNBUFFERED="1")
        self.log_path = workdir / f"worker-{name}.log"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "tests.fakes.worker_app:create_app",
                 "phonecapture", "worker", *args], env=env, cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class AppServer:
    """The Flask app on 127.0.0.1:<free port>, in a thread, so providers can call back."""

    def __init__(self, app, port: int):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
