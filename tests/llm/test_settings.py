"""Where LLM settings come from, and that the API key never shows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from veracity.errors import ConfigurationError
from veracity.llm import LLMSettings
from veracity.llm.settings import default_cache_path, normalize_base_url, redact_url

KEY = "sk-test-SECRET-0123456789"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://localhost:8080", "http://localhost:8080/v1"),
        ("http://localhost:8080/", "http://localhost:8080/v1"),
        ("http://localhost:8080/v1", "http://localhost:8080/v1"),
        ("http://localhost:8080/v1/", "http://localhost:8080/v1"),
        ("https://api.openai.com/v1/chat/completions", "https://api.openai.com/v1"),
        ("https://proxy.example/api/openai", "https://proxy.example/api/openai"),
        ("  http://127.0.0.1:11434  ", "http://127.0.0.1:11434/v1"),
    ],
)
def test_base_url_is_normalized_with_or_without_v1(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize("bad", ["localhost:8080", "ftp://host/v1", "http://", ""])
def test_base_url_without_scheme_or_host_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        normalize_base_url(bad)


def test_flags_beat_environment_and_environment_beats_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[llm]\nbase_url = "http://file:1"\nmodel = "file-model"\nconcurrency = 3\n')
    env = {"VERACITY_BASE_URL": "http://env:2", "VERACITY_MODEL": "env-model"}

    from_env = LLMSettings.resolve(config_file=config, environ=env)
    from_flags = LLMSettings.resolve(
        base_url="http://flag:3", model="flag-model", config_file=config, environ=env
    )

    assert (from_env.base_url, from_env.model) == ("http://env:2/v1", "env-model")
    assert (from_flags.base_url, from_flags.model) == ("http://flag:3/v1", "flag-model")
    assert from_flags.concurrency == 3  # what no flag or variable set still comes from the file


def test_openai_variables_are_the_fallback() -> None:
    env = {
        "OPENAI_BASE_URL": "https://api.openai.com/v1",
        "OPENAI_API_KEY": KEY,
        "VERACITY_MODEL": "gpt-4o-mini",
    }

    settings = LLMSettings.resolve(environ=env)

    assert settings.base_url == "https://api.openai.com/v1"
    assert settings.api_key_value() == KEY


def test_veracity_variables_beat_openai_variables() -> None:
    env = {
        "OPENAI_BASE_URL": "https://api.openai.com/v1",
        "OPENAI_API_KEY": "sk-openai",
        "VERACITY_BASE_URL": "http://127.0.0.1:8080",
        "VERACITY_API_KEY": KEY,
        "VERACITY_MODEL": "local",
    }

    settings = LLMSettings.resolve(environ=env)

    assert settings.base_url == "http://127.0.0.1:8080/v1"
    assert settings.api_key_value() == KEY


def test_empty_environment_variables_count_as_unset() -> None:
    env = {"VERACITY_BASE_URL": "", "OPENAI_BASE_URL": "http://fallback:1", "VERACITY_MODEL": "m"}

    assert LLMSettings.resolve(environ=env).base_url == "http://fallback:1/v1"


def test_overrides_set_other_fields_and_none_means_not_given() -> None:
    settings = LLMSettings.resolve(
        base_url="http://h", model="m", environ={}, concurrency=2, timeout=None, max_retries=0
    )

    assert settings.concurrency == 2
    assert settings.timeout == 120.0
    assert settings.max_retries == 0


def test_missing_endpoint_names_the_flag_and_variable() -> None:
    with pytest.raises(ConfigurationError, match="--base-url or set VERACITY_BASE_URL"):
        LLMSettings.resolve(model="m", environ={})


def test_missing_model_names_the_flag_and_variable() -> None:
    with pytest.raises(ConfigurationError, match="--model or set VERACITY_MODEL"):
        LLMSettings.resolve(base_url="http://h", environ={})


def test_resolve_or_none_means_no_llm_configured() -> None:
    assert LLMSettings.resolve_or_none(environ={}) is None
    with pytest.raises(ConfigurationError):  # half a setup is still an error
        LLMSettings.resolve_or_none(base_url="http://h", environ={})


def test_invalid_values_become_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="concurrency"):
        LLMSettings.resolve(base_url="http://h", model="m", environ={}, concurrency=0)


def test_unknown_override_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="concurency"):
        LLMSettings.resolve(base_url="http://h", model="m", environ={}, concurency=4)


def test_config_file_is_read_from_the_user_config_dir_by_default(tmp_path: Path) -> None:
    # conftest points XDG_CONFIG_HOME into tmp_path.
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "veracity" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[llm]\nbase_url = "http://from-default-file"\nmodel = "m"\n')

    assert LLMSettings.resolve(environ={}).base_url == "http://from-default-file/v1"


def test_named_config_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="config file not found"):
        LLMSettings.resolve(config_file=tmp_path / "nope.toml", environ={})


def test_unknown_key_in_config_file_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[llm]\nbase_url = "http://h"\nmodell = "typo"\n')

    with pytest.raises(ConfigurationError, match=r"unknown setting.*modell"):
        LLMSettings.resolve(config_file=config, environ={})


def test_config_file_with_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[llm]\nbase_url = "http://h"\nmodel = "m"\napi_key = "{KEY}"\n')
    config.chmod(0o644)

    with pytest.raises(ConfigurationError, match="chmod 600") as caught:
        LLMSettings.resolve(config_file=config, environ={})
    assert KEY not in str(caught.value)


def test_config_file_with_a_key_readable_only_by_the_user_is_accepted(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[llm]\nbase_url = "http://h"\nmodel = "m"\napi_key = "{KEY}"\n')
    config.chmod(0o600)

    assert LLMSettings.resolve(config_file=config, environ={}).api_key_value() == KEY


def test_config_file_without_a_key_may_be_world_readable(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[llm]\nbase_url = "http://h"\nmodel = "m"\n')
    config.chmod(0o644)

    assert LLMSettings.resolve(config_file=config, environ={}).model == "m"


def test_api_key_never_appears_in_repr_str_or_serializations() -> None:
    settings = LLMSettings(base_url="http://h", model="m", api_key=KEY)

    shown = [
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        str(settings.model_dump()),
        str(settings.model_dump(mode="json")),
        str(settings.describe()),
    ]

    for text in shown:
        assert KEY not in text
    assert "api_key" not in settings.model_dump()
    assert settings.describe()["api_key"] == "set"


def test_credentials_in_the_url_are_kept_out_of_what_is_shown() -> None:
    settings = LLMSettings(base_url="https://user:hunter2@proxy.example:8443/v1", model="m")

    assert settings.display_base_url == "https://proxy.example:8443/v1"
    assert "hunter2" not in str(settings.describe())
    assert redact_url("http://[::1]:8080/v1") == "http://[::1]:8080/v1"


def test_defaults_are_deterministic_and_bounded() -> None:
    settings = LLMSettings(base_url="http://h", model="m")

    assert settings.temperature == 0.0
    assert settings.seed is not None
    assert 2 <= settings.max_retries <= 3
    assert settings.resolved_cache_path == default_cache_path()
