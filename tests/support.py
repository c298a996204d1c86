"""Names the tests share: where the seeds are and which seed is which."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
# The three seed articles: a wire report, a spun rewrite of it with page furniture, a digest.
WIRE = "003_1fb7024574e81d72"
SPUN = "000_a60edc2ea3734026"
DIGEST = "004_5408f7c23ff1c215"

CASSETTES = REPO / "tests" / "cassettes"
BENCH = REPO / "bench"

WriteFiles = Callable[[dict[str, str | bytes]], Path]


def load_bench_module(name: str) -> ModuleType:
    """A script of ``bench/`` imported as a module (once: later calls get the same one)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
