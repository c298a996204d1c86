"""veracity: cross-check several articles about one story.

Read the sources, summarize them, extract the claims each makes, check every
claim against the other sources and score how reliable each source is.
"""

from __future__ import annotations

from veracity.pipeline.hookspecs import hookimpl
from veracity.pipeline.runner import Pipeline

from ._moved import install as _install_moved_modules
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
from .version import __version__

_install_moved_modules()

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
