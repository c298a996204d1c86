"""Planted-error benchmark of the offline engine (FactCC-style perturbations).

Each multi-source story (the seed story in ``seeds/`` and the stories in
``bench/stories/``) is loaded as veracity loads it. A seeded script then makes
copies of one source of the story:

* an *edited copy* carries exactly one planted error of a known kind
  (``number``, ``date``, ``entity`` swap, name ``spelling`` slip, ``negation``,
  ``quote`` word) at a known place;
* a *paraphrase* keeps every fact: synonyms outside quotes, "US"/"U.S.",
  "30 km"/"30 kilometers", "percent"/"%", an opening phrase moved to the end
  of its sentence, a parenthesis or a non-essential clause dropped, two
  paragraphs swapped;
* an *edited paraphrase* is a paraphrase that also carries one planted error,
  the way a spun copy of a wire report does.

Every copy is added as one more source to its story, and the story is run
through the real offline pipeline. Only the verdicts between the copy and the
source it was made from are scored: a contradiction whose claim (or evidence)
covers the planted error is a hit, any other contradiction between the two is
a false alarm. Recall counts edits that got at least one hit; "typed" recall
also asks that the verdict names the right kind of disagreement.

Run it from the repository root::

    /work/venv/bin/python bench/perturbation_bench.py            # full set
    /work/venv/bin/python bench/perturbation_bench.py --small    # CI set, a few seconds
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from veracity import Disagreement, Document, Pipeline, Settings, Story, StoryReport
from veracity.text.names import normalize_name
from veracity.text.segmentation import split_sentences

ROOT = Path(__file__).resolve().parent.parent
STORY_DIRS = (ROOT / "seeds", *sorted((ROOT / "bench" / "stories").iterdir()))

# The planted error kinds and the disagreement a verdict should name for each.
EXPECTED: dict[str, Disagreement] = {
    "number": Disagreement.NUMBER,
    "date": Disagreement.DATE,
    "entity": Disagreement.ENTITY,
    "spelling": Disagreement.ENTITY,
    "negation": Disagreement.NEGATION,
    "quote": Disagreement.QUOTE,
}
KINDS = tuple(EXPECTED)

# Names of each story, by type: an entity swap replaces a name by another of its type,
# as FactCC swaps entities of the same NER class.
ENTITIES: dict[str, dict[str, tuple[str, ...]]] = {
    "seeds": {
        "person": (
            "Vladimir Putin", "Ali Khamenei", "Tayyip Erdogan", "Joe Biden", "Yuri Ushakov",
            "Donald Trump", "Bashar al-Assad", "Putin", "Khamenei", "Erdogan", "Ushakov",
        ),
        "place": (
            "Iran", "Turkey", "Syria", "Russia", "China", "India", "Israel", "Saudi Arabia",
            "Ukraine", "Tehran", "Moscow", "Ankara", "Beijing", "Asia",
        ),
        "organisation": ("NATO", "Reuters", "Gazprom", "United Nations"),
    },
    "dam": {
        "person": ("Elena Marsh", "Tomas Weller", "Karin Dahl", "Marsh", "Weller", "Dahl"),
        "place": ("Harwick Valley", "Lenne River", "Ostrava Nova", "Mirow", "Brussels"),
        "organisation": ("Lenne Energie", "Brandt Bau", "Save the Lenne", "European Commission"),
    },
    "summit": {
        "person": (
            "Ana Ribeiro", "Luis Ortega", "Youssef Amrani", "Marta Lindqvist", "Ortega",
            "Ribeiro", "Amrani",
        ),
        "place": (
            "Portugal", "Spain", "Morocco", "Galicia", "Vigo", "Africa", "Madrid", "Lisbon",
        ),
        "organisation": ("European Union", "Harbour Press Agency"),
    },
    "quake": {
        "person": ("Irena Kovac", "Viktor Halas", "Jonas Berg", "Halas", "Kovac", "Berg"),
        "place": ("Tarvena", "Kessin", "Dolna", "Brezno"),
        "organisation": ("Red Cross", "Tarvena Power"),
    },
}  # fmt: skip

_NUMBER_WORDS = "two three four five six seven eight nine ten eleven twelve forty fifty".split()
_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
# Synonyms a careless rewrite puts inside a quotation: the words change, so the quote is altered.
_QUOTE_SYNONYMS = {
    "important": "crucial", "protect": "shield", "homes": "houses", "save": "rescue",
    "fight": "battle", "wanted": "desired", "accept": "tolerate", "problem": "issue",
    "family": "household", "shook": "trembled", "lost": "forfeited", "grow": "develop",
    "step": "move", "short": "small", "contact": "engagement", "developed": "emerged",
    "identical": "the same", "harm": "damage", "definitely": "certainly", "close": "near",
    "everything": "all", "spend": "pass", "walls": "buildings", "minute": "moment",
    "trusting": "confident", "chosen": "decided", "floods": "flooding", "years": "seasons",
}  # fmt: skip
# Faithful synonyms for running text (never applied inside quotation marks).
_SYNONYMS = {
    "talks": "discussions", "officials": "authorities", "residents": "inhabitants",
    "promised": "pledged", "began": "started", "roughly": "approximately", "help": "assist",
    "strengthen": "reinforce", "sharply": "steeply", "meeting": "encounter",
    "complained": "protested", "campaign group": "pressure group", "searched": "combed",
    "damaging": "harming", "expected": "anticipated", "necessary": "needed",
    "agreement": "accord", "reporters": "journalists", "spend": "devote", "urged": "pressed",
    "plan": "intend", "keen": "eager", "emerging": "nascent", "important": "significant",
    "reduce": "lessen", "strongest": "staunchest", "deal": "accord", "visited": "went to",
}  # fmt: skip
_UNIT_SWAPS = (
    (r"\b(\d[\d,.]*) kilometers\b", r"\1 km"),
    (r"\b(\d[\d,.]*) km\b", r"\1 kilometers"),
    (r"\b(\d[\d,.]*) percent\b", r"\1%"),
    (r"\$(\d[\d,.]*) billion\b", r"\1 billion dollars"),
    (r"\b(\d[\d,.]*) million dollars\b", r"$\1 million"),
    (r"\b(\d[\d,.]*) billion euros\b", r"€\1 billion"),
    (r"\b(\d[\d,.]*)-metre\b", r"\1-meter"),
    (r"\bFeb\. (\d)", r"February \1"),
    (r"\bU\.S\.(?=[\s-])", "US"),
    (r"\bUS(?=[\s-])", "U.S."),
    (r"\bdialogue\b", "dialog"),
)
_OPENERS = re.compile(
    r"^(?P<intro>(?:In|On|After|Before|During|Ahead of|According to) [^,\"“”]{3,50}), "
    r"(?P<rest>[^\"“”]+)\.$"
)
_LOWER_OPENERS = frozenset("The A An His Her Its Their Our Officials Scientists Power".split())
_QUOTE_PAIRS = re.compile(r"\"[^\"\n]+\"|“[^”\n]+”|‘[^’\n]{12,}’")


@dataclass(frozen=True)
class Edit:
    """One planted error: its kind and where it stands in the edited text."""

    kind: str
    start: int
    end: int
    before: str
    after: str


@dataclass(frozen=True)
class Variant:
    """A copy of one source of a story, with the edit it carries (None for a paraphrase)."""

    story: Story
    base: Document
    copy: Document
    setting: str  # "copy", "paraphrase" or "edited paraphrase"
    edit: Edit | None


@dataclass
class Tally:
    """Counts for one group of cases."""

    cases: int = 0
    detected: int = 0
    typed: int = 0
    hits: int = 0
    false_alarms: int = 0
    alarmed: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.detected / self.cases if self.cases else 0.0

    @property
    def typed_recall(self) -> float:
        return self.typed / self.cases if self.cases else 0.0

    @property
    def alarm_rate(self) -> float:
        return self.alarmed / self.cases if self.cases else 0.0

    @property
    def precision(self) -> float:
        flagged = self.hits + self.false_alarms
        return self.hits / flagged if flagged else 1.0


# --- stories ----------------------------------------------------------------------------------


def load_stories(pipeline: Pipeline) -> list[Story]:
    """The seed story and the self-written stories, loaded as ``veracity run`` loads them."""
    stories = []
    for folder in STORY_DIRS:
        for loaded in pipeline.load([folder]):
            if isinstance(loaded, Story):
                stories.append(loaded)
    return stories


def _claim_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences the offline engine makes claims of (five words or more)."""
    return [(s.span.start, s.span.end) for s in split_sentences(text) if len(s.text.split()) >= 5]


