"""The ``veracity`` command line.

Progress, tables and errors go to stderr through one rich console; stdout
carries only a report asked for with ``--format`` and no ``--out``, so it can
be piped.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from veracity.cli.endpoint import EndpointUnusable, endpoint_options, open_run_llm
from veracity.cli.output import (
    BatchDirectory,
    finding_kinds,
    story_fingerprint,
    write_atomically,
)
from veracity.cli.progress import RunProgress
from veracity.cli.rendered import (
    BatchRenderer,
    RenderedStory,
    StoryDisplay,
    ranking,
    render_report,
    story_display,
)
from veracity.errors import ConfigurationError, InputError, VeracityError
from veracity.inputs.discovery import StoryInput, find_stories
from veracity.inputs.fetching import is_url
from veracity.models import LLMUsage, RunReport, Story, StoryFailure, StoryReport, json_schema
from veracity.pipeline.executors import (
    EXECUTORS,
    Item,
    choose_executor,
    handed_over,
    single_threaded_blas,
)
from veracity.pipeline.plugin_manager import build_plugin_manager
from veracity.pipeline.plugin_options import (
    PluginOption,
    collect_options,
    read_plugin_config,
    resolve_options,
)
from veracity.pipeline.runner import Pipeline
from veracity.settings import DEFAULT_MAX_FILE_BYTES, DEFAULT_MIN_CONFIDENCE, Settings
from veracity.version import __version__
from veracity.wording import plural

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_ENDPOINT = 3

console = Console(stderr=True, highlight=False, soft_wrap=True)


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


def _story_table(display: StoryDisplay) -> Table:
    table = Table(title=display.title, title_justify="left")
    table.add_column("rank", justify="right")
    table.add_column("source", max_width=24)
    table.add_column("score", justify="right")
    table.add_column("claims", justify="right")
    table.add_column("contradictions", justify="right")
    table.add_column("why")
    for row in display.rows:
        table.add_row(*row)
    return table


def _show_story(display: StoryDisplay, *, quiet: bool) -> None:
    if quiet:
        return
    console.print(_story_table(display))
    for line in display.warnings:
        console.print(line)


FIRST_STEPS = """\
Try it on the seed story (three articles about one event), no LLM needed:

  veracity run seeds/                          a table per story
  veracity run seeds/ --out out/ -f html       an HTML report a person reads
  veracity run https://example.com/a https://example.org/b   articles given as URLs

'veracity run --help' lists every option."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.version_option(__version__, prog_name="veracity")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Cross-check several articles about one story: summary, claims, contradictions, scores."""
    _stop_on_sigterm_while_starting(ctx)
    if ctx.invoked_subcommand is None:
        # Bare 'veracity' is a newcomer asking what to do: the commands and an example, exit 0.
        click.echo(ctx.get_help())
        click.echo("")
        click.echo(FIRST_STEPS)


def _stop_on_sigterm_while_starting(ctx: click.Context) -> None:
    """Exit 130 on SIGTERM or Ctrl-C from here on (plugins loading, inputs read, a local
    model starting) until the run installs its own handlers: nothing has finished to keep.
    (The entry point, :mod:`veracity.__main__`, does the same from the process's first line.)

    The handlers it replaces are given back when the command ends (the command may run
    inside another program, such as a test runner).
    """
    if threading.current_thread() is not threading.main_thread():
        return  # signals can only be handled in the main thread
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        previous = signal.signal(signal_number, _exit_interrupted)
        ctx.call_on_close(partial(signal.signal, signal_number, previous))


def _exit_interrupted(signum: int, frame: object) -> None:
    console.print("[yellow]interrupted[/] before any story finished")
    sys.exit(130)


FAIL_ON = ("contradiction", "altered-quote", "number", "date", "entity", "negation", "other")


def _fails(report: StoryReport, fail_on: str | None) -> bool:
    """True when the story has a finding at the ``--fail-on`` level."""
    return _kinds_fail(finding_kinds(report), fail_on)


