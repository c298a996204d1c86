"""Run settings shared by the CLI, the Python API and every plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024


#: The default --min-confidence: on the labelled real-news stories (bench/realnews_bench.py)
#: the findings at or above it are right at least 85% of the time; see docs/offline-engine.md.
DEFAULT_MIN_CONFIDENCE = 0.62


class Settings(BaseModel):
    """How a run behaves. Every CLI option has a field of the same name here."""

    offline: bool = Field(
        default=False, description="Use only the offline engine, even if an endpoint is set."
    )
    summarizer: str | None = Field(
        default=None,
        description="Name of the summarizer plugin to use; default: first that answers.",
    )
    scorer: str | None = Field(
        default=None, description="Name of the scoring plugin to use; default: first that answers."
    )
    disabled_plugins: list[str] = Field(default_factory=list)
    plugin_options: dict[str, Any] = Field(
        default_factory=dict,
        description="Values of the options plugins declare (veracity_register_options), by "
        "dotted name such as 'units.tolerance'; a plugin falls back to its own default.",
    )
    summary_sentences: int = Field(
        default=6, ge=1, description="Sentences in an extractive summary."
    )
    story_concurrency: int | None = Field(
        default=None,
        ge=1,
        description="Stories processed at once; default: 4 offline, the LLM concurrency with an "
        "endpoint (enough stories to keep every request slot busy).",
    )
    stage_timeout: float | None = Field(
        default=None, gt=0, description="Seconds one plugin may spend on one stage of one story."
    )
    prompts_dir: Path | None = Field(
        default=None, description="Directory whose prompt files override the built-in ones."
    )
    llm_input_budget: int = Field(
        default=6000,
        ge=200,
        description="Tokens of article text one LLM call may carry; longer inputs are split.",
    )
    min_confidence: float = Field(
        default=DEFAULT_MIN_CONFIDENCE,
        ge=0.0,
        le=1.0,
        description="Contradictions below this confidence are listed apart as possible, "
        "not counted as findings nor by --fail-on.",
    )
    max_file_bytes: int = Field(
        default=DEFAULT_MAX_FILE_BYTES,
        ge=1,
        description="Largest input file (or page fetched for a URL) read, in bytes.",
    )
    fetch_timeout: float = Field(
        default=20.0, gt=0, description="Seconds to wait for a web server when fetching a URL."
    )
    page_cache: Path | None = Field(
        default=None,
        description="Directory where pages fetched for URL inputs are kept, so a re-run does "
        "not fetch them again; default: veracity's folder in the user cache directory.",
    )
    executor: Literal["inline", "processes", "ray"] | None = Field(
        default=None,
        description="Where stories run: 'inline' (this process), 'processes' (a local pool) or "
        "'ray' (a Ray cluster); default: 'processes' for an offline batch of several stories on "
        "the command line, else 'inline'.",
    )
    workers: int | None = Field(
        default=None,
        ge=1,
        description="Worker processes of the 'processes' executor (CPUs of a local Ray cluster); "
        "default: the number of cores.",
    )
    ray_address: str | None = Field(
        default=None,
        description="The Ray cluster to use: 'auto' (the one `ray start` runs here), "
        "'ray://host:10001'; default: a local cluster started for the run.",
    )
