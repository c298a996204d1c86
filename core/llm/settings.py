"""How the LLM client is configured, and where each setting comes from.

Precedence, first wins: explicit arguments (the CLI's flags), then
``VERACITY_BASE_URL`` / ``VERACITY_MODEL`` / ``VERACITY_API_KEY``, then
``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` (so an existing OpenAI setup just
works), then the ``[llm]`` table of a TOML config file, then the defaults.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from ..errors import ConfigurationError

APP_NAME = "veracity"
CONFIG_TABLE = "llm"


class SchemaMode(StrEnum):
    """How a structured call asks the server for JSON, most to least reliable."""

    AUTO = "auto"
    """Start with ``json_schema`` and fall back as the endpoint requires."""
    JSON_SCHEMA = "json_schema"
    """OpenAI's ``response_format: {"type": "json_schema", ...}`` (strict when possible)."""
    JSON_OBJECT_SCHEMA = "json_object_schema"
    """llama-cpp-python's ``{"type": "json_object", "schema": ...}``."""
    JSON_OBJECT = "json_object"
    """``{"type": "json_object"}``: any JSON, schema given in the prompt."""
    PROMPT = "prompt"
    """No ``response_format``: the prompt alone asks for JSON."""


def default_config_path() -> Path:
    """Where the optional config file is looked for: ``<user config dir>/veracity/config.toml``."""
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def default_cache_path() -> Path:
    """Where responses are cached unless ``cache_path`` says otherwise."""
    return platformdirs.user_cache_path(APP_NAME) / "llm-responses.sqlite3"


