"""Every cassette says where it came from, and none holds a credential."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from support import CASSETTES

from veracity.testing import REDACTED

RECORDED = CASSETTES / "test_recorded_llamacpp"
HANDWRITTEN = CASSETTES / "test_handwritten_wire"
SCRIPTED = CASSETTES / "test_llm_stages"
HYBRID = CASSETTES / "test_hybrid_cassettes"
ALL = sorted(CASSETTES.glob("*/*.yaml"))


def interactions(path: Path) -> list[dict[str, object]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = document["interactions"]
    assert isinstance(found, list) and found, f"{path} has no interactions"
    return found


def labels(path: Path) -> set[str]:
    return {
        label
        for exchange in interactions(path)
        for label in exchange["response"]["headers"]["x-veracity-cassette"]  # type: ignore[index]
    }


def test_both_kinds_of_cassette_exist() -> None:
    assert sorted(RECORDED.glob("*.yaml")) and sorted(HANDWRITTEN.glob("*.yaml"))


@pytest.mark.parametrize("path", sorted(RECORDED.glob("*.yaml")), ids=lambda p: p.stem)
def test_recordings_are_labelled_as_recordings(path: Path) -> None:
    assert labels(path) == {"recorded from a live endpoint by pytest --record-mode"}
    assert "handwritten" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(HANDWRITTEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_hand_written_cassettes_are_labelled_and_point_nowhere(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# HAND-WRITTEN CASSETTE - not a recording")
    assert labels(path) == {"hand-written in OpenAI wire format; not the output of any model"}
    uris = {exchange["request"]["uri"] for exchange in interactions(path)}  # type: ignore[index]
    assert uris == {"https://handwritten.invalid/v1/chat/completions"}


@pytest.mark.parametrize(
    "path", sorted([*SCRIPTED.glob("*.yaml"), *HYBRID.glob("*.yaml")]), ids=lambda p: p.stem
)
def test_scripted_answer_cassettes_are_labelled_hand_written(path: Path) -> None:
    assert labels(path) == {"hand-written answers served by tests/llm_stages/scripted_endpoint.py"}
    assert "handwritten-answers" in path.read_text(encoding="utf-8")


def test_every_cassette_folder_is_one_the_readme_explains() -> None:
    assert {path.name for path in CASSETTES.iterdir() if path.is_dir()} == {
        RECORDED.name,
        HANDWRITTEN.name,
        SCRIPTED.name,
        HYBRID.name,
    }


def test_the_readme_lists_every_cassette_under_its_origin() -> None:
    readme = (CASSETTES / "README.md").read_text(encoding="utf-8")
    recorded_part, handwritten_part = readme.split("## Hand-written", 1)
    for path in RECORDED.glob("*.yaml"):
        assert f"`{path.stem}`" in recorded_part
    for path in [*HANDWRITTEN.glob("*.yaml"), *HYBRID.glob("*.yaml")]:
        assert f"`{path.stem}`" in handwritten_part.split("## Recording again")[0]


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_cassette_holds_a_credential(path: Path) -> None:
    for exchange in interactions(path):
        headers = {k.lower(): v for k, v in exchange["request"]["headers"].items()}  # type: ignore[index, union-attr]
        for name in ("authorization", "api-key", "x-api-key"):
            assert headers.get(name, [REDACTED]) == [REDACTED]
    assert not re.search(r"sk-[A-Za-z0-9_-]{12,}", path.read_text(encoding="utf-8"))
