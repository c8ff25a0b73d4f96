"""
The Python publisher (clients/python/eventgate_publisher.py) against a real
gateway, whose URL and publish token the vitest wrapper (python.test.ts)
hands in through EVENTGATE_URL and PUBLISH_TOKEN. Run by `npm test`.
"""

import http.client
import http.server
import json
import os
import subprocess
import sys
import threading
import unittest
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))

from eventgate_publisher import AsyncPublisher, PublishError, Publisher  # noqa: E402

URL = os.environ["EVENTGATE_URL"]


def replayed(query: dict, timeout: float = 10.0) -> list:
    """The events history holds for `query` (SSE with replay, read until `ready`)."""
    u = urllib.parse.urlsplit(URL)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    conn.request("GET", "/api/events/stream?" + urllib.parse.urlencode({"replay": "10000", **query}))
    res = conn.getresponse()
    assert res.status == 200, res.status
    events, name, data = [], None, []
    try:
        while True:
            line = res.fp.readline().decode("utf-8").rstrip("\r\n")
            if line == "":
                if data:
                    body = json.loads("\n".join(data))
                    if name == "ready":
                        return events
                    if name is None:
                        events.append(body)
                name, data = None, []
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" ") if line[5:6] == " " else line[5:])
    finally:
        conn.close()


def run_id() -> str:
    return uuid.uuid4().hex[:12]


class TypedEmitters(unittest.TestCase):
    def test_every_built_in_type_is_accepted_with_its_default_message_and_severity(self):
        run = run_id()
        p = Publisher(URL)
        p.query_route(query_id="q1", complexity_score=8.5, selected_tier="Q4", estimated_latency_ms=12000,
                      routing_reason="Complex multi-part analysis", run=run)
        p.model_state(model_id="m1", previous_state="active", current_state="crashed", reason="OOM", port=8080, run=run)
        p.cgrag(query_id="q1", chunks_retrieved=0, relevance_threshold=0.7, retrieval_time_ms=40, total_tokens=0, cache_hit=False, run=run)
        p.cache(operation="get", key="k1", hit=True, latency_ms=150.0, size_bytes=512, run=run)
        p.error(error_type="TimeoutError", error_message="no answer in 30s", component="router", stack_trace=None,
                recovery_action="retry on Q2", run=run)
        p.performance(metric_name="p95_latency_ms", current_value=900, threshold_value=500, component="router",
                      action_required=True, run=run, message="p95 over budget", severity="warning")
        self.assertTrue(p.close())
        self.assertEqual(p.stats["sent"], 6)
        self.assertEqual(p.stats["failed"], 0)
        got = replayed({"meta.run": run})
        self.assertEqual([e["id"] for e in got], p.acknowledged)
        by_type = {e["type"]: e for e in got}
        self.assertEqual(sorted(by_type), sorted(["query_route", "model_state", "cgrag", "cache", "error", "performance"]))
        self.assertEqual(by_type["query_route"]["message"], "Query routed to Q4 tier (complexity: 8.5)")
        self.assertEqual(by_type["model_state"]["message"], "Model m1: active \u2192 crashed (OOM)")
        # The gateway's severity rules apply when none is given; a given one is kept.
        self.assertEqual({t: e["severity"] for t, e in by_type.items()}, {
            "query_route": "info", "model_state": "error", "cgrag": "warning", "cache": "warning", "error": "error", "performance": "warning",
        })
        self.assertEqual(by_type["performance"]["message"], "p95 over budget")

    def test_a_custom_event_goes_through_publish(self):
        run = run_id()
        p = Publisher(URL)
        self.assertTrue(p.publish({"type": "cache", "message": "custom path", "metadata": {
            "operation": "set", "key": "k", "hit": False, "latency_ms": 1, "size_bytes": None, "run": run}}))
        p.close()
        self.assertEqual([e["message"] for e in replayed({"meta.run": run})], ["custom path"])


class Refusals(unittest.TestCase):
    def test_a_422_is_reported_with_its_problems_and_the_rest_of_the_batch_still_goes(self):
        run = run_id()
        failures = []
        p = Publisher(URL, on_failure=lambda events, err: failures.append((events, err)))
        p.publish({"type": "cache", "message": "good 1", "metadata": {"operation": "get", "key": "a", "hit": True, "latency_ms": 1, "size_bytes": 1, "run": run}})
        p.publish({"type": "cache", "message": "bad", "metadata": {"operation": "get", "run": run}})
        p.publish({"type": "cache", "message": "good 2", "metadata": {"operation": "get", "key": "b", "hit": True, "latency_ms": 1, "size_bytes": 1, "run": run}})
        p.close()
        self.assertEqual(p.stats["failed"], 1)
        self.assertEqual(p.stats["sent"], 2)
        self.assertEqual(len(failures), 1)
        events, err = failures[0]
        self.assertEqual([e["message"] for e in events], ["bad"])
        self.assertIsInstance(err, PublishError)
        self.assertEqual(err.status, 422)
        paths = [pr["path"] for pr in err.body["problems"]]
        self.assertIn("[1].metadata.key", paths)
        self.assertEqual(sorted(e["message"] for e in replayed({"meta.run": run})), ["good 1", "good 2"])

    def test_send_batch_is_atomic(self):
        run = run_id()
        p = Publisher(URL)
        good = {"type": "cache", "message": "good", "metadata": {"operation": "get", "key": "a", "hit": True, "latency_ms": 1, "size_bytes": 1, "run": run}}
        bad = {"type": "cache", "message": "bad", "metadata": {"run": run}}
        with self.assertRaises(PublishError) as caught:
            p.send_batch([good, bad])
        self.assertEqual(caught.exception.status, 422)
        self.assertEqual(replayed({"meta.run": run}), [])
        ids = p.send_batch([good, dict(good, message="good again")])
        self.assertEqual([e["id"] for e in replayed({"meta.run": run})], ids)
        p.close()

    def test_a_value_that_is_not_json_is_refused_at_once_and_poisons_nothing(self):
        p = Publisher(URL)
        self.assertFalse(p.publish({"type": "cache", "message": "x", "metadata": {"bad": object()}}))
        self.assertEqual(p.stats["failed"], 1)
        p.close()


