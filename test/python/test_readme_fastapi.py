"""
The README's FastAPI example, run as written (the gateway URL replaced by the
test gateway's): a request to the app publishes a query_route event that
reaches the gateway, and the app's shutdown flushes the publisher.
Needs Debian's python3-fastapi, python3-uvicorn and python3-httpx (.ci/run installs them).
"""

import os
import re
import sys
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))
sys.path.insert(0, HERE)

from fastapi.testclient import TestClient  # noqa: E402

from test_publisher import URL, replayed  # noqa: E402


def readme_example() -> str:
    with open(os.path.join(HERE, "..", "..", "README.md"), encoding="utf-8") as f:
        readme = f.read()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "FastAPI" in b]
    assert len(blocks) == 1, "the README has one FastAPI example"
    return blocks[0].replace('"http://localhost:8000"', repr(URL))


class ReadmeFastAPI(unittest.TestCase):
    def test_the_readme_example_publishes_and_flushes_on_shutdown(self):
        scope: dict = {}
        exec(compile(readme_example(), "README.md", "exec"), scope)
        query_id = uuid.uuid4().hex
        with TestClient(scope["app"]) as client:
            res = client.post("/route", params={"query_id": query_id, "score": 8.5})
            self.assertEqual(res.status_code, 200)
            self.assertEqual(res.json(), {"tier": "Q4"})
        # Leaving the client ran the app's shutdown, which flushed the publisher.
        got = replayed({"meta.query_id": query_id})
        self.assertEqual([(e["type"], e["message"]) for e in got], [("query_route", "Query routed to Q4 tier (complexity: 8.5)")])


if __name__ == "__main__":
    unittest.main()
