"""veracity: cross-check several articles about one story.

Read the sources, summarize them, extract the claims each makes, check every
claim against the other sources and score how reliable each source is.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import ConfigurationError, InputError, PluginError, VeracityError
from .hookspecs import hookimpl
from .models import (
    Claim,
    ClaimCredibility,
    ClaimKind,
    ClaimStatus,
    Disagreement,
    Document,
    DocumentMeta,
    LLMUsage,
    ReportWarning,
    RunInfo,
    RunReport,
    Scoring,
    ScoreBreakdown,
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

# Imported last: the pipeline needs the names above.
from .pipeline import Pipeline  # noqa: E402
from .api import check  # noqa: E402

__all__ = [
    "Claim",
    "ClaimCredibility",
    "ClaimKind",
    "ClaimStatus",
    "ConfigurationError",
    "Disagreement",
    "Document",
    "DocumentMeta",
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
    "Verdict",
    "VeracityError",
    "__version__",
    "check",
    "hookimpl",
]