class FlakyFront(http.server.ThreadingHTTPServer):
    """A front for the gateway: answers 503 to the first `refuse` posts; the next `lose` posts it forwards and then
    answers 503 anyway (the batch is stored, the reply lost); then it forwards."""

    def __init__(self, refuse: int, lose: int):
        self.refuse, self.lose, self.keys = refuse, lose, []
        super().__init__(("127.0.0.1", 0), FlakyHandler)


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        srv: FlakyFront = self.server  # type: ignore[assignment]
        srv.keys.append(self.headers.get("Idempotency-Key"))
        if srv.refuse > 0:
            srv.refuse -= 1
            return self._answer(503, b'{"error":"store_unavailable","message":"try again"}', {"Retry-After": "0"})
        req = urllib.request.Request(URL + "/api/events", data=body, method="POST", headers={
            "Content-Type": "application/json", "Idempotency-Key": self.headers.get("Idempotency-Key") or "",
            **({"Authorization": self.headers["Authorization"]} if self.headers.get("Authorization") else {})})
        try:
            with urllib.request.urlopen(req) as res:
                status, out = res.status, res.read()
        except urllib.error.HTTPError as err:
            status, out = err.code, err.read()
        if srv.lose > 0:
            srv.lose -= 1
            return self._answer(503, b'{"error":"store_unavailable","message":"reply lost"}', {"Retry-After": "0"})
        self._answer(status, out, {})

    def _answer(self, status, body, headers):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class Retries(unittest.TestCase):
    def test_a_gateway_that_answers_503_then_recovers_loses_nothing_and_stores_nothing_twice(self):
        front = FlakyFront(refuse=3, lose=1)
        threading.Thread(target=front.serve_forever, daemon=True).start()
        try:
            run = run_id()
            p = Publisher(f"http://127.0.0.1:{front.server_address[1]}", batch_size=50)
            for i in range(20):
                p.cache(operation="get", key=f"k{i}", hit=True, latency_ms=1, size_bytes=1, run=run)
            self.assertTrue(p.close(timeout=30))
            self.assertEqual(p.stats["sent"], 20)
            self.assertGreaterEqual(p.stats["retries"], 4)
            got = replayed({"meta.run": run})
            self.assertEqual(sorted(e["metadata"]["key"] for e in got), sorted(f"k{i}" for i in range(20)))
            # Every retry of a batch carried the key of its first try.
            self.assertEqual(len(set(front.keys)), 1)
        finally:
            front.shutdown()


class ExitFlush(unittest.TestCase):
    def test_events_queued_before_exit_are_delivered_by_the_exit_flush(self):
        run = run_id()
        script = (
            "import sys; sys.path.insert(0, sys.argv[1]);"
            "from eventgate_publisher import Publisher;"
            "p = Publisher(sys.argv[2], flush_interval=60);"
            "[p.cache(operation='get', key=f'k{i}', hit=True, latency_ms=1, size_bytes=1, run=sys.argv[3]) for i in range(5)]"
        )
        subprocess.run([sys.executable, "-c", script, os.path.join(HERE, "..", "..", "clients", "python"), URL, run], check=True, timeout=30)
        self.assertEqual(len(replayed({"meta.run": run})), 5)


class Async(unittest.IsolatedAsyncioTestCase):
    async def test_the_async_publisher_has_the_same_emitters(self):
        run = run_id()
        p = AsyncPublisher(URL)
        p.error(error_type="E", error_message="m", component="c", run=run)
        self.assertTrue(await p.flush(10))
        ids = await p.send_batch([{"type": "error", "message": "direct", "metadata": {
            "error_type": "E", "error_message": "m", "component": "c", "stack_trace": None, "recovery_action": None, "run": run}}])
        await p.aclose()
        got = replayed({"meta.run": run})
        self.assertEqual(len(got), 2)
        self.assertEqual(got[1]["id"], ids[0])


if __name__ == "__main__":
    unittest.main()
