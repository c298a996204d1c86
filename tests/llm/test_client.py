"""The client's API: sync and async calls, streaming, the cache, usage, closing, secrets."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
import vcr as vcrpy
from conftest import SettingsFactory
from fault_server import Drop, FaultServer, Hang, Reply, Stream
from pydantic import BaseModel, field_validator

from veracity.llm import (
    AuthenticationFailed,
    ChatMessage,
    EndpointUnavailable,
    LLMClient,
    StructuredOutputError,
)
from veracity.models import LLMUsage
from veracity.testing import REDACTED, json_body_matcher

pytestmark = pytest.mark.anyio

KEY = "sk-test-SECRET-4242424242"
ASK = [ChatMessage.user("Name the city in the story.")]


class City(BaseModel):
    city: str


def stricter_city() -> type[BaseModel]:
    """A ``City`` with the same JSON schema but stricter validation, as after a code change."""

    class City(BaseModel):
        city: str

        @field_validator("city")
        @classmethod
        def _capitalized(cls, value: str) -> str:
            if not value[:1].isupper():
                raise ValueError("must be capitalized")
            return value

    return City


# -- sync and async ---------------------------------------------------------------------


def test_the_sync_api_works_from_plain_code(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.answer('{"city": "Lyon"}'), Reply.answer("Lyon."))
    received: list[LLMUsage] = []

    with LLMClient(make_settings()) as client:
        city = client.structured_sync(ASK, City, purpose="city", usage=received.append)
        text = client.chat_sync(ASK, purpose="city-text", usage=received.append)

    assert city == City(city="Lyon")
    assert text.text == "Lyon."
    assert [u.calls for u in received] == [1, 1]


async def test_sync_and_async_callers_share_one_concurrency_limit(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.answer('{"city": "Lyon"}', delay=0.05)
    client = LLMClient(make_settings(concurrency=2))

    def sync_caller(n: int) -> None:
        client.structured_sync([ChatMessage.user(f"sync {n}")], City, purpose="sync")

    threads = [threading.Thread(target=sync_caller, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    await asyncio.gather(
        *(
            client.structured([ChatMessage.user(f"async {n}")], City, purpose="async")
            for n in range(3)
        )
    )
    for thread in threads:
        thread.join()
    await client.aclose()

    assert len(fault_server.chat_requests) == 6
    assert fault_server.peak_in_flight == 2
    assert client.usage.calls == 6


async def test_each_calls_usage_goes_to_its_sink_and_the_run_keeps_totals(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(
        Reply.error(503),
        Reply.answer('{"city": "Lyon"}'),
        Reply.answer("not json"),
        Reply.answer('{"city": "Nice"}'),
    )
    story_a: list[LLMUsage] = []
    story_b: list[LLMUsage] = []

    async with LLMClient(make_settings()) as client:
        await client.structured(ASK, City, purpose="extract", usage=story_a.append)
        await client.structured(
            [ChatMessage.user("other")], City, purpose="judge", usage=story_b.append
        )

    assert story_a == [LLMUsage(calls=2, retries=1, prompt_tokens=10, completion_tokens=5)]
    assert story_b == [LLMUsage(calls=2, repairs=1, prompt_tokens=20, completion_tokens=10)]
    assert client.usage == story_a[0].add(story_b[0])
    assert list(client.usage_by_purpose) == ["extract", "judge"]


async def test_requests_are_deterministic(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.answer('{"city": "Lyon"}')

    async with LLMClient(make_settings()) as client:
        await client.structured(ASK, City, purpose="city")
        await client.structured(ASK, City, purpose="city")

    first, second = (r.body for r in fault_server.chat_requests)
    assert first == second
    assert first["temperature"] == 0.0
    assert first["seed"] == 42
    assert set(first) == {
        "model",
        "messages",
        "temperature",
        "max_tokens",
        "seed",
        "response_format",
    }


async def test_headers_carry_the_key_only_when_there_is_one(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    async with LLMClient(make_settings()) as client:
        await client.chat(ASK, purpose="a")
    async with LLMClient(make_settings(api_key=KEY)) as client:
        await client.chat(ASK, purpose="b")

    without, with_key = (r.headers for r in fault_server.chat_requests)
    assert "authorization" not in without
    assert with_key["authorization"] == f"Bearer {KEY}"
    assert with_key["user-agent"].startswith("veracity/")


# -- the cache ----------------------------------------------------------------------------


async def test_a_repeated_call_is_answered_from_the_cache(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.answer("Lyon.")

    async with LLMClient(make_settings(cache_enabled=True)) as client:
        fresh = await client.chat(ASK, purpose="city")
        cached = await client.chat(ASK, purpose="city")

    assert len(fault_server.chat_requests) == 1
    assert (fresh.cached, cached.cached) == (False, True)
    assert cached.text == fresh.text
    assert cached.usage == LLMUsage(cache_hits=1)


async def test_length_limit_and_prompt_version_are_part_of_the_cache_key(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    async with LLMClient(make_settings(cache_enabled=True)) as client:
        await client.chat(ASK, purpose="city")
        await client.chat(ASK, purpose="city", max_tokens=10)
        await client.chat(ASK, purpose="city", prompt_version="2")
        await client.chat(ASK, purpose="city", prompt_version="2")

    assert len(fault_server.chat_requests) == 3


async def test_chat_and_structured_answers_are_cached_apart(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.answer('{"city": "Lyon"}')

    async with LLMClient(make_settings(cache_enabled=True)) as client:
        await client.chat(ASK, purpose="city")
        await client.structured(ASK, City, purpose="city")

    assert len(fault_server.chat_requests) == 2


async def test_a_cached_answer_that_no_longer_validates_is_asked_again(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.answer('{"city": "lyon"}'), Reply.answer('{"city": "Lyon"}'))
    settings = make_settings(cache_enabled=True)

    async with LLMClient(settings) as client:
        await client.structured(ASK, City, purpose="city")

    async with LLMClient(settings) as client:
        city = await client.structured(ASK, stricter_city(), purpose="city")

    assert city.city == "Lyon"
    assert len(fault_server.chat_requests) == 2


async def test_a_cache_that_breaks_mid_run_costs_no_answer(
    fault_server: FaultServer, make_settings: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    fault_server.default = Reply.answer("Lyon.")

    async with LLMClient(make_settings(cache_enabled=True)) as client:
        assert client.cache is not None
        client.cache._db.close()  # the database goes away under the running client
        result = await client.chat(ASK, purpose="city")

    assert result.text == "Lyon."
    assert "could not read the response cache" in caplog.text
    assert "could not write to the response cache" in caplog.text


async def test_failed_calls_are_not_cached(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(*[Reply.answer("not json")] * 3, Reply.answer('{"city": "Lyon"}'))
    settings = make_settings(cache_enabled=True, max_repairs=2)

    async with LLMClient(settings) as client:
        with pytest.raises(StructuredOutputError):
            await client.structured(ASK, City, purpose="city")
        assert await client.structured(ASK, City, purpose="city") == City(city="Lyon")


# -- streaming ------------------------------------------------------------------------------


async def test_a_stream_yields_deltas_in_order_then_the_whole_result(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(
        Stream(("The city ", "is ", "Lyon."), usage={"prompt_tokens": 7, "completion_tokens": 4})
    )
    received: list[LLMUsage] = []

    async with (
        LLMClient(make_settings()) as client,
        client.stream_chat(ASK, purpose="city", usage=received.append) as stream,
    ):
        deltas = [delta async for delta in stream]

    assert deltas == ["The city ", "is ", "Lyon."]
    assert stream.result is not None
    assert stream.result.text == "The city is Lyon."
    assert stream.result.finish_reason == "stop"
    assert received == [LLMUsage(calls=1, prompt_tokens=7, completion_tokens=4)]
    body = fault_server.chat_requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


async def test_a_stream_that_breaks_keeps_the_text_that_arrived(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Stream(("The city ", "is ", "Lyon."), drop_after=2))
    received: list[LLMUsage] = []
    deltas: list[str] = []

    async with LLMClient(make_settings()) as client:
        with pytest.raises(EndpointUnavailable) as caught:
            async with client.stream_chat(ASK, purpose="city", usage=received.append) as stream:
                async for delta in stream:
                    deltas.append(delta)

    assert deltas == ["The city ", "is "]
    assert caught.value.partial_text == "The city is "
    assert stream.text == "The city is "
    assert received[0].failed_calls == 1
    assert len(fault_server.chat_requests) == 1  # text had arrived: not resent


async def test_a_stream_that_fails_before_any_text_is_retried(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.error(503), Drop(), Stream(("Lyon.",)))

    async with (
        LLMClient(make_settings()) as client,
        client.stream_chat(ASK, purpose="city") as stream,
    ):
        deltas = [delta async for delta in stream]

    assert deltas == ["Lyon."]
    assert stream.result is not None and stream.result.usage.retries == 2


async def test_a_stream_without_a_finish_reason_counts_as_broken(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Stream(("The city ",), drop_after=1))

    async with LLMClient(make_settings()) as client:
        with pytest.raises(EndpointUnavailable, match="broke after 9 characters"):
            async with client.stream_chat(ASK, purpose="city") as stream:
                async for _ in stream:
                    pass


async def test_a_cached_stream_arrives_as_one_delta_without_a_request(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Stream(("The city ", "is ", "Lyon.")))

    async with LLMClient(make_settings(cache_enabled=True)) as client:
        async with client.stream_chat(ASK, purpose="city") as first:
            [_ async for _ in first]
        async with client.stream_chat(ASK, purpose="city") as second:
            deltas = [delta async for delta in second]
        plain = await client.chat(ASK, purpose="city")

    assert deltas == ["The city is Lyon."]
    assert second.result is not None and second.result.cached
    assert plain.text == "The city is Lyon." and plain.cached
    assert len(fault_server.chat_requests) == 1


async def test_leaving_a_stream_early_stops_it(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Stream(tuple(f"word{n} " for n in range(50))))

    async with (
        LLMClient(make_settings()) as client,
        client.stream_chat(ASK, purpose="city") as stream,
    ):
        async for _ in stream:
            break

    assert stream.result is None
    assert stream.text == "word0 "


# -- closing ------------------------------------------------------------------------------


async def test_closing_cancels_calls_still_waiting(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Hang(10)
    client = LLMClient(make_settings(timeout=30))
    call = asyncio.ensure_future(client.chat(ASK, purpose="city"))
    while not fault_server.chat_requests:
        await asyncio.sleep(0.01)

    await client.aclose()

    with pytest.raises(asyncio.CancelledError):
        await call
    assert client.usage.calls == 1  # the request that was sent is still accounted for


async def test_a_closed_client_refuses_new_calls(make_settings: SettingsFactory) -> None:
    client = LLMClient(make_settings())
    await client.aclose()
    await client.aclose()  # closing twice is harmless

    with pytest.raises(RuntimeError, match="closed"):
        await client.chat(ASK, purpose="city")


# -- the API key never leaks ------------------------------------------------------------


async def test_the_api_key_appears_in_no_log_error_repr_or_cache(
    fault_server: FaultServer,
    make_settings: SettingsFactory,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    fault_server.script(
        Reply.error(503, f"upstream said {KEY}"),
        Reply.answer('{"city": "Lyon"}'),
        Reply.answer(f"echo {KEY}"),
        Reply.answer(f"echo {KEY}"),
        Reply.answer(f"echo {KEY}"),
        Reply.error(401, f"Incorrect API key provided: {KEY}"),
    )
    settings = make_settings(api_key=KEY, cache_enabled=True, max_repairs=2)
    errors: list[Exception] = []

    async with LLMClient(settings) as client:
        await client.structured(ASK, City, purpose="city")
        for ask in ([ChatMessage.user("echo")], [ChatMessage.user("auth")]):
            try:
                await client.structured(ask, City, purpose="city")
            except (StructuredOutputError, AuthenticationFailed) as error:
                errors.append(error)
        shown = [repr(client), repr(settings), settings.model_dump_json()]

    assert [type(e).__name__ for e in errors] == ["StructuredOutputError", "AuthenticationFailed"]
    attempts = errors[0].attempts if isinstance(errors[0], StructuredOutputError) else []
    texts = [
        *shown,
        caplog.text,
        *(str(e) for e in errors),
        *(a.model_dump_json() for a in attempts),
    ]
    assert all(KEY not in text for text in texts)
    assert KEY.encode() not in settings.resolved_cache_path.read_bytes()
    for sidecar in tmp_path.glob("cache.sqlite3*"):
        assert KEY.encode() not in sidecar.read_bytes()


async def test_the_api_key_is_not_recorded_into_cassettes(
    fault_server: FaultServer,
    make_settings: SettingsFactory,
    vcr_config: dict[str, Any],
    tmp_path: Path,
) -> None:
    recorder = vcrpy.VCR(**{**vcr_config, "record_mode": "all"})
    recorder.register_matcher("json_body", json_body_matcher)
    cassette = tmp_path / "recorded.yaml"

    with recorder.use_cassette(str(cassette)):
        async with LLMClient(make_settings(api_key=KEY)) as client:
            await client.chat(ASK, purpose="city")

    text = cassette.read_text()
    assert KEY not in text
    assert REDACTED in text
    assert "recorded from a live endpoint" in text


async def test_leaving_a_stream_early_keeps_no_result_even_when_the_answer_had_all_arrived(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    # A loaded machine delivers the whole answer before the caller breaks off: the result
    # must not depend on that timing (it made test_leaving_a_stream_early_stops_it flaky).
    fault_server.script(Stream(tuple(f"word{n} " for n in range(50))))

    async with (
        LLMClient(make_settings()) as client,
        client.stream_chat(ASK, purpose="city") as stream,
    ):
        async for _ in stream:
            await asyncio.sleep(0.5)  # the rest of the answer arrives meanwhile
            break

    assert stream.result is None
    assert stream.text == "word0 "
