"""A real OpenAI-compatible HTTP server on 127.0.0.1 that fails on purpose.

Tests script what it does per request, then drive the real client at it over
real sockets: status codes with headers, dropped connections, hangs, broken
bodies, truncated answers and server-sent-event streams that stop halfway.
Nothing in httpx is mocked. Every request is recorded (path, headers, JSON
body, time of arrival), so tests can check what the client actually sent.

    with FaultServer() as server:
        server.script(Reply.error(503), Reply.answer('{"ok": true}'))
        ...  # the first request gets a 503, the second an answer
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def completion(
    content: str | None,
    *,
    finish_reason: str = "stop",
    usage: dict[str, int] | None = None,
    refusal: str | None = None,
    model: str = "fault-model",
) -> dict[str, Any]:
    """A chat completion in OpenAI's wire format; ``usage=None`` leaves usage out."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if refusal is not None:
        message["refusal"] = refusal
    body: dict[str, Any] = {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
    }
    if usage is not None:
        body["usage"] = {**usage, "total_tokens": sum(usage.values())}
    return body


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    arrived: float

    @property
    def response_format(self) -> str | None:
        """The ``response_format.type`` the client asked for, if any."""
        fmt = self.body.get("response_format") if isinstance(self.body, dict) else None
        return fmt.get("type") if isinstance(fmt, dict) else None

    @property
    def last_user_message(self) -> str:
        """Content of the last user message in a chat request."""
        messages = self.body.get("messages", []) if isinstance(self.body, dict) else []
        users = [m["content"] for m in messages if m.get("role") == "user"]
        return users[-1] if users else ""


@dataclass(frozen=True)
class Reply:
    """Answer with a status, headers and a body (JSON or raw bytes)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def answer(
        cls,
        content: str | None,
        *,
        finish_reason: str = "stop",
        usage: dict[str, int] | None = None,
        refusal: str | None = None,
        delay: float = 0.0,
    ) -> Reply:
        """A 200 chat completion whose message is ``content``."""
        if usage is None:
            usage = {"prompt_tokens": 10, "completion_tokens": 5}
        return cls(
            200,
            completion(content, finish_reason=finish_reason, usage=usage, refusal=refusal),
            delay=delay,
        )

    @classmethod
    def error(cls, code: int, message: str = "", **headers: str) -> Reply:
        """An error in OpenAI's shape; header names use ``_`` for ``-``."""
        error = {"error": {"message": message or f"fault server says {code}", "code": code}}
        return cls(code, error, {k.replace("_", "-"): v for k, v in headers.items()})


@dataclass(frozen=True)
class Raw:
    """Answer with these exact body bytes (e.g. a body that is not JSON)."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"


@dataclass(frozen=True)
class Drop:
    """Read the request, then close the connection without a word."""


@dataclass(frozen=True)
class Hang:
    """Read the request and send nothing for ``seconds`` (then close)."""

    seconds: float = 30.0


@dataclass(frozen=True)
class Stream:
    """Answer with server-sent events, chunked; ``drop_after`` cuts the stream short."""

    deltas: tuple[str, ...]
    finish_reason: str = "stop"
    usage: dict[str, int] | None = None
    drop_after: int | None = None


Action = Reply | Raw | Drop | Hang | Stream
Plan = Callable[[Received], Action]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers and httpx's pool use
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw
        received = Received(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            arrived=time.monotonic(),
        )
        fault = self.server.fault
        action = fault._arrive(received)
        try:
            self._act(action)
        finally:
            fault._leave()

    def _act(self, action: Action) -> None:
        if isinstance(action, Drop):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(action, Hang):
            self.server.fault._stopping.wait(action.seconds)
            self.close_connection = True
            return
        if isinstance(action, Raw):
            self._send(action.status, action.body, {"Content-Type": action.content_type})
            return
        if isinstance(action, Stream):
            self._stream(action)
            return
        if action.delay:
            self.server.fault._stopping.wait(action.delay)
        payload = (
            action.body if isinstance(action.body, bytes) else json.dumps(action.body).encode()
        )
        self._send(action.status, payload, {"Content-Type": "application/json", **action.headers})

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, action: Stream) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        events: list[dict[str, Any]] = [
            {"choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": None}]}
            for delta in action.deltas
        ]
        events.append(
            {"choices": [{"index": 0, "delta": {}, "finish_reason": action.finish_reason}]}
        )
        if action.usage is not None:
            events.append({"choices": [], "usage": action.usage})
        lines = [f"data: {json.dumps(event)}\n\n".encode() for event in events]
        lines.append(b"data: [DONE]\n\n")
        for index, line in enumerate(lines):
            if action.drop_after is not None and index >= action.drop_after:
                # Mid-body, mid-chunked-encoding: the client sees a broken stream.
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops SYNs under a concurrent
    # batch, and each dropped SYN costs the client a one-second retransmit.
    request_queue_size = 256
    fault: FaultServer


class FaultServer:
    """The server; use as a context manager, script it, read ``received``."""

    def __init__(self) -> None:
        self._http = _Server(("127.0.0.1", 0), _Handler)
        self._http.fault = self
        # A short poll interval keeps stop() (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._lock = threading.Lock()
        self._queue: list[Action] = []
        self._plan: Plan | None = None
        self._stopping = threading.Event()
        self.default: Action = Reply.answer('{"ok": true}')
        self.received: list[Received] = []
        self.in_flight = 0
        self.peak_in_flight = 0

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to configure the client with."""
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *actions: Action) -> None:
        """Answer the next requests with ``actions`` in order, then with ``default``."""
        with self._lock:
            self._queue.extend(actions)

    def plan(self, plan: Plan) -> None:
        """Decide every request's answer with ``plan`` (after any scripted ones)."""
        self._plan = plan

    @property
    def chat_requests(self) -> list[Received]:
        """The chat-completions requests received so far."""
        with self._lock:
            return [r for r in self.received if r.path.endswith("/chat/completions")]

    def _arrive(self, received: Received) -> Action:
        with self._lock:
            self.received.append(received)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            if self._queue:
                return self._queue.pop(0)
        return self._plan(received) if self._plan is not None else self.default

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def start(self) -> FaultServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging handlers are released at once."""
        self._stopping.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
