"""The LLM client every veracity plugin talks through.

One :class:`LLMClient` per run: one connection pool, one concurrency limit,
one rate-limit pause, one response cache and one usage tally, shared by every
stage and story and by sync and async callers alike (see ``background.py``).

Two kinds of retry are kept apart, as openai-python and instructor do:
HTTP retries (``retry.py``) resend the same request after a transport or
server fault; repairs ("re-asks") send a structured answer that failed
validation back to the model with what was wrong. Both are bounded, and both
are counted in the usage every call reports.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import random
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel

from veracity.version import __version__

from ..models import LLMUsage
from . import wire
from .background import BackgroundLoop
from .cache import CachedResponse, ResponseCache, ResponseStore, cache_key
from .errors import (
    AuthenticationFailed,
    DeadlineExceeded,
    EndpointUnavailable,
    LLMError,
    RateLimited,
    RequestRejected,
    StructuredAttempt,
    StructuredOutputError,
)
from .messages import ChatMessage, ChatResult
from .retry import RETRYABLE_STATUSES, RetryPolicy, should_retry
from .settings import LLMSettings, SchemaMode, is_loopback_url, is_plain_local_url
from .structured import (
    AnswerInvalid,
    CapabilityMemory,
    is_format_rejection,
    is_strict_schema_complaint,
    needs_instruction,
    parse_answer,
    reask_message,
    response_format,
    response_schema,
    schema_instruction,
    with_instruction,
)
from .throttle import RequestLimiter, Throttle

logger = logging.getLogger("veracity.llm")

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")

UsageSink = Callable[[LLMUsage], None]
"""Receives the usage of each call, e.g. ``StageContext.record_usage``."""

# How much of a failed answer an error keeps: enough to see what went wrong.
_ANSWER_EXCERPT = 500
# Characters of a failed answer sent back with a re-ask.
REASK_EXCERPT = 300


def _excerpt(answer: str) -> str:
    """The start of a failed answer, marked as cut when it is longer than REASK_EXCERPT."""
    if len(answer) <= REASK_EXCERPT:
        return answer
    return f"{answer[:REASK_EXCERPT]} [... {len(answer) - REASK_EXCERPT} more characters]"


def estimate_tokens(text: str) -> int:
    """A token count for servers that report none: one token per four characters."""
    return math.ceil(len(text) / 4) if text else 0


@dataclass
class _Tally:
    """The running cost of one call; becomes its ``LLMUsage``."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    retries: int = 0
    repairs: int = 0
    failed_calls: int = 0
    estimated_tokens: bool = False

    def count_tokens(
        self, prompt: int | None, completion: int | None, sent: Sequence[ChatMessage], answer: str
    ) -> None:
        """Add the server's token counts, estimating whichever it left out."""
        if prompt is None:
            prompt = estimate_tokens("".join(m.content for m in sent))
            self.estimated_tokens = True
        if completion is None:
            completion = estimate_tokens(answer)
            self.estimated_tokens = True
        self.prompt_tokens += prompt
        self.completion_tokens += completion

    def usage(self) -> LLMUsage:
        return LLMUsage(
            calls=self.calls,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cache_hits=self.cache_hits,
            retries=self.retries,
            repairs=self.repairs,
            failed_calls=self.failed_calls,
            estimated_tokens=self.estimated_tokens,
        )


@dataclass
class _Outcome(Generic[R]):
    """What a call produced on the client's loop, handed back to the caller's thread."""

    value: R | None = None
    error: LLMError | None = None
    usage: LLMUsage = field(default_factory=LLMUsage)


