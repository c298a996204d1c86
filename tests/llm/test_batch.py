"""A batch of structured calls against a flaky endpoint, then again from the cache.

The endpoint injects, on the first request of each story, 10% HTTP 429s, 5%
HTTP 503s and 5% malformed JSON answers. Every story must still get its
answer, every fault must show up in the usage, and re-running the batch must
cost no HTTP request at all.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import pytest
from conftest import SettingsFactory
from fault_server import Drop, FaultServer, Received, Reply
from pydantic import BaseModel

from veracity.llm import ChatMessage, EndpointUnavailable, LLMClient, ResponseCache

pytestmark = pytest.mark.anyio

STORIES = 100


class Judgement(BaseModel):
    stance: str
    reason: str


def messages(story: int) -> list[ChatMessage]:
    return [
        ChatMessage.system("You judge claims."),
        ChatMessage.user(f"story {story}: does source B support the claim?"),
    ]


def story_of(request: Received) -> int:
    first_user = next(m["content"] for m in request.body["messages"] if m["role"] == "user")
    return int(first_user.split(":")[0].removeprefix("story "))


def answer(story: int) -> Reply:
    return Reply.answer(f'{{"stance": "supports", "reason": "story {story}"}}')


class FlakyEndpoint:
    """Decides each request's fate from its story number, the same way on every run."""

    def __init__(self) -> None:
        self.seen: Counter[int] = Counter()
        self.injected: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, request: Received) -> Reply:
        story = story_of(request)
        with self._lock:
            self.seen[story] += 1
            first = self.seen[story] == 1
        fault = self.fault(story) if first else None
        if fault is not None:
            with self._lock:
                self.injected[fault] += 1
        if fault == "429":
            return Reply.error(429, "slow down", retry_after_ms="20")
        if fault == "5xx":
            return Reply.error(503, "overloaded")
        if fault == "malformed":
            return Reply.answer('{"stance": "supports", "reason": "story')
        return answer(story)

    @staticmethod
    def fault(story: int) -> str | None:
        slot = story % 20
        if slot in (0, 1):
            return "429"  # 10%
        if slot == 2:
            return "5xx"  # 5%
        if slot == 3:
            return "malformed"  # 5%
        return None


async def run_batch(client: LLMClient, stories: range) -> list[Judgement | BaseException]:
    return await asyncio.gather(
        *(client.structured(messages(n), Judgement, purpose="judge") for n in stories),
        return_exceptions=True,
    )


async def test_a_flaky_batch_completes_with_every_fault_counted_and_reruns_from_cache(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    endpoint = FlakyEndpoint()
    fault_server.plan(endpoint)
    settings = make_settings(cache_enabled=True, concurrency=8, max_retries=3)

    async with LLMClient(settings) as client:
        first = await run_batch(client, range(STORIES))
    first_usage = client.usage

    assert [r.reason for r in first if isinstance(r, Judgement)] == [
        f"story {n}" for n in range(STORIES)
    ]
    assert endpoint.injected == {"429": 10, "5xx": 5, "malformed": 5}
    assert first_usage.retries == 15
    assert first_usage.repairs == 5
    assert first_usage.failed_calls == 0
    assert first_usage.calls == len(fault_server.chat_requests) == STORIES + 15 + 5
    assert first_usage.prompt_tokens == 10 * (STORIES + 5)  # counted for answered requests only

    requests_before = len(fault_server.chat_requests)
    async with LLMClient(settings) as client:
        second = await run_batch(client, range(STORIES))

    assert len(fault_server.chat_requests) == requests_before  # zero HTTP calls
    assert second == first
    assert client.usage.cache_hits == STORIES
    assert client.usage.calls == client.usage.prompt_tokens == 0


async def test_an_interrupted_batch_resumes_where_it_stopped(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    def endpoint_goes_down_halfway(request: Received) -> Reply | Drop:
        return answer(story_of(request)) if story_of(request) < 10 else Drop()

    fault_server.plan(endpoint_goes_down_halfway)
    settings = make_settings(cache_enabled=True, max_retries=0)
    async with LLMClient(settings) as client:
        first = await run_batch(client, range(20))
    assert sum(isinstance(r, EndpointUnavailable) for r in first) == 10

    fault_server.plan(lambda request: answer(story_of(request)))
    requests_before = len(fault_server.chat_requests)
    async with LLMClient(settings) as client:
        second = await run_batch(client, range(20))

    asked_again = fault_server.chat_requests[requests_before:]
    assert sorted(story_of(r) for r in asked_again) == list(range(10, 20))
    assert [r.reason for r in second if isinstance(r, Judgement)] == [
        f"story {n}" for n in range(20)
    ]
    assert client.usage.cache_hits == 10


async def test_a_cached_answer_is_identical_to_the_first_one(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = answer(7)
    settings = make_settings(cache_enabled=True)

    async with LLMClient(settings) as client:
        fresh = await client.structured(messages(7), Judgement, purpose="judge")
    async with LLMClient(settings) as client:
        cached = await client.structured(messages(7), Judgement, purpose="judge")

    assert cached.model_dump_json() == fresh.model_dump_json()
    assert len(ResponseCache(settings.resolved_cache_path)) == 1
