"""A simulated OpenAI-compatible endpoint on 127.0.0.1, for measuring veracity's scheduling.

It speaks real HTTP/1.1 with keep-alive (asyncio streams only, no web
framework), so the client's connection pool, throttle and retries run exactly
as they do against a real server. What it simulates:

* latency: fixed, or drawn from a seeded ``uniform`` or ``lognormal``
  distribution around ``latency``;
* token-proportional time: ``prompt_token_seconds`` per prompt token and
  ``completion_token_seconds`` per answer token on top of the latency;
* rate limits: 429 with ``Retry-After`` (and ``retry-after-ms``) when more than
  ``max_concurrency`` requests are in flight or more than ``rate_limit``
  requests started in the last second.

It counts calls, tokens, 429s, simulated service time and the largest number
of requests it ever had in flight: :meth:`SimEndpoint.stats` in Python,
``GET /stats`` over HTTP (``POST /stats/reset`` clears them).

Its answers are schema-valid for veracity's LLM stages. Like
``tests/llm_stages/scripted_endpoint.py`` it tells the stage from the system
prompt, and it answers from the prompt's own text: claims quote sentences
copied from the article, cross-check judgements quote the passage that shares
most words with the claim, summary sentences cite the article ids given. So a
run against it goes through every check the pipeline makes (quotes verify,
evidence verifies, citations are known) and does the same work as a real run.

Run it on its own::

    /work/venv/bin/python bench/sim_endpoint.py --port 8765 --latency 0.2 --max-concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from veracity.testing import chat_completion_body

MODEL = "simulated"
# Sentences of an article the claim answer quotes, at most; a real model finds 5-10.
CLAIMS_PER_ARTICLE = 8
# Words a passage must share with a claim (Jaccard) for the answer to call it related.
SUPPORT_OVERLAP = 0.5

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]+[\"”’]?")
_WORD = re.compile(r"[A-Za-z0-9]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_ARTICLE = re.compile(r'<article id="([^"]+)">\n(.*?)\n</article>', re.DOTALL)
_PASSAGES = re.compile(r'<passages source="([^"]+)">\n(.*?)\n</passages>', re.DOTALL)
_CLAIM_LINE = re.compile(r"^(c\d+): (.*)$", re.MULTILINE)
_MAX_SENTENCES = re.compile(r"at most (\d+)")
_CITED_LINE = re.compile(r"^\[([^\]]*)\] (.+)$", re.MULTILINE)


# -- answers -------------------------------------------------------------------------------


def _sentences(text: str, minimum_words: int = 6) -> list[str]:
    """Sentence-like pieces of ``text``, copied verbatim, with enough words to be a claim."""
    found = []
    for match in _SENTENCE.finditer(text):
        piece = match.group(0).strip()
        if len(piece.split()) >= minimum_words:
            found.append(piece)
    return found


def _words(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text) if len(word) > 2}


def _overlap(first: set[str], second: set[str]) -> float:
    return len(first & second) / len(first | second) if first and second else 0.0


def _kind(sentence: str) -> str:
    if any(mark in sentence for mark in '"“”'):
        return "quote"
    return "number" if _NUMBER.search(sentence) else "fact"


def answer_claims(user: str) -> dict[str, Any]:
    """Claims of the article in the prompt, each quoting one of its sentences verbatim."""
    match = _ARTICLE.search(user)
    article = match.group(2) if match else ""
    return {
        "claims": [
            {"text": sentence, "quote": sentence, "kind": _kind(sentence)}
            for sentence in _sentences(article)[:CLAIMS_PER_ARTICLE]
        ]
    }


def answer_check(user: str) -> dict[str, Any]:
    """A judgement per claim and shown source: the best-overlapping passage supports it,
    or contradicts it when its numbers differ; nothing close enough is absent."""
    claims = _CLAIM_LINE.findall(user.split("Passages of the other sources:")[0])
    judgements = []
    for source, block in _PASSAGES.findall(user):
        passages = [line for line in block.split("\n") if line.strip()]
        for key, text in claims:
            claim_words = _words(text)
            scored = [(_overlap(claim_words, _words(line)), line) for line in passages]
            score, best = max(scored, default=(0.0, ""))
            if score < SUPPORT_OVERLAP:
                judgements.append(
                    {"claim": key, "source": source, "stance": "absent", "evidence": None}
                )
                continue
            differs = set(_NUMBER.findall(text)) != set(_NUMBER.findall(best))
            judgements.append(
                {
                    "claim": key,
                    "source": source,
                    "stance": "contradicts" if differs else "supports",
                    "disagreement": "number" if differs else None,
                    "evidence": best,
                    "explanation": "the figures differ" if differs else "same report",
                    "confidence": round(min(0.5 + score / 2, 0.99), 2),
                }
            )
    return {"judgements": judgements}


def answer_summary(system: str, user: str) -> dict[str, Any]:
    """A summary of the first sentences of the articles, each citing the article it comes from."""
    limit_match = _MAX_SENTENCES.search(system)
    limit = int(limit_match.group(1)) if limit_match else 6
    articles = _ARTICLE.findall(user)
    ids = list(dict.fromkeys(source for source, _ in articles))
    sentences = []
    for source, text in articles:
        first = _sentences(text)[:1]
        if first:
            sentences.append({"text": first[0], "sources": [source]})
    if ids and sentences:
        # The lead sentence is what every article reports, as a real summary's first line is.
        sentences[0] = {"text": sentences[0]["text"], "sources": ids}
    return {"sentences": sentences[:limit]}


def answer_merge(system: str, user: str) -> dict[str, Any]:
    """The partial summaries' sentences, with their citations, cut to the sentence limit."""
    limit_match = _MAX_SENTENCES.search(system)
    limit = int(limit_match.group(1)) if limit_match else 6
    sentences = [
        {"text": text, "sources": [source.strip() for source in cited.split(",") if source.strip()]}
        for cited, text in _CITED_LINE.findall(user)
    ]
    return {"sentences": sentences[:limit]}


