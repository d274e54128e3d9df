"""``flask phonecapture worker``: an RQ worker with the scheduler, that outlives Redis outages.

RQ's worker quits on a Redis error it meets outside its dequeue loop (finishing a job, a
heartbeat), and its scheduler process dies on the first one. This loop waits for Redis to
answer again and starts a fresh worker (and scheduler), then books the periodic sweep,
which was lost if Redis came back empty. A stop signal (SIGTERM/SIGINT) or ``--burst`` ends it.
"""
from __future__ import annotations

import logging
import signal
import time

log = logging.getLogger("flask_phonecapture")

#: longest wait between two reconnect attempts while Redis is down (RQ's default is 60 s)
MAX_RECONNECT_WAIT_S = 5.0


def run(state, *, redis_url: str, queue_name: str, fork: bool = False, burst: bool = False,
        with_scheduler: bool = True, logging_level: str = "WARNING") -> None:
    from redis import Redis
    from redis.exceptions import ConnectionError, TimeoutError
    from rq import Queue, SimpleWorker, Worker

    from .jobs import on_worker_start, schedule_next_sweep

    options = on_worker_start(state)  # time zones loaded once (before any fork), sweep booked
    stop = {"requested": False}
    while True:
        connection = Redis.from_url(redis_url)
        worker = None
        try:  # building the worker talks to Redis too (CLIENT SETNAME): it may be down right now
            queue = Queue(queue_name, connection=connection)
            worker = (Worker if fork else SimpleWorker)([queue], connection=connection, **options)
            worker.max_connection_wait_time = MAX_RECONNECT_WAIT_S
            worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=logging_level)
        except (ConnectionError, TimeoutError) as exc:
            if burst:
                raise
            log.warning("phonecapture: worker lost Redis (%s); starting a new one when it is back",
                        type(exc).__name__)
        finally:
            _own_signals(stop)
        if burst or stop["requested"] or (worker is not None and _asked_to_stop(worker)):
            return
        _wait_for(connection, stop)
        if stop["requested"]:
            return
        schedule_next_sweep(state)


def _asked_to_stop(worker) -> bool:
    """RQ ends ``work()`` the same way for SIGTERM and for a Redis error it gave up on; only
    a stop request sets these."""
    return bool(getattr(worker, "_stop_requested", False)
                or getattr(worker, "_shutdown_requested_date", None))


def _own_signals(stop: dict) -> None:
    """RQ's handlers point at the dead worker: a stop signal now ends this loop instead."""
    def handler(signum, frame):
        stop["requested"] = True

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _wait_for(connection, stop: dict) -> None:
    delay = 0.5
    while not stop["requested"]:
        try:
            if connection.ping():
                return
        except Exception:  # noqa: BLE001 - still down
            pass
        time.sleep(delay)
        delay = min(delay * 2, MAX_RECONNECT_WAIT_S)
