"""veracity's testing helpers as pytest fixtures (scripted_llm, cassette_llm, veracity_story,
...) and how pytest-recording records and replays the cassettes of tests/cassettes/."""

from __future__ import annotations

from typing import Any

import pytest

from veracity.testing import cassette_config

pytest_plugins = ["veracity.testing"]


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Credentials never reach a cassette; a request matches on method, URI and JSON body."""
    return cassette_config()
