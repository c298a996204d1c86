"""Load JSON Lines: one document per line, grouped into stories by a ``story`` field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from veracity.errors import InputError
from veracity.inputs.fetching import fetch_page, is_url, outlet_for
from veracity.inputs.reading import read_text
from veracity.models import Document
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl

from .html_loader import document_from_html
from .text_loader import document_from_text

SUFFIXES = frozenset({".jsonl", ".ndjson"})


class DocumentRecord(BaseModel):
    """One line of a JSONL input."""

    model_config = ConfigDict(extra="ignore")

    story: str = Field(min_length=1, description="Id of the story the document belongs to.")
    id: str | None = Field(default=None, min_length=1)
    text: str | None = None
    html: str | None = None
    title: str = ""
    url: str | None = None
    outlet: str | None = None
    published: dt.date | None = None

    @model_validator(mode="after")
    def _has_content(self) -> DocumentRecord:
        if (
            not (self.text or "").strip()
            and not (self.html or "").strip()
            and not is_url(self.url or "")
        ):
            raise ValueError("needs a non-empty 'text' or 'html' field, or an http(s) 'url'")
        return self


def _one_line_error(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "record"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"field {location!r}: {first['msg']}{more}"


def fetched_document(url: str, *, document_id: str, context: StageContext) -> Document:
    """The document of a record that gives only a ``url``: the page fetched (or cached) and read."""
    settings = context.settings
    page = fetch_page(
        url,
        cache_dir=settings.page_cache,
        timeout=settings.fetch_timeout,
        max_bytes=settings.max_file_bytes,
    )
    decoded = read_text(page.path, max_bytes=settings.max_file_bytes)
    if page.path.suffix == ".html":
        document = document_from_html(
            decoded.text, document_id=document_id, where=url, url=page.final_url
        )
    else:
        document = document_from_text(decoded.text, document_id=document_id)
    document.final_url = page.final_url
    document.fetched_at = page.fetched_at
    document.outlet = document.outlet or outlet_for(page.final_url)
    return document


def documents_from_jsonl(
    text: str, *, where: str, context: StageContext | None = None
) -> list[Document]:
    """Parse JSONL text into documents; raise :class:`InputError` naming the bad line.

    A record with only a ``url`` is fetched (with ``context``'s settings); one that
    cannot be fetched is left out with an error for its story, and the rest goes on.
    """
    documents: list[Document] = []
    skipped = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = DocumentRecord.model_validate(json.loads(line))
        except json.JSONDecodeError as error:
            raise InputError(
                f"{where}:{number}: not valid JSON ({error.msg}); one object per line"
            ) from None
        except ValidationError as error:
            raise InputError(
                f"{where}:{number}: {_one_line_error(error)}; each line needs 'story' and 'text'"
            ) from None
        document_id = record.id or f"{record.story}-{number}"
        if record.text and record.text.strip():
            document = document_from_text(record.text, document_id=document_id)
        elif not (record.html or "").strip() and record.url:
            if context is None:
                raise InputError(f"{where}:{number}: a 'url' record needs a pipeline to fetch it")
            try:
                document = fetched_document(record.url, document_id=document_id, context=context)
            except InputError as error:
                context.skip_input(f"{where}:{number}: {error}", story=record.story)
                skipped += 1
                continue
        else:
            document = document_from_html(
                record.html or "", document_id=document_id, where=f"{where}:{number}"
            )
        document.story = record.story
        document.meta.format = "jsonl"
        document.meta.path = f"{where}:{number}"
        document.title = record.title or document.title
        document.url = record.url or document.url
        document.outlet = record.outlet or document.outlet
        document.published = record.published or document.published
        documents.append(document)
    if not documents and not skipped:
        raise InputError(f"{where}: no records; give one JSON object per line")
    return documents


@hookimpl(trylast=True)
def veracity_load_documents(path: Path, context: StageContext) -> list[Document] | None:
    """Read a ``.jsonl`` file of documents."""
    if path.suffix.lower() not in SUFFIXES:
        return None
    decoded = read_text(path, max_bytes=context.settings.max_file_bytes)
    for warning in decoded.warnings:
        context.warn(warning, plugin="jsonl_loader")
    return documents_from_jsonl(decoded.text, where=str(path), context=context)
