"""
eventgate_publisher: publish system events to an eventgate gateway from Python.

One module, standard library only (Python 3.9+). Copy it into your backend.

    from eventgate_publisher import Publisher

    events = Publisher("http://localhost:8000")          # token from EVENTGATE_TOKEN or PUBLISH_TOKEN
    events.query_route(query_id="abc123", complexity_score=8.5, selected_tier="Q4",
                       estimated_latency_ms=12000, routing_reason="Complex multi-part analysis")
    events.error(error_type="TimeoutError", error_message="no answer in 30s", component="router",
                 stack_trace=None, recovery_action="retry on Q2")
    events.close()                                       # or let the exit flush do it

The publisher batches in the background: a call queues the event and returns at
once. Batches are sent when `batch_size` events are queued or every
`flush_interval` seconds, and once more when the process exits. It never
blocks or raises into the caller's request path: a full queue, a rejected
event or a gateway that stays away is counted in `stats` and logged.

Each batch carries an `Idempotency-Key`, kept across its retries, so a retry
after a lost reply is never stored twice. Retries back off exponentially on
connection errors, timeouts and 503 (honouring `Retry-After`), up to
`max_retry_seconds`. A 422 names the events that break the schema: those are
dropped (counted, logged with the gateway's problems) and the rest of the
batch is sent again. Other 4xx answers fail the batch without a retry.

When no severity is given the gateway infers it from the metadata with the
same rules as its TypeScript emitters (eventgate's README, "Severity rules").
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import queue
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
import weakref
from typing import Any, Callable, Dict, List, Optional

__all__ = ["Publisher", "AsyncPublisher", "PublishError"]

log = logging.getLogger("eventgate")

Event = Dict[str, Any]


class PublishError(Exception):
    """A batch the gateway refused: `status`, and `body` (the gateway's JSON error)."""

    def __init__(self, status: int, body: Any):
        self.status = status
        self.body = body
        message = body.get("message") if isinstance(body, dict) else str(body)
        super().__init__(f"eventgate answered {status}: {message}")


def _default_message(type_: str, m: Dict[str, Any]) -> str:
    """The same default messages as the TypeScript emitters (src/core/emitters.ts)."""
    if type_ == "query_route":
        return f"Query routed to {m['selected_tier']} tier (complexity: {_num(m['complexity_score'])})"
    if type_ == "model_state":
        return f"Model {m['model_id']}: {m['previous_state']} \u2192 {m['current_state']} ({m['reason']})"
    if type_ == "cgrag":
        cached = " from cache" if m.get("cache_hit") else ""
        return f"Retrieved {m['chunks_retrieved']} chunks ({m['total_tokens']} tokens) in {_num(m['retrieval_time_ms'])}ms{cached}"
    if type_ == "cache":
        return f"Cache {m['operation']} {'hit' if m['hit'] else 'miss'}: {m['key']} ({_num(m['latency_ms'])}ms)"
    if type_ == "error":
        return f"{m['error_type']} in {m['component']}: {m['error_message']}"
    return f"{m['metric_name']} at {_num(m['current_value'])} (threshold {_num(m['threshold_value'])}) in {m['component']}"


def _num(x: Any) -> str:
    # JavaScript prints 12000.0 as 12000: keep the messages identical.
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


_FLUSH: Any = object()


class _Batch:
    __slots__ = ("events", "key", "attempt")

    def __init__(self, events: List[Event]):
        self.events = events
        self.key = str(uuid.uuid4())
        self.attempt = 0


class Publisher:
    """A batching publisher that sends in a background thread."""

    def __init__(
        self,
        url: str,
        token: Optional[str] = None,
        *,
        batch_size: int = 100,
        flush_interval: float = 0.25,
        max_queue: int = 10_000,
        timeout: float = 5.0,
        max_retry_seconds: float = 60.0,
        on_failure: Optional[Callable[[List[Event], Exception], None]] = None,
    ):
        self.url = url.rstrip("/") + "/api/events"
        self.token = token if token is not None else (os.environ.get("EVENTGATE_TOKEN") or os.environ.get("PUBLISH_TOKEN"))
        self.batch_size = max(1, batch_size)
        self.flush_interval = flush_interval
        self.timeout = timeout
        self.max_retry_seconds = max_retry_seconds
        self.on_failure = on_failure
        #: queued, sent, failed (refused or given up), dropped (queue full or after close), retries
        self.stats = {"queued": 0, "sent": 0, "failed": 0, "dropped": 0, "retries": 0}
        #: ids of the events the gateway acknowledged, newest last (at most 10,000 kept)
        self.acknowledged: List[str] = []
        self.last_error: Optional[Exception] = None
        self._queue: "queue.Queue[Any]" = queue.Queue(max_queue)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0  # queued or in flight
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="eventgate-publisher", daemon=True)
        self._thread.start()
        _live.add(self)

    # ---- typed emitters, one per built-in type ----------------------------------------
    def query_route(self, *, query_id: str, complexity_score: float, selected_tier: str, estimated_latency_ms: float,
                    routing_reason: str, message: Optional[str] = None, severity: Optional[str] = None, **extra: Any) -> bool:
        return self._emit("query_route", dict(query_id=query_id, complexity_score=complexity_score, selected_tier=selected_tier,
                                              estimated_latency_ms=estimated_latency_ms, routing_reason=routing_reason, **extra), message, severity)

    def model_state(self, *, model_id: str, previous_state: str, current_state: str, reason: str, port: Optional[int],
                    message: Optional[str] = None, severity: Optional[str] = None, **extra: Any) -> bool:
        return self._emit("model_state", dict(model_id=model_id, previous_state=previous_state, current_state=current_state,
                                              reason=reason, port=port, **extra), message, severity)

    def cgrag(self, *, query_id: str, chunks_retrieved: int, relevance_threshold: float, retrieval_time_ms: float,
              total_tokens: int, cache_hit: bool, message: Optional[str] = None, severity: Optional[str] = None, **extra: Any) -> bool:
        return self._emit("cgrag", dict(query_id=query_id, chunks_retrieved=chunks_retrieved, relevance_threshold=relevance_threshold,
                                        retrieval_time_ms=retrieval_time_ms, total_tokens=total_tokens, cache_hit=cache_hit, **extra),
                          message, severity)

    def cache(self, *, operation: str, key: str, hit: bool, latency_ms: float, size_bytes: Optional[int],
              message: Optional[str] = None, severity: Optional[str] = None, **extra: Any) -> bool:
        return self._emit("cache", dict(operation=operation, key=key, hit=hit, latency_ms=latency_ms, size_bytes=size_bytes, **extra),
                          message, severity)

    def error(self, *, error_type: str, error_message: str, component: str, stack_trace: Optional[str] = None,
              recovery_action: Optional[str] = None, message: Optional[str] = None, severity: Optional[str] = None, **extra: Any) -> bool:
        return self._emit("error", dict(error_type=error_type, error_message=error_message, component=component,
                                        stack_trace=stack_trace, recovery_action=recovery_action, **extra), message, severity)

    def performance(self, *, metric_name: str, current_value: float, threshold_value: float, component: str, action_required: bool,
                    message: Optional[str] = None, severity: Optional[str] = None, **extra: Any) -> bool:
        return self._emit("performance", dict(metric_name=metric_name, current_value=current_value, threshold_value=threshold_value,
                                              component=component, action_required=action_required, **extra), message, severity)

    # ---- any type ---------------------------------------------------------------------
    def publish(self, event: Event) -> bool:
        """Queues one event (`type`, `message`, `metadata`, optional `severity` and `timestamp`).
        Returns False when it could not be queued (the queue is full, or the publisher is closed): counted in stats["dropped"]."""
        if not isinstance(event, dict):
            raise TypeError("publish() takes a dict with type, message and metadata")
        event = dict(event)
        event.setdefault("timestamp", time.time())
        try:
            json.dumps(event, allow_nan=False)  # an event that cannot be sent must not poison its batch
        except (TypeError, ValueError) as err:
            self.stats["failed"] += 1
            log.warning("eventgate: %s event not queued: not JSON (%s)", event.get("type"), err)
            return False
        with self._lock:
            if self._closed:
                self.stats["dropped"] += 1
                log.warning("eventgate: event %s dropped: the publisher is closed", event.get("type"))
                return False
            try:
                self._queue.put_nowait(event)
            except queue.Full:
                self.stats["dropped"] += 1
                log.warning("eventgate: event %s dropped: the queue is full (%d events)", event.get("type"), self._queue.maxsize)
                return False
            self._pending += 1
            self.stats["queued"] += 1
        return True

    def send_batch(self, events: List[Event], *, idempotency_key: Optional[str] = None) -> List[str]:
        """Publishes `events` now, as one atomic batch, in the caller's thread; returns their ids.
        Raises PublishError with the gateway's body on a refusal (nothing of the batch is stored)."""
        key = idempotency_key or str(uuid.uuid4())
        status, body, _ = self._post(events, key)
        if status != 202:
            raise PublishError(status, body)
        return list(body["ids"])

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Waits until every event queued so far was sent or given up; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            self._queue.put_nowait(_FLUSH)  # send what is buffered now rather than at the interval
        except queue.Full:
            pass  # a full queue sends full batches anyway
        with self._idle:
            while self._pending > 0:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._idle.wait(left if left is not None else 0.5)
        return True

    def close(self, timeout: Optional[float] = 10.0) -> bool:
        """Flushes, then stops the background thread. Later calls drop their events (counted)."""
        done = self.flush(timeout)
        with self._lock:
            if self._closed:
                return done
            self._closed = True
        self._queue.put(None)
        self._thread.join(timeout)
        _live.discard(self)
        return done

    # ---- internals --------------------------------------------------------------------
    def _emit(self, type_: str, metadata: Dict[str, Any], message: Optional[str], severity: Optional[str]) -> bool:
        try:
            event: Event = {"type": type_, "message": message if message is not None else _default_message(type_, metadata), "metadata": metadata}
        except Exception as err:  # never raise into the caller's request path
            self.stats["failed"] += 1
            log.warning("eventgate: %s event not built: %r", type_, err)
            return False
        if severity is not None:
            event["severity"] = severity
        return self.publish(event)

    def _run(self) -> None:
        """Collects events into batches: a batch goes when it is full, when `flush_interval` has passed
        since its first event, on flush(), and on close()."""
        buffered: List[Event] = []
        deadline = 0.0
        stop = False
        while not stop:
            send_now = False
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()) if buffered else None)
                if item is None:
                    stop = True
                elif item is _FLUSH:
                    send_now = True
                else:
                    if not buffered:
                        deadline = time.monotonic() + self.flush_interval
                    buffered.append(item)
            except queue.Empty:
                send_now = True
            if buffered and (stop or send_now or len(buffered) >= self.batch_size or time.monotonic() >= deadline):
                batch, buffered = buffered, []
                self._deliver(_Batch(batch))

    def _deliver(self, batch: _Batch) -> None:
        started = time.monotonic()
        try:
            self._send(batch, started)
        except Exception as err:  # anything unforeseen fails this batch, never the thread
            self._fail(batch.events, err)
        finally:
            with self._idle:
                self._idle.notify_all()

    def _send(self, batch: _Batch, started: float) -> None:
        """Sends one batch until it is acknowledged, refused, or retried for `max_retry_seconds`."""
        while batch.events:
            try:
                status, body, headers = self._post(batch.events, batch.key)
            except (urllib.error.URLError, OSError, TimeoutError) as err:
                status, body, headers = 0, {"error": "unreachable", "message": str(err)}, {}
            if status == 202:
                self._acknowledge(batch.events, body.get("ids", []))
                return
            if status == 422 and isinstance(body, dict) and body.get("problems"):
                bad = _bad_indexes(body["problems"], len(batch.events))
                if bad and len(bad) < len(batch.events):
                    # Nothing of a refused batch is stored: drop the events it names, send the rest as a new batch.
                    self._fail([e for i, e in enumerate(batch.events) if i in bad], PublishError(status, body))
                    batch.events = [e for i, e in enumerate(batch.events) if i not in bad]
                    batch.key = str(uuid.uuid4())
                    continue
            if status in (0, 408, 429, 502, 503, 504) and time.monotonic() - started < self.max_retry_seconds:
                batch.attempt += 1
                self.stats["retries"] += 1
                time.sleep(_backoff(batch.attempt, headers.get("retry-after")))
                continue
            self._fail(batch.events, PublishError(status, body))
            return

    def _acknowledge(self, events: List[Event], ids: List[str]) -> None:
        with self._lock:
            self.stats["sent"] += len(events)
            self._pending -= len(events)
            self.acknowledged.extend(ids)
            del self.acknowledged[:-10_000]

    def _fail(self, events: List[Event], err: Exception) -> None:
        with self._lock:
            self.stats["failed"] += len(events)
            self._pending -= len(events)
            self.last_error = err
        body = getattr(err, "body", None)
        problems = body.get("problems") if isinstance(body, dict) else None
        log.warning("eventgate: %d event(s) not published: %s%s", len(events), err, f" {problems}" if problems else "")
        if self.on_failure:
            try:
                self.on_failure(events, err)
            except Exception:  # a broken callback must not stop the publisher
                log.exception("eventgate: on_failure raised")

    def _post(self, events: List[Event], key: str):
        data = json.dumps(events, ensure_ascii=False, allow_nan=False).encode("utf-8")
        req = urllib.request.Request(self.url, data=data, method="POST")
        req.add_header("Content-Type", "application/json")
        req.add_header("Idempotency-Key", key)
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                return res.status, _json(res.read()), {k.lower(): v for k, v in res.headers.items()}
        except urllib.error.HTTPError as err:
            return err.code, _json(err.read()), {k.lower(): v for k, v in (err.headers or {}).items()}


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return {"error": "bad_answer", "message": raw[:200].decode("utf-8", "replace")}