def _kinds_fail(kinds: Sequence[str], fail_on: str | None) -> bool:
    """True when findings of these kinds (``finding_kinds``) fail ``--fail-on``."""
    if fail_on is None or not kinds:
        return False
    wanted = {"altered-quote": "quote"}.get(fail_on, fail_on)
    return fail_on == "contradiction" or wanted in kinds


STDIN_NAME = "standard input"


def _stdin_to_file(paths: tuple[str, ...], scratch: Path) -> list[Path | str]:
    """Replace a ``-`` argument by a file holding the JSONL read from standard input.

    Web addresses stay strings (a ``Path`` would fold their ``//``); the rest are paths.
    """
    resolved: list[Path | str] = []
    for path in paths:
        if path == "-":
            target = scratch / "stdin.jsonl"
            data = sys.stdin.buffer.read()
            if not data.strip():
                raise InputError(
                    f"{STDIN_NAME} (-) is empty; pipe JSON Lines into it, one document per line"
                )
            target.write_bytes(data)
            resolved.append(target)
        elif is_url(path):
            resolved.append(path)
        else:
            resolved.append(Path(path))
    return resolved


def _named_for_people(stories: Iterator[Item], scratch: Path) -> Iterator[Item]:
    """The stories, with the scratch copy of standard input named as such in their errors."""
    stdin_file = str(scratch / "stdin.jsonl")
    for item in stories:
        if isinstance(item, StoryFailure) and stdin_file in item.error:
            item = item.model_copy(update={"error": item.error.replace(stdin_file, STDIN_NAME)})
        elif isinstance(item, Story) and any(stdin_file in line for line in item.unread):
            item = item.model_copy(
                update={"unread": [line.replace(stdin_file, STDIN_NAME) for line in item.unread]}
            )
        yield item


def _is_directory_target(out: Path, formats: Sequence[str]) -> bool:
    """``--out`` names a directory when it is one, or has no report-format suffix."""
    return out.is_dir() or out.suffix.lower().lstrip(".") not in {*formats, "markdown"}


_PLUGIN_PARAMS = "veracity.plugin_params"
_PLUGIN_WARNINGS = "veracity.plugin_option_warnings"
_CLICK_TYPES: dict[str, click.ParamType[Any]] = {
    "str": click.STRING,
    "int": click.INT,
    "float": click.FLOAT,
}


class _PluginParam(click.Option):
    """A ``veracity run`` option that a plugin declared (``veracity_register_options``)."""

    def __init__(self, option: PluginOption) -> None:
        identifier = "plugin_option__" + option.name.replace(".", "__")
        help_text = f"{option.help} [plugin option {option.name}; default: {option.default}]"
        if option.type == "bool":
            no_flag = "--no-" + option.flag.removeprefix("--")
            # --x/--no-x with no default: "not given" stays None, so a config file can decide.
            super().__init__([f"{option.flag}/{no_flag}", identifier], default=None, help=help_text)
        else:
            super().__init__(
                [option.flag, identifier],
                type=_CLICK_TYPES[option.type],
                default=None,
                help=help_text,
            )
        self.plugin_option = option


def _plugin_params(ctx: click.Context, command: click.Command) -> list[_PluginParam]:
    """The options installed plugins declare, asked once per command line."""
    cached: list[_PluginParam] | None = ctx.meta.get(_PLUGIN_PARAMS)
    if cached is None:
        declared = collect_options(build_plugin_manager())
        warnings = list(declared.warnings)
        taken = {flag for param in command.params for flag in [*param.opts, *param.secondary_opts]}
        cached = []
        for option in declared.options:
            if option.flag in taken:
                warnings.append(
                    f"plugin option {option.name!r} would reuse veracity's {option.flag}; ignored"
                )
                continue
            cached.append(_PluginParam(option))
        ctx.meta[_PLUGIN_PARAMS] = cached
        ctx.meta[_PLUGIN_WARNINGS] = warnings
    return cached


