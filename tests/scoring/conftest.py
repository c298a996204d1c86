"""Shared helpers for the scoring tests: the benchmark's story builder."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "scoring_bench.py"


def _load_bench() -> ModuleType:
    # bench/ is a folder of scripts, not a package: load the file as a module.
    name = "veracity_scoring_bench"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is built.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bench() -> ModuleType:
    """The benchmark module: generator, measures and ``cluster_from_statements``."""
    return _load_bench()
