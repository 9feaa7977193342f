"""A real HTTP server on 127.0.0.1 that replays recorded-shape API bodies, for clients that do
not go through `requests` (atproto uses httpx) or that we want to drive over a real socket."""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class ReplayServer:
    """Queue answers per (method, path, one query parameter value); unmatched requests get 404."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str, str], deque] = defaultdict(deque)
        self.calls: list[tuple[str, str, dict[str, list[str]]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                server.calls.append((method, parts.path, query))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                for value in [*(v for values in query.values() for v in values), ""]:
                    queue = server.answers.get((method, parts.path, value))
                    if queue:
                        status, body, headers = queue[0] if len(queue) == 1 else queue.popleft()
                        break
                else:
                    status, body, headers = 404, {"error": "NotFound"}, {}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add(self, method: str, path: str, body: Any, *, status: int = 200, when: str = "",
            headers: dict[str, str] | None = None) -> None:  # fmt: skip
        """Answer `method path` (with a query parameter equal to `when`, if given). Several
        answers for one key are given in order; the last one repeats."""
        self.answers[(method, path, when)].append((status, body, headers or {}))

    def reset(self) -> None:
        self.answers.clear()
        self.calls.clear()

    def count(self, path: str) -> int:
        return sum(1 for _m, p, _q in self.calls if p == path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