class _RunCommand(click.Command):
    """``veracity run`` with the options of the installed plugins added to its own.

    Plugins are loaded when the command line is parsed (or ``--help`` shown),
    because their options must be known before the arguments can be read.
    """

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        """veracity's options, then the plugins', then ``--help``."""
        params = super().get_params(ctx)
        own = len(self.params)
        return [*params[:own], *_plugin_params(ctx, self), *params[own:]]


@main.command(cls=_RunCommand, short_help="Check stories: article files, folders, JSONL or URLs.")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    help="A file for the whole report, or a directory: one report per story as each finishes, "
    "plus run.jsonl; re-running skips finished stories.",
)
@click.option(
    "--format",
    "-f",
    "format_names",
    multiple=True,
    help="Report format: json, md or html (repeatable with a directory --out; "
    "default: from --out's suffix, else json).",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    help="Exit with 1 when any story has a finding of this kind (to gate a pipeline).",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=DEFAULT_MIN_CONFIDENCE,
    show_default=True,
    help="Contradictions less likely than this to be genuine are listed apart as "
    "possible, not counted by --fail-on.",
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
    help="Stories processed at once (default: 4 offline, --concurrency with an LLM endpoint).",
)
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    help="Where stories run: inline (this process), processes (a local pool; the default for an "
    "offline batch of several stories) or ray (a Ray cluster: pip install 'veracity[ray]').",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Worker processes with --executor processes (CPUs of a local Ray cluster); "
    "default: the number of cores.",
)
@click.option(
    "--ray-address",
    help="Ray cluster for --executor ray: auto (the one `ray start` runs here), or "
    "ray://HOST:10001 (default: a local cluster started for the run).",
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
@click.option(
    "--fetch-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=20.0,
    show_default=True,
    help="Seconds to wait for a web server when an input is a URL.",
)
@click.option(
    "--page-cache",
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory for pages fetched for URL inputs, so a re-run reads them from disk "
    "(default: veracity's folder in your cache directory).",
)
@click.option(
    "--prompts",
    "prompts_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Directory of prompt files overriding the built-in ones.",
)
@click.option(
    "--max-retries",
    type=click.IntRange(min=0, max=10),
    help="HTTP retries per LLM request (default 2).",
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds all LLM work of the run may take.",
)
@endpoint_options(
    config_help="TOML file of LLM settings ([llm]; the API key only from here or the "
    "environment) and plugin settings ([plugins.NAME])."
)
@click.option("--quiet", "-q", is_flag=True, help="Print no tables or progress, only errors.")
@click.option("--verbose", "-v", is_flag=True, help="Log every stage of every story.")
def run(
    paths: tuple[str, ...],
    out: Path | None,
    format_names: tuple[str, ...],
    fail_on: str | None,
    quiet: bool,
    verbose: bool,
    base_url: str | None,
    model: str | None,
    config_file: Path | None,
    local_model: Path | None,
    local_threads: int | None,
    concurrency: int | None,
    max_retries: int | None,
    request_timeout: float | None,
    deadline: float | None,
    cache_path: Path | None,
    no_cache: bool,
    **options: Any,
) -> None:
    """Check the stories in PATHS: article files of one story, a story directory, a
    directory of story directories, .jsonl files with a 'story' field ('-' reads
    JSONL from standard input), http(s) addresses of one story's articles, or a .txt
    file of addresses (one per line, a blank line between stories)."""
    ctx = click.get_current_context()
    plugin_params = _plugin_params(ctx, ctx.command)
    given = {param.plugin_option.name: options.pop(str(param.name)) for param in plugin_params}
    for warning in ctx.meta[_PLUGIN_WARNINGS]:
        console.print(f"[yellow]warning[/] {escape(warning)}")
    try:
        plugin_options = resolve_options(
            [param.plugin_option for param in plugin_params], given, read_plugin_config(config_file)
        )
        settings = Settings(
            plugin_options=plugin_options,
            **{key: value for key, value in options.items() if value is not None},
        )
    except (ValueError, ConfigurationError) as error:
        raise click.UsageError(str(error)) from None
    try:
        with open_run_llm(
            settings,
            offline=settings.offline,
            local_model=local_model,
            show=None if quiet else console.print,
            local_threads=local_threads,
            base_url=base_url,
            model=model,
            config_file=config_file,
            concurrency=concurrency,
            max_retries=max_retries,
            timeout=request_timeout,
            deadline=deadline,
            cache_path=cache_path,
            no_cache=no_cache,
        ) as llm:
            code = _run(
                Pipeline(settings, llm=llm),
                paths,
                out,
                format_names,
                fail_on,
                quiet=quiet,
                verbose=verbose,
            )
    except EndpointUnusable as error:
        console.print(f"[red]error[/] {escape(str(error))}")
        sys.exit(EXIT_ENDPOINT)
    sys.exit(code)


def _run(
    pipeline: Pipeline,
    paths: tuple[str, ...],
    out: Path | None,
    format_names: tuple[str, ...],
    fail_on: str | None,
    *,
    quiet: bool,
    verbose: bool,
) -> int:
    """The body of ``veracity run`` once the pipeline is set up; returns the exit code."""
    single_threaded_blas()
    for warning in pipeline.plugins.load_warnings:
        console.print(f"[yellow]warning[/] {escape(warning)}")
    known = _known_formats(pipeline)
    directory_out = out is not None and _is_directory_target(out, known)
    # Format names are case-insensitive: -f HTML is -f html.
    format_names = tuple(name.lower() for name in format_names)
    formats = list(dict.fromkeys(format_names)) or [
        "json" if directory_out or out is None else _format_for(out, None, known)
    ]
    unknown = [name for name in formats if name not in known]
    if unknown:
        raise click.UsageError(f"unknown format {unknown[0]!r}; choose from {', '.join(known)}")
    if len(formats) > 1 and not directory_out:
        raise click.UsageError("several --format values need a directory --out; name a directory")
    if not quiet and pipeline.llm is not None:
        console.print(
            f"LLM engine: {escape(pipeline.llm.settings.model)} at "
            f"{escape(pipeline.llm.settings.display_base_url)}"
        )

    with tempfile.TemporaryDirectory(prefix="veracity-") as scratch:
        try:
            found = find_stories(_stdin_to_file(paths, Path(scratch)))
        except VeracityError as error:
            console.print(f"[red]error[/] {escape(str(error))}")
            return EXIT_INPUT
        story_inputs = found.stories
        for path in [] if quiet else found.skipped:
            console.print(
                f"skipped {escape(str(path))}: a file beside story folders is not a story "
                "(put it in a story folder to check it)"
            )
        # Files of several stories (JSONL) are counted only as they are read.
        total = None if any(item.multi_story for item in story_inputs) else len(story_inputs)
        return _run_loaded(
            pipeline,
            # Story folders and files are read by the worker that runs them, not here.
            _named_for_people(handed_over(pipeline, story_inputs), Path(scratch)),
            total,
            out,
            formats,
            fail_on,
            directory_out=directory_out,
            explicit_format=bool(format_names),
            quiet=quiet,
            verbose=verbose,
        )


def _run_loaded(
    pipeline: Pipeline,
    stories: Iterator[Item],
    total: int | None,
    out: Path | None,
    formats: list[str],
    fail_on: str | None,
    *,
    directory_out: bool,
    explicit_format: bool,
    quiet: bool,
    verbose: bool,
) -> int:
    """Run the stories as they are read and write or print what they found."""
    report = RunReport(run=pipeline.run_info())
    render = partial(render_report, pipeline)
    batch = None
    if directory_out and out is not None:
        try:
            batch = BatchDirectory(out, formats, render, report.run)
        except OSError as error:
            console.print(
                f"[red]error[/] cannot write to {escape(str(out))}: {error.strerror}; "
                "choose another --out"
            )
            return EXIT_INPUT
        for warning in batch.warnings:
            console.print(f"[yellow]warning[/] {escape(warning)}")
    # A batch written to a directory keeps one line per story in memory, not its report.
    tally = _Tally(fail_on=fail_on, keep_reports=batch is None)
    interrupted = False
    # SIGTERM (a container stopping, a job timeout) stops the run as Ctrl-C does: finished
    # stories are kept.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    # Ctrl-C as Python has it (KeyboardInterrupt, which asyncio turns into a cancellation),
    # not the start-up's immediate exit.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        asyncio.run(
            _run_batch(pipeline, stories, total, report, tally, batch, quiet=quiet, verbose=verbose)
        )
    except KeyboardInterrupt:
        interrupted = True
        console.print("[yellow]interrupted[/]: keeping the stories that finished")
    except OSError as error:
        console.print(
            f"[red]error[/] cannot write the report: {error.strerror}; finished stories are "
            f"kept in {escape(str(out))}"
        )
        return EXIT_INPUT
    except ConfigurationError as error:  # the executor could not start (Ray missing, a plugin)
        kept = f"; finished stories are kept in {escape(str(out))}" if batch is not None else ""
        console.print(f"[red]error[/] {escape(str(error))}{kept}")
        return EXIT_INPUT
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    if out is not None and batch is None:
        try:
            write_atomically(out, render(report, formats[0]))
        except OSError as error:
            console.print(
                f"[red]error[/] cannot write {escape(str(out))}: {error.strerror}; "
                "choose another --out"
            )
            return EXIT_INPUT
        if not quiet:
            console.print(
                f"wrote {escape(str(out))} ({formats[0]}, {plural(len(report.stories), 'story', 'stories')})"
            )
    elif batch is not None:
        # The reports are in the directory: nothing goes to stdout, even with -q.
        if not quiet:
            console.print(
                f"wrote {plural(len(tally.rows), 'story', 'stories')} to {escape(str(out))} "
                f"({', '.join(formats)}) and {batch.index_path.name}"
            )
    elif explicit_format:
        click.echo(render(report, formats[0]), nl=False)
    # The client's tally: every request sent, those of failed and cancelled stories too
    # (once the cancelled calls have ended and counted theirs).
    if pipeline.llm is not None and callable(getattr(pipeline.llm, "wait_idle", None)):
        pipeline.llm.wait_idle()
    client_usage = getattr(pipeline.llm, "usage", None)
    _print_closing(
        report,
        tally,
        quiet=quiet,
        run_usage=client_usage if isinstance(client_usage, LLMUsage) else None,
    )
    if interrupted:
        return 130
    if any(failure.kind == "endpoint" for failure in report.failures):
        return EXIT_ENDPOINT
    if report.failures or tally.unread or not (tally.rows or batch):
        return EXIT_INPUT
    if tally.skipped_fails or any(row.fails for row in tally.rows):
        return EXIT_FINDINGS
    return EXIT_OK


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@dataclass(frozen=True)
class _StoryRow:
    """What the closing table and exit code need of one finished story."""

    story_id: str
    sources: int
    contradictions: int
    ranking: str
    usage: LLMUsage
    fails: bool
    llm_failed: bool = False


