"""veracity: cross-check several articles about one story.

Read the sources, summarize them, extract the claims each makes, check every
claim against the other sources and score how reliable each source is.

``import veracity`` is light: the names below are imported on first use (PEP 562),
so the ``veracity`` command can install its signal handling before the pipeline,
numpy and the word lists load (a second or more on a busy machine).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports as _lazy_exports
from ._moved import MOVED_MODULES as _MOVED_MODULES
from ._moved import install as _install_moved_modules
from .version import __version__

if TYPE_CHECKING:
    from veracity.pipeline.hookspecs import hookimpl
    from veracity.pipeline.runner import Pipeline

    from .api import check
    from .errors import ConfigurationError, InputError, PluginError, VeracityError
    from .models import (
        Claim,
        ClaimCredibility,
        ClaimKind,
        ClaimStatus,
        Disagreement,
        Document,
        DocumentMeta,
        DroppedItem,
        FigureUpdate,
        LLMUsage,
        ReportWarning,
        RunInfo,
        RunReport,
        ScoreBreakdown,
        Scoring,
        SourceScore,
        Span,
        Stance,
        Story,
        StoryFailure,
        StoryReport,
        Summary,
        SummarySentence,
        Verdict,
    )
    from .settings import Settings

_install_moved_modules()

_MODELS = (
    "Claim",
    "ClaimCredibility",
    "ClaimKind",
    "ClaimStatus",
    "Disagreement",
    "Document",
    "DocumentMeta",
    "DroppedItem",
    "FigureUpdate",
    "LLMUsage",
    "ReportWarning",
    "RunInfo",
    "RunReport",
    "ScoreBreakdown",
    "Scoring",
    "SourceScore",
    "Span",
    "Stance",
    "Story",
    "StoryFailure",
    "StoryReport",
    "Summary",
    "SummarySentence",
    "Verdict",
)
#: Exported name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(_MODELS, "veracity.models"),
    **dict.fromkeys(
        ("ConfigurationError", "InputError", "PluginError", "VeracityError"), "veracity.errors"
    ),
    "Pipeline": "veracity.pipeline.runner",
    "Settings": "veracity.settings",
    "check": "veracity.api",
    "hookimpl": "veracity.pipeline.hookspecs",
}


__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS, globals(), not_submodules=_MOVED_MODULES)

__all__ = [
    "Claim",
    "ClaimCredibility",
    "ClaimKind",
    "ClaimStatus",
    "ConfigurationError",
    "Disagreement",
    "Document",
    "DocumentMeta",
    "DroppedItem",
    "FigureUpdate",
    "InputError",
    "LLMUsage",
    "Pipeline",
    "PluginError",
    "ReportWarning",
    "RunInfo",
    "RunReport",
    "ScoreBreakdown",
    "Scoring",
    "Settings",
    "SourceScore",
    "Span",
    "Stance",
    "Story",
    "StoryFailure",
    "StoryReport",
    "Summary",
    "SummarySentence",
    "VeracityError",
    "Verdict",
    "__version__",
    "check",
    "hookimpl",
]
