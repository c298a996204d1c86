"""The OpenAI wire format: the bodies the client sends and how it reads what comes back."""

from __future__ import annotations

import json

import pytest

from veracity.llm import ChatMessage
from veracity.llm.wire import (
    MalformedResponse,
    chat_body,
    error_message,
    parse_completion,
    parse_stream_line,
)


def test_a_body_holds_only_what_was_asked_in_a_fixed_order() -> None:
    body = chat_body(
        model="m",
        messages=[ChatMessage.user("hi")],
        temperature=0.0,
        seed=None,
        max_tokens=10,
    )

    assert list(body) == ["model", "messages", "temperature", "max_tokens"]
    assert body["messages"] == [{"role": "user", "content": "hi"}]


def test_a_streaming_body_asks_for_usage_in_the_stream() -> None:
    body = chat_body(model="m", messages=[], temperature=0.0, seed=1, max_tokens=5, stream=True)

    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"not json", "not JSON"),
        (b"\x80abc", "not UTF-8"),
        (b"[]", "not a JSON object"),
        (b'{"choices": []}', "no choices"),
        (b'{"choices": [{"finish_reason": "stop"}]}', "no message"),
        (b'{"choices": [{"message": {"content": 42}}]}', "not text"),
    ],
)
def test_bodies_that_are_not_completions_are_malformed(raw: bytes, problem: str) -> None:
    with pytest.raises(MalformedResponse, match=problem):
        parse_completion(raw)


def test_a_completion_without_usage_has_no_token_counts() -> None:
    raw = json.dumps({"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]})

    completion = parse_completion(raw.encode())

    assert completion.content == "hi"
    assert completion.prompt_tokens is None and completion.completion_tokens is None


@pytest.mark.parametrize("line", ["", ": keep-alive", "event: message", "data: [DONE]"])
def test_stream_lines_without_data_carry_nothing(line: str) -> None:
    assert parse_stream_line(line) is None


def test_a_stream_error_event_is_reported() -> None:
    chunk = parse_stream_line('data: {"error": {"message": "slot unavailable"}}')

    assert chunk is not None and chunk.error == "slot unavailable"


def test_a_final_usage_chunk_is_read() -> None:
    chunk = parse_stream_line(
        'data: {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3}}'
    )

    assert chunk is not None
    assert (chunk.delta, chunk.prompt_tokens, chunk.completion_tokens) == ("", 7, 3)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"error": {"message": "bad  key\\n here"}}', "bad key here"),
        (b'{"detail": "Not Found"}', "Not Found"),
        (b'{"error": "rate limited"}', "rate limited"),
        (b"<html>502 Bad Gateway</html>", "<html>502 Bad Gateway</html>"),
    ],
)
def test_error_messages_are_found_in_the_shapes_servers_use(raw: bytes, message: str) -> None:
    assert error_message(raw) == message
