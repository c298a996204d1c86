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

The package is lazy (PEP 562): its names are imported on first use, so that a process
that needs one light module (a Ray actor of :mod:`veracity.llm.cluster`, the throttle)
does not load the client, httpx and the local server with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports as _lazy_exports

if TYPE_CHECKING:
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

#: Exported name -> the submodule that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("ResponseCache", "cache_key"), "cache"),
    **dict.fromkeys(("ChatStream", "LLMClient", "UsageSink", "estimate_tokens"), "client"),
    **dict.fromkeys(
        (
            "AuthenticationFailed",
            "CacheError",
            "DeadlineExceeded",
            "EndpointUnavailable",
            "LLMError",
            "LocalServerError",
            "RateLimited",
            "RequestRejected",
            "StructuredAttempt",
            "StructuredOutputError",
        ),
        "errors",
    ),
    "LocalServer": "local_server",
    **dict.fromkeys(("ChatMessage", "ChatResult"), "messages"),
    **dict.fromkeys(
        ("LLMSettings", "SchemaMode", "default_cache_path", "default_config_path"), "settings"
    ),
}


__getattr__, __dir__ = _lazy_exports(
    __name__, {name: f"{__name__}.{module}" for name, module in _EXPORTS.items()}, globals()
)

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
