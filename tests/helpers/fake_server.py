"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests and benchmarks.

It binds the loopback address only, on a free port, serves at most `max_requests` requests, and
decides each answer from markers in the report text:

    [[invalid-once]]   first answer is not JSON, then valid
    [[invalid-always]] never valid JSON
    [[schema-always]]  valid JSON, wrong schema
    [[500-once]]       first request HTTP 500, then valid
    [[500-always]]     always HTTP 500
    [[timeout-once]]   first request sleeps `sleep_s` (past the client timeout), then valid
    [[timeout-always]] always sleeps
    [[fenced]]         valid JSON inside prose and a ```json fence
    (none)             valid {"key_phrases": [...]} after `delay_s`

Every request is logged in `hits` as (report text, is_reask, request body).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeChatServer"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server: "_Server"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def do_POST(self) -> None:  # noqa: N802
        owner: FakeChatServer = self.server.owner
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": "not found"})
            return
        msgs = body.get("messages", [])
        report = msgs[3]["content"] if len(msgs) > 3 else ""
        reask = len(msgs) > 4
        with owner.lock:
            owner.total += 1
            if owner.total > owner.max_requests:
                over = True
            else:
                over = False
                owner.hits.append((report, reask, body))
                owner.per_report[report] += 1
                n = owner.per_report[report]
                owner.in_flight += 1
                owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
                owner.headers.append(dict(self.headers))
        if over:
            self._send(503, {"error": "request budget of the test server exhausted"})
            return
        try:
            self._answer(owner, body, report, n)
        finally:
            with owner.lock:
                owner.in_flight -= 1

    def _answer(self, owner: "FakeChatServer", body: dict, report: str, n: int) -> None:
        if owner.reject_response_format and "response_format" in body:
            self._send(400, {"error": {"message": "response_format is not supported"}})
            return
        if "[[500-always]]" in report or ("[[500-once]]" in report and n == 1):
            self._send(500, {"error": "internal error"})
            return
        if "[[timeout-always]]" in report or ("[[timeout-once]]" in report and n == 1):
            time.sleep(owner.sleep_s)
            self._send(200, owner.completion('{"key_phrases": ["There is late answer"]}'))
            return
        if owner.delay_s:
            time.sleep(owner.delay_s)
        if "[[invalid-always]]" in report or ("[[invalid-once]]" in report and n == 1):
            content = "Sure! Here are the findings: There is effusion, no pneumothorax."
        elif "[[schema-always]]" in report:
            content = json.dumps({"key_phrases": "There is effusion"})
        else:
            phrases = owner.phrases_for(report)
            content = json.dumps({"key_phrases": phrases})
            if "[[fenced]]" in report:
                content = f"Here you go:\n```json\n{content}\n```\nLet me know."
        self._send(200, owner.completion(content))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "FakeChatServer"


class FakeChatServer:
    """Context manager: `with FakeChatServer() as srv: srv.base_url`."""

    def __init__(self, delay_s: float = 0.0, sleep_s: float = 1.0, max_requests: int = 100_000,
                 reject_response_format: bool = False) -> None:
        self.delay_s, self.sleep_s = delay_s, sleep_s
        self.max_requests = max_requests
        self.reject_response_format = reject_response_format
        self.lock = threading.Lock()
        self.hits: list[tuple[str, bool, dict]] = []
        self.headers: list[dict[str, str]] = []
        self.per_report: Counter[str] = Counter()
        self.total = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @staticmethod
    def phrases_for(report: str) -> list[str]:
        """A deterministic answer that identifies its report (tests join on it)."""
        first = report.split("\n", 1)[-1][:60].strip()
        return [f"There is finding for {first}", "There is no pneumothorax"]

    @staticmethod
    def completion(content: str) -> dict[str, Any]:
        return {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "fake",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}]}

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> "FakeChatServer":
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "FakeChatServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def reports_hit(self, first_only: bool = True) -> list[str]:
        with self.lock:
            return [r for r, reask, _ in self.hits if not (first_only and reask)]
