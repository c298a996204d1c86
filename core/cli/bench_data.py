"""The labelled data ``veracity bench`` reads, checked line by line.

Two formats:

- **summary consistency** (JSONL): one record a line with ``document`` (the
  article), ``summary`` and ``label`` (1 consistent, 0 inconsistent), as
  ``frank-cnndm_dev.jsonl`` in the shared benchdata;
- **labelled stories** (a folder): ``stories/<story>/<n>.txt`` articles,
  ``labels.jsonl`` (the engine's findings judged TRUE, FALSE or update) and
  ``gold.json`` (the genuine disagreements per story), as ``realnews-dev``.

Every problem is a :class:`BenchDataError` with one line: the file, the line or
key, what is wrong and how to fix it. Article text is read where it lies and
never copied.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from veracity.errors import InputError
from veracity.text.names import recase

SUMMARY_FIELDS = ("document", "summary", "label")
FINDING_LABELS = ("TRUE", "FALSE", "update")
LABEL_FIELDS = ("story", "source", "against", "claim_quote", "evidence_quote", "label")


class BenchDataError(InputError):
    """Labelled data that cannot be used; the message is one line that says where and why."""


class SummaryRecord(BaseModel):
    """An article, a summary of it, and whether people found the summary consistent."""

    id: str
    document: str
    summary: str
    consistent: bool


class FindingLabel(BaseModel):
    """A finding of the engine as a person judged it."""

    story: str
    source: str = Field(description="'<document id>:<outlet>' of the claim's source.")
    against: str
    claim_quote: str
    evidence_quote: str
    label: str


class GoldDisagreement(BaseModel):
    """A genuine disagreement between outlets: the differing text in each, and which side."""

    id: str
    story: str
    texts: dict[str, list[str]]
    side: dict[str, int]


class StoryBench(BaseModel):
    """A labelled story collection."""

    stories: list[Path]
    labels: list[FindingLabel]
    gold: list[GoldDisagreement]


def _json_line(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as error:
        raise BenchDataError(
            f"{path}:{number}: not JSON ({error.msg}); each line must be one JSON object"
        ) from None
    if not isinstance(raw, dict):
        raise BenchDataError(
            f"{path}:{number}: a line must be a JSON object, not {type(raw).__name__}"
        )
    return raw


def _lines(path: Path) -> list[tuple[int, str]]:
    if not path.is_file():
        raise BenchDataError(f"{path}: no such file; pass a JSONL file of labelled records")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BenchDataError(f"{path}: not UTF-8 text; save it as UTF-8 JSONL") from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise BenchDataError(f"{path}: empty; it needs one JSON record a line")
    return lines


def read_summary_records(path: Path, limit: int | None = None) -> list[SummaryRecord]:
    """The records of a summary-consistency JSONL file (the first ``limit``), checked."""
    records: list[SummaryRecord] = []
    for number, line in _lines(path):
        if limit is not None and len(records) >= limit:
            break
        raw = _json_line(path, number, line)
        missing = [name for name in SUMMARY_FIELDS if name not in raw]
        if missing:
            raise BenchDataError(
                f"{path}:{number}: missing field {', '.join(repr(m) for m in missing)}; "
                "each record needs 'document', 'summary' and 'label' (1 consistent, 0 not)"
            )
        for name in ("document", "summary"):
            if not isinstance(raw[name], str) or not raw[name].strip():
                raise BenchDataError(f"{path}:{number}: '{name}' must be non-empty text")
        label = raw["label"]
        if isinstance(label, bool) or label not in (0, 1):
            raise BenchDataError(
                f"{path}:{number}: 'label' is {json.dumps(label)}; use 1 (consistent) or 0 (inconsistent)"
            )
        records.append(
            SummaryRecord(
                id=str(raw.get("id", f"{path.name}:{number}")),
                document=raw["document"],
                summary=raw["summary"],
                consistent=label == 1,
            )
        )
    return records


def read_story_bench(folder: Path, limit: int | None = None) -> StoryBench:
    """A labelled story folder (``stories/``, ``labels.jsonl``, ``gold.json``), checked."""
    stories_dir = folder / "stories"
    if not stories_dir.is_dir():
        raise BenchDataError(
            f"{folder}: no 'stories' folder; a story benchmark holds stories/<story>/*.txt, "
            "labels.jsonl and gold.json"
        )
    stories = sorted(path for path in stories_dir.iterdir() if path.is_dir())
    if not stories:
        raise BenchDataError(f"{stories_dir}: no story folders in it")
    if limit is not None:
        stories = stories[:limit]
    labels = []
    labels_path = folder / "labels.jsonl"
    for number, line in _lines(labels_path):
        raw = _json_line(labels_path, number, line)
        missing = [name for name in LABEL_FIELDS if name not in raw]
        if missing:
            raise BenchDataError(
                f"{labels_path}:{number}: missing field {', '.join(repr(m) for m in missing)}; "
                f"each label needs {', '.join(LABEL_FIELDS)}"
            )
        if raw["label"] not in FINDING_LABELS:
            raise BenchDataError(
                f"{labels_path}:{number}: 'label' is {json.dumps(raw['label'])}; "
                "use TRUE, FALSE or update"
            )
        labels.append(FindingLabel.model_validate({name: raw[name] for name in LABEL_FIELDS}))
    return StoryBench(stories=stories, labels=labels, gold=_read_gold(folder / "gold.json"))


def _read_gold(path: Path) -> list[GoldDisagreement]:
    if not path.is_file():
        raise BenchDataError(f"{path}: no such file; it lists the genuine disagreements per story")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BenchDataError(
            f"{path}: not a JSON document ({error}); fix or regenerate it"
        ) from None
    stories = raw.get("stories") if isinstance(raw, dict) else None
    if not isinstance(stories, dict):
        raise BenchDataError(f"{path}: needs an object 'stories' mapping story names to their data")
    gold = []
    for story, entry in stories.items():
        for position, item in enumerate((entry or {}).get("disagreements", [])):
            where = f"{path}: stories.{story}.disagreements[{position}]"
            if not isinstance(item, dict) or not all(k in item for k in ("texts", "side")):
                raise BenchDataError(f"{where}: needs 'texts' and 'side' per outlet")
            try:
                gold.append(
                    GoldDisagreement(
                        id=str(item.get("id", f"{story}#{position + 1}")),
                        story=story,
                        texts=item["texts"],
                        side=item["side"],
                    )
                )
            except ValueError as error:
                first = str(error).splitlines()[:3]
                raise BenchDataError(f"{where}: {' '.join(first)}") from None
    return gold


# FRANK summaries are lower-cased and PTB-tokenized (bench/frank_bench.py uses this too).
_PTB = (
    (r"-lrb-", "("), (r"-rrb-", ")"), (r"-lsb-", "["), (r"-rsb-", "]"),
    (r"``\s*(.*?)\s*''", r"“\1”"),
    (r"(?<!\w)`\s+(.*?)\s+'(?=\s|$)", r"‘\1’"),
    (r"\s+(n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1"),
    (r"\$\s+(?=\d)", "$"), (r"#\s*(?=\d)", "£"),
    (r"\s+([.,:;?!%)\]])", r"\1"), (r"([(\[])\s+", r"\1"),
    (r"\s+--\s+", " - "),
    # The decoder's out-of-vocabulary token stands for a word it could not spell, not a name.
    (r"\bUNK\b", "unk"),
)  # fmt: skip
_SENTENCE_START = re.compile(r"(^|[.!?]\s+|[“‘]\s*)([a-z])")


def normalize_summary(summary: str, article: str) -> str:
    """A PTB-tokenized, lower-cased summary written back as running text, cased as the article.

    Text that is neither (ordinary prose) comes back with at most its sentence
    starts capitalized.
    """
    text = summary
    for pattern, replacement in _PTB:
        text = re.sub(pattern, replacement, text)
    text = recase(text, [article])
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)
