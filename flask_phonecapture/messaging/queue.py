"""Two queues behind one method: in-process (demo, fast tests) and RQ (everything real)."""
from __future__ import annotations

from datetime import timedelta

SEND_JOB = "flask_phonecapture.messaging.jobs.send_message"
SWEEP_JOB = "flask_phonecapture.messaging.jobs.sweep"


def job_id_for(message_id: str) -> str:
    """Derived from the row, so enqueueing the same message twice yields one job id."""
    return f"phonecapture-msg-{message_id}"


def _job_id(message_id: str, attempt: int, tag: str | None) -> str:
    # A retry or a wake-up gets its own id: re-using the running job's id would overwrite it.
    if tag:
        return f"{job_id_for(message_id)}-{tag}"
    return job_id_for(message_id) + (f"-retry{attempt}" if attempt else "")


class InlineQueue:
    """Runs the job right away in this process; used when PHONECAPTURE_REDIS_URL is unset."""

    name = "inline"

    def enqueue_send(self, message_id: str, delay_s: float = 0, attempt: int = 0,
                     tag: str | None = None) -> None:
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

    def enqueue_send(self, message_id: str, delay_s: float = 0, attempt: int = 0,
                     tag: str | None = None) -> None:
        kwargs = dict(job_id=_job_id(message_id, attempt, tag), result_ttl=600,
                      failure_ttl=7 * 86400, description="phonecapture send")
        if delay_s:
            self.rq.enqueue_in(timedelta(seconds=delay_s), SEND_JOB, message_id, **kwargs)
        else:
            self.rq.enqueue(SEND_JOB, message_id, **kwargs)

    def schedule_sweep(self, interval_s: float, now: bool = False) -> str:
        """Schedule the sweep for the start of the next ``interval_s`` bucket.

        The job id names the bucket, so every worker (and every sweep, which schedules the
        next one) asking for it yields one scheduled job; a lost chain restarts at the next
        worker start or the next send.
        """
        import time

        if now:  # at once (after a queue outage); still one job per bucket
            job_id = f"phonecapture-sweep-now-{int(time.time() // interval_s)}"
            # every due row, however fresh: their enqueues failed, and RQ's scheduler may
            # still be down after the outage (RQ restarts it on its next maintenance run)
            self.rq.enqueue(SWEEP_JOB, kwargs={"older_than_s": 0}, job_id=job_id,
                            result_ttl=max(60, int(interval_s) * 2), failure_ttl=86400,
                            description="phonecapture sweep")
            return job_id
        now = time.time()
        bucket = int(now // interval_s) + 1
        job_id = f"phonecapture-sweep-{bucket}"
        self.rq.enqueue_in(timedelta(seconds=max(0.0, bucket * interval_s - now)), SWEEP_JOB,
                           job_id=job_id, result_ttl=max(60, int(interval_s) * 2),
                           failure_ttl=86400, description="phonecapture sweep")
        return job_id


def make_queue(config):
    url = config.get("PHONECAPTURE_REDIS_URL")
    if url:
        return RQQueue(url, config["PHONECAPTURE_QUEUE_NAME"])
    return InlineQueue()