def _bad_indexes(problems: List[Dict[str, Any]], n: int) -> set:
    """Indexes named by the gateway's problem paths (`[3].metadata.query_id`)."""
    bad = set()
    for p in problems:
        path = str(p.get("path", ""))
        if path.startswith("[") and "]" in path:
            try:
                i = int(path[1:path.index("]")])
            except ValueError:
                continue
            if 0 <= i < n:
                bad.add(i)
    return bad


def _backoff(attempt: int, retry_after: Optional[str]) -> float:
    if retry_after:
        try:
            return min(30.0, max(0.0, float(retry_after)))
        except ValueError:
            pass
    return min(10.0, 0.1 * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)


_live: "weakref.WeakSet[Publisher]" = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for p in list(_live):
        try:
            p.close(timeout=5.0)
        except Exception:
            log.exception("eventgate: exit flush failed")


class AsyncPublisher:
    """The same methods for asyncio apps (FastAPI): the emitters queue without blocking the event
    loop; `flush()` and `aclose()` are awaitable and wait in a worker thread."""

    def __init__(self, url: str, token: Optional[str] = None, **options: Any):
        self._sync = Publisher(url, token, **options)
        for name in ("query_route", "model_state", "cgrag", "cache", "error", "performance", "publish"):
            setattr(self, name, getattr(self._sync, name))

    @property
    def stats(self) -> Dict[str, int]:
        return self._sync.stats

    @property
    def acknowledged(self) -> List[str]:
        return self._sync.acknowledged

    async def send_batch(self, events: List[Event], *, idempotency_key: Optional[str] = None) -> List[str]:
        return await asyncio.get_running_loop().run_in_executor(None, lambda: self._sync.send_batch(events, idempotency_key=idempotency_key))

    async def flush(self, timeout: Optional[float] = None) -> bool:
        return await asyncio.get_running_loop().run_in_executor(None, self._sync.flush, timeout)

    async def aclose(self, timeout: Optional[float] = 10.0) -> bool:
        return await asyncio.get_running_loop().run_in_executor(None, self._sync.close, timeout)
