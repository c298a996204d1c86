"""Shared fixtures: the seed story, an offline pipeline, isolation from installed plugins,
cassettes (pytest-recording) and a real local LLM for integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import CASSETTES, REPO, SEEDS, WriteFiles

from veracity import Pipeline, Settings, Story
from veracity.llm import LocalServer
from veracity.testing import cassette_config, json_body_matcher

SETUP_SCRIPT = REPO / ".ci" / "setup-local-llm.sh"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: The model alias the local llama.cpp server is recorded under.
RECORDED_MODEL = "smollm2"


@pytest.fixture(autouse=True)
def _no_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Third-party plugins installed in the environment stay out of tests unless a test asks."""
    monkeypatch.setenv("VERACITY_LOAD_PLUGINS", "")


@pytest.fixture
def seeds_dir() -> Path:
    """The directory of the three seed articles."""
    return SEEDS


@pytest.fixture
def pipeline() -> Pipeline:
    """An offline pipeline with only the built-in plugins."""
    return Pipeline(Settings(), load_entry_points=False)


@pytest.fixture
def seed_story(pipeline: Pipeline) -> Story:
    """The seed story as loaded by the built-in loaders."""
    (story,) = pipeline.load([SEEDS])
    assert isinstance(story, Story)
    return story


@pytest.fixture
def write_files(tmp_path: Path) -> Iterator[WriteFiles]:
    """Write ``{relative path: text}`` under a temporary directory and return that directory."""

    def write(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return tmp_path

    yield write


# -- cassettes (pytest-recording / vcrpy) -------------------------------------


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """How cassettes are recorded and matched (see tests/cassettes/README.md)."""
    # Host and path, not the whole URI: the port of a recording server may change.
    return cassette_config(match_on=["method", "scheme", "host", "path", "json_body"])


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Register the JSON-aware body matcher with every VCR instance."""
    vcr.register_matcher("json_body", json_body_matcher)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live in tests/cassettes/<test module>/."""
    return str(CASSETTES / Path(str(request.node.fspath)).stem)


@pytest.fixture(autouse=True)
def _cassette_must_exist(request: pytest.FixtureRequest, record_mode: str) -> None:
    """Fail with the recording command when a ``vcr`` test's cassette is missing."""
    if request.node.get_closest_marker("vcr") is None or record_mode != "none":
        return
    directory = Path(request.getfixturevalue("vcr_cassette_dir"))
    cassette = directory / f"{request.getfixturevalue('default_cassette_name')}.yaml"
    if not cassette.exists():
        pytest.fail(
            f"cassette {cassette.relative_to(REPO)} is missing. Record it against a live "
            "endpoint with:\n  VERACITY_BASE_URL=http://127.0.0.1:8080/v1 "
            f"VERACITY_MODEL={RECORDED_MODEL} python -m pytest --record-mode=once "
            f"'{request.node.nodeid}'\n(serve a model there with "
            "`python -m veracity.llm.serve MODEL.gguf --port 8080 --alias smollm2`; "
            "see docs/llm-client.md)",
            pytrace=False,
        )


# -- a real local model --------------------------------------------------------


# Read once at import, before any test points XDG_CACHE_HOME at a temporary directory.
MODEL_CACHE = Path(
    os.environ.get("VERACITY_TEST_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "veracity-test"
)


def _cached_gguf() -> Path | None:
    explicit = os.environ.get("VERACITY_TEST_GGUF")
    path = Path(explicit) if explicit else MODEL_CACHE / GGUF_NAME
    return path if path.is_file() else None


def _xllamacpp_installed() -> bool:
    try:
        import xllamacpp  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """The SmolLM2-135M GGUF file, fetched by .ci/setup-local-llm.sh when missing.

    Skips (with instructions) only when it truly cannot be had, e.g. offline
    with an empty cache.
    """
    path = _cached_gguf()
    if path is None or not _xllamacpp_installed():
        how = f"run `bash {SETUP_SCRIPT.relative_to(REPO)}` or set VERACITY_TEST_GGUF"
        if os.environ.get("VERACITY_TEST_GGUF") and path is None:
            pytest.skip(f"VERACITY_TEST_GGUF does not name a file; {how}")
        result = subprocess.run(
            ["bash", str(SETUP_SCRIPT)],
            env={**os.environ, "PYTHON": sys.executable, "VERACITY_TEST_CACHE": str(MODEL_CACHE)},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        lines = result.stdout.strip().splitlines()
        if result.returncode != 0 or not lines:
            pytest.skip(
                f"the local test model could not be fetched ({result.stderr.strip()[-300:]}); {how}"
            )
        path = Path(lines[-1])
        if not path.is_file() or not _xllamacpp_installed():
            pytest.skip(f"the local test model is still missing after the setup script; {how}")
    return path


@pytest.fixture(scope="session")
def local_llm(smollm2_gguf: Path) -> Iterator[LocalServer]:
    """llama.cpp serving SmolLM2-135M on a free loopback port, for the whole session."""
    with LocalServer(smollm2_gguf, alias=RECORDED_MODEL, n_ctx=2048, n_threads=2) as server:
        yield server
