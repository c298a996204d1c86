"""Errors the LLM client raises on purpose.

Each says in one line what went wrong and what to do about it, names the
endpoint by its redacted URL and never contains the API key. Every error
raised for a call carries the ``usage`` that call had already cost, so that a
failed call still shows up in the report.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..errors import VeracityError
from ..models import LLMUsage


class LLMError(VeracityError):
    """Base class of the errors raised by ``veracity.llm``."""

    def __init__(self, message: str, *, usage: LLMUsage | None = None) -> None:
        super().__init__(message)
        self.usage = usage if usage is not None else LLMUsage()


class EndpointUnavailable(LLMError):
    """The endpoint could not be reached or kept failing after every retry.

    Raised for connection errors, timeouts, HTTP 408/409/5xx and malformed
    response bodies once the retries are spent, or at once when the server
    said ``x-should-retry: false``.
    """

    def __init__(
        self,
        message: str,
        *,
        attempts: int,
        status: int | None = None,
        partial_text: str = "",
        usage: LLMUsage | None = None,
    ) -> None:
        super().__init__(message, usage=usage)
        self.attempts = attempts
        self.status = status
        # What a stream had delivered before it broke: kept so that a caller
        # can still show or log it rather than lose it.
        self.partial_text = partial_text


class RateLimited(EndpointUnavailable):
    """The endpoint kept answering HTTP 429 after every retry."""


class DeadlineExceeded(LLMError):
    """The run's overall LLM deadline passed before the call could finish."""


class AuthenticationFailed(LLMError):
    """The endpoint refused the credentials (HTTP 401 or 403)."""

    def __init__(self, message: str, *, status: int, usage: LLMUsage | None = None) -> None:
        super().__init__(message, usage=usage)
        self.status = status


class RequestRejected(LLMError):
    """The endpoint rejected the request itself (HTTP 400, 404, 422...); not retried."""

    def __init__(
        self, message: str, *, status: int, server_message: str, usage: LLMUsage | None = None
    ) -> None:
        super().__init__(message, usage=usage)
        self.status = status
        self.server_message = server_message


class StructuredAttempt(BaseModel):
    """One answer that failed validation in a structured call."""

    mode: str = Field(description="How JSON was asked for: json_schema, json_object... or prompt.")
    finish_reason: str | None = Field(description="Why the model stopped, as the server said.")
    problem: str = Field(description="Why the answer could not be used.")
    answer: str = Field(description="The start of the model's answer.")


class StructuredOutputError(LLMError):
    """The model gave no valid answer within the repair budget.

    ``attempts`` lists every answer that failed and why; ``usage`` counts
    every request, retry and repair the call made.
    """

    def __init__(
        self,
        message: str,
        *,
        purpose: str,
        attempts: list[StructuredAttempt],
        usage: LLMUsage | None = None,
    ) -> None:
        super().__init__(message, usage=usage)
        self.purpose = purpose
        self.attempts = attempts


class CacheError(LLMError):
    """The response cache file cannot be opened or is not a cache."""


class LocalServerError(LLMError):
    """The embedded llama.cpp server could not be started."""


# How servers say a request is longer than the model's context: llama.cpp ("exceeds the
# available context size"), OpenAI and vLLM ("maximum context length",
# "context_length_exceeded"), Ollama and others ("too many tokens", "context window").
_OVERFLOW_WORDS = (
    "context size",
    "context length",
    "context_length",
    "context window",
    "too many tokens",
    "maximum context",
    "prompt is too long",
)


def is_context_overflow(error: BaseException) -> bool:
    """True when the endpoint refused a request for being longer than the model's context:
    the input is split and asked again, not failed (see the LLM stages)."""
    if not isinstance(error, RequestRejected) or error.status not in (400, 413, 422):
        return False
    message = f"{error.server_message} {error}".lower()
    return any(word in message for word in _OVERFLOW_WORDS)
