"""The package's layers: old module paths still import, and the architecture doc matches."""

from __future__ import annotations

import importlib
import sys
import tomllib
import warnings
from pathlib import Path

import pytest

import veracity
from veracity._moved import MOVED_MODULES

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
LAYER_PACKAGES = ("text", "inputs", "comparison", "scoring", "llm", "pipeline", "cli")


def _layers_contract() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    return [
        module.strip()
        for layer in contract["layers"]
        for module in layer.replace("|", ":").split(":")
    ]


def test_an_old_module_path_imports_the_moved_module_with_a_deprecation_warning() -> None:
    sys.modules.pop("veracity.dates", None)
    with pytest.warns(DeprecationWarning, match=r"veracity\.dates moved to veracity\.text\.dates"):
        old = importlib.import_module("veracity.dates")
    assert old is importlib.import_module("veracity.text.dates")


def test_from_an_old_path_imports_the_same_names() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from veracity.plugin_options import PluginOption  # type: ignore[import-not-found]
    from veracity.pipeline.plugin_options import PluginOption as moved

    assert PluginOption is moved


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_every_old_module_path_still_imports(old: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(old)
    assert module.__name__ == MOVED_MODULES[old]


def test_every_moved_module_is_listed_in_the_changelog() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    for old, new in MOVED_MODULES.items():
        assert f"| `{old}` | `{new}` |" in changelog


def test_the_packages_that_keep_their_old_names_export_what_they_did() -> None:
    from veracity.cli import main
    from veracity.comparison import Difference, compare_sentences, differences_by_confidence
    from veracity.pipeline import Pipeline, make_story

    assert Pipeline is veracity.Pipeline
    assert callable(main) and callable(make_story)
    assert Difference and callable(compare_sentences) and callable(differences_by_confidence)


@pytest.mark.parametrize("package", LAYER_PACKAGES)
def test_each_layer_package_says_what_it_does_and_what_it_may_import(package: str) -> None:
    module = importlib.import_module(f"veracity.{package}")
    doc = module.__doc__ or ""
    assert len(doc.split()) >= 30
    assert "import" in doc


def test_the_architecture_doc_names_every_layer_of_the_import_contract() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for module in _layers_contract():
        relative = module.removeprefix("veracity").lstrip(".").replace(".", "/")
        folder = "plugins/" if relative == "plugins" else f"core/{relative}"
        assert folder in text, f"{module} ({folder}) is not in docs/architecture.md"


def test_the_architecture_doc_names_every_package_folder_in_core() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    folders = [p.name for p in (ROOT / "core").iterdir() if (p / "__init__.py").exists()]
    assert sorted(folders) == sorted(LAYER_PACKAGES)
    for folder in folders:
        assert f"`core/{folder}/`" in text


def test_the_architecture_doc_names_every_hook() -> None:
    from veracity.pipeline import hookspecs

    text = ARCHITECTURE.read_text(encoding="utf-8")
    hooks = [name for name in vars(hookspecs) if name.startswith("veracity_")]
    assert hooks
    for hook in hooks:
        assert f"`{hook}" in text, hook
