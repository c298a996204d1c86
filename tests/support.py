"""Names the tests share: where the seeds are and which seed is which."""

from __future__ import annotations

import importlib.util
import subprocess
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


def pip_install_into(package: Path, site: Path) -> None:
    """Install ``package`` as pip does (metadata and entry points) into the folder ``site``.

    Offline: no dependencies and no build isolation (setuptools and wheel come with
    the dev extra). Put ``site`` on ``sys.path`` or ``PYTHONPATH`` to use it.
    """
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--target", str(site), str(package)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"pip could not install {package}:\n{result.stderr[-3000:]}"