@dataclass
class _Tally:
    """The finished stories of a run: a row each, and their reports when they are kept."""

    fail_on: str | None
    keep_reports: bool
    rows: list[_StoryRow] = field(default_factory=list)
    # What is shown of the last story, for a run that ends with one.
    last: StoryDisplay | None = None
    # Inputs left out of their story (URLs that could not be fetched): the run is not a success.
    unread: int = 0
    # A story an earlier run finished, skipped now, whose recorded findings fail --fail-on.
    skipped_fails: bool = False

    def add(self, result: StoryReport, report: RunReport) -> None:
        self.rows.append(
            _StoryRow(
                story_id=result.story.id,
                sources=len(result.story.documents),
                contradictions=len(result.findings()),
                ranking=ranking(result),
                usage=result.usage,
                fails=_fails(result, self.fail_on),
                llm_failed=bool(result.llm_failures),
            )
        )
        self.last = story_display(result)
        if self.keep_reports:
            report.stories.append(result)

    def add_rendered(self, result: RenderedStory) -> None:
        """A story whose files a worker rendered (its report stayed there)."""
        self.rows.append(
            _StoryRow(
                story_id=result.story_id,
                sources=result.sources,
                contradictions=result.contradictions,
                ranking=result.ranking,
                usage=result.usage,
                fails=_kinds_fail(result.findings, self.fail_on),
                llm_failed=result.llm_failed,
            )
        )
        self.last = result.display


