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

import importlib as _importlib
from typing import TYPE_CHECKING
from typing import Any as _Any

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


def __getattr__(name: str) -> _Any:
    """An exported name, imported from its submodule the first time it is asked for; or a
    submodule (``veracity.llm.client``), as an eager package would have had it loaded."""
    module_name = _EXPORTS.get(name)
    if module_name is not None:
        value = getattr(_importlib.import_module(f"{__name__}.{module_name}"), name)
        globals()[name] = value  # later look-ups are plain attribute reads
        return value
    submodule = f"{__name__}.{name}"
    if not name.startswith("_"):
        try:
            return _importlib.import_module(submodule)
        except ModuleNotFoundError as error:
            if error.name != submodule:
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*(name for name in globals() if not name.startswith("_")), *__all__})


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