class _FormatRejected(Exception):
    """The server refused the ``response_format`` we sent (internal signal)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _StreamBroken(Exception):
    """A stream failed after text had arrived: not retried, the text is kept."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LLMClient:
    """Chat and structured calls to one OpenAI-compatible endpoint.

    Use as ``async with LLMClient(settings) as client:`` (or ``with`` for the
    sync API), or call :meth:`aclose` / :meth:`close` at the end of the run.
    """

    def __init__(
        self,
        settings: LLMSettings,
        *,
        cache: ResponseStore | None = None,
        limiter: RequestLimiter | None = None,
        capabilities: CapabilityMemory | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """Create a client; nothing is sent until the first call.

        :param settings: endpoint, model, limits; see :class:`LLMSettings`.
        :param cache: a cache to use instead of the one ``settings`` names
            (e.g. one shared by several clients, or a cluster's driver's cache).
        :param limiter: the request limit and 429 back-off to obey instead of this
            client's own :class:`Throttle` of ``settings.concurrency`` (e.g. one
            shared by every worker of a cluster).
        :param capabilities: a schema-mode memory to share between clients.
        :param transport: an httpx transport, for tests that need one.
        :param jitter: source of retry jitter in [0, 1); tests pass a constant.
        """
        self.settings = settings
        self._policy = RetryPolicy(
            max_retries=settings.max_retries,
            initial_delay=settings.backoff_initial,
            max_delay=settings.backoff_max,
            retry_after_max=settings.retry_after_max,
            jitter=jitter,
        )
        self._owns_cache = cache is None
        if cache is None and settings.cache_enabled:
            cache = ResponseCache(settings.resolved_cache_path)
        self._cache: ResponseStore | None = cache
        self._limiter = limiter
        self._capabilities = capabilities if capabilities is not None else CapabilityMemory()
        self._endpoint = (settings.base_url, settings.model)
        self._url = settings.base_url + wire.CHAT_PATH
        self._transport = transport
        self._token_parameter = "max_tokens"
        # Schemas (by hash) the endpoint refused in strict mode: sent non-strict.
        self._strict_rejected: set[str] = set()
        self._loop = BackgroundLoop()
        # Created on the background loop at first use, because both bind to
        # the loop they first run on.
        self._http: httpx.AsyncClient | None = None
        self._throttle: RequestLimiter | None = None
        self._totals = LLMUsage()
        self._by_purpose: dict[str, LLMUsage] = {}
        self._totals_lock = threading.Lock()
        self._closed = False
        self._deadline_at: float | None = None
        if settings.deadline is not None:
            self._deadline_at = time.monotonic() + settings.deadline

    # -- public API ---------------------------------------------------------

    async def structured(
        self,
        messages: list[ChatMessage],
        response_model: type[T],
        *,
        purpose: str,
        usage: UsageSink | None = None,
        max_tokens: int | None = None,
        prompt_version: str = "",
    ) -> T:
        """Ask for an answer that validates as ``response_model`` and return it.

        :param messages: the conversation; the schema is added to its system
            prompt when the endpoint cannot enforce it.
        :param response_model: the pydantic model the answer must validate as.
        :param purpose: what the call is for (``"extract-claims"``); names the
            call in logs, errors and per-purpose usage.
        :param usage: receives this call's usage once it is done, failed or not.
        :param max_tokens: answer length limit; ``settings.max_tokens`` if unset.
        :param prompt_version: bump it when a prompt changes meaning without
            changing its text, to keep old cached answers out.
        :raises StructuredOutputError: no valid answer within ``max_repairs``.
        :raises LLMError: the endpoint failed (see ``veracity.llm.errors``).
        """
        outcome = await self._loop.run(
            self._call(
                purpose,
                lambda tally: self._structured(
                    tally, messages, response_model, purpose, max_tokens, prompt_version
                ),
            )
        )
        return _deliver(outcome, usage)

    def structured_sync(
        self,
        messages: list[ChatMessage],
        response_model: type[T],
        *,
        purpose: str,
        usage: UsageSink | None = None,
        max_tokens: int | None = None,
        prompt_version: str = "",
    ) -> T:
        """:meth:`structured` for synchronous code; blocks until done."""
        outcome = self._loop.run_sync(
            self._call(
                purpose,
                lambda tally: self._structured(
                    tally, messages, response_model, purpose, max_tokens, prompt_version
                ),
            )
        )
        return _deliver(outcome, usage)

    async def chat(
        self,
        messages: list[ChatMessage],
        *,
        purpose: str,
        usage: UsageSink | None = None,
        max_tokens: int | None = None,
        prompt_version: str = "",
    ) -> ChatResult:
        """Ask for a plain-text answer.

        A truncated answer is returned, not raised: check
        ``result.truncated`` before treating ``result.text`` as whole.
        Parameters as for :meth:`structured`.
        """
        outcome = await self._loop.run(
            self._call(
                purpose,
                lambda tally: self._chat(tally, messages, purpose, max_tokens, prompt_version),
            )
        )
        return _deliver(outcome, usage).model_copy(update={"usage": outcome.usage})

    def chat_sync(
        self,
        messages: list[ChatMessage],
        *,
        purpose: str,
        usage: UsageSink | None = None,
        max_tokens: int | None = None,
        prompt_version: str = "",
    ) -> ChatResult:
        """:meth:`chat` for synchronous code; blocks until done."""
        outcome = self._loop.run_sync(
            self._call(
                purpose,
                lambda tally: self._chat(tally, messages, purpose, max_tokens, prompt_version),
            )
        )
        return _deliver(outcome, usage).model_copy(update={"usage": outcome.usage})

    def stream_chat(
        self,
        messages: list[ChatMessage],
        *,
        purpose: str,
        usage: UsageSink | None = None,
        max_tokens: int | None = None,
        prompt_version: str = "",
    ) -> ChatStream:
        """Stream a plain-text answer as it is generated.

        ::

            async with client.stream_chat(messages, purpose="summary") as stream:
                async for delta in stream:
                    print(delta, end="")
            print(stream.result.finish_reason)

        Failures before the first text are retried like any request; a
        stream that breaks later raises :class:`EndpointUnavailable` whose
        ``partial_text`` keeps what had arrived. A cached answer arrives as
        a single delta.
        """
        return ChatStream(self, messages, purpose, usage, max_tokens, prompt_version)

    @property
    def usage(self) -> LLMUsage:
        """What every call of this client has cost so far."""
        with self._totals_lock:
            return self._totals

    @property
    def usage_by_purpose(self) -> dict[str, LLMUsage]:
        """The run's usage split by the ``purpose`` of each call."""
        with self._totals_lock:
            return dict(sorted(self._by_purpose.items()))

    @property
    def capabilities(self) -> dict[str, str]:
        """The schema modes learnt per endpoint during this run."""
        return self._capabilities.snapshot()

    @property
    def cache(self) -> ResponseStore | None:
        """The response cache in use, or ``None`` when caching is off."""
        return self._cache

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait, at most ``timeout`` seconds, until no call of this client runs.

        A run that stopped (the endpoint failed, Ctrl-C) cancels its calls; each records
        its requests in :attr:`usage` as it ends. Read the run's totals after this.
        """
        if not self._closed:
            self._loop.run_sync(self._idle(timeout))

    async def _idle(self, timeout: float) -> None:
        current = asyncio.current_task()
        running = [task for task in asyncio.all_tasks() if task is not current]
        if running:
            await asyncio.wait(running, timeout=timeout)

    async def aclose(self) -> None:
        """Close the connection pool, the background loop and the cache this client opened."""
        if self._closed:
            return
        self._closed = True
        await self._loop.run(self._shutdown())
        await asyncio.to_thread(self._loop.stop)
        self._close_cache()

    def close(self) -> None:
        """:meth:`aclose` for synchronous code."""
        if self._closed:
            return
        self._closed = True
        self._loop.run_sync(self._shutdown())
        self._loop.stop()
        self._close_cache()

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"LLMClient(base_url={self.settings.display_base_url!r}, model={self.settings.model!r})"
        )

    # -- one call, on the background loop -----------------------------------

    async def _call(self, purpose: str, work: Callable[[_Tally], Awaitable[R]]) -> _Outcome[R]:
        """Run one call's ``work`` under the run deadline and account for it.

        Typed errors are returned, not raised, so that the caller's thread
        can hand the usage to its sink before raising them.
        """
        self._start()
        tally = _Tally()
        outcome: _Outcome[R] = _Outcome()
        try:
            remaining = self._remaining()
            if remaining is not None and remaining <= 0:
                raise DeadlineExceeded(self._deadline_message(purpose))
            scope = asyncio.timeout(remaining)
            try:
                async with scope:
                    outcome.value = await work(tally)
            except TimeoutError:
                if not scope.expired():
                    raise
                raise DeadlineExceeded(self._deadline_message(purpose)) from None
        except LLMError as error:
            tally.failed_calls += 1
            outcome.error = error
            # The endpoint itself failing stops the run, and the caller says so once with its
            # fix; a log line per call in flight would repeat it.
            endpoint_failed = isinstance(
                error, (EndpointUnavailable, AuthenticationFailed, DeadlineExceeded)
            )
            logger.log(
                logging.DEBUG if endpoint_failed else logging.WARNING,
                "LLM call %r failed: %s",
                purpose,
                error,
            )
        finally:
            # Recorded even when the caller was cancelled: the requests were sent.
            outcome.usage = tally.usage()
            if outcome.error is not None:
                outcome.error.usage = outcome.usage
            self._record(purpose, outcome.usage)
        return outcome

    async def _chat(
        self,
        tally: _Tally,
        messages: list[ChatMessage],
        purpose: str,
        max_tokens: int | None,
        prompt_version: str,
    ) -> ChatResult:
        limit = max_tokens or self.settings.max_tokens
        key = self._key("chat", messages, None, limit, prompt_version)
        cached = await self._cache_get(key)
        if cached is not None:
            tally.cache_hits += 1
            return _chat_result(cached, cached=True)
        body = self._body(messages, limit, None)
        completion = await self._request(body, tally, _read_completion, check_format=False)
        tally.count_tokens(
            completion.prompt_tokens, completion.completion_tokens, messages, completion.content
        )
        stored = _stored(completion)
        await self._cache_put(key, stored, purpose)
        return _chat_result(stored, cached=False)

    async def _structured(
        self,
        tally: _Tally,
        messages: list[ChatMessage],
        response_model: type[T],
        purpose: str,
        max_tokens: int | None,
        prompt_version: str,
    ) -> T:
        schema = response_schema(response_model)
        limit = max_tokens or self.settings.max_tokens
        key = self._key("structured", messages, schema, limit, prompt_version)
        cached = await self._cache_get(key)
        if cached is not None:
            try:
                value = parse_answer(cached.text, response_model)
            except AnswerInvalid:
                logger.info("cached answer for %r no longer validates; asking again", purpose)
            else:
                tally.cache_hits += 1
                return value

        forced = self.settings.schema_mode if self.settings.schema_mode != SchemaMode.AUTO else None
        mode = forced or self._capabilities.mode(self._endpoint)
        schema_id = cache_key(
            kind="schema", model="", messages=(), schema=schema, params={}, prompt_version=""
        )
        strict_allowed = schema_id not in self._strict_rejected
        conversation = list(messages)
        attempts: list[StructuredAttempt] = []
        while True:
            sent = (
                with_instruction(conversation, schema_instruction(schema))
                if needs_instruction(mode)
                else conversation
            )
            fmt = response_format(mode, response_model.__name__, schema)
            if fmt is not None and not strict_allowed:
                fmt["json_schema"]["strict"] = False
            body = self._body(sent, limit, fmt)
            try:
                completion = await self._request(
                    body, tally, _read_completion, check_format=fmt is not None
                )
            except _FormatRejected as rejection:
                if (
                    mode is SchemaMode.JSON_SCHEMA
                    and fmt is not None
                    and fmt["json_schema"]["strict"]
                    and is_strict_schema_complaint(rejection.message)
                ):
                    # Only this schema breaks strict mode's rules: send it
                    # non-strict rather than blame the endpoint, and remember.
                    strict_allowed = False
                    self._strict_rejected.add(schema_id)
                    continue
                following = None if forced else self._capabilities.downgrade(self._endpoint, mode)
                if following is None:
                    raise RequestRejected(
                        f"{self.settings.display_base_url} rejected response_format "
                        f"{mode.value!r} (HTTP {rejection.status}): {rejection.message}",
                        status=rejection.status,
                        server_message=rejection.message,
                    ) from None
                logger.warning(
                    "%s rejected response_format %r (HTTP %d); using %r for the rest of the run",
                    self.settings.display_base_url,
                    mode.value,
                    rejection.status,
                    following.value,
                )
                mode = following
                continue
            tally.count_tokens(
                completion.prompt_tokens, completion.completion_tokens, sent, completion.content
            )
            problem = _problem(completion, limit)
            if problem is None:
                try:
                    value = parse_answer(completion.content, response_model)
                except AnswerInvalid as invalid:
                    problem = str(invalid)
                else:
                    await self._cache_put(key, _stored(completion), purpose)
                    return value
            attempts.append(
                StructuredAttempt(
                    mode=mode.value,
                    finish_reason=completion.finish_reason,
                    problem=self._scrub(problem),
                    answer=self._scrub(completion.content[:_ANSWER_EXCERPT]),
                )
            )
            if len(attempts) > self.settings.max_repairs:
                raise StructuredOutputError(
                    f"no valid {response_model.__name__} for {purpose!r} after "
                    f"{len(attempts)} answer(s); the last one: {attempts[-1].problem}",
                    purpose=purpose,
                    attempts=attempts,
                )
            tally.repairs += 1
            logger.info("re-asking for %r: %s", purpose, problem)
            # The original request, a short excerpt of the failed answer and what was wrong:
            # never the whole answer, nor every earlier attempt, so that the prompt of a
            # model that rambles to the token limit does not grow until it overflows.
            conversation = [
                *messages,
                ChatMessage.assistant(_excerpt(completion.content or completion.refusal or "")),
                ChatMessage.user(reask_message(problem)),
            ]

    async def _stream(
        self,
        tally: _Tally,
        messages: list[ChatMessage],
        purpose: str,
        max_tokens: int | None,
        prompt_version: str,
        emit: Callable[[str], None],
    ) -> ChatResult:
        limit = max_tokens or self.settings.max_tokens
        key = self._key("chat", messages, None, limit, prompt_version)
        cached = await self._cache_get(key)
        if cached is not None:
            tally.cache_hits += 1
            if cached.text:
                emit(cached.text)
            return _chat_result(cached, cached=True)
        parts: list[str] = []

        async def consume(response: httpx.Response) -> wire.Completion:
            finish_reason = refusal = model = None
            prompt_tokens = completion_tokens = None
            try:
                async for line in response.aiter_lines():
                    chunk = wire.parse_stream_line(line)
                    if chunk is None:
                        continue
                    if chunk.error is not None:
                        raise wire.MalformedResponse(f"the server sent an error: {chunk.error}")
                    if chunk.delta:
                        parts.append(chunk.delta)
                        emit(chunk.delta)
                    finish_reason = chunk.finish_reason or finish_reason
                    refusal = chunk.refusal or refusal
                    model = chunk.model or model
                    prompt_tokens = (
                        chunk.prompt_tokens if chunk.prompt_tokens is not None else prompt_tokens
                    )
                    completion_tokens = (
                        chunk.completion_tokens
                        if chunk.completion_tokens is not None
                        else completion_tokens
                    )
            except (httpx.TransportError, wire.MalformedResponse) as exc:
                if not parts:
                    raise  # nothing delivered yet: an ordinary, retryable failure
                raise _StreamBroken(_describe_failure(exc)) from None
            if finish_reason is None and parts:
                # A stream that ends without a finish reason was cut short.
                raise _StreamBroken("the stream ended before the answer was finished")
            return wire.Completion(
                content="".join(parts),
                finish_reason=finish_reason,
                refusal=refusal,
                model=model,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
            )

        body = self._body(messages, limit, None, stream=True)
        try:
            completion = await self._request(body, tally, consume, check_format=False)
        except _StreamBroken as broken:
            raise EndpointUnavailable(
                f"{self.settings.display_base_url}: the stream for {purpose!r} broke after "
                f"{len(''.join(parts))} characters: {broken.reason}",
                attempts=tally.calls,
                partial_text="".join(parts),
            ) from None
        tally.count_tokens(
            completion.prompt_tokens, completion.completion_tokens, messages, completion.content
        )
        stored = _stored(completion)
        await self._cache_put(key, stored, purpose)
        return _chat_result(stored, cached=False)

    # -- one request, with HTTP retries --------------------------------------

    async def _request(
        self,
        body: dict[str, Any],
        tally: _Tally,
        consume: Callable[[httpx.Response], Awaitable[R]],
        *,
        check_format: bool,
    ) -> R:
        """Send ``body`` until it succeeds or the retries run out.

        :param consume: reads a 2xx response into a result; a transport error
            or :class:`wire.MalformedResponse` it raises counts as a failed,
            retryable attempt.
        :param check_format: whether an error may be a ``response_format``
            rejection, answered by :class:`_FormatRejected` instead of an error.
        """
        http, throttle = self._started()
        timeout = httpx.Timeout(self.settings.timeout, connect=self.settings.connect_timeout)
        retry = 0
        # 429s answered so far: a rate limit is not an outage, so it has a budget of its own
        # (the throttle meanwhile slows every request of the run down).
        rate_limited = 0
        while True:
            status: int | None = None
            headers: httpx.Headers = httpx.Headers()
            message = failure = ""
            async with throttle.slot():
                tally.calls += 1
                request = http.build_request(
                    "POST", self._url, content=wire.encode(body), timeout=timeout
                )
                try:
                    response = await http.send(request, stream=True)
                    try:
                        status, headers = response.status_code, response.headers
                        if response.is_success:
                            result = await consume(response)
                            await throttle.succeeded()
                            return result
                        await response.aread()
                        message = self._scrub(wire.error_message(response.content))
                    finally:
                        await response.aclose()
                except httpx.ConnectTimeout:
                    failure = f"no connection within {self.settings.connect_timeout:g} s"
                except httpx.TimeoutException:
                    failure = f"no answer within {self.settings.timeout:g} s"
                except (httpx.TransportError, wire.MalformedResponse) as exc:
                    failure = _describe_failure(exc)
            if status is not None and not 200 <= status < 300:
                if check_format and is_format_rejection(status, message):
                    raise _FormatRejected(status, message)
                if self._adopt_token_parameter(status, message, body):
                    continue  # same request under the parameter name the model wants
                failure = f"HTTP {status}" + (f": {message}" if message else "")
                if not should_retry(status, headers):
                    if status in RETRYABLE_STATUSES or status >= 500:
                        # A server fault it told us not to retry (x-should-retry: false).
                        raise self._exhausted(failure, status, attempts=retry + 1)
                    raise self._status_error(status, message)
            patient = status == 429 and rate_limited < self.settings.rate_limit_retries
            if retry >= self._policy.max_retries and not patient:
                raise self._exhausted(failure, status, attempts=retry + rate_limited + 1)
            if patient:
                delay = self._policy.delay(rate_limited, headers)
            else:
                delay = self._policy.delay(retry, headers)
            if status == 429:
                throttle.rate_limited(delay)
            remaining = self._remaining()
            if remaining is not None and delay >= remaining:
                raise DeadlineExceeded(
                    f"{self.settings.display_base_url} failed ({failure}) and the LLM deadline "
                    f"leaves no time to retry"
                )
            logger.info(
                "%s: %s; retry %d of %d in %.2f s",
                self.settings.display_base_url,
                failure,
                (rate_limited if patient else retry) + 1,
                self.settings.rate_limit_retries if patient else self._policy.max_retries,
                delay,
            )
            await asyncio.sleep(delay)
            if patient:
                rate_limited += 1
            else:
                retry += 1
            tally.retries += 1

    def _adopt_token_parameter(self, status: int, message: str, body: dict[str, Any]) -> bool:
        """Switch to ``max_completion_tokens`` when the model refuses ``max_tokens``.

        OpenAI's reasoning models answer ``max_tokens`` with a 400 that names
        the replacement; the switch is remembered for the rest of the run.
        """
        if status != 400 or "max_completion_tokens" not in message or "max_tokens" not in body:
            return False
        self._token_parameter = "max_completion_tokens"
        body["max_completion_tokens"] = body.pop("max_tokens")
        return True

    def _status_error(self, status: int, message: str) -> LLMError:
        """The typed error for a response that is not worth retrying."""
        where = self.settings.display_base_url
        detail = f" ({message})" if message else ""
        if status == 401:
            if self.settings.api_key is None:
                why = "no API key was given: set VERACITY_API_KEY (or OPENAI_API_KEY)"
            else:
                why = "the API key is wrong or expired: check VERACITY_API_KEY (or OPENAI_API_KEY)"
            return AuthenticationFailed(
                f"{where} answered 401 Unauthorized: {why}{detail}", status=401
            )
        if status == 403:
            return AuthenticationFailed(
                f"{where} answered 403 Forbidden: the API key may not use model "
                f"{self.settings.model!r}{detail}",
                status=403,
            )
        if status == 404:
            hint = f"check --base-url (now {where}) and --model (now {self.settings.model!r})"
            return RequestRejected(
                f"{where} answered 404 Not Found: {hint}{detail}",
                status=404,
                server_message=message,
            )
        return RequestRejected(
            f"{where} rejected the request with HTTP {status}{detail}",
            status=status,
            server_message=message,
        )

    def _exhausted(self, failure: str, status: int | None, *, attempts: int) -> LLMError:
        kind = RateLimited if status == 429 else EndpointUnavailable
        return kind(
            f"{self.settings.display_base_url} is unavailable: {failure} "
            f"(gave up after {attempts} attempt(s))",
            attempts=attempts,
            status=status,
        )

    # -- helpers -------------------------------------------------------------

    def _start(self) -> None:
        """Create the pool and the throttle; runs on the background loop."""
        if self._http is not None:
            return
        limits = httpx.Limits(
            max_connections=self.settings.concurrency,
            max_keepalive_connections=self.settings.concurrency,
        )
        headers = {"User-Agent": f"veracity/{__version__}"}
        key = self.settings.api_key_value()
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        self._http = httpx.AsyncClient(
            headers=headers,
            limits=limits,
            transport=self._transport,
            # Proxies from the environment are for the outside world; a
            # loopback server must be reached directly.
            trust_env=not is_loopback_url(self.settings.base_url),
            verify=not is_plain_local_url(self.settings.base_url),
        )
        self._throttle = (
            self._limiter if self._limiter is not None else Throttle(self.settings.concurrency)
        )

    def _started(self) -> tuple[httpx.AsyncClient, RequestLimiter]:
        self._start()
        assert self._http is not None and self._throttle is not None
        return self._http, self._throttle

    async def _shutdown(self) -> None:
        """Cancel calls still running, then close the pool; runs on the background loop.

        Leaving them pending would have them destroyed with the loop and
        their callers waiting forever.
        """
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()

    def _close_cache(self) -> None:
        if self._cache is not None and self._owns_cache:
            self._cache.close()

    def _body(
        self,
        messages: Sequence[ChatMessage],
        max_tokens: int,
        fmt: dict[str, Any] | None,
        *,
        stream: bool = False,
    ) -> dict[str, Any]:
        return wire.chat_body(
            model=self.settings.model,
            messages=messages,
            temperature=self.settings.temperature,
            seed=self.settings.seed,
            max_tokens=max_tokens,
            token_parameter=self._token_parameter,
            response_format=fmt,
            stream=stream,
        )

    def _key(
        self,
        kind: str,
        messages: Sequence[ChatMessage],
        schema: dict[str, Any] | None,
        max_tokens: int,
        prompt_version: str,
    ) -> str:
        return cache_key(
            kind=kind,
            model=self.settings.model,
            messages=messages,
            schema=schema,
            params={
                "temperature": self.settings.temperature,
                "seed": self.settings.seed,
                "max_tokens": max_tokens,
            },
            prompt_version=prompt_version,
        )

    async def _cache_get(self, key: str) -> CachedResponse | None:
        return await self._cache.aget(key) if self._cache is not None else None

    async def _cache_put(self, key: str, response: CachedResponse, purpose: str) -> None:
        if self._cache is not None:
            await self._cache.aput(key, response, purpose=purpose)

    def _remaining(self) -> float | None:
        if self._deadline_at is None:
            return None
        return self._deadline_at - time.monotonic()

    def _deadline_message(self, purpose: str) -> str:
        return (
            f"the LLM deadline of {self.settings.deadline:g} s passed during {purpose!r} "
            "(raise it with --deadline)"
        )

    def _record(self, purpose: str, usage: LLMUsage) -> None:
        with self._totals_lock:
            self._totals = self._totals.add(usage)
            self._by_purpose[purpose] = self._by_purpose.get(purpose, LLMUsage()).add(usage)

    def _scrub(self, text: str) -> str:
        """``text`` with the API key blanked out, should a server echo it back."""
        key = self.settings.api_key_value()
        return text.replace(key, "***") if key else text


class ChatStream:
    """A streamed answer: iterate for text deltas, then read :attr:`result`."""

    def __init__(
        self,
        client: LLMClient,
        messages: list[ChatMessage],
        purpose: str,
        usage: UsageSink | None,
        max_tokens: int | None,
        prompt_version: str,
    ) -> None:
        self._client = client
        self._messages = messages
        self._purpose = purpose
        self._sink = usage
        self._max_tokens = max_tokens
        self._prompt_version = prompt_version
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._future: concurrent.futures.Future[_Outcome[ChatResult]] | None = None
        self._parts: list[str] = []
        self._delivered = False
        self.result: ChatResult | None = None
        """The whole answer, set once the stream is exhausted."""

    @property
    def text(self) -> str:
        """The text received so far."""
        return "".join(self._parts)

    async def __aenter__(self) -> ChatStream:
        caller = asyncio.get_running_loop()
        queue = self._queue

        def emit(delta: str) -> None:
            caller.call_soon_threadsafe(queue.put_nowait, delta)

        client = self._client
        self._future = client._loop.submit(
            client._call(
                self._purpose,
                lambda tally: client._stream(
                    tally,
                    self._messages,
                    self._purpose,
                    self._max_tokens,
                    self._prompt_version,
                    emit,
                ),
            )
        )
        # The end marker is queued after every delta, since both travel
        # through call_soon_threadsafe in order.
        self._future.add_done_callback(
            lambda _: caller.call_soon_threadsafe(queue.put_nowait, None)
        )
        return self

    def __aiter__(self) -> ChatStream:
        return self

    async def __anext__(self) -> str:
        if self._future is None:
            raise RuntimeError("use the stream inside `async with client.stream_chat(...)`")
        if self._delivered:
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is not None:
            self._parts.append(item)
            return item
        self._finish()
        raise StopAsyncIteration

    def _finish(self, *, raise_error: bool = True) -> None:
        """Deliver the finished call once: usage to the sink, then result or error."""
        if self._delivered or self._future is None:
            return
        self._delivered = True
        outcome = self._future.result()
        if not raise_error:
            if self._sink is not None:
                self._sink(outcome.usage)
            return
        result = _deliver(outcome, self._sink)
        self.result = result.model_copy(update={"usage": outcome.usage})

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._future is None or self._delivered:
            return
        if not self._future.done():
            self._future.cancel()  # the caller stopped reading: stop generating
            return
        # The answer had all arrived, but the caller left before reading its end (a
        # break, or an exception of its own): count the usage, keep no result and raise
        # nothing, as when the answer was still coming; how fast it came must not matter.
        self._finish(raise_error=False)


def _deliver(outcome: _Outcome[R], sink: UsageSink | None) -> R:
    """Hand the usage to the caller's sink, then return the value or raise the error."""
    if sink is not None:
        sink(outcome.usage)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.value is not None
    return outcome.value


async def _read_completion(response: httpx.Response) -> wire.Completion:
    return wire.parse_completion(await response.aread())


def _stored(completion: wire.Completion) -> CachedResponse:
    return CachedResponse(
        text=completion.content,
        finish_reason=completion.finish_reason,
        model=completion.model,
        refusal=completion.refusal,
    )


def _chat_result(stored: CachedResponse, *, cached: bool) -> ChatResult:
    return ChatResult(
        text=stored.text,
        finish_reason=stored.finish_reason,
        model=stored.model,
        refusal=stored.refusal,
        cached=cached,
    )


def _problem(completion: wire.Completion, max_tokens: int) -> str | None:
    """Why a structured answer cannot be used as it stands, before looking at its JSON."""
    if completion.refusal:
        return f"the model refused: {completion.refusal[:200]}"
    if completion.finish_reason == "length":
        return (
            f"the answer was cut off at the {max_tokens}-token limit before it was complete; "
            "give a shorter answer"
        )
    if completion.finish_reason == "content_filter":
        return "the server's content filter withheld the answer"
    return None


def _describe_failure(exc: Exception) -> str:
    """A transport failure in a few words."""
    if isinstance(exc, wire.MalformedResponse):
        return f"malformed response: {exc}"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})" if str(exc) else "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "the connection was dropped before the answer was complete"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
