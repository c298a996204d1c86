"""An OpenAI-compatible endpoint on 127.0.0.1 that answers with hand-written answers.

It stands in for a good model when the cassettes of ``test_llm_stages`` are
recorded: it reads which stage and which source a request is about from the
prompt and answers with the matching entry of ``seed_answers``. Every
response carries ``x-veracity-cassette: hand-written`` so a recording of it
cannot pass for a model's output.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import seed_answers

from veracity.testing import chat_completion_body

MODEL = "handwritten-answers"
_SOURCE_IN_EXTRACTION = re.compile(r"\(source id ([^)]+)\)")
_SOURCE_IN_CHECK = re.compile(r'<claims source="([^"]*)">')


def answer_for(messages: list[dict[str, str]]) -> Any:
    """The hand-written answer to a chat request, chosen from its prompt."""
    system, user = messages[0]["content"], messages[1]["content"]
    repair = len(messages) > 2
    if system.startswith("You extract the checkable claims"):
        match = _SOURCE_IN_EXTRACTION.search(user)
        source = html.unescape(match.group(1)) if match else ""
        if source == seed_answers.SPUN and not repair:
            return seed_answers.INVALID_FIRST_EXTRACTION
        return {"claims": seed_answers.EXTRACTIONS.get(source, [])}
    if system.startswith("You check claims"):
        match = _SOURCE_IN_CHECK.search(user)
        source = html.unescape(match.group(1)) if match else ""
        return {
            "judgements": seed_answers.CROSS_CHECKS.get(source, []),
            "reviews": seed_answers.reviews(user),
        }
    if "summary" in system:
        return seed_answers.SUMMARY
    return {"error": "the scripted endpoint has no answer for this prompt"}


Answers = Callable[[list[dict[str, str]]], Any]


class HttpError(Exception):
    """Raised by an answer function: the endpoint answers with this status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def completion(body: dict[str, Any], answers: Answers = answer_for) -> dict[str, Any]:
    """A chat completion in OpenAI's wire format, with a deterministic id."""
    content = json.dumps(answers(body["messages"]), ensure_ascii=False)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return chat_completion_body(
        content,
        model=body.get("model", MODEL),
        completion_id=f"chatcmpl-handwritten-{digest}",
        prompt_tokens=sum(len(message["content"]) for message in body["messages"]) // 4,
    )


class FaultPlan:
    """Which requests fail, decided by a hash of the request body, so the same requests
    fail whatever order concurrent calls arrive in. Each chosen body fails once: its
    retry (or re-ask) gets through, so the counts a client reports can be checked
    exactly against the counts here."""

    def __init__(self, rate_429: float, rate_5xx: float, rate_malformed: float) -> None:
        self.rate_429 = rate_429
        self.rate_5xx = rate_5xx
        self.rate_malformed = rate_malformed
        self.seen: set[str] = set()
        self.injected = {"429": 0, "5xx": 0, "malformed": 0}
        self.lock = threading.Lock()

    def withdraw(self, fault: str) -> None:
        """Take back a fault that was chosen but not injected."""
        with self.lock:
            self.injected[fault] -= 1

    def fault_for(self, raw_body: bytes) -> str | None:
        """The fault to inject for this body, or None."""
        digest = hashlib.sha256(raw_body).hexdigest()
        draw = int(digest[:8], 16) / 0x1_0000_0000
        with self.lock:
            if digest in self.seen:
                return None
            self.seen.add(digest)
            for fault, upper in (
                ("429", self.rate_429),
                ("5xx", self.rate_429 + self.rate_5xx),
                ("malformed", self.rate_429 + self.rate_5xx + self.rate_malformed),
            ):
                if draw < upper:
                    self.injected[fault] += 1
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _send(
        self, payload: dict[str, Any], status: int = 200, extra: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header(
            "x-veracity-cassette",
            "hand-written answers served by tests/llm_stages/scripted_endpoint.py",
        )
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send({"object": "list", "data": [{"id": MODEL, "object": "model"}]})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length", "0")))
        with self.server.lock:
            self.server.requests += 1
            self.server.bodies.append(json.loads(raw))
            dead = (
                self.server.answer_at_most is not None
                and self.server.requests > self.server.answer_at_most
            )
        if dead:
            # The endpoint has died: the connection drops with no answer.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.server.reject_with is not None:
            status, message = self.server.reject_with
            self._send({"error": {"message": message, "code": "model_not_found"}}, status)
            return
        fault = self.server.faults.fault_for(raw) if self.server.faults else None
        if fault == "429":
            self._send({"error": {"message": "slow down"}}, 429, {"retry-after-ms": "5"})
            return
        if fault == "5xx":
            self._send({"error": {"message": "upstream hiccup"}}, 503)
            return
        try:
            answer = completion(json.loads(raw), self.server.answers)
        except HttpError as error:
            self._send({"error": {"message": error.message, "code": error.status}}, error.status)
            return
        invalid_by_design = json.dumps(seed_answers.INVALID_FIRST_EXTRACTION, ensure_ascii=False)
        if fault == "malformed" and answer["choices"][0]["message"]["content"] == invalid_by_design:
            # That answer is invalid already: one fault, not two, so the counts stay exact.
            self.server.faults.withdraw("malformed")  # type: ignore[union-attr]
        elif fault == "malformed":
            answer["choices"][0]["message"]["content"] = '{"claims": [{"text": "cut off'
        self._send(answer)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    def __init__(
        self,
        faults: FaultPlan | None,
        answer_at_most: int | None,
        answers: Answers,
        reject_with: tuple[int, str] | None = None,
        port: int = 0,
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.faults = faults
        self.answers = answers
        self.answer_at_most = answer_at_most
        self.reject_with = reject_with
        self.requests = 0
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()


class ScriptedEndpoint:
    """The endpoint, running in a thread for as long as the ``with`` block.

    :param faults: inject 429s, 5xx and malformed JSON into chosen requests.
    :param answer_at_most: answer this many chat requests, then drop every connection,
        as an endpoint that died mid-run.
    :param reject_with: answer every chat request with this (status, message), as an
        endpoint that refuses the request (a misspelt model: 404 ``model_not_found``).
    :param port: listen on this port (an endpoint restarted at the same URL); a free one
        by default.
    :param answers: what the "model" answers to a request's messages (default: the
        hand-written answers of ``seed_answers``).
    """

    def __init__(
        self,
        faults: FaultPlan | None = None,
        *,
        answer_at_most: int | None = None,
        answers: Answers = answer_for,
        reject_with: tuple[int, str] | None = None,
        port: int = 0,
    ) -> None:
        self._server = _Server(faults, answer_at_most, answers, reject_with, port)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def requests(self) -> int:
        """Chat requests received so far."""
        return self._server.requests

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the chat requests received so far."""
        return self._server.bodies

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> ScriptedEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