async def _run_batch(
    pipeline: Pipeline,
    stories: Iterator[Item],
    total: int | None,
    report: RunReport,
    tally: _Tally,
    batch: BatchDirectory | None,
    *,
    quiet: bool,
    verbose: bool,
) -> None:
    with RunProgress(console, total, quiet=quiet, verbose=verbose) as progress:
        pipeline.on_stage = progress.stage
        # Stories handed to the pipeline and not yet finished.
        unfinished: set[str] = set()
        # Stories handed over unread: their inputs left out are told when they finish.
        unread_later: set[str] = set()

        def to_run() -> Iterator[Item]:
            seen: set[str] = set()
            for item in stories:
                read: list[Story | StoryFailure]
                if isinstance(item, StoryInput):
                    item = _unique_input(item, seen)
                    entry = batch.finished_entry(item.story_id) if batch is not None else None
                    if entry is None or entry.status != "done":
                        unread_later.add(item.story_id)
                        unfinished.add(item.story_id)
                        yield item
                        continue
                    # An earlier run finished this story: read it here, to tell by its
                    # fingerprint whether it is the same story (and may be skipped).
                    read = list(pipeline.load_inputs([item]))
                else:
                    read = [_unique_story(item, seen) if isinstance(item, Story) else item]
                for story in read:
                    if isinstance(story, Story) and story.unread:
                        # One line per input that failed, as soon as it fails; the story goes on.
                        _tell_unread(story.unread, tally)
                    if isinstance(story, Story) and batch is not None:
                        fingerprint = story_fingerprint(story, pipeline.settings, report.run)
                        if batch.is_done(story, fingerprint):
                            progress.skipped(story.id)
                            _count_skipped(tally, batch, story.id)
                            continue
                    unfinished.add(story.story_id if isinstance(story, StoryFailure) else story.id)
                    yield story

        pending = to_run()
        executor = choose_executor(pipeline, total, cli=True)
        # With a directory, the worker that runs a story renders its files: the driver
        # writes them, and never holds the report.
        finish = BatchRenderer(report.run, tuple(batch.formats)) if batch is not None else None
        async with aclosing(executor.arun_stories(pipeline, pending, finish)) as results:
            async for result in results:
                story_id = _story_id(result)
                if story_id in unread_later:
                    _tell_unread(_unread_of(result), tally)
                if await _record(result, report, tally, batch, progress, quiet=quiet or total != 1):
                    break
                unfinished.discard(story_id)
        if any(failure.kind == "endpoint" for failure in report.failures):
            # The endpoint failed: the stories not yet done are reported, not run against it.
            for _ in pending:
                pass
            failed = {failure.story_id for failure in report.failures}
            for story_id in sorted(unfinished - failed):
                report.failures.append(
                    StoryFailure(story_id=story_id, error=NOT_RUN, kind="endpoint")
                )
    report.stories.sort(key=lambda story: story.story.id)
    tally.rows.sort(key=lambda row: row.story_id)
    if len(tally.rows) > 1 and not quiet:
        console.print(_batch_table(tally))
    elif len(tally.rows) == 1 and progress.live and tally.last is not None:
        _show_story(tally.last, quiet=quiet)