def normalize_base_url(url: str) -> str:
    """The API root of an OpenAI-compatible endpoint, ending in ``/v1`` when no path is given.

    ``http://localhost:8080``, ``http://localhost:8080/`` and
    ``http://localhost:8080/v1/`` all become ``http://localhost:8080/v1``; a
    pasted ``.../v1/chat/completions`` is cut back to ``.../v1``. A URL with
    another path (``https://host/api/openai``) is kept as given, since some
    proxies serve the API under their own prefix.
    """
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base URL must start with http:// or https:// and name a host: {text!r}")
    path = parts.path.rstrip("/")
    for suffix in ("/chat/completions", "/completions"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    if not path:
        path = "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def redact_url(url: str) -> str:
    """``url`` without user name or password, safe to print and log."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if ":" in netloc:  # an IPv6 literal lost its brackets in .hostname
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def is_plain_local_url(url: str) -> bool:
    """True for an ``http://`` URL of this machine. A client for it never speaks TLS (no
    proxy is used for this machine and redirects are not followed), so it need not load
    the certificate store, which costs a tenth of a second at start-up."""
    return urlsplit(url).scheme == "http" and is_loopback_url(url)


class LLMSettings(BaseModel):
    """Everything the LLM client needs; immutable once built.

    The API key is a ``SecretStr`` left out of ``repr`` and of every
    serialization, so printing or dumping settings can never reveal it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = Field(description="API root of the OpenAI-compatible endpoint, ending in /v1.")
    model: str = Field(min_length=1, description="Model name sent with every request.")
    api_key: SecretStr | None = Field(
        default=None, exclude=True, repr=False, description="Bearer token; never printed."
    )
    concurrency: int = Field(
        default=10, ge=1, le=512, description="Requests in flight at once, shared by every call."
    )
    timeout: float = Field(default=120.0, gt=0, description="Seconds one HTTP request may take.")
    connect_timeout: float = Field(default=10.0, gt=0, description="Seconds to open a connection.")
    deadline: float | None = Field(
        default=None, gt=0, description="Seconds all LLM work of the run may take; none by default."
    )
    max_retries: int = Field(
        default=2, ge=0, le=10, description="HTTP retries per request after the first attempt."
    )
    rate_limit_retries: int = Field(
        default=10,
        ge=0,
        le=100,
        description="Retries of a request the endpoint rate-limits (HTTP 429), on top of "
        "max_retries: a rate limit is not an outage, so it gets a longer budget.",
    )
    max_repairs: int = Field(
        default=2, ge=0, le=10, description="Times an invalid structured answer is re-asked."
    )
    backoff_initial: float = Field(
        default=0.5, ge=0, description="First retry delay in seconds; doubles on each retry."
    )
    backoff_max: float = Field(default=8.0, ge=0, description="Longest computed retry delay.")
    retry_after_max: float = Field(
        default=60.0, ge=0, description="Longest wait a Retry-After header is honoured for."
    )
    cache_enabled: bool = Field(default=True, description="Reuse cached responses.")
    cache_path: Path | None = Field(
        default=None,
        description="SQLite file of the response cache; default under the user cache dir.",
    )
    seed: int | None = Field(default=42, description="Sampling seed sent with every request.")
    temperature: float = Field(default=0.0, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int = Field(
        default=1024, ge=1, description="Answer length limit when a call names none."
    )
    schema_mode: SchemaMode = Field(
        default=SchemaMode.AUTO, description="How structured calls ask for JSON."
    )

    @field_validator("base_url")
    @classmethod
    def _normalize_base_url(cls, value: str) -> str:
        return normalize_base_url(value)

    @field_validator("model")
    @classmethod
    def _strip_model(cls, value: str) -> str:
        return value.strip()

    @property
    def display_base_url(self) -> str:
        """The base URL without credentials, for logs, errors and reports."""
        return redact_url(self.base_url)

    @property
    def resolved_cache_path(self) -> Path:
        """The cache file in use: ``cache_path`` or the default location."""
        return self.cache_path if self.cache_path is not None else default_cache_path()

    def api_key_value(self) -> str | None:
        """The API key in clear, for the Authorization header only."""
        return self.api_key.get_secret_value() if self.api_key is not None else None

    def describe(self) -> dict[str, Any]:
        """Settings safe to show a person or write into a report: no key, no credentials."""
        return {
            "base_url": self.display_base_url,
            "model": self.model,
            "api_key": "set" if self.api_key is not None else "not set",
            "concurrency": self.concurrency,
            "max_retries": self.max_retries,
            "cache": str(self.resolved_cache_path) if self.cache_enabled else "disabled",
        }

    @classmethod
    def resolve(
        cls,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        config_file: str | Path | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> LLMSettings:
        """Build settings from arguments, environment and config file.

        :param base_url: ``--base-url``; beats every other source.
        :param model: ``--model``.
        :param api_key: the key, from code (the CLI takes it only from the
            environment or the config file, never from its command line).
        :param config_file: ``--config``; by default ``$VERACITY_CONFIG`` or
            :func:`default_config_path` when that file exists.
        :param environ: the environment to read (default ``os.environ``).
        :param overrides: any other field of this model (``concurrency=4``,
            ``cache_enabled=False``...); ``None`` values mean "not given", so
            a CLI can pass every option straight through.
        :raises ConfigurationError: no endpoint or model anywhere, an unknown
            or invalid setting, or a config file that holds an API key but can
            be read by other users.
        """
        env = os.environ if environ is None else environ
        values = _load_config(config_file, env)
        chosen = {
            "base_url": _first(
                base_url,
                env.get("VERACITY_BASE_URL"),
                env.get("OPENAI_BASE_URL"),
                values.get("base_url"),
            ),
            "model": _first(model, env.get("VERACITY_MODEL"), values.get("model")),
            "api_key": _first(
                api_key,
                env.get("VERACITY_API_KEY"),
                env.get("OPENAI_API_KEY"),
                values.get("api_key"),
            ),
        }
        if chosen["base_url"] is None:
            raise ConfigurationError(
                "no LLM endpoint configured: pass --base-url or set VERACITY_BASE_URL "
                "(or OPENAI_BASE_URL)"
            )
        if chosen["model"] is None:
            raise ConfigurationError(
                "no LLM model named: pass --model or set VERACITY_MODEL "
                f"(the endpoint is {redact_url(str(chosen['base_url']))})"
            )
        merged: dict[str, Any] = {k: v for k, v in values.items() if k not in chosen}
        merged.update({k: v for k, v in overrides.items() if v is not None})
        merged.update({k: v for k, v in chosen.items() if v is not None})
        try:
            return cls.model_validate(merged)
        except ValidationError as exc:
            raise ConfigurationError(f"invalid LLM settings: {_explain(exc)}") from None

    @classmethod
    def resolve_or_none(
        cls,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        config_file: str | Path | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> LLMSettings | None:
        """Like :meth:`resolve`, but ``None`` when no endpoint is configured anywhere.

        Lets a caller fall back to the offline engine when the user set up no
        LLM, while still failing loudly on a half-done setup (an endpoint
        without a model, a bad config file).
        """
        env = os.environ if environ is None else environ
        values = _load_config(config_file, env)
        if (
            _first(
                base_url,
                env.get("VERACITY_BASE_URL"),
                env.get("OPENAI_BASE_URL"),
                values.get("base_url"),
            )
            is None
        ):
            return None
        return cls.resolve(base_url, model, api_key, config_file, environ=env, **overrides)


def _first(*candidates: Any) -> Any:
    """The first candidate that is set; an empty environment variable counts as unset."""
    for candidate in candidates:
        if candidate is None:
            continue
        if isinstance(candidate, str) and not candidate.strip():
            continue
        return candidate
    return None


def _explain(exc: ValidationError) -> str:
    """A validation error as one line, without echoing input values (one may be a key)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "settings"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


def read_config_table(
    table_name: str, config_file: str | Path | None, env: Mapping[str, str]
) -> tuple[Path, dict[str, Any]]:
    """The file the settings come from and its ``[table_name]`` table.

    The file is ``config_file`` (``--config``), else ``$VERACITY_CONFIG``, else
    :func:`default_config_path`; the table is ``{}`` when that default file does not
    exist or has no such table.

    :raises ConfigurationError: a named file that is missing, a file that is not
        TOML, or a ``[table_name]`` that is not a table.
    """
    explicit = config_file if config_file is not None else _first(env.get("VERACITY_CONFIG"))
    path = Path(explicit).expanduser() if explicit is not None else default_config_path()
    if not path.is_file():
        if explicit is not None:
            raise ConfigurationError(f"config file not found: {path}")
        return path, {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read config file {path}: {exc}") from None
    table = document.get(table_name, {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: [{table_name}] must be a table")
    return path, table


def _load_config(config_file: str | Path | None, env: Mapping[str, str]) -> dict[str, Any]:
    """The ``[llm]`` table of the config file, or ``{}`` when there is no file."""
    path, table = read_config_table(CONFIG_TABLE, config_file, env)
    unknown = sorted(set(table) - set(LLMSettings.model_fields))
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown setting(s) in [{CONFIG_TABLE}]: {', '.join(unknown)}"
        )
    if "api_key" in table:
        _require_private(path)
    return dict(table)


def _require_private(path: Path) -> None:
    """Refuse a key file that other users can read, as ssh does for private keys."""
    if sys.platform == "win32":  # POSIX modes say nothing about Windows ACLs
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"{path} holds an API key but other users can read it (mode {mode:o}): "
            f"run `chmod 600 {path}` or set VERACITY_API_KEY instead"
        )