def _quote_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _QUOTE_PAIRS.finditer(text)]


def _inside(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


# --- planted errors ---------------------------------------------------------------------------

Site = tuple[int, int, str]  # start, end, replacement


def _number_sites(text: str, rng: random.Random) -> list[Site]:
    sites: list[Site] = []
    for match in re.finditer(
        r"(?<![\w.,:/-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w:/]|[.,]\d)", text
    ):
        raw = match.group()
        before = text[max(0, match.start() - 12) : match.start()]
        after = text[match.end() : match.end() + 12]
        value = float(raw.replace(",", ""))
        if (
            re.fullmatch(r"(?:19|20)\d\d", raw)
            or any(m in before for m in _MONTHS)
            or any(after.lstrip().startswith(m) for m in _MONTHS)
        ):
            continue  # a year or a day of the month: the date edits handle those
        if "Feb." in before or re.search(r"\(\w*$", before):
            continue
        factor = rng.choice((0.4, 0.5, 1.6, 2.0, 2.5, 3.0))
        new = value * factor
        if "." in raw:
            replacement = f"{new:.{len(raw.split('.')[1])}f}"
        elif "," in raw:
            replacement = f"{round(new):,}"
        else:
            replacement = str(max(round(new), 1) if round(new) != value else round(value) + 3)
        if replacement != raw:
            sites.append((match.start(), match.end(), replacement))
    for match in re.finditer(rf"\b(?:{'|'.join(_NUMBER_WORDS)})\b", text, re.IGNORECASE):
        word = match.group()
        options = [w for w in _NUMBER_WORDS if w != word.lower()]
        replacement = rng.choice(options)
        if word[0].isupper():
            replacement = replacement.capitalize()
        sites.append((match.start(), match.end(), replacement))
    return sites


def _date_sites(text: str, rng: random.Random) -> list[Site]:
    sites: list[Site] = []
    for match in re.finditer(rf"\b(?:{'|'.join(_MONTHS)})\b", text):
        # "May" is a month before a day or a year, or after "in"; else it is the verb.
        if (
            match.group() == "May"
            and not re.match(r"\s+\d", text[match.end() :])
            and not re.search(r"\bin\s+$", text[: match.start()])
        ):
            continue
        replacement = rng.choice([m for m in _MONTHS if m != match.group()])
        sites.append((match.start(), match.end(), replacement))
    for match in re.finditer(rf"\b(?:{'|'.join(_WEEKDAYS)})\b", text):
        replacement = rng.choice([d for d in _WEEKDAYS if d != match.group()])
        sites.append((match.start(), match.end(), replacement))
    for match in re.finditer(r"(?<![\w.,$])(?:19|20)\d\d(?![\w%]|[.,]\d)", text):
        year = int(match.group()) + rng.choice((-3, -2, -1, 1, 2, 4))
        sites.append((match.start(), match.end(), str(year)))
    for match in re.finditer(rf"\b(?:{'|'.join(_MONTHS)}|Feb\.) (\d{{1,2}})\b", text):
        day = int(match.group(1))
        new_day = day + rng.choice((-9, -5, -2, 2, 5, 8)) if day > 10 else day + rng.choice((3, 6))
        sites.append((match.start(1), match.end(1), str(min(max(new_day, 1), 28))))
    return [site for site in sites if text[site[0] : site[1]] != site[2]]


def _entity_sites(text: str, rng: random.Random, story_id: str) -> list[Site]:
    sites: list[Site] = []
    types = ENTITIES[story_id]
    taken: list[tuple[int, int]] = []
    for names in types.values():
        for name in sorted(names, key=len, reverse=True):
            for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
                if any(s < match.end() and match.start() < e for s, e in taken):
                    continue
                taken.append((match.start(), match.end()))
                sentence = _sentence_around(text, match.start())
                options = [
                    other
                    for other in names
                    if normalize_name(other) != normalize_name(name)
                    and other not in sentence
                    and normalize_name(other).split()[-1] not in normalize_name(name).split()
                    and normalize_name(name).split()[-1] not in normalize_name(other).split()
                ]
                if options:
                    sites.append((match.start(), match.end(), rng.choice(sorted(options))))
    return sorted(sites)


def _spelling_sites(text: str, rng: random.Random, story_id: str) -> list[Site]:
    sites: list[Site] = []
    surnames = {name.split()[-1] for name in ENTITIES[story_id]["person"]}
    for surname in sorted(surnames):
        if len(surname) < 5 or "-" in surname:
            continue
        for match in re.finditer(rf"\b{re.escape(surname)}\b", text):
            position = rng.randrange(1, len(surname) - 1)
            letter = surname[position]
            vowels = "aeiou"
            if letter in vowels:
                new_letter = rng.choice([v for v in vowels if v != letter])
            else:
                new_letter = rng.choice([c for c in "bdklmnrst" if c != letter])
            replacement = surname[:position] + new_letter + surname[position + 1 :]
            sites.append((match.start(), match.end(), replacement))
    return sites


_AUXILIARY = re.compile(
    r"\b(?P<aux>will|would|could|can|should|must|did|does|do|is|was|are|were|has|have|had)"
    r" (?P<next>[a-z]+)\b"
)
_NEGATED = re.compile(
    r"\b(?:will|would|could|can|should|must|did|does|do|is|was|are|were|has|have|had) (not) "
)
_ANTONYMS = {"support": "oppose", "supports": "opposes", "supported": "opposed",
             "oppose": "support", "approved": "rejected", "confirmed": "denied",
             "agreed": "refused", "accept": "reject", "allowed": "banned"}  # fmt: skip


_BE_OR_HAVE = frozenset("is was are were has have had".split())


def _negation_sites(text: str) -> list[Site]:
    sites: list[Site] = []
    for match in _AUXILIARY.finditer(text):
        aux, following = match.group("aux"), match.group("next")
        if following in ("not", "no", "to", "a", "an", "the"):
            continue
        # "is", "was", "has"... take a "not" only before a participle: "was not expected".
        if aux in _BE_OR_HAVE and not re.search(r"(?:ed|en|ing|been|lost)$", following):
            continue
        sites.append((match.end("aux"), match.end("aux"), " not"))
    for match in _NEGATED.finditer(text):
        sites.append((match.start(1) - 1, match.end(1), ""))
    for word, opposite in _ANTONYMS.items():
        for match in re.finditer(rf"\b{word}\b", text):
            sites.append((match.start(), match.end(), opposite))
    return sites


def _quote_sites(text: str, rng: random.Random) -> list[Site]:
    sites: list[Site] = []
    for start, end in _quote_spans(text):
        inner = list(re.finditer(r"[A-Za-z]{4,}", text[start:end]))
        swappable = [m for m in inner if m.group().lower() in _QUOTE_SYNONYMS]
        if swappable:
            match = rng.choice(swappable)
            replacement = _QUOTE_SYNONYMS[match.group().lower()]
            sites.append((start + match.start(), start + match.end(), replacement))
        droppable = [m for m in inner[1:] if m.group().islower()]
        if droppable:
            match = rng.choice(droppable)
            # Drop the word and the space before it.
            sites.append((start + match.start() - 1, start + match.end(), ""))
    return sites


def _sentence_around(text: str, position: int) -> str:
    for sentence in split_sentences(text):
        if sentence.span.start <= position < sentence.span.end:
            return sentence.text
    return ""


def sites_for(kind: str, text: str, story_id: str, rng: random.Random) -> list[Site]:
    """Every place of ``text`` where an error of ``kind`` can be planted, in claim sentences."""
    finders: dict[str, Callable[[], list[Site]]] = {
        "number": lambda: _number_sites(text, rng),
        "date": lambda: _date_sites(text, rng),
        "entity": lambda: _entity_sites(text, rng, story_id),
        "spelling": lambda: _spelling_sites(text, rng, story_id),
        "negation": lambda: _negation_sites(text),
        "quote": lambda: _quote_sites(text, rng),
    }
    claims = _claim_sentences(text)
    quotes = _quote_spans(text)
    found = []
    for start, end, replacement in finders[kind]():
        if not any(s <= start and end <= e for s, e in claims):
            continue
        # Numbers, dates and names inside quotations count as their own kind; the
        # synonym edits of "quote" are the only edits made to a quote's words alone.
        if kind == "negation" and _inside(start, quotes):
            continue
        found.append((start, end, replacement))
    return sorted(set(found))


def plant(text: str, site: Site, kind: str) -> tuple[str, Edit]:
    """``text`` with one planted error, and where it now stands."""
    start, end, replacement = site
    edited = text[:start] + replacement + text[end:]
    after_end = start + len(replacement)
    # An edit that only deletes covers the words around the gap.
    span_start, span_end = (start, after_end) if replacement else (max(0, start - 1), start + 1)
    return edited, Edit(kind, span_start, span_end, text[start:end], replacement)


# --- faithful paraphrase ----------------------------------------------------------------------


def _outside_quotes(text: str, pattern: str, replacement: str, rng: random.Random) -> str:
    quotes = _quote_spans(text)

    def swap(match: re.Match[str]) -> str:
        if _inside(match.start(), quotes) or rng.random() < 0.3:
            return match.group()
        return match.expand(replacement)

    return re.sub(pattern, swap, text)


def _move_opener(sentence: str) -> str:
    match = _OPENERS.match(sentence)
    if not match:
        return sentence
    rest = match.group("rest")
    first = rest.split(" ", 1)[0]
    if first in _LOWER_OPENERS:
        rest = first.lower() + rest[len(first) :]
    intro = match.group("intro")
    intro = intro[0].lower() + intro[1:]
    rest = rest[0].upper() + rest[1:]
    return f"{rest} {intro}."


def _drop_clause(sentence: str) -> str:
    # A parenthesis or an appositive between commas that opens with "who" or "which";
    # never inside a quotation, whose words must stay as they are.
    if _quote_spans(sentence) or re.search(r"[\"“”‘’]", sentence.replace("’s", "")):
        return sentence
    dropped = re.sub(r" \([^()\"“”]{2,40}\)", "", sentence, count=1)
    if dropped != sentence:
        return dropped
    return re.sub(r", (?:who|which) [^,\"“”]{3,60},", "", sentence, count=1)


def paraphrase(text: str, rng: random.Random) -> str:
    """A faithful rewrite of ``text``: same facts, same quotations, other wording."""
    for word, synonym in _SYNONYMS.items():
        text = _outside_quotes(text, rf"\b{word}\b", synonym, rng)
    for pattern, replacement in _UNIT_SWAPS:
        text = _outside_quotes(text, pattern, replacement, rng)
    paragraphs = text.split("\n\n")
    rewritten = []
    for paragraph in paragraphs:
        sentences = [s.text for s in split_sentences(paragraph)]
        changed = []
        for sentence in sentences:
            if rng.random() < 0.7:
                sentence = _move_opener(sentence)
            if rng.random() < 0.7:
                sentence = _drop_clause(sentence)
            changed.append(sentence)
        rewritten.append(" ".join(changed))
    if len(rewritten) > 3:
        i = rng.randrange(1, len(rewritten) - 1)
        rewritten[i], rewritten[i + 1] = rewritten[i + 1], rewritten[i]
    return "\n\n".join(rewritten)


# --- cases ------------------------------------------------------------------------------------


def variants(
    stories: Sequence[Story], *, per_kind: int, paraphrases: int, seed: int
) -> Iterator[Variant]:
    """The benchmark's cases: edited copies, paraphrases and edited paraphrases."""
    rng = random.Random(seed)
    for story in stories:
        for base in story.documents:
            for setting in ("copy", "edited paraphrase"):
                for kind in KINDS:
                    text = base.text
                    if setting == "edited paraphrase":
                        text = paraphrase(text, random.Random(rng.random()))
                    sites = sites_for(kind, text, story.id, rng)
                    for site in rng.sample(sites, min(per_kind, len(sites))):
                        edited, edit = plant(text, site, kind)
                        name = f"{base.id}~{setting[:4]}-{kind}-{site[0]}"
                        copy = base.model_copy(update={"id": name, "text": edited})
                        yield Variant(story, base, copy, setting, edit)
            for number in range(paraphrases):
                text = paraphrase(base.text, random.Random(rng.random()))
                copy = base.model_copy(update={"id": f"{base.id}~para-{number}", "text": text})
                yield Variant(story, base, copy, "paraphrase", None)


def _with_copy(variant: Variant) -> Story:
    return Story(id=variant.story.id, documents=[*variant.story.documents, variant.copy])


def _at_edit(report: StoryReport, variant: Variant, verdict_index: int) -> bool:
    verdict = report.contradictions()[verdict_index]
    edit = variant.edit
    if edit is None:
        return False
    if verdict.source_id == variant.copy.id:
        span = report.claim(verdict.claim_id).span
    elif verdict.evidence_span is not None:
        span = verdict.evidence_span
    else:
        return False
    return span.start < edit.end and edit.start < span.end


def score(
    report: StoryReport, variant: Variant, tallies: dict[str, Tally], examples: int = 2
) -> None:
    """Add one case's verdicts between the copy and its base to the tallies."""
    pair = {variant.base.id, variant.copy.id}
    between = [
        (index, verdict)
        for index, verdict in enumerate(report.contradictions())
        if {verdict.source_id, verdict.against_source_id} == pair
    ]
    key = variant.edit.kind if variant.edit else "paraphrase"
    for group in (f"{variant.setting}:{key}", variant.setting):
        tally = tallies.setdefault(group, Tally())
        tally.cases += 1
        hits = [v for i, v in between if _at_edit(report, variant, i)]
        wrong = [v for i, v in between if not _at_edit(report, variant, i)]
        tally.hits += len(hits)
        tally.false_alarms += len(wrong)
        if wrong:
            tally.alarmed += 1
        if hits:
            tally.detected += 1
        if variant.edit and any(v.disagreement is EXPECTED[variant.edit.kind] for v in hits):
            tally.typed += 1
        if group != variant.setting and len(tally.examples) < examples:
            if variant.edit and not hits:
                tally.examples.append(
                    f"missed {variant.edit.before!r}->{variant.edit.after!r} in "
                    f"{_sentence_around(variant.copy.text, variant.edit.start)[:160]!r}"
                )
            for verdict in wrong[:1]:
                tally.examples.append(f"false alarm: {verdict.explanation[:200]}")


@dataclass
class Results:
    """What one benchmark run measured."""

    tallies: dict[str, Tally]
    documents: int
    seconds: float
    scaling: list[tuple[int, float, int]]

    def totals(self, setting: str) -> Tally:
        return self.tallies.get(setting, Tally())


def run_cases(
    *, small: bool, seed: int = 5, scaling: Sequence[int] = (2, 5, 10, 20, 50)
) -> Results:
    """Run every case through the offline pipeline and tally the verdicts."""
    pipeline = Pipeline(Settings(offline=True), load_entry_points=False)
    stories = load_stories(pipeline)
    if small:
        cases = list(variants(stories, per_kind=1, paraphrases=1, seed=seed))
    else:
        cases = list(variants(stories, per_kind=4, paraphrases=3, seed=seed))
    tallies: dict[str, Tally] = {}
    documents = 0
    started = time.perf_counter()
    for variant in cases:
        story = _with_copy(variant)
        report = pipeline.run_story(story)
        documents += len(story.documents)
        score(report, variant, tallies)
    seconds = time.perf_counter() - started
    return Results(tallies, documents, seconds, time_by_sources(pipeline, stories, scaling, seed))


def time_by_sources(
    pipeline: Pipeline, stories: Sequence[Story], sizes: Sequence[int], seed: int
) -> list[tuple[int, float, int]]:
    """Seconds to run one story of n sources (paraphrased and edited copies of a wire report)."""
    base_story = next(story for story in stories if story.id == "seeds")
    wire = max(base_story.documents, key=lambda document: len(document.text))
    rng = random.Random(seed)
    timings = []
    for size in sizes:
        documents = [wire]
        while len(documents) < size:
            text = paraphrase(wire.text, random.Random(rng.random()))
            sites = sites_for(rng.choice(KINDS), text, "seeds", rng)
            if sites:
                text, _ = plant(text, rng.choice(sites), "edit")
            documents.append(wire.model_copy(update={"id": f"copy-{len(documents)}", "text": text}))
        story = Story(id=f"scale-{size}", documents=documents)
        started = time.perf_counter()
        report = pipeline.run_story(story)
        timings.append((size, time.perf_counter() - started, len(report.verdicts)))
    return timings


# --- output -----------------------------------------------------------------------------------


def render(results: Results, *, verbose: bool) -> str:
    """The figures as plain-text tables."""
    lines = []
    for setting in ("copy", "edited paraphrase"):
        lines.append(f"planted errors, {setting} of a source:")
        lines.append(
            f"  {'kind':<10}{'cases':>6}{'recall':>8}{'typed':>8}{'precision':>11}{'verdicts':>10}"
        )
        for kind in (*KINDS, None):
            tally = results.tallies.get(f"{setting}:{kind}" if kind else setting)
            if tally is None:
                continue
            label = kind or "all"
            lines.append(
                f"  {label:<10}{tally.cases:>6}{tally.recall:>8.3f}{tally.typed_recall:>8.3f}"
                f"{tally.precision:>11.3f}{tally.hits + tally.false_alarms:>10}"
            )
            if verbose:
                lines.extend(f"      {example}" for example in tally.examples)
    para = results.totals("paraphrase")
    lines.append(
        f"faithful paraphrases: {para.cases} texts, {para.false_alarms} contradiction verdicts "
        f"between a text and its paraphrase, {para.alarmed} paraphrases with any "
        f"(false-alarm rate {para.alarm_rate:.3f})"
    )
    if verbose:
        lines.extend(
            f"      {example}"
            for example in results.tallies.get("paraphrase:paraphrase", Tally()).examples
        )
    lines.append(
        f"throughput: {results.documents} documents in {results.seconds:.1f} s = "
        f"{results.documents / results.seconds:.1f} documents/s (whole offline pipeline)"
    )
    lines.append("time per story by number of sources:")
    for size, seconds, verdicts in results.scaling:
        lines.append(f"  {size:>3} sources: {seconds:7.2f} s  ({verdicts} verdicts)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="small set for CI (seconds)")
    parser.add_argument("--seed", type=int, default=5, help="seed of the perturbation script")
    parser.add_argument("--verbose", action="store_true", help="show misses and false alarms")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    sizes = (2, 5, 10) if args.small else (2, 5, 10, 20, 50)
    results = run_cases(small=args.small, seed=args.seed, scaling=sizes)
    if args.json:
        print(json.dumps({name: vars(t) for name, t in results.tallies.items()}, indent=2))
    else:
        print(render(results, verbose=args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