def _story_id(result: StoryReport | StoryFailure | RenderedStory) -> str:
    return result.story.id if isinstance(result, StoryReport) else result.story_id


def _unread_of(result: StoryReport | StoryFailure | RenderedStory) -> list[str]:
    if isinstance(result, StoryReport):
        return result.story.unread
    return result.unread if isinstance(result, RenderedStory) else []


def _tell_unread(messages: list[str], tally: _Tally) -> None:
    """One error line per input left out of its story."""
    for message in messages:
        console.print(f"[red]error[/] {escape(message)}")
    tally.unread += len(messages)


def _unique_id(story_id: str, seen: set[str]) -> str:
    """``story_id``, or ``ID~2``, ``ID~3``... when an earlier story of the run has it."""
    unique, number = story_id, 1
    while unique in seen:
        number += 1
        unique = f"{story_id}~{number}"
    seen.add(unique)
    return unique


def _unique_story(story: Story, seen: set[str]) -> Story:
    """The story, renamed ``ID~2``, ``ID~3``... when an earlier story of the run has its id
    (two JSONL files, or two batches, with a story of the same name): every story gets
    its own line in run.jsonl and its own report."""
    story_id = _unique_id(story.id, seen)
    return story if story_id == story.id else story.model_copy(update={"id": story_id})


