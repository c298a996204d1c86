"""The hooks a veracity plugin can implement.

Every hook may be a plain function or an ``async def``; the core awaits what
is awaitable. Implementations may accept any subset of a hook's arguments.

The core calls each plugin's implementation on its own, so that a plugin that
raises becomes a warning naming it instead of a lost run, and it owns the
order of everything: merged results are sorted, never left in pluggy's
registration order.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from veracity.models import Claim, Document, RunReport, Scoring, Story, Summary, Verdict
    from veracity.pipeline.context import StageContext
    from veracity.pipeline.option_spec import PluginOption

hookspec = pluggy.HookspecMarker("veracity")
hookimpl = pluggy.HookimplMarker("veracity")


@hookspec(firstresult=True)
def veracity_load_documents(path: Path, context: StageContext) -> list[Document] | None:
    """Read the documents in one input file.

    Stops at first non-None result: return None for a file your plugin does
    not read (decide by its suffix or its first bytes).

    :param path: a file named on the command line or found in an input directory.
    :param context: the run's settings and warning sink.
    :return: the documents in the file (one for an article, several for JSONL),
        or None when the file is not in your format. Raise
        :class:`veracity.InputError` with a one-line message for a file in your
        format that cannot be read.
    """


@hookspec(firstresult=True)
def veracity_summarize(story: Story, context: StageContext) -> Summary | None:
    """Write a neutral summary of the story across its sources.

    Stops at first non-None result; ``--summarizer NAME`` picks one plugin.
    Return None to let the next summarizer try (for instance when the
    endpoint you need is not configured).

    :param story: the story, its documents already cleaned.
    :param context: settings, LLM client (or None) and warning sink.
    :return: a :class:`veracity.Summary` whose sentences each cite the ids of
        the sources they rest on, or None.
    """


@hookspec
def veracity_extract_claims(document: Document, story: Story, context: StageContext) -> list[Claim]:
    """Extract the checkable claims one source makes.

    Merged: the results of every implementation are pooled and sorted by
    position in the document. Return an empty list when your plugin has
    nothing to add (for instance when it needs an endpoint and none is set).

    :param document: the source to read.
    :param story: the whole story, for context.
    :param context: settings, LLM client (or None) and warning sink.
    :return: claims whose ``quote`` is verbatim ``document.text[span]``.
    """


@hookspec
def veracity_cross_check(story: Story, claims: list[Claim], context: StageContext) -> list[Verdict]:
    """Judge every claim against the other sources of the story.

    Merged: the verdicts of every implementation are pooled and sorted.

    :param story: the story.
    :param claims: the claims of all sources, as extracted.
    :param context: settings, LLM client (or None) and warning sink.
    :return: one verdict per claim and other source you could judge; a
        verdict with ``against_source_id == source_id`` reports a source that
        contradicts itself.
    """


@hookspec(firstresult=True)
def veracity_score_sources(
    story: Story, claims: list[Claim], verdicts: list[Verdict], context: StageContext
) -> Scoring | None:
    """Score how reliable each source of the story is, and how credible each claim.

    Stops at first non-None result; ``--scorer NAME`` picks one plugin.

    :param story: the story.
    :param claims: every claim of every source.
    :param verdicts: the merged cross-check matrix.
    :param context: settings, LLM client (or None) and warning sink.
    :return: a :class:`veracity.Scoring`: one score per source, ranked (rank 1
        is the most reliable), and a credibility per claim; or None.
    """


@hookspec(firstresult=True)
def veracity_render_report(report: RunReport, format: str) -> str | None:
    """Render a run report in an output format.

    Stops at first non-None result: return None for a format you do not write.

    :param report: the full run report.
    :param format: the format name asked for, such as ``json`` or ``md``.
    :return: the rendered report as text, or None.
    """


@hookspec
def veracity_report_formats() -> list[str]:
    """Name the output formats your plugin renders.

    Merged. Used to validate ``--format`` and to list formats in ``--help``.

    :return: format names, such as ``["md"]``.
    """


@hookspec
def veracity_register_options() -> list[PluginOption]:
    """Declare the options your plugin reads: ``veracity run`` flags and config-file keys.

    Merged: the options of every plugin are pooled, asked in plugin-name order;
    a name declared twice keeps the first plugin's and warns. Each
    :class:`veracity.pipeline.plugin_options.PluginOption` named ``<plugin>.<key>``
    becomes the flag ``--<plugin>-<key>`` of ``veracity run`` and the key
    ``<key>`` of the config file's ``[plugins.<plugin>]`` table. The value
    chosen (command line, else config file, else the default) reaches every
    hook as ``context.settings.plugin_options["<plugin>.<key>"]``.

    :return: the options, such as ``[PluginOption(name="units.tolerance",
        type="float", default=0.05, help="...")]``.
    """


def describe_hooks() -> dict[str, Any]:
    """Every hook spec of this module by name, for documentation and listings."""
    return {
        name: value
        for name, value in globals().items()
        if name.startswith("veracity_") and callable(value)
    }
