"""The OpenAI chat-completions wire format: request bodies in, completions out.

Only the parts veracity uses are modelled, and parsing is lenient where the
OpenAI-compatible servers differ (content as a list of parts, usage missing,
``refusal`` absent) and strict where it matters (no choices means no answer).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .messages import ChatMessage

CHAT_PATH = "/chat/completions"


class MalformedResponse(ValueError):
    """A 2xx response whose body is not a chat completion."""


@dataclass(frozen=True)
class Completion:
    """The parts of a chat completion the client uses."""

    content: str
    finish_reason: str | None
    refusal: str | None = None
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


def chat_body(
    *,
    model: str,
    messages: Sequence[ChatMessage],
    temperature: float,
    seed: int | None,
    max_tokens: int,
    token_parameter: str = "max_tokens",
    response_format: dict[str, Any] | None = None,
    stream: bool = False,
) -> dict[str, Any]:
    """A chat-completions request body.

    Built in a fixed key order from the arguments alone (no timestamps, no
    random ids), so the same call always sends the same bytes: cassettes
    match and the cache key is stable.
    """
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "temperature": temperature,
        token_parameter: max_tokens,
    }
    if seed is not None:
        body["seed"] = seed
    if response_format is not None:
        body["response_format"] = response_format
    if stream:
        body["stream"] = True
        # Without this OpenAI sends no usage in a stream and tokens would
        # have to be estimated.
        body["stream_options"] = {"include_usage": True}
    return body


def encode(body: dict[str, Any]) -> bytes:
    """The body as compact UTF-8 JSON."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _text_of(content: Any) -> str:
    """Message content as text: a string, or the text parts of a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    raise MalformedResponse(f"message content is a {type(content).__name__}, not text")


def _token_count(usage: Any, name: str) -> int | None:
    value = usage.get(name) if isinstance(usage, dict) else None
    return value if isinstance(value, int) and value >= 0 else None


def parse_completion(raw: bytes) -> Completion:
    """Parse a non-streaming chat completion; :class:`MalformedResponse` if it is not one."""
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise MalformedResponse(f"the body is not JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise MalformedResponse("the body is not UTF-8 text") from None
    if not isinstance(payload, dict):
        raise MalformedResponse("the body is not a JSON object")
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedResponse("the body has no choices")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        raise MalformedResponse("the first choice has no message")
    refusal = message.get("refusal")
    usage = payload.get("usage")
    model = payload.get("model")
    finish_reason = choice.get("finish_reason")
    return Completion(
        content=_text_of(message.get("content")),
        finish_reason=finish_reason if isinstance(finish_reason, str) else None,
        refusal=refusal if isinstance(refusal, str) and refusal else None,
        model=model if isinstance(model, str) else None,
        prompt_tokens=_token_count(usage, "prompt_tokens"),
        completion_tokens=_token_count(usage, "completion_tokens"),
    )


@dataclass(frozen=True)
class StreamChunk:
    """One server-sent event of a streamed completion."""

    delta: str = ""
    finish_reason: str | None = None
    refusal: str | None = None
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None


def parse_stream_line(line: str) -> StreamChunk | None:
    """Parse one line of a server-sent-events stream.

    Returns ``None`` for lines that carry nothing (blank lines, comments,
    ``event:`` lines and the final ``data: [DONE]``).
    """
    if not line.startswith("data:"):
        return None
    data = line[len("data:") :].strip()
    if not data or data == "[DONE]":
        return None
    try:
        payload = json.loads(data)
    except json.JSONDecodeError as exc:
        raise MalformedResponse(f"a stream event is not JSON ({exc.msg})") from None
    if not isinstance(payload, dict):
        raise MalformedResponse("a stream event is not a JSON object")
    if "error" in payload:
        return StreamChunk(error=error_text(payload))
    usage = payload.get("usage")
    model = payload.get("model")
    choices = payload.get("choices") or []
    delta_text = ""
    finish_reason = None
    refusal = None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        choice = choices[0]
        delta = choice.get("delta") or {}
        if isinstance(delta, dict):
            delta_text = _text_of(delta.get("content"))
            if isinstance(delta.get("refusal"), str):
                refusal = delta["refusal"]
        if isinstance(choice.get("finish_reason"), str):
            finish_reason = choice["finish_reason"]
    return StreamChunk(
        delta=delta_text,
        finish_reason=finish_reason,
        refusal=refusal,
        model=model if isinstance(model, str) else None,
        prompt_tokens=_token_count(usage, "prompt_tokens"),
        completion_tokens=_token_count(usage, "completion_tokens"),
    )


def error_text(payload: Any) -> str:
    """The human message of an error body: ``{"error": {"message": ...}}`` and its variants."""
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            for key in ("message", "detail", "msg"):
                if isinstance(error.get(key), str):
                    return str(error[key])
            if isinstance(error.get("detail"), list):  # FastAPI validation errors
                return json.dumps(error["detail"])[:500]
        if isinstance(error, str):
            return error
    return ""


def error_message(raw: bytes) -> str:
    """The message of an HTTP error body, or its first 300 characters when it is not JSON."""
    try:
        message = error_text(json.loads(raw))
    except (UnicodeDecodeError, json.JSONDecodeError):
        message = ""
    if not message:
        message = raw.decode("utf-8", errors="replace").strip()
    return " ".join(message.split())[:300]
