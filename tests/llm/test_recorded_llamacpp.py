"""Replays of true recordings from llama.cpp's server running SmolLM2-135M-Instruct.

The cassettes in tests/cassettes/test_recorded_llamacpp/ were recorded with
``pytest --record-mode=once`` against ``python -m veracity.llm.local_server``
(see tests/cassettes/README.md). The model is tiny: its answers are poor and
often cut off, which is exactly what these tests need to show that the client
handles real server output, not what a well-behaved model would say.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from veracity.llm import (
    ChatMessage,
    LLMClient,
    LLMSettings,
    SchemaMode,
    StructuredOutputError,
)

pytestmark = [pytest.mark.anyio, pytest.mark.vcr]

COLOR = [
    ChatMessage.system("You answer in as few words as possible."),
    ChatMessage.user("Name one primary color."),
]


def replayed_in_full(cassette: Any) -> bool:
    """Every recorded exchange was used (trivially true while recording)."""
    return not cassette.write_protected or bool(cassette.all_played)


class Color(BaseModel):
    color: str = Field(max_length=20, description="One color name.")


class Report(BaseModel):
    headline: str
    summary: str
    sources: list[str]


async def test_a_plain_answer_carries_the_servers_token_counts(
    recorded_settings: LLMSettings, vcr: Any
) -> None:
    async with LLMClient(recorded_settings) as client:
        result = await client.chat(COLOR, purpose="color", max_tokens=16)

    assert result.text.strip()
    assert result.finish_reason in {"stop", "length"}
    assert result.usage.calls == 1
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    assert not result.usage.estimated_tokens
    assert replayed_in_full(vcr)


async def test_json_schema_mode_gets_a_valid_answer_from_the_grammar(
    recorded_settings: LLMSettings, vcr: Any
) -> None:
    async with LLMClient(recorded_settings) as client:
        color = await client.structured(COLOR, Color, purpose="color", max_tokens=32)

    sent = vcr.requests[0].body
    assert color.color.strip()
    assert b'"type":"json_schema"' in sent and b'"strict":true' in sent
    assert client.capabilities == {}  # json_schema was accepted: no fallback
    assert client.usage.repairs == 0
    assert replayed_in_full(vcr)


async def test_llama_cpp_python_json_object_shape_is_accepted_too(
    recorded_settings: LLMSettings, vcr: Any
) -> None:
    settings = recorded_settings.model_copy(update={"schema_mode": SchemaMode.JSON_OBJECT_SCHEMA})

    async with LLMClient(settings) as client:
        color = await client.structured(COLOR, Color, purpose="color", max_tokens=32)

    assert color.color.strip()
    assert b'"type":"json_object","schema"' in vcr.requests[0].body
    assert replayed_in_full(vcr)


async def test_an_answer_cut_off_at_max_tokens_is_marked_truncated(
    recorded_settings: LLMSettings, vcr: Any
) -> None:
    ask = [ChatMessage.user("Describe the history of the printing press.")]

    async with LLMClient(recorded_settings) as client:
        result = await client.chat(ask, purpose="history", max_tokens=5)

    assert result.truncated
    assert result.usage.completion_tokens == 5
    assert replayed_in_full(vcr)


async def test_structured_answers_that_keep_running_out_of_tokens_raise_with_attempts(
    recorded_settings: LLMSettings, vcr: Any
) -> None:
    ask = [ChatMessage.user("Write a news report about a storm in Lyon.")]
    settings = recorded_settings.model_copy(update={"max_repairs": 1})

    async with LLMClient(settings) as client:
        with pytest.raises(StructuredOutputError) as caught:
            await client.structured(ask, Report, purpose="report", max_tokens=12)

    error = caught.value
    assert [a.finish_reason for a in error.attempts] == ["length", "length"]
    assert error.attempts[0].answer.startswith("{")
    assert error.usage.calls == 2 and error.usage.repairs == 1 and error.usage.failed_calls == 1
    assert b"cut off" in vcr.requests[1].body  # the re-ask told the model what went wrong
    assert replayed_in_full(vcr)


async def test_a_streamed_answer_arrives_in_pieces_that_add_up(
    recorded_settings: LLMSettings, vcr: Any
) -> None:
    async with (
        LLMClient(recorded_settings) as client,
        client.stream_chat(COLOR, purpose="color", max_tokens=16) as stream,
    ):
        deltas = [delta async for delta in stream]

    assert len(deltas) > 1
    assert stream.result is not None
    assert "".join(deltas) == stream.result.text
    assert stream.result.usage.completion_tokens > 0
    assert replayed_in_full(vcr)


async def test_a_seeded_request_got_the_same_answer_twice(
    recorded_settings: LLMSettings, vcr: Any
) -> None:
    async with LLMClient(recorded_settings) as client:
        first = await client.chat(COLOR, purpose="color", max_tokens=24)
        second = await client.chat(COLOR, purpose="color", max_tokens=24)

    assert first.text == second.text
    assert len(vcr.requests) == 2  # both answers came from the server, not a cache
    assert replayed_in_full(vcr)
