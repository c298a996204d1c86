"""The endpoint's context window, where the server states it, and an input budget that fits.

Servers say how many tokens a request may hold in different places:

- llama.cpp's server: ``GET /props`` → ``default_generation_settings.n_ctx`` (or ``n_ctx``);
- vLLM: ``GET /v1/models`` → the model's ``max_model_len``;
- Ollama: ``POST /api/show`` → ``num_ctx`` in ``parameters``, else the model's
  ``*.context_length`` (asked only when ``GET /api/version`` shows an Ollama server).

Each is asked once per run with a short timeout; a server that states nothing (OpenAI,
most proxies) or cannot be reached leaves the configured budget as it is. No chat
request is sent here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from .settings import LLMSettings, is_plain_local_url

TIMEOUT = 3.0
# Tokens of a call that are not article text: instructions, claim lists, JSON framing.
PROMPT_OVERHEAD = 700
# The chars/4 estimate that budgets are counted in undercounts local tokenizers.
ESTIMATE_MARGIN = 0.75
SMALLEST_BUDGET = 200
_NUM_CTX = re.compile(r"\bnum_ctx\s+(\d+)")


def _root(base_url: str) -> str:
    return base_url.rstrip("/").removesuffix("/v1")


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _llama_cpp(client: httpx.Client, root: str) -> int | None:
    response = client.get(f"{root}/props")
    if response.status_code != 200:
        return None
    body = response.json()
    if not isinstance(body, dict):
        return None
    settings = body.get("default_generation_settings")
    if isinstance(settings, dict) and _positive(settings.get("n_ctx")):
        return _positive(settings.get("n_ctx"))
    return _positive(body.get("n_ctx"))


def _vllm(client: httpx.Client, base_url: str, model: str) -> int | None:
    response = client.get(f"{base_url.rstrip('/')}/models")
    if response.status_code != 200:
        return None
    body = response.json()
    models = body.get("data") if isinstance(body, dict) else None
    for entry in models if isinstance(models, list) else []:
        if isinstance(entry, dict) and entry.get("id") == model:
            return _positive(entry.get("max_model_len"))
    return None


def _ollama(client: httpx.Client, root: str, model: str) -> int | None:
    version = client.get(f"{root}/api/version")
    if version.status_code != 200 or "version" not in (version.json() or {}):
        return None
    response = client.post(f"{root}/api/show", json={"model": model})
    if response.status_code != 200:
        return None
    body = response.json()
    if not isinstance(body, dict):
        return None
    found = _NUM_CTX.search(str(body.get("parameters") or ""))
    if found:
        return int(found.group(1))
    info = body.get("model_info")
    if isinstance(info, dict):
        for key, value in sorted(info.items()):
            if key.endswith(".context_length") and _positive(value):
                return _positive(value)
    return None


def discover_context_window(settings: LLMSettings) -> int | None:
    """The context window the endpoint states, in tokens, or None when it states none."""
    headers = {}
    if settings.api_key is not None:
        headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    root = _root(settings.base_url)
    try:
        local = is_plain_local_url(settings.base_url)
        with httpx.Client(
            timeout=TIMEOUT, headers=headers, trust_env=not local, verify=not local
        ) as client:
            asks: tuple[Callable[[], int | None], ...] = (
                lambda: _llama_cpp(client, root),
                lambda: _vllm(client, settings.base_url, settings.model),
                lambda: _ollama(client, root, settings.model),
            )
            for ask in asks:
                try:
                    found = ask()
                except (ValueError, httpx.DecodingError):
                    continue  # not JSON: not this kind of server
                if found is not None:
                    return found
    except Exception:
        # Unreachable, refused, or a test double that knows no such path: the run decides
        # at its first real call whether the endpoint works; here it only loses a hint.
        return None
    return None


def fit_input_budget(configured: int, context_window: int, answer_tokens: int) -> int:
    """The largest input budget (at most ``configured``) whose calls fit the context window:
    room left after the answer and the prompt's own text, with a margin for the estimate."""
    room = context_window - answer_tokens - PROMPT_OVERHEAD
    return max(SMALLEST_BUDGET, min(configured, int(room * ESTIMATE_MARGIN)))
