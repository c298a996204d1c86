"""Load saved web pages: trafilatura finds the main text and the page's metadata."""

from __future__ import annotations

from pathlib import Path

from veracity.errors import InputError
from veracity.inputs.reading import read_text
from veracity.models import Document, DocumentMeta
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl
from veracity.text.boilerplate import clean_text

from .text_loader import parse_date

SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


def document_from_html(
    html: str, *, document_id: str, where: str, url: str | None = None
) -> Document:
    """Build a cleaned :class:`Document` from an HTML page.

    Raises :class:`InputError` when the page has no main text.
    """
    # Imported on the first page: trafilatura and its lxml stack take a tenth of a second
    # that a run of text or JSONL inputs (or an LLM run) should not wait for at start-up.
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
        # trafilatura's deduplication remembers text across calls (a process-wide cache):
        # the fourth page carrying the same wire paragraphs, or a page read again in a
        # notebook, would come back empty. Repeated furniture is removed by clean_text.
        deduplicate=False,
    )
    text = (getattr(extracted, "text", None) or "") if extracted is not None else ""

    def field(name: str) -> str | None:
        value = getattr(extracted, name, None)
        return str(value) if value else None

    cleaned = clean_text(text, title=field("title") or "")
    if not cleaned.text.strip():
        raise InputError(
            f"{where}: no article text found in the HTML; save the article page itself, "
            "or give its text as .txt"
        )
    author = field("author")
    return Document(
        id=document_id,
        title=cleaned.title,
        text=cleaned.text,
        url=field("url") or url,
        outlet=field("sitename") or field("hostname"),
        published=parse_date(field("date") or ""),
        meta=DocumentMeta(
            format="html",
            captions=cleaned.captions,
            bylines=[author, *cleaned.bylines] if author else cleaned.bylines,
            headings=cleaned.headings,
            boilerplate=cleaned.boilerplate,
        ),
    )


@hookimpl(trylast=True)
def veracity_load_documents(path: Path, context: StageContext) -> list[Document] | None:
    """Read an ``.html`` page."""
    if path.suffix.lower() not in SUFFIXES:
        return None
    decoded = read_text(path, max_bytes=context.settings.max_file_bytes)
    for warning in decoded.warnings:
        context.warn(warning, plugin="html_loader")
    document = document_from_html(decoded.text, document_id=path.stem, where=str(path))
    document.meta.path = str(path)
    document.meta.encoding_warnings = decoded.warnings
    return [document]
