"""Sliding-window counters in Redis (shared by every web and worker process), with an
in-memory fallback when Redis is not configured or not answering.

Keys hold blind indexes and region codes only, never a number. A Redis outage must not
turn into errors for visitors: the counters then fall back to this process's memory
(looser, since each process counts alone) and go back to Redis a few seconds later.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections import deque

from .runtime import namespace, runtime

log = logging.getLogger("flask_phonecapture")

#: seconds Redis is left alone after an error
REDIS_RETRY_S = 5.0


def _redis(state):
    rt = runtime()
    if state.redis is None or time.time() < rt.redis_down_until:
        return None
    return state.redis


def _redis_failed(exc: Exception) -> None:
    rt = runtime()
    if time.time() >= rt.redis_down_until:
        log.warning("phonecapture: Redis unavailable for counters (%s); using memory for %gs",
                    type(exc).__name__, REDIS_RETRY_S)
    rt.redis_down_until = time.time() + REDIS_RETRY_S


def key(state, *parts: str) -> str:
    return ":".join((namespace(state.config), *parts))


def counts(state, windows: list[tuple[str, float]], now: float | None = None
           ) -> list[tuple[int, float | None]]:
    """For each (key, window seconds): (events in the window, time of the oldest of them)."""
    now = time.time() if now is None else now
    redis = _redis(state)
    if redis is not None:
        try:
            pipe = redis.pipeline(transaction=False)
            for k, window in windows:
                pipe.zcount(k, now - window, "+inf")
                pipe.zrangebyscore(k, now - window, "+inf", start=0, num=1, withscores=True)
            raw = pipe.execute()
            out = []
            for i in range(0, len(raw), 2):
                oldest = raw[i + 1][0][1] if raw[i + 1] else None
                out.append((int(raw[i]), oldest))
            return out
        except Exception as exc:  # noqa: BLE001 - any Redis trouble: fall back to memory
            _redis_failed(exc)
    rt = runtime()
    out = []
    with rt.lock:
        for k, window in windows:
            events = [t for t in rt.memory.get(k, ()) if t > now - window]
            out.append((len(events), events[0] if events else None))
    return out


def add(state, keys: list[tuple[str, float]], now: float | None = None) -> None:
    """Record one event under each (key, longest window to keep)."""
    now = time.time() if now is None else now
    redis = _redis(state)
    if redis is not None:
        try:
            pipe = redis.pipeline(transaction=False)
            member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
            for k, keep in keys:
                pipe.zadd(k, {member: now})
                pipe.zremrangebyscore(k, "-inf", now - keep)
                pipe.expire(k, int(keep) + 60)
            pipe.execute()
            return
        except Exception as exc:  # noqa: BLE001
            _redis_failed(exc)
    rt = runtime()
    with rt.lock:
        for k, keep in keys:
            events = rt.memory.setdefault(k, deque())
            events.append(now)
            while events and events[0] <= now - keep:
                events.popleft()


def incr(state, k: str, amount: int = 1, ttl: int = 2 * 86400) -> int:
    """A plain counter (daily budget, refusal counts); returns the new value."""
    redis = _redis(state)
    if redis is not None:
        try:
            pipe = redis.pipeline(transaction=False)
            pipe.incrby(k, amount)
            pipe.expire(k, ttl)
            return int(pipe.execute()[0])
        except Exception as exc:  # noqa: BLE001
            _redis_failed(exc)
    rt = runtime()
    with rt.lock:
        rt.memory[k] = rt.memory.get(k, 0) + amount
        return rt.memory[k]


def get(state, k: str) -> int:
    redis = _redis(state)
    if redis is not None:
        try:
            return int(redis.get(k) or 0)
        except Exception as exc:  # noqa: BLE001
            _redis_failed(exc)
    rt = runtime()
    with rt.lock:
        value = rt.memory.get(k, 0)
        return value if isinstance(value, int) else 0


def flag(state, k: str, ttl: int) -> None:
    """Set a flag that expires by itself (a blocked prefix)."""
    redis = _redis(state)
    if redis is not None:
        try:
            redis.set(k, "1", ex=max(1, int(ttl)))
            return
        except Exception as exc:  # noqa: BLE001
            _redis_failed(exc)
    rt = runtime()
    with rt.lock:
        rt.memory[k] = ("flag", time.time() + ttl)


def flag_ttl(state, *keys: str) -> int:
    """Seconds left on the longest-lasting of these flags (one round trip), 0 when none is set."""
    redis = _redis(state)
    if redis is not None:
        try:
            pipe = redis.pipeline(transaction=False)
            for k in keys:
                pipe.ttl(k)
            return max([0, *(int(ttl) for ttl in pipe.execute() if ttl and ttl > 0)])
        except Exception as exc:  # noqa: BLE001
            _redis_failed(exc)
    rt = runtime()
    with rt.lock:
        values = [rt.memory.get(k) for k in keys]
    return max([0, *(int(v[1] - time.time()) for v in values if isinstance(v, tuple) and v[0] == "flag")])
