"""Offline story-level check of names: one source's spelling against all the others.

A sentence comparison only sees a misspelt name when another source has a
sentence about the same thing. Across the story, a name that one source alone
uses and that is a likely misspelling of a name other sources use ("Laisi"
where another source's photo caption says "Ebrahim Raisi"; "Rice" which sounds
like "Raisi") is suspect wherever it stands. Each such name gives an ``entity``
contradiction on the claim that contains it, against every source that uses
the other spelling. Captions count as the source's words too: they often name
the people that a story's text only quotes.

A name that the source itself also spells the other way is left alone: a
writer who names both "Khomeini" and "Khamenei" knows they are two people.
Between two spellings, the better attested one is taken as right (more
sources, then more mentions, then the fuller name: "Ebrahim Raisi" over
"Laisi"); when neither is, neither is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from veracity.comparison.alignment import StoryAlignment
from veracity.comparison.calibration import calibrated_confidence
from veracity.comparison.differences import autocorrected
from veracity.models import Claim, Disagreement, Document, Stance, Story, Verdict
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl
from veracity.text.lexicon import is_common_word
from veracity.text.names import (
    NameMention,
    NameRelation,
    differing_words,
    find_names,
    is_title,
    name_relation,
    normalize_name,
    sounds_alike,
    spelling_variant,
)

NAME = "name_check"
# Hand-set priors, before labels (see veracity.comparison.calibration): a slip needs a
# name (not a common word), no romanization, and a sound-alike the same office.
MISSPELLING_CONFIDENCE = 0.8
SOUND_ALIKE_CONFIDENCE = 0.75
# Share of a headline's longer words that are capitalized from which it is in Title Case,
# and its capitals say nothing about names.
TITLE_CASE_SHARE = 0.6


@dataclass(frozen=True)
class _Use:
    """A name as one source writes it: in its text (with the mention) or in a caption."""

    name: str
    mention: NameMention | None
    caption: str | None


def _uses(document: Document) -> list[_Use]:
    uses = [_Use(name.text, name, None) for name in find_names(document.text) if name.certain]
    for caption in document.meta.captions:
        uses.extend(_Use(name.text, None, caption) for name in find_names(caption) if name.certain)
    if document.title and not is_title_case(document.title):
        uses.extend(_Use(name.text, None, None) for name in find_names(document.title))
    return uses


def is_title_case(headline: str) -> bool:
    """Whether most longer words of a headline are capitalized ("Ship Strikes Bridge")."""
    words = [word for word in headline.split() if len(word) > 3 and word[:1].isalpha()]
    if len(words) < 3:
        return False
    return sum(word[:1].isupper() for word in words) / len(words) >= TITLE_CASE_SHARE


# Nouns of office that stand before a leader's name without being a title of it.
_OFFICE_NOUNS = frozenset("counterpart leader head chief host guest".split())


def _titled(text: str, start: int) -> str | None:
    """The title or office just before a name ("President" in "Russian President Rice")."""
    before = text[max(0, start - 40) : start].split()
    if before:
        word = before[-1].strip(",.;:").casefold()
        if is_title(word) or word in _OFFICE_NOUNS:
            return word
    return None


def _holds_office(name: str, document: Document) -> bool:
    """Whether a source puts a title or office before a name, in its text or captions."""
    for text in (document.text, *document.meta.captions):
        position = text.find(name)
        while position != -1:
            if _titled(text, position) is not None:
                return True
            position = text.find(name, position + 1)
    return False


def _could_be_a_slip(mention: NameMention, text: str) -> bool:
    """Whether a name one source alone uses is a name at all, not a capitalized word.

    One capitalized word that is also a common English word ("Tourists" glued to a
    photo gallery, "Thank" opening a quote, "Time" the magazine) is not taken for
    a misspelt name unless a title stands before it ("President Rice").
    """
    if " " in mention.text.strip():
        return True
    return not is_common_word(mention.text) or _titled(text, mention.span.start) is not None


def _same_position(name: str, other: str) -> bool:
    """Whether a one-word name resembles the other name as a whole or as its last word."""
    if " " in name.strip() or " " not in other.strip():
        return True
    last = other.split()[-1]
    return name_relation(name, last) is not NameRelation.DIFFERENT or sounds_alike(name, last)


@lru_cache(maxsize=65536)
def _same(a: str, b: str) -> bool:
    return name_relation(a, b) in (NameRelation.SAME, NameRelation.PART)


def _slip(word: str, other: str, *, most: int, length: int) -> bool:
    """At most ``most`` edits apart, lengths within ``length``; words in capitals excluded."""
    if word.isupper() or other.isupper() or abs(len(word) - len(other)) > length:
        return False
    return Levenshtein.distance(word.casefold(), other.casefold()) <= most


@lru_cache(maxsize=65536)
def _resembles(name: str, other: str) -> str | None:
    """How ``name`` may be a slip for ``other``: a misspelling, a sound-alike or not at all.

    Across a whole story a name has no sentence around it to vouch for the
    pairing, so only small slips count: one or two letters ("Laisi", "Raisi"),
    never a longer or shorter word ("Fake", "Fakery").
    """
    words = name.split()
    # Both answers below need a word of each at most 3 edits and 2 letters apart: most pairs
    # fail that cheap test, and name_relation (the expensive part) is then not needed.
    if not any(
        w != o
        and abs(len(w) - len(o)) <= 2
        and Levenshtein.distance(w.casefold(), o.casefold()) <= 3
        for w in words
        for o in other.split()
    ):
        return None
    if not _same_position(name, other):
        return None
    if name_relation(name, other) is NameRelation.MISSPELLING:
        if spelling_variant(name, other) == "transliteration" and not _autocorrected(name, other):
            return None
        if any(_slip(w, o, most=2, length=1) for w in words for o in other.split() if w != o):
            return "misspelling"
        return None
    if len(words) == 1:
        for word in other.split():
            if sounds_alike(name, word) and _slip(name, word, most=3, length=2):
                return "sound-alike"
    return None


def _autocorrected(name: str, other: str) -> bool:
    """Whether a differing word of the two spellings is what a spelling checker makes."""
    return any(autocorrected(word, theirs) for word, theirs in differing_words(name, other))


def _claim_holding(claims: list[Claim], mention: NameMention) -> Claim | None:
    holding = [
        claim
        for claim in claims
        if claim.span.start <= mention.span.start and mention.span.end <= claim.span.end
    ]
    return min(holding, key=lambda claim: claim.span.end - claim.span.start, default=None)


def _verdict(
    claim: Claim,
    mention: NameMention,
    other: Document,
    use: _Use,
    how: str,
    alignment: StoryAlignment,
) -> Verdict:
    evidence = evidence_span = None
    if use.mention is not None:
        index = alignment.sentence_at(other.id, use.mention.span.start, use.mention.span.end)
        if index is not None:
            sentence = alignment.sentences[other.id][index]
            evidence, evidence_span = sentence.text, sentence.span
    where = f"in a photo caption: '{use.caption}'" if use.caption is not None else "in its text"
    if use.caption is None and use.mention is None:
        where = "in its headline"
    likeness = "is a likely misspelling of" if how == "misspelling" else "sounds like"
    return Verdict(
        claim_id=claim.id,
        source_id=claim.source_id,
        against_source_id=other.id,
        stance=Stance.CONTRADICTS,
        disagreement=Disagreement.ENTITY,
        evidence=evidence,
        evidence_span=evidence_span,
        explanation=(
            f"name '{mention.text}' is used by no other source and {likeness} "
            f"'{use.name}', which {other.id} uses {where}"
        ),
        confidence=calibrated_confidence(
            f"name_check.{how}",
            MISSPELLING_CONFIDENCE if how == "misspelling" else SOUND_ALIKE_CONFIDENCE,
        ),
        checker=NAME,
        rule=f"name_check.{how}",
    )


class _NameIndex:
    """Names indexed by their words, so that "is this name among them" is a few lookups."""

    def __init__(self, names: list[str]) -> None:
        self.by_word: dict[str, list[str]] = {}
        for name in names:
            key = normalize_name(name)
            for word in {key, *key.split(), "".join(w[:1] for w in key.split())}:
                self.by_word.setdefault(word, []).append(name)

    def knows(self, name: str) -> bool:
        """Whether a name of the index is the same as ``name`` or a part of it (or it of one)."""
        key = normalize_name(name)
        words = {key, *key.split(), "".join(w[:1] for w in key.split())}
        candidates = {n for word in words for n in self.by_word.get(word, [])}
        return any(_same(name, candidate) for candidate in sorted(candidates))


def _both_hold_office(mention: NameMention, document: Document, name: str, other: Document) -> bool:
    return _titled(document.text, mention.span.start) is not None and _holds_office(name, other)


def _attestation(name: str, uses: dict[str, list[_Use]]) -> tuple[int, int, int]:
    """How well a spelling is attested: sources using it, mentions, words in its fullest form."""
    sources = mentions = words = 0
    for source_uses in uses.values():
        same = [use.name for use in source_uses if _same(name, use.name)]
        sources += bool(same)
        mentions += len(same)
        words = max([words, *(len(form.split()) for form in same)])
    return sources, mentions, words


def check_names(story: Story, claims: list[Claim], alignment: StoryAlignment) -> list[Verdict]:
    """Contradictions for names that one source alone uses and that others spell otherwise."""
    uses = {document.id: _uses(document) for document in story.documents}
    by_source: dict[str, list[Claim]] = {}
    for claim in claims:
        by_source.setdefault(claim.source_id, []).append(claim)
    verdicts: dict[tuple[str, str], Verdict] = {}
    for document in story.documents:
        own = _NameIndex(sorted({use.name for use in uses[document.id]}))
        others = [o for o in story.documents if o.id != document.id]
        elsewhere = _NameIndex(sorted({u.name for o in others for u in uses[o.id]}))
        for use in uses[document.id]:
            mention = use.mention
            if mention is None:
                continue
            if elsewhere.knows(mention.text):
                continue  # another source uses this name too
            if not _could_be_a_slip(mention, document.text):
                continue
            holding = _claim_holding(by_source.get(document.id, []), mention)
            if holding is None:
                continue
            for other in others:
                found: list[tuple[int, float, _Use, str]] = []
                for candidate in uses[other.id]:
                    how = _resembles(mention.text, candidate.name)
                    if how is None or own.knows(candidate.name):
                        # A name this source knows too is another person ("Khomeini").
                        continue
                    if how == "sound-alike" and not _both_hold_office(
                        mention, document, candidate.name, other
                    ):
                        # Sounding alike is weak: both names must stand in an office too.
                        continue
                    if _attestation(candidate.name, uses) <= _attestation(mention.text, uses):
                        continue  # no reason to prefer the other spelling
                    in_text = 0 if candidate.mention is not None else 1
                    found.append(
                        (in_text, -fuzz.ratio(mention.text, candidate.name), candidate, how)
                    )
                if not found:
                    continue
                _, _, best, how = min(found, key=lambda item: (item[0], item[1], item[2].name))
                key = (holding.id, other.id)
                if key not in verdicts:
                    verdicts[key] = _verdict(holding, mention, other, best, how, alignment)
    return list(verdicts.values())


@hookimpl(trylast=True)
def veracity_cross_check(story: Story, claims: list[Claim], context: StageContext) -> list[Verdict]:
    """Flag names that one source alone uses and that other sources spell otherwise."""
    if context.uses_llm or len(story.documents) < 2:
        return []
    return check_names(story, claims, context.alignment(story))
