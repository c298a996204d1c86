"""Writing reports so that no finished work is ever lost.

Every file is written atomically (a temporary file, then a rename). A batch
written to a directory gets one report per story, in each requested format,
the moment the story finishes, and a line in ``run.jsonl``; re-running the
same command skips the stories whose line and files are already there.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from veracity.models import RunInfo, RunReport, Story, StoryFailure, StoryReport, stable_id
from veracity.settings import Settings

INDEX_NAME = "run.jsonl"
_UNSAFE = re.compile(r"[^\w.-]+")
# Bytes of a report's file name before its hash and suffix: with the temporary file's
# prefix and suffix the name stays far below the 255 bytes file systems allow.
MAX_STEM_BYTES = 120
# Bytes of a file name kept in the name of its temporary file.
_TEMPORARY_NAME_BYTES = 100


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so no reader sees half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{_cut(path.name, _TEMPORARY_NAME_BYTES)}."
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private; a report gets the permissions any new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def story_fingerprint(story: Story, settings: Settings, run: RunInfo) -> str:
    """What a story's report depends on: its documents, the settings, the version, the
    plugins and the LLM endpoint (model and base URL)."""
    # Where a story ran does not change its report: a run resumed with another executor skips it.
    relevant = settings.model_dump_json(
        exclude={"story_concurrency", "max_file_bytes", "executor", "workers", "ray_address"}
    )
    # Not the path each file was read from: the same batch named by a relative and by an
    # absolute path is the same batch.
    documents = story.model_dump_json(exclude={"documents": {"__all__": {"meta": {"path"}}}})
    return stable_id(
        documents,
        relevant,
        run.veracity_version,
        run.engine,
        run.model or "",
        run.base_url or "",
        ",".join(run.plugins),
        length=20,
    )


def file_stem(story_id: str) -> str:
    """A file name for a story id: safe characters only, at most :data:`MAX_STEM_BYTES`
    bytes, with a hash of the id when any were replaced or cut."""
    short = _safe_prefix(story_id)
    return short if short == story_id else f"{short}-{stable_id(story_id, length=6)}"


def _safe_prefix(story_id: str) -> str:
    safe = _UNSAFE.sub("_", story_id).strip("._") or "story"
    return _cut(safe, MAX_STEM_BYTES).rstrip("._") or "story"


def _longer_stem(story_id: str, attempt: int) -> str:
    """A stem for a story whose :func:`file_stem` another story of the directory holds."""
    suffix = stable_id(story_id, length=16) + (f"-{attempt}" if attempt else "")
    return f"{_safe_prefix(story_id)}-{suffix}"


def finding_kinds(report: StoryReport) -> list[str]:
    """The kinds of the story's contradictions (``number``, ``quote``...), each once.

    A contradiction of no stated kind is ``unspecified``: it fails only
    ``--fail-on contradiction``.
    """
    return sorted(
        {
            verdict.disagreement.value if verdict.disagreement else "unspecified"
            for verdict in report.findings()
        }
    )


def _ends_with_newline(path: Path) -> bool:
    """True when ``path`` is missing, empty or ends with a line break."""
    try:
        with path.open("rb") as stream:
            if stream.seek(0, os.SEEK_END) == 0:
                return True
            stream.seek(-1, os.SEEK_END)
            return stream.read(1) == b"\n"
    except FileNotFoundError:
        return True


class IndexEntry(BaseModel):
    """One line of ``run.jsonl``: a story finished or failed."""

    story_id: str
    status: Literal["done", "failed"]
    fingerprint: str | None = None
    files: list[str] = []
    sources: int = 0
    contradictions: int = 0
    # What --fail-on needs when a re-run skips the story (None: written by an older
    # version, so the story runs again rather than pass a gate unread).
    findings: list[str] | None = None
    error: str | None = None


Renderer = Callable[[RunReport, str], str]


class BatchDirectory:
    """A directory that receives one report per story as each finishes."""

    def __init__(self, directory: Path, formats: list[str], render: Renderer, run: RunInfo) -> None:
        self.directory = directory
        self.formats = formats
        self.render = render
        self.run = run
        self.index_path = directory / INDEX_NAME
        # Problems met reading the index of an earlier run, for the command to show.
        self.warnings: list[str] = []
        directory.mkdir(parents=True, exist_ok=True)
        self._finished = self._read_index()
        # Report file stems, case-folded (as a case-insensitive file system compares them),
        # and the story holding each: two stories never write the same file, and a story
        # keeps the stem an earlier run gave it.
        self._stems: dict[str, str] = {}
        self._stem_of: dict[str, str] = {}
        for entry in self._finished.values():
            if entry.files:
                self._claim(entry.story_id, entry.files[0].rsplit(".", 1)[0])

    def _read_index(self) -> dict[str, IndexEntry]:
        entries: dict[str, IndexEntry] = {}
        if not self.index_path.exists():
            return entries
        text = self.index_path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = IndexEntry.model_validate_json(line)
            except ValidationError:
                # A line cut short by a crash: that story simply runs again.
                self.warnings.append(
                    f"{self.index_path} line {number} is not a whole entry (a run stopped "
                    "while writing it); skipped, so its story runs again"
                )
                continue
            entries[entry.story_id] = entry
        return entries

    def is_done(self, story: Story, fingerprint: str) -> bool:
        """True when this story's reports from an identical earlier run are all on disk."""
        entry = self._finished.get(story.id)
        return (
            entry is not None
            and entry.status == "done"
            and entry.fingerprint == fingerprint
            and entry.findings is not None
            and all((self.directory / name).exists() for name in entry.files)
        )

    def _claim(self, story_id: str, stem: str) -> None:
        self._stems.setdefault(stem.casefold(), story_id)
        self._stem_of[story_id] = stem

    def stem_for(self, story_id: str) -> str:
        """The stem of the story's report files: stable across runs, unique in the directory."""
        stem = self._stem_of.get(story_id)
        if stem is not None:
            return stem
        stem, attempt = file_stem(story_id), 0
        while self._stems.get(stem.casefold(), story_id) != story_id:
            stem, attempt = _longer_stem(story_id, attempt), attempt + 1
        self._claim(story_id, stem)
        return stem

    def finished_entry(self, story_id: str) -> IndexEntry | None:
        """The index entry of a story finished by an earlier run, if any."""
        return self._finished.get(story_id)

    def write_story(self, report: StoryReport, fingerprint: str) -> IndexEntry:
        """Render the story's reports, write them, then record it in the index."""
        single = RunReport(run=self.run, stories=[report])
        return self.write_texts(
            report.story.id,
            {format_name: self.render(single, format_name) for format_name in self.formats},
            fingerprint=fingerprint,
            sources=len(report.story.documents),
            contradictions=len(report.findings()),
            findings=finding_kinds(report),
        )

    def write_texts(
        self,
        story_id: str,
        texts: dict[str, str],
        *,
        fingerprint: str,
        sources: int,
        contradictions: int,
        findings: list[str],
    ) -> IndexEntry:
        """Write a story's reports, rendered already (by the worker that ran it), one
        file per format of the directory, each atomically; then record it in the index."""
        stem = self.stem_for(story_id)
        files = []
        for format_name in self.formats:
            name = f"{stem}.{format_name}"
            write_atomically(self.directory / name, texts[format_name])
            files.append(name)
        entry = IndexEntry(
            story_id=story_id,
            status="done",
            fingerprint=fingerprint,
            files=files,
            sources=sources,
            contradictions=contradictions,
            findings=findings,
        )
        self._append(entry)
        return entry

    def write_failure(self, failure: StoryFailure) -> IndexEntry:
        """Record a story that failed, so the index lists it."""
        entry = IndexEntry(story_id=failure.story_id, status="failed", error=failure.error)
        self._append(entry)
        return entry

    def _append(self, entry: IndexEntry) -> None:
        line = json.dumps(entry.model_dump(mode="json"), ensure_ascii=False) + "\n"
        if not _ends_with_newline(self.index_path):
            line = "\n" + line  # after a cut last line, not glued to it
        # One write of one line in append mode: a crash leaves at most a cut last line.
        with self.index_path.open("a", encoding="utf-8") as stream:
            stream.write(line)
            stream.flush()
            os.fsync(stream.fileno())
        self._finished[entry.story_id] = entry
