"""Two queues behind one method: in-process (demo, fast tests) and RQ (everything real)."""
from __future__ import annotations

from datetime import timedelta

SEND_JOB = "flask_phonecapture.messaging.jobs.send_message"


def job_id_for(message_id: str) -> str:
    """Derived from the row, so enqueueing the same message twice yields one job id."""
    return f"phonecapture-msg-{message_id}"


class InlineQueue:
    """Runs the job right away in this process; used when PHONECAPTURE_REDIS_URL is unset."""

    name = "inline"

    def enqueue_send(self, message_id: str, delay_s: float = 0, attempt: int = 0) -> None:
        if delay_s:
            return  # no scheduler in-process: the sweeper sends it when due
        from .jobs import send_message

        send_message(message_id)


class RQQueue:
    def __init__(self, redis_url: str, name: str):
        self.redis_url = redis_url
        self.name = name
        self._queue = None

    @property
    def rq(self):
        if self._queue is None:
            from redis import Redis
            from rq import Queue

            connection = Redis.from_url(self.redis_url, socket_timeout=5, socket_connect_timeout=2)
            self._queue = Queue(self.name, connection=connection)
        return self._queue

    def enqueue_send(self, message_id: str, delay_s: float = 0, attempt: int = 0) -> None:
        # A retry gets its own id: re-using the running job's id would overwrite it.
        job_id = job_id_for(message_id) + (f"-retry{attempt}" if attempt else "")
        kwargs = dict(job_id=job_id, result_ttl=3600, failure_ttl=7 * 86400,
                      description="phonecapture send")
        if delay_s:
            self.rq.enqueue_in(timedelta(seconds=delay_s), SEND_JOB, message_id, **kwargs)
        else:
            self.rq.enqueue(SEND_JOB, message_id, **kwargs)


def make_queue(config):
    url = config.get("PHONECAPTURE_REDIS_URL")
    if url:
        return RQQueue(url, config["PHONECAPTURE_QUEUE_NAME"])
    return InlineQueue()
