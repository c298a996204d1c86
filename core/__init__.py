"""veracity: cross-check several articles about one story.

Read the sources, summarize them, extract the claims each makes, check every
claim against the other sources and score how reliable each source is.

``import veracity`` is light: the names below are imported on first use (PEP 562),
so the ``veracity`` command can install its signal handling before the pipeline,
numpy and the word lists load (a second or more on a busy machine).
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING
from typing import Any as _Any

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


def __getattr__(name: str) -> _Any:
    """An exported name, imported from its module the first time it is asked for; or a
    submodule (``veracity.models``), as an eager package would have had it loaded."""
    module_name = _EXPORTS.get(name)
    if module_name is not None:
        value = getattr(_importlib.import_module(module_name), name)
        globals()[name] = value  # later look-ups are plain attribute reads
        return value
    submodule = f"{__name__}.{name}"
    if not name.startswith("_") and submodule not in _MOVED_MODULES:
        try:
            return _importlib.import_module(submodule)
        except ModuleNotFoundError as error:
            if error.name != submodule:
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*(name for name in globals() if not name.startswith("_")), *__all__})


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