def _unique_input(story_input: StoryInput, seen: set[str]) -> StoryInput:
    """The input of a story, renamed as :func:`_unique_story` renames a story."""
    story_id = _unique_id(story_input.story_id, seen)
    if story_id == story_input.story_id:
        return story_input
    return story_input.model_copy(update={"story_id": story_id})


def _count_skipped(tally: _Tally, batch: BatchDirectory, story_id: str) -> None:
    """A skipped story still counts toward ``--fail-on``, from the findings it recorded."""
    entry = batch.finished_entry(story_id)
    if entry is not None and _kinds_fail(entry.findings or [], tally.fail_on):
        tally.skipped_fails = True


async def _record(
    result: StoryReport | StoryFailure | RenderedStory,
    report: RunReport,
    tally: _Tally,
    batch: BatchDirectory | None,
    progress: RunProgress,
    *,
    quiet: bool,
) -> bool:
    """Keep one finished story; True when the run should stop (the endpoint failed)."""
    if isinstance(result, StoryFailure):
        report.failures.append(result)
        if batch is not None:
            batch.write_failure(result)
        progress.finished(result)
        return result.kind == "endpoint"
    if (batch is None) == isinstance(result, RenderedStory):  # pragma: no cover - a bug
        raise VeracityError(
            f"story {_story_id(result)}: its files are rendered for a directory, and only then"
        )
    if isinstance(result, RenderedStory):
        assert batch is not None
        try:
            # In a thread: two fsyncs a story would stop the event loop, and with it every
            # other story's LLM calls. One story is written at a time, in the order they
            # finish, its reports before its line in run.jsonl.
            await asyncio.to_thread(
                batch.write_texts,
                result.story_id,
                result.texts,
                fingerprint=result.fingerprint,
                sources=result.sources,
                contradictions=result.contradictions,
                findings=result.findings,
            )
        except OSError as error:
            # This story's report cannot be written (a name the file system refuses):
            # it is reported, and the batch goes on.
            failure = StoryFailure(
                story_id=result.story_id,
                error=f"cannot write its report to {batch.directory}: {error.strerror or error}; "
                "the other stories go on",
            )
            report.failures.append(failure)
            batch.write_failure(failure)
            progress.finished(failure)
            return False
        tally.add_rendered(result)
        display = result.display
    else:
        tally.add(result, report)
        display = tally.last or story_display(result)
    progress.finished(result)
    if not progress.live:
        _show_story(display, quiet=quiet)
    return False


def _batch_table(tally: _Tally) -> Table:
    table = Table(title=plural(len(tally.rows), "story", "stories"), title_justify="left")
    for column in ("story", "sources", "contradictions", "ranking (best first)"):
        table.add_column(column)
    for row in tally.rows:
        table.add_row(
            escape(row.story_id), str(row.sources), str(row.contradictions), escape(row.ranking)
        )
    return table