def stage_of(system: str) -> str:
    """Which veracity stage a request is for, read from its system prompt."""
    if system.startswith("You extract the checkable claims"):
        return "extract-claims"
    if system.startswith("You check claims"):
        return "cross-check"
    if system.startswith("You merge partial summaries"):
        return "merge-summaries"
    if "summary" in system:
        return "summarize"
    return "unknown"


def answer_for(messages: list[dict[str, Any]]) -> tuple[str, dict[str, Any] | None]:
    """The stage of a chat request and a schema-valid answer to it (None: not a veracity prompt)."""
    system = str(messages[0].get("content", "")) if messages else ""
    user = str(messages[1].get("content", "")) if len(messages) > 1 else ""
    stage = stage_of(system)
    if stage == "extract-claims":
        return stage, answer_claims(user)
    if stage == "cross-check":
        return stage, answer_check(user)
    if stage == "merge-summaries":
        return stage, answer_merge(system, user)
    if stage == "summarize":
        return stage, answer_summary(system, user)
    return stage, None


def estimate_tokens(text: str) -> int:
    """Tokens as veracity's client estimates them: one per four characters."""
    return math.ceil(len(text) / 4) if text else 0


# -- configuration and counters ------------------------------------------------------------


@dataclass(frozen=True)
class SimConfig:
    """How the simulated endpoint behaves."""

    latency: float = 0.2
    """Seconds each answer takes (the median, for a distribution)."""
    distribution: str = "fixed"
    """``fixed``, ``uniform`` (latency × U(1 - spread, 1 + spread)) or ``lognormal``."""
    spread: float = 0.5
    """Relative spread of ``uniform``; sigma of ``lognormal``."""
    seed: int = 0
    prompt_token_seconds: float = 0.0
    """Extra seconds per prompt token (prefill)."""
    completion_token_seconds: float = 0.0
    """Extra seconds per answer token (generation)."""
    max_concurrency: int | None = None
    """Requests in flight above which a new one gets 429; None: unlimited."""
    rate_limit: float | None = None
    """Requests per second (over a sliding second) above which a new one gets 429."""
    retry_after: float = 1.0
    """Seconds a 429 asks the client to wait."""


@dataclass
class SimStats:
    """What the endpoint has seen since it started (or was reset)."""

    calls: int = 0
    """Chat requests received, 429s included."""
    answered: int = 0
    rate_limited: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    in_flight: int = 0
    max_concurrency: int = 0
    """The most chat requests it was ever working on at once."""
    service_seconds: float = 0.0
    """Simulated time spent answering, summed over answered calls."""
    by_stage: dict[str, int] = field(default_factory=dict)


# -- the server ----------------------------------------------------------------------------


class _BadRequest(Exception):
    pass


