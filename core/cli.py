"""The ``veracity`` command line.

Progress, tables and errors go to stderr through one rich console; stdout
carries only a report asked for with ``--format`` and no ``--out``, so it can
be piped.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from . import __version__
from .errors import VeracityError
from .models import RunReport, Story, StoryFailure, StoryReport
from .pipeline import Pipeline
from .plugin_manager import build_plugin_manager
from .settings import DEFAULT_MAX_FILE_BYTES, Settings

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2

console = Console(stderr=True, highlight=False, soft_wrap=True)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so no reader sees half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _format_for(out: Path | None, format_name: str | None, known: Sequence[str]) -> str:
    if format_name:
        return format_name
    if out is not None:
        suffix = out.suffix.lower().lstrip(".")
        if suffix in known:
            return suffix
        if suffix == "markdown":
            return "md"
    return "json"


def _story_table(report: StoryReport) -> Table:
    contradicted: dict[str, int] = {}
    for verdict in report.contradictions():
        contradicted[verdict.source_id] = contradicted.get(verdict.source_id, 0) + 1
    table = Table(
        title=f"story {report.story.id}: {len(report.story.documents)} sources",
        title_justify="left",
    )
    table.add_column("rank", justify="right")
    table.add_column("source")
    table.add_column("score", justify="right")
    table.add_column("claims", justify="right")
    table.add_column("contradicted", justify="right")
    table.add_column("why")
    claims_per_source: dict[str, int] = {}
    for claim in report.claims:
        claims_per_source[claim.source_id] = claims_per_source.get(claim.source_id, 0) + 1
    scored = {score.source_id for score in report.scores}
    for score in report.scores:
        table.add_row(
            str(score.rank),
            score.source_id,
            f"{score.score:.2f}",
            str(claims_per_source.get(score.source_id, 0)),
            str(contradicted.get(score.source_id, 0)),
            score.reason,
        )
    for source_id in report.story.source_ids:
        if source_id not in scored:
            table.add_row(
                "-",
                source_id,
                "-",
                str(claims_per_source.get(source_id, 0)),
                str(contradicted.get(source_id, 0)),
                "not scored",
            )
    return table


def _show_story(report: StoryReport, *, quiet: bool) -> None:
    if quiet:
        return
    console.print(_story_table(report))
    for warning in report.warnings:
        console.print(f"[yellow]warning[/] {report.story.id} {warning.stage}: {warning.message}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="veracity")
def main() -> None:
    """Cross-check several articles about one story: summary, claims, contradictions, scores."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to this file.",
)
@click.option(
    "--format",
    "-f",
    "format_name",
    help="Report format: json or md (default: from --out's suffix, else json).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Use only the offline engine, even if an endpoint is configured.",
)
@click.option("--summarizer", help="Name of the summarizer plugin to use.")
@click.option("--scorer", help="Name of the scoring plugin to use.")
@click.option(
    "--disable-plugin",
    "disabled_plugins",
    multiple=True,
    help="Do not load this plugin (repeatable).",
)
@click.option(
    "--summary-sentences",
    type=click.IntRange(min=1),
    default=6,
    show_default=True,
    help="Sentences in an extractive summary.",
)
@click.option(
    "--story-concurrency",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Stories processed at once.",
)
@click.option(
    "--stage-timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds one plugin may spend on a stage of a story.",
)
@click.option(
    "--max-file-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_FILE_BYTES,
    show_default=True,
    help="Largest input file read.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print no tables, only errors.")
def run(
    paths: tuple[Path, ...],
    out: Path | None,
    format_name: str | None,
    quiet: bool,
    **options: Any,
) -> None:
    """Check the stories in PATHS: article files of one story, a story directory, a
    directory of story directories, or .jsonl files with a 'story' field."""
    try:
        settings = Settings(**{key: value for key, value in options.items() if value is not None})
        pipeline = Pipeline(settings)
    except VeracityError as error:
        raise click.UsageError(str(error)) from None
    for warning in pipeline.plugins.load_warnings:
        console.print(f"[yellow]warning[/] {warning}")
    formats = _known_formats(pipeline)
    chosen_format = _format_for(out, format_name, formats)
    if chosen_format not in formats:
        raise click.UsageError(
            f"unknown format {chosen_format!r}; choose from {', '.join(formats)}"
        )

    try:
        stories = list(pipeline.load([*paths]))
    except VeracityError as error:
        console.print(f"[red]error[/] {error}")
        sys.exit(EXIT_INPUT)
    report = RunReport(run=pipeline.run_info())
    exit_code = asyncio.run(_run_batch(pipeline, stories, report, quiet=quiet))
    rendered = pipeline.plugins.pm.hook.veracity_render_report(report=report, format=chosen_format)
    if out is not None:
        try:
            write_atomically(out, rendered)
        except OSError as error:
            console.print(
                f"[red]error[/] cannot write {out}: {error.strerror}; choose another --out"
            )
            sys.exit(EXIT_INPUT)
        if not quiet:
            console.print(f"wrote {out} ({chosen_format}, {len(report.stories)} stories)")
    elif format_name is not None:
        click.echo(rendered, nl=False)
    _print_closing(report, quiet=quiet)
    sys.exit(exit_code)


async def _run_batch(
    pipeline: Pipeline, stories: list[Story | StoryFailure], report: RunReport, *, quiet: bool
) -> int:
    async for result in pipeline.arun_stories(stories):
        if isinstance(result, StoryFailure):
            report.failures.append(result)
            console.print(f"[red]failed[/] {result.story_id}: {result.error}")
        else:
            report.stories.append(result)
            _show_story(result, quiet=quiet)
    report.stories.sort(key=lambda story: story.story.id)
    return EXIT_INPUT if report.failures or not report.stories else EXIT_OK


def _print_closing(report: RunReport, *, quiet: bool) -> None:
    if report.failures:
        console.print(
            f"[red]{len(report.failures)} stor{'y' if len(report.failures) == 1 else 'ies'} failed:[/]"
        )
        for failure in report.failures:
            console.print(f"  {failure.story_id}: {failure.error}")
    if quiet:
        return
    contradictions = sum(len(story.contradictions()) for story in report.stories)
    console.print(
        f"{len(report.stories)} stories checked ({report.run.engine} engine), "
        f"{contradictions} contradictions, {len(report.failures)} failed"
    )


def _known_formats(pipeline: Pipeline) -> list[str]:
    names = {name for found in pipeline.plugins.pm.hook.veracity_report_formats() for name in found}
    return sorted(names)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def plugins(as_json: bool) -> None:
    """List the registered plugins and the hooks each implements."""
    manager = build_plugin_manager()
    for warning in manager.load_warnings:
        console.print(f"[yellow]warning[/] {warning}")
    infos = manager.plugins()
    if as_json:
        click.echo(
            json.dumps(
                [{"name": i.name, "hooks": list(i.hooks), "origin": i.origin} for i in infos],
                indent=2,
            )
        )
        return
    table = Table("plugin", "origin", "hooks")
    for info in infos:
        table.add_row(
            info.name, info.origin, ", ".join(hook.removeprefix("veracity_") for hook in info.hooks)
        )
    Console(highlight=False).print(table)


@main.command()
def schema() -> None:
    """Print the JSON schema of the report ``veracity run --format json`` writes."""
    click.echo(json.dumps(RunReport.model_json_schema(), indent=2))
