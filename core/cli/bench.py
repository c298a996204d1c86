"""``veracity bench``: measure the configured engine on labelled data.

The engine is the one ``veracity run`` would use with the same flags: the
offline engine, or an endpoint and model (with the offline checks beside it).
Two kinds of data (see :mod:`veracity.cli.bench_data`):

- a summary-consistency JSONL file: each record's article and summary are run
  as a two-source story; the summary's score is the highest confidence of a
  contradiction the article raises against it. Reported: balanced accuracy with
  a bootstrap 95% interval, precision and recall of "inconsistent", at the
  default threshold (any contradiction) or at the threshold fitted on
  ``--dev FILE`` (applied to DATA);
- a labelled story folder: each story is run; its findings are matched with
  ``labels.jsonl`` (precision) and with the disagreements of ``gold.json``
  (recall).

Always: LLM calls, tokens, cache hits, an estimated cost (``--price-per-mtok``)
and wall time. The LLM response cache makes a re-run free. The summary stage is
the extractive one: bench measures findings, and an LLM summary would cost a
call per record for nothing.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel, Field
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from veracity.cli.bench_data import (
    BenchDataError,
    FindingLabel,
    GoldDisagreement,
    StoryBench,
    SummaryRecord,
    normalize_summary,
    read_story_bench,
    read_summary_records,
)
from veracity.cli.bench_metrics import (
    ANY_CONTRADICTION,
    ClassificationFigures,
    figures,
    fit_threshold,
)
from veracity.cli.endpoint import EndpointUnusable, endpoint_options, open_run_llm
from veracity.errors import InputError
from veracity.models import Document, LLMUsage, Story, StoryFailure, StoryReport, Verdict
from veracity.pipeline.runner import Pipeline
from veracity.settings import Settings
from veracity.version import __version__

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_ENDPOINT = 3
console = Console(stderr=True, highlight=False, soft_wrap=True)


class BenchCost(BaseModel):
    """What the measurement cost."""

    calls: int = Field(description="HTTP requests sent (cache hits are free).")
    cache_hits: int
    prompt_tokens: int
    completion_tokens: int
    failed_calls: int
    repairs: int
    splits: int
    price_per_mtok: float
    cost: float = Field(description="(prompt + completion tokens) / 1e6 x price_per_mtok.")
    wall_seconds: float


class SummaryBench(BaseModel):
    """Figures on summary-consistency records."""

    data: str
    dev: str | None = None
    threshold_from: str = Field(description="'default (any contradiction)' or 'fitted on --dev'.")
    dev_figures: ClassificationFigures | None = None
    figures: ClassificationFigures
    failed: list[str] = Field(default_factory=list, description="Records that could not be run.")
    llm_failed: int = Field(
        default=0,
        description="Records whose LLM stages failed (judged by the offline engine alone).",
    )


class StoryBenchFigures(BaseModel):
    """Figures on labelled stories."""

    data: str
    stories: int
    findings: int
    labelled: int = Field(description="Findings labels.jsonl judges.")
    genuine: int = Field(description="Labelled TRUE.")
    updates: int = Field(description="Labelled update (a figure that changed over time).")
    false_alarms: int = Field(description="Labelled FALSE.")
    unlabelled: int = Field(description="Findings labels.jsonl does not cover: judge them by hand.")
    precision: float = Field(description="genuine / labelled.")
    gold: int = Field(description="Genuine disagreements in gold.json for these stories.")
    found: int
    recall: float = Field(description="found / gold.")
    missed: list[str] = Field(
        default_factory=list, description="Ids of the gold disagreements missed."
    )
    failed: list[str] = Field(default_factory=list)
    llm_failed: int = Field(default=0, description="Stories whose LLM stages failed.")


class BenchReport(BaseModel):
    """The result of one ``veracity bench``."""

    veracity_version: str
    engine: str
    model: str | None = None
    base_url: str | None = None
    summary: SummaryBench | None = None
    stories: StoryBenchFigures | None = None
    cost: BenchCost


async def _run_all(
    pipeline: Pipeline, stories: list[Story], advance: Callable[[], None]
) -> tuple[dict[str, StoryReport], dict[str, str], LLMUsage]:
    reports: dict[str, StoryReport] = {}
    failures: dict[str, str] = {}
    usage = LLMUsage()
    async for result in pipeline.arun_stories(stories):
        if isinstance(result, StoryFailure):
            failures[result.story_id] = result.error
        else:
            reports[result.story.id] = result
            usage = usage.add(result.usage)
        advance()
    return reports, failures, usage


def _progress(quiet: bool, total: int, label: str) -> tuple[Progress | None, Callable[[], None]]:
    if quiet:
        return None, lambda: None
    progress = Progress(
        TextColumn(escape(label)),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task(label, total=total)
    return progress, lambda: progress.advance(task)


def _run_stories(
    pipeline: Pipeline, stories: list[Story], label: str, quiet: bool
) -> tuple[dict[str, StoryReport], dict[str, str], LLMUsage]:
    progress, advance = _progress(quiet, len(stories), label)
    if progress is None:
        return asyncio.run(_run_all(pipeline, stories, advance))
    with progress:
        return asyncio.run(_run_all(pipeline, stories, advance))


def summary_score(report: StoryReport) -> float:
    """How strongly the article contradicts the summary: the highest confidence, 0 for none."""
    return max(
        (
            verdict.confidence
            # The summary's cells: contradictions() lists a disagreement once, whichever
            # side comes first, so read the matrix (as bench/frank_bench.py does).
            for verdict in report.contradicting_verdicts()
            if verdict.source_id == "summary" and verdict.against_source_id == "article"
        ),
        default=0.0,
    )


def _record_story(number: int, record: SummaryRecord) -> Story:
    return Story(
        id=f"{number:06d}",
        documents=[
            Document(id="article", text=record.document),
            Document(id="summary", text=normalize_summary(record.summary, record.document)),
        ],
    )


def score_records(
    pipeline: Pipeline, records: list[SummaryRecord], label: str, quiet: bool
) -> tuple[list[float], list[bool], list[str], LLMUsage, list[str]]:
    """Scores and labels of the records that ran, the ids of those that failed, the usage,
    and the ids of the records whose LLM stages failed."""
    stories = [_record_story(number, record) for number, record in enumerate(records)]
    reports, failures, usage = _run_stories(pipeline, stories, label, quiet)
    failed_llm: list[str] = []
    scores, consistent, failed = [], [], []
    for story, record in zip(stories, records, strict=True):
        if story.id in reports:
            scores.append(summary_score(reports[story.id]))
            consistent.append(record.consistent)
            if reports[story.id].llm_failures:
                failed_llm.append(record.id)
        else:
            failed.append(f"{record.id}: {failures.get(story.id, 'not run')}")
    return scores, consistent, failed, usage, failed_llm


def _source_label(story: Story, source_id: str) -> str:
    return f"{source_id}:{story.document(source_id).outlet or ''}"


def finding_key(report: StoryReport, verdict: Verdict) -> tuple[str, str, str, str, str]:
    """What a finding is matched on in labels.jsonl."""
    evidence = verdict.evidence or ""
    if verdict.evidence_span is None and evidence:
        evidence = f"[headline] {evidence}"
    return (
        report.story.id,
        _source_label(report.story, verdict.source_id),
        _source_label(report.story, verdict.against_source_id),
        report.claim(verdict.claim_id).quote,
        evidence,
    )


def _label_key(label: FindingLabel) -> tuple[str, str, str, str, str]:
    return (label.story, label.source, label.against, label.claim_quote, label.evidence_quote)


def gold_found(disagreement: GoldDisagreement, report: StoryReport) -> bool:
    """True when a finding sets the texts of two outlets on different sides against each other."""

    def holds(outlet: str, *passages: str) -> bool:
        wanted = [text.casefold() for text in disagreement.texts.get(outlet, [])]
        return any(text in passage.casefold() for text in wanted for passage in passages)

    for verdict in report.findings():
        source = report.story.document(verdict.source_id).outlet or ""
        against = report.story.document(verdict.against_source_id).outlet or ""
        if source not in disagreement.side or against not in disagreement.side:
            continue
        if disagreement.side[source] == disagreement.side[against]:
            continue
        claim = report.claim(verdict.claim_id).quote
        evidence = verdict.evidence or ""
        if holds(source, claim, evidence) and holds(against, evidence, claim):
            return True
    return False


def story_figures(
    bench: StoryBench, reports: dict[str, StoryReport], failed: list[str], data: Path
) -> StoryBenchFigures:
    """Precision against the labels and recall against the gold disagreements."""
    labels = {_label_key(label): label.label for label in bench.labels}
    counts = {"TRUE": 0, "FALSE": 0, "update": 0}
    findings = unlabelled = 0
    for report in reports.values():
        for verdict in report.findings():
            findings += 1
            label = labels.get(finding_key(report, verdict))
            if label is None:
                unlabelled += 1
            else:
                counts[label] += 1
    run_stories = {path.name for path in bench.stories}
    gold = [item for item in bench.gold if item.story in run_stories]
    found = [
        item for item in gold if item.story in reports and gold_found(item, reports[item.story])
    ]
    labelled = sum(counts.values())
    return StoryBenchFigures(
        data=str(data),
        stories=len(reports),
        findings=findings,
        labelled=labelled,
        genuine=counts["TRUE"],
        updates=counts["update"],
        false_alarms=counts["FALSE"],
        unlabelled=unlabelled,
        precision=round(counts["TRUE"] / labelled, 4) if labelled else 0.0,
        gold=len(gold),
        found=len(found),
        recall=round(len(found) / len(gold), 4) if gold else 0.0,
        missed=[item.id for item in gold if item not in found],
        failed=failed,
    )


def _load_stories(pipeline: Pipeline, paths: Iterable[Path]) -> tuple[list[Story], list[str]]:
    stories, failed = [], []
    for path in paths:
        for item in pipeline.load([path]):
            if isinstance(item, StoryFailure):
                failed.append(f"{item.story_id}: {item.error}")
            else:
                stories.append(item.model_copy(update={"id": path.name}))
    return stories, failed


def render_markdown(report: BenchReport) -> str:
    """The figures as Markdown."""
    engine = report.engine if report.model is None else f"{report.engine} ({report.model})"
    lines = [f"# veracity bench — {engine}", ""]
    if report.summary is not None:
        s = report.summary
        lines += [f"## Summary consistency: `{s.data}`", ""]
        lines += [f"Threshold: {s.figures.threshold:.4g}, {s.threshold_from}.", ""]
        lines += [
            "| part | records | inconsistent | flagged | balanced accuracy (95% CI) | precision | recall | specificity |",
            "|---|---:|---:|---:|---|---:|---:|---:|",
        ]
        parts = [("dev", s.dev_figures), ("data", s.figures)]
        for name, f in parts:
            if f is None:
                continue
            low, high = f.balanced_accuracy_95
            lines.append(
                f"| {name} | {f.records} | {f.inconsistent} | {f.flagged} | "
                f"{f.balanced_accuracy:.3f} ({low:.3f}–{high:.3f}) | {f.precision:.3f} | "
                f"{f.recall:.3f} | {f.specificity:.3f} |"
            )
        if s.failed:
            lines += ["", f"{len(s.failed)} records failed: " + "; ".join(s.failed[:5])]
        if s.llm_failed:
            lines += ["", f"{s.llm_failed} records had failed LLM stages (offline engine alone)."]
        lines.append("")
    if report.stories is not None:
        t = report.stories
        lines += [f"## Labelled stories: `{t.data}`", ""]
        lines += [
            f"{t.stories} stories, {t.findings} findings: {t.genuine} genuine, {t.updates} "
            f"updates, {t.false_alarms} false alarms, {t.unlabelled} unlabelled.",
            "",
            f"- precision (genuine / labelled): {t.precision:.3f}",
            f"- recall (gold disagreements found): {t.found}/{t.gold} = {t.recall:.3f}",
        ]
        if t.missed:
            lines.append(f"- missed: {', '.join(t.missed)}")
        if t.failed:
            lines.append(f"- {len(t.failed)} stories failed: " + "; ".join(t.failed[:5]))
        if t.llm_failed:
            lines.append(f"- {t.llm_failed} stories had failed LLM stages (offline engine alone)")
        lines.append("")
    c = report.cost
    lines += [
        "## Cost",
        "",
        f"{c.calls} LLM calls ({c.cache_hits} cached, {c.failed_calls} failed, {c.repairs} "
        f"repairs, {c.splits} splits), {c.prompt_tokens} prompt + {c.completion_tokens} "
        f"completion tokens, ${c.cost:.4f} at ${c.price_per_mtok:g}/Mtok, {c.wall_seconds:.1f} s.",
    ]
    return "\n".join(lines) + "\n"


def measure(
    pipeline: Pipeline,
    data: Path,
    *,
    dev: Path | None,
    limit: int | None,
    price_per_mtok: float,
    quiet: bool,
) -> BenchReport:
    """Run the benchmark DATA names with this pipeline.

    :raises BenchDataError: the data cannot be used (one line).
    """
    started = time.perf_counter()
    usage = LLMUsage()
    summary: SummaryBench | None = None
    stories_figures: StoryBenchFigures | None = None
    failed: list[str] = []
    if data.is_dir():
        if dev is not None:
            raise BenchDataError(f"--dev {dev}: a threshold is fitted only for summary JSONL data")
        bench = read_story_bench(data, limit)
        stories, not_loaded = _load_stories(pipeline, bench.stories)
        failed += not_loaded
        reports, failures, usage = _run_stories(pipeline, stories, "stories", quiet)
        failed += [f"{story_id}: {error}" for story_id, error in failures.items()]
        stories_figures = story_figures(bench, reports, failed, data)
        stories_figures.llm_failed = sum(1 for r in reports.values() if r.llm_failures)
    else:
        records = read_summary_records(data, limit)
        dev_records = read_summary_records(dev, limit) if dev is not None else None
        threshold, threshold_from = ANY_CONTRADICTION, "default (any contradiction)"
        dev_figures: ClassificationFigures | None = None
        if dev_records is not None:
            dev_scores, dev_labels, dev_failed, dev_usage, _ = score_records(
                pipeline, dev_records, "dev", quiet
            )
            usage = usage.add(dev_usage)
            failed += [f"dev {item}" for item in dev_failed]
            threshold = fit_threshold(dev_scores, dev_labels)
            threshold_from = "fitted on --dev"
            dev_figures = figures(dev_scores, dev_labels, threshold)
        scores, labels, data_failed, data_usage, llm_failed = score_records(
            pipeline, records, "records", quiet
        )
        usage = usage.add(data_usage)
        failed += data_failed
        summary = SummaryBench(
            data=str(data),
            dev=str(dev) if dev is not None else None,
            threshold_from=threshold_from,
            dev_figures=dev_figures,
            figures=figures(scores, labels, threshold),
            failed=failed,
            llm_failed=len(llm_failed),
        )
    tokens = usage.prompt_tokens + usage.completion_tokens
    return BenchReport(
        veracity_version=__version__,
        engine=pipeline.engine,
        model=getattr(getattr(pipeline.llm, "settings", None), "model", None),
        base_url=getattr(getattr(pipeline.llm, "settings", None), "display_base_url", None),
        summary=summary,
        stories=stories_figures,
        cost=BenchCost(
            calls=usage.calls,
            cache_hits=usage.cache_hits,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            failed_calls=usage.failed_calls,
            repairs=usage.repairs,
            splits=usage.splits,
            price_per_mtok=price_per_mtok,
            cost=round(tokens / 1e6 * price_per_mtok, 6),
            wall_seconds=round(time.perf_counter() - started, 2),
        ),
    )


@click.command(short_help="Measure the engine on labelled data (summaries or stories).")
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "--dev",
    type=click.Path(path_type=Path),
    help="Summary JSONL to fit the threshold on; the fitted threshold is applied to DATA.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), help="Use only the first N records or stories."
)
@click.option(
    "--format",
    "-f",
    "format_name",
    type=click.Choice(["json", "md"]),
    default="json",
    show_default=True,
    help="Output format (to stdout, or to --out).",
)
@click.option(
    "--out", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the figures here."
)
@click.option(
    "--price-per-mtok",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Dollars per million tokens (prompt and completion), for the cost estimate.",
)
@click.option(
    "--offline", is_flag=True, help="Measure the offline engine even if an endpoint is configured."
)
@endpoint_options(
    config_help="TOML file of LLM settings ([llm]; the API key only from here or the environment)."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress on the terminal.")
def bench(
    data: Path,
    dev: Path | None,
    limit: int | None,
    format_name: str,
    out: Path | None,
    price_per_mtok: float,
    offline: bool,
    base_url: str | None,
    model: str | None,
    config_file: Path | None,
    local_model: Path | None,
    local_threads: int | None,
    concurrency: int | None,
    request_timeout: float | None,
    llm_input_budget: int,
    cache_path: Path | None,
    no_cache: bool,
    quiet: bool,
) -> None:
    """Measure the configured engine on labelled DATA: a summary-consistency JSONL file
    (document, summary, label) or a labelled story folder (stories/, labels.jsonl, gold.json)."""
    if not data.exists():
        _fail(
            f"{data}: no such file or folder; pass a summary JSONL file or a labelled story folder",
            EXIT_INPUT,
        )
    settings = Settings(
        offline=offline, summarizer="extractive_summary", llm_input_budget=llm_input_budget
    )
    try:
        with open_run_llm(
            settings,
            offline=offline,
            local_model=local_model,
            show=None if quiet else console.print,
            local_threads=local_threads,
            base_url=base_url,
            model=model,
            config_file=config_file,
            concurrency=concurrency,
            timeout=request_timeout,
            cache_path=cache_path,
            no_cache=no_cache,
        ) as llm:
            pipeline = Pipeline(settings, llm=llm, load_entry_points=True)
            report = measure(
                pipeline, data, dev=dev, limit=limit, price_per_mtok=price_per_mtok, quiet=quiet
            )
    except EndpointUnusable as error:
        _fail(str(error), EXIT_ENDPOINT)
    except InputError as error:
        _fail(str(error), EXIT_INPUT)
    text = (
        report.model_dump_json(indent=2) + "\n"
        if format_name == "json"
        else render_markdown(report)
    )
    if out is not None:
        out.write_text(text, encoding="utf-8")
        if not quiet:
            console.print(f"wrote {escape(str(out))}")
    else:
        click.echo(text, nl=False)
    failed = (report.summary.failed if report.summary else []) + (
        report.stories.failed if report.stories else []
    )
    c = report.cost
    llm_failed = (report.summary.llm_failed if report.summary else 0) + (
        report.stories.llm_failed if report.stories else 0
    )
    degraded = f", {llm_failed} with failed LLM stages" if llm_failed else ""
    if not quiet or failed or llm_failed:
        console.print(
            f"{c.calls} LLM calls ({c.cache_hits} cached), {c.prompt_tokens + c.completion_tokens} "
            f"tokens, ${c.cost:.4f}, {c.wall_seconds:.1f} s; {len(failed)} failed{degraded}"
        )
    if failed:
        for item in failed[:5]:
            console.print(f"[red]failed[/] {escape(item)}")
        sys.exit(EXIT_ENDPOINT)


def _fail(message: str, code: int) -> Any:
    console.print(f"[red]error[/] {escape(message)}")
    sys.exit(code)
