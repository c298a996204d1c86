"""Names the tests share: where the seeds are and which seed is which."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
# The three seed articles: a wire report, a spun rewrite of it with page furniture, a digest.
WIRE = "003_1fb7024574e81d72"
SPUN = "000_a60edc2ea3734026"
DIGEST = "004_5408f7c23ff1c215"

WriteFiles = Callable[[dict[str, str | bytes]], Path]
