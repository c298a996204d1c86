"""The LLM client: any OpenAI-compatible endpoint, with retries, repairs, a cache and usage.

A module per job:

- ``settings``: :class:`LLMSettings` and where each setting comes from.
- ``client``: :class:`LLMClient`, the one object plugins talk to.
- ``structured``: the schema-mode ladder, JSON extraction, re-ask messages.
- ``retry`` and ``throttle``: when to retry, how long to wait, the shared
  concurrency limit and the run-wide pause after a 429.
- ``cache``: the SQLite response cache.
- ``wire``: the OpenAI chat-completions wire format.
- ``background``: the private event loop sync and async callers share.
- ``local_server``: the embedded llama.cpp server behind ``--local-model``.
- ``errors``: the typed errors callers can catch.
- ``prompt_templates``: prompt files (Markdown with front matter) rendered to messages.
- ``chunking``: splitting and packing article text into a token budget.

It sits above :mod:`veracity.text` (chunking splits on sentences) and below the
pipeline; it imports nothing from :mod:`veracity.comparison`, :mod:`veracity.scoring`,
the pipeline or the command line.
"""

from __future__ import annotations

from .cache import ResponseCache, cache_key
from .client import ChatStream, LLMClient, UsageSink, estimate_tokens
from .errors import (
    AuthenticationFailed,
    CacheError,
    DeadlineExceeded,
    EndpointUnavailable,
    LLMError,
    LocalServerError,
    RateLimited,
    RequestRejected,
    StructuredAttempt,
    StructuredOutputError,
)
from .local_server import LocalServer
from .messages import ChatMessage, ChatResult
from .settings import LLMSettings, SchemaMode, default_cache_path, default_config_path

__all__ = [
    "AuthenticationFailed",
    "CacheError",
    "ChatMessage",
    "ChatResult",
    "ChatStream",
    "DeadlineExceeded",
    "EndpointUnavailable",
    "LLMClient",
    "LLMError",
    "LLMSettings",
    "LocalServer",
    "LocalServerError",
    "RateLimited",
    "RequestRejected",
    "ResponseCache",
    "SchemaMode",
    "StructuredAttempt",
    "StructuredOutputError",
    "UsageSink",
    "cache_key",
    "default_cache_path",
    "default_config_path",
    "estimate_tokens",
]
