"""Load plain-text and Markdown articles.

A file may start with a small header of ``key: value`` lines (title, url,
outlet or source, date or published, author or byline) before the article;
a leading ``date YYYY-MM-DD`` token is read as the publication date too.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from veracity.inputs.reading import read_text
from veracity.models import Document, DocumentMeta
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl
from veracity.text.boilerplate import clean_text

SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})

_HEADER_LINE = re.compile(
    r"^(?P<key>title|url|source|outlet|date|published|author|byline)\s*:\s*(?P<value>.+)$",
    re.IGNORECASE,
)
_INLINE_DATE = re.compile(r"^\s*(?:date|published)[:\s]\s*(?P<date>\d{4}-\d{2}-\d{2})\b[ \t]*")


def parse_date(value: str) -> dt.date | None:
    """An ISO date (the first 10 characters of a date or datetime), or None."""
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _split_header(text: str) -> tuple[dict[str, str], str]:
    header: dict[str, str] = {}
    lines = text.split("\n")
    consumed = 0
    for line in lines:
        match = _HEADER_LINE.match(line.strip())
        if not match:
            break
        header[match.group("key").lower()] = match.group("value").strip()
        consumed += 1
    body = "\n".join(lines[consumed:])
    inline = _INLINE_DATE.match(body)
    if inline and "date" not in header:
        header["date"] = inline.group("date")
        body = body[inline.end() :]
    return header, body


def document_from_text(
    text: str,
    *,
    document_id: str,
    path: Path | None = None,
    encoding_warnings: list[str] | None = None,
) -> Document:
    """Build a cleaned :class:`Document` from a plain-text article."""
    header, body = _split_header(text.lstrip("\ufeff"))
    cleaned = clean_text(body, title=header.get("title", ""))
    published = parse_date(header.get("date") or header.get("published") or "")
    bylines = cleaned.bylines
    for key in ("author", "byline"):
        if key in header:
            bylines = [header[key], *bylines]
    return Document(
        id=document_id,
        title=cleaned.title,
        text=cleaned.text,
        url=header.get("url"),
        outlet=header.get("outlet") or header.get("source"),
        published=published,
        meta=DocumentMeta(
            path=str(path) if path else None,
            format="text",
            captions=cleaned.captions,
            bylines=bylines,
            headings=cleaned.headings,
            boilerplate=cleaned.boilerplate,
            encoding_warnings=encoding_warnings or [],
        ),
    )


@hookimpl(trylast=True)
def veracity_load_documents(path: Path, context: StageContext) -> list[Document] | None:
    """Read a ``.txt`` or ``.md`` article."""
    if path.suffix.lower() not in SUFFIXES:
        return None
    decoded = read_text(path, max_bytes=context.settings.max_file_bytes)
    for warning in decoded.warnings:
        context.warn(warning, plugin="text_loader")
    return [
        document_from_text(
            decoded.text, document_id=path.stem, path=path, encoding_warnings=decoded.warnings
        )
    ]