ENDPOINT_FIX = (
    "start the endpoint or check --base-url and --model (or VERACITY_BASE_URL and "
    "VERACITY_MODEL), then run the same command again: finished stories are kept; "
    "--offline checks without the LLM"
)
NOT_RUN = "not run: the LLM endpoint failed"


def _print_endpoint_failure(failures: list[StoryFailure]) -> None:
    """The endpoint's failure once, with what to do, and the stories it stopped."""
    cause = next((f.error for f in failures if f.error != NOT_RUN), NOT_RUN)
    console.print(f"[red]error[/] {escape(cause)}; {ENDPOINT_FIX}")
    console.print(
        f"[red]{plural(len(failures), 'story', 'stories')} not run:[/] "
        + escape(", ".join(failure.story_id for failure in failures))
    )


def _print_closing(
    report: RunReport, tally: _Tally, *, quiet: bool, run_usage: LLMUsage | None = None
) -> None:
    endpoint = [failure for failure in report.failures if failure.kind == "endpoint"]
    if endpoint:
        _print_endpoint_failure(endpoint)
    others = [failure for failure in report.failures if failure.kind != "endpoint"]
    if others:
        console.print(f"[red]{plural(len(others), 'story', 'stories')} failed:[/]")
        for failure in others:
            console.print(f"  {escape(failure.story_id)}: {escape(failure.error)}")
    if quiet:
        return
    contradictions = sum(row.contradictions for row in tally.rows)
    usage = run_usage
    if usage is None:
        usage = LLMUsage()
        for row in tally.rows:
            usage = usage.add(row.usage)
    calls = (
        f", {plural(usage.calls, 'LLM call')} ({usage.cache_hits} cached, "
        f"{plural(usage.retries, 'retry', 'retries')}), "
        f"{usage.prompt_tokens} prompt and {usage.completion_tokens} completion tokens"
        if usage.calls or usage.cache_hits
        else ""
    )
    left_out = f", {plural(tally.unread, 'input')} left out" if tally.unread else ""
    llm_failed = sum(row.llm_failed for row in tally.rows)
    degraded = f", {llm_failed} with failed LLM stages" if llm_failed else ""
    console.print(
        f"{plural(len(tally.rows), 'story', 'stories')} checked ({report.run.engine} engine), "
        f"{plural(contradictions, 'contradiction')}, {len(report.failures)} failed{degraded}"
        f"{left_out}{calls}"
    )


def _known_formats(pipeline: Pipeline) -> list[str]:
    names = {name for found in pipeline.plugins.pm.hook.veracity_report_formats() for name in found}
    return sorted(names)


@main.command(short_help="List the plugins, their hooks and their options.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def plugins(as_json: bool) -> None:
    """List the registered plugins, the hooks each implements and the options each adds."""
    manager = build_plugin_manager()
    declared = collect_options(manager)
    for warning in [*manager.load_warnings, *declared.warnings]:
        console.print(f"[yellow]warning[/] {escape(warning)}")
    infos = manager.plugins()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "name": i.name,
                        "hooks": list(i.hooks),
                        "origin": i.origin,
                        "options": [
                            option.model_dump() for option in declared.by_plugin.get(i.name, [])
                        ],
                    }
                    for i in infos
                ],
                indent=2,
            )
        )
        return
    table = Table("plugin", "origin", "hooks", "options")
    for info in infos:
        table.add_row(
            escape(info.name),
            escape(info.origin),
            ", ".join(hook.removeprefix("veracity_") for hook in info.hooks),
            ", ".join(option.flag for option in declared.by_plugin.get(info.name, [])),
        )
    Console(highlight=False).print(table)


@main.command(short_help="Print the JSON schema of the report.")
def schema() -> None:
    """Print the JSON schema of the report 'veracity run --format json' writes."""
    click.echo(json.dumps(json_schema(), indent=2))


# `veracity bench` lives in its own module (measuring, not checking).
from veracity.cli.bench import bench  # noqa: E402

main.add_command(bench)