class SimEndpoint:
    """The endpoint, served from its own thread and event loop while the ``with`` block runs.

    ``SimEndpoint(SimConfig(latency=0.02))`` listens on a free port of
    127.0.0.1; :attr:`url` is the base URL to give veracity's client.
    """

    def __init__(self, config: SimConfig | None = None, *, port: int = 0) -> None:
        self.config = config or SimConfig()
        self._port = port
        self._stats = SimStats()
        self._lock = threading.Lock()
        self._random = random.Random(self.config.seed)
        self._recent_starts: list[float] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        # Tasks serving open connections: closed before the loop is (see stop()).
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """The OpenAI base URL, ending in ``/v1``."""
        return f"http://127.0.0.1:{self._port}/v1"

    def stats(self) -> SimStats:
        """A copy of the counters."""
        with self._lock:
            copy = SimStats(**asdict(self._stats))
            copy.by_stage = dict(self._stats.by_stage)
            return copy

    def reset(self) -> None:
        """Zero the counters (requests in flight stay counted as in flight)."""
        with self._lock:
            in_flight = self._stats.in_flight
            self._stats = SimStats(in_flight=in_flight, max_concurrency=in_flight)
            self._recent_starts.clear()

    # -- lifecycle --

    def start(self) -> SimEndpoint:
        """Start serving in a daemon thread; returns once the port is open."""
        self._thread = threading.Thread(
            target=self._serve_in_thread, name="sim-endpoint", daemon=True
        )
        self._thread.start()
        self._ready.wait()
        return self

    def stop(self) -> None:
        """Stop serving, close every open connection, then stop the loop and join the thread.

        Connections a client keeps alive are closed on the loop before it stops: left
        pending, their tasks and writers would be destroyed with a closed loop ("Task was
        destroyed but it is pending", "Event loop is closed" in the tests that use it).
        """
        if self._loop is not None and self._server is not None:
            closing = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
            try:
                closing.result(timeout=5)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)

    async def _shutdown(self) -> None:
        """Stop accepting, then end the connections still open (on the server's loop)."""
        assert self._server is not None
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    def __enter__(self) -> SimEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve_in_thread(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._server = loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", self._port, backlog=1024)
        )
        self._port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def serve_forever(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve on the current event loop until cancelled (the command-line mode).

        :param on_ready: called with :attr:`url` once the port is open.
        """
        self._server = await asyncio.start_server(
            self._connection, "127.0.0.1", self._port, backlog=1024
        )
        self._port = self._server.sockets[0].getsockname()[1]
        if on_ready is not None:
            on_ready(self.url)
        async with self._server:
            await self._server.serve_forever()

    # -- HTTP --

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve the requests of one keep-alive connection, one after another."""
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            while True:
                try:
                    request = await _read_request(reader)
                except _BadRequest as error:
                    await _respond(writer, 400, {"error": {"message": str(error)}}, close=True)
                    return
                if request is None:
                    return
                method, path, headers, body = request
                close = headers.get("connection", "").lower() == "close"
                status, payload, extra = await self._route(method, path, body)
                await _respond(writer, status, payload, extra, close=close)
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _route(
        self, method: str, path: str, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        route = path.split("?", 1)[0].rstrip("/")
        if method == "GET" and route == "/stats":
            return 200, asdict(self.stats()), {}
        if method == "POST" and route == "/stats/reset":
            self.reset()
            return 200, {"reset": True}, {}
        if method == "GET" and route.endswith("/models"):
            return 200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]}, {}
        if method == "POST" and route.endswith("/chat/completions"):
            try:
                request = json.loads(body)
            except ValueError:
                return 400, {"error": {"message": "the body is not JSON"}}, {}
            return await self._chat(request)
        return 404, {"error": {"message": f"no route {method} {route}"}}, {}

    def _admit(self) -> float | None:
        """Count a new chat request in; the seconds to ask it to wait when it is over a limit."""
        config = self.config
        now = time.monotonic()
        with self._lock:
            stats = self._stats
            stats.calls += 1
            self._recent_starts = [start for start in self._recent_starts if now - start < 1.0]
            over_concurrency = (
                config.max_concurrency is not None and stats.in_flight >= config.max_concurrency
            )
            over_rate = (
                config.rate_limit is not None and len(self._recent_starts) >= config.rate_limit
            )
            if over_concurrency or over_rate:
                stats.rate_limited += 1
                wait = config.retry_after
                if over_rate and not over_concurrency:
                    wait = max(1.0 - (now - self._recent_starts[0]), 0.001)
                return wait
            self._recent_starts.append(now)
            stats.in_flight += 1
            stats.max_concurrency = max(stats.max_concurrency, stats.in_flight)
            return None

    def _latency(self) -> float:
        config = self.config
        with self._lock:
            if config.distribution == "uniform":
                factor = self._random.uniform(1 - config.spread, 1 + config.spread)
            elif config.distribution == "lognormal":
                factor = self._random.lognormvariate(0.0, config.spread)
            else:
                factor = 1.0
        return max(config.latency * factor, 0.0)

    async def _chat(self, request: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        wait = self._admit()
        if wait is not None:
            return (
                429,
                {"error": {"message": "rate limited by the simulator", "type": "rate_limit"}},
                {"retry-after": f"{wait:.3f}", "retry-after-ms": str(round(wait * 1000))},
            )
        try:
            messages = request.get("messages") or []
            stage, answer = answer_for(messages)
            if answer is None:
                return (
                    400,
                    {"error": {"message": "the simulator has no answer for this prompt"}},
                    {},
                )
            content = json.dumps(answer, ensure_ascii=False)
            prompt_tokens = estimate_tokens("".join(str(m.get("content", "")) for m in messages))
            completion_tokens = estimate_tokens(content)
            seconds = (
                self._latency()
                + prompt_tokens * self.config.prompt_token_seconds
                + completion_tokens * self.config.completion_token_seconds
            )
            await asyncio.sleep(seconds)
            with self._lock:
                stats = self._stats
                stats.answered += 1
                stats.prompt_tokens += prompt_tokens
                stats.completion_tokens += completion_tokens
                stats.service_seconds += seconds
                stats.by_stage[stage] = stats.by_stage.get(stage, 0) + 1
            return 200, _completion(request, content, prompt_tokens, completion_tokens), {}
        finally:
            with self._lock:
                self._stats.in_flight -= 1


def _completion(
    request: dict[str, Any], content: str, prompt_tokens: int, completion_tokens: int
) -> dict[str, Any]:
    return chat_completion_body(
        content,
        model=request.get("model", MODEL),
        completion_id="chatcmpl-simulated",
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    """One HTTP/1.1 request (method, path, lower-cased headers, body); None at end of stream."""
    line = await reader.readline()
    if not line:
        return None
    try:
        method, path, _version = line.decode("latin-1").split()
    except ValueError:
        raise _BadRequest("malformed request line") from None
    headers: dict[str, str] = {}
    while True:
        header = await reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise _BadRequest("chunked request bodies are not supported; send content-length")
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return method, path, headers, body


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}


async def _respond(
    writer: asyncio.StreamWriter,
    status: int,
    payload: dict[str, Any],
    extra: dict[str, str] | None = None,
    *,
    close: bool = False,
) -> None:
    data = json.dumps(payload).encode()
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
        "content-type: application/json",
        f"content-length: {len(data)}",
        f"connection: {'close' if close else 'keep-alive'}",
        *(f"{name}: {value}" for name, value in (extra or {}).items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)
    await writer.drain()


class SimProcess:
    """The endpoint in a process of its own, as a real server would be.

    A benchmark should not share its interpreter (and its GIL) with the server
    it measures against. Counters come from ``GET /stats``.
    """

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> SimProcess:
        """Start the server process; returns once it listens."""
        config = self.config
        command = [sys.executable, str(Path(__file__).resolve()), "--port", "0"]
        command += ["--latency", str(config.latency), "--distribution", config.distribution]
        command += ["--spread", str(config.spread), "--seed", str(config.seed)]
        command += ["--prompt-token-seconds", str(config.prompt_token_seconds)]
        command += ["--completion-token-seconds", str(config.completion_token_seconds)]
        command += ["--retry-after", str(config.retry_after)]
        if config.max_concurrency is not None:
            command += ["--max-concurrency", str(config.max_concurrency)]
        if config.rate_limit is not None:
            command += ["--rate-limit", str(config.rate_limit)]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("simulated endpoint at "):
            self.stop()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.url = line.split()[3]
        return self

    def stats(self) -> SimStats:
        """The server's counters."""
        response = httpx.get(self.url.removesuffix("/v1") + "/stats", trust_env=False)
        response.raise_for_status()
        return SimStats(**response.json())

    def stop(self) -> None:
        """Stop the server process."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=5)

    def __enter__(self) -> SimProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve the simulator until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per answer")
    parser.add_argument(
        "--distribution", choices=("fixed", "uniform", "lognormal"), default="fixed"
    )
    parser.add_argument("--spread", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prompt-token-seconds", type=float, default=0.0)
    parser.add_argument("--completion-token-seconds", type=float, default=0.0)
    parser.add_argument("--max-concurrency", type=int, help="429 above this many in flight")
    parser.add_argument("--rate-limit", type=float, help="429 above this many requests a second")
    parser.add_argument("--retry-after", type=float, default=1.0)
    args = parser.parse_args(argv)
    config = SimConfig(
        latency=args.latency,
        distribution=args.distribution,
        spread=args.spread,
        seed=args.seed,
        prompt_token_seconds=args.prompt_token_seconds,
        completion_token_seconds=args.completion_token_seconds,
        max_concurrency=args.max_concurrency,
        rate_limit=args.rate_limit,
        retry_after=args.retry_after,
    )
    endpoint = SimEndpoint(config, port=args.port)

    def ready(url: str) -> None:
        # SimProcess reads this line to learn the port.
        print(f"simulated endpoint at {url} (stats: GET /stats); Ctrl-C stops it", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(endpoint.serve_forever(ready))


if __name__ == "__main__":
    main()
