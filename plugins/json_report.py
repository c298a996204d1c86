"""The JSON report: the full :class:`RunReport`, the contract other tools read."""

from __future__ import annotations

from veracity.models import RunReport
from veracity.pipeline.hookspecs import hookimpl


@hookimpl(trylast=True)
def veracity_report_formats() -> list[str]:
    """This plugin writes ``json``."""
    return ["json"]


@hookimpl(trylast=True)
def veracity_render_report(report: RunReport, format: str) -> str | None:
    """Render the report as indented JSON."""
    if format != "json":
        return None
    return report.to_json()
