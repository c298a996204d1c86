"""Compare two sentences that report the same thing and name what contradicts.

An aligner has already judged the two sentences to be about the same fact;
this module says where they disagree and how: a quote whose words changed or
moved to another speaker, a number, a date, a name replaced or a list of names
grown or shrunk, a flipped polarity ("not", "support" vs "oppose"), or a
reversed direction ("rose" vs "fell").

Precision comes first. Paraphrase that keeps the facts (synonyms, reordering,
"US" vs "U.S.", "dialog" vs "dialogue", "30 km" vs "30 kilometers") and what a
shorter sentence simply leaves out are not differences. Each check therefore
compares like with like only (quantities of the same unit, dates that share a
calendar field, names in the same slot of the sentence) and reports nothing when
the pairing is ambiguous.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TypeVar

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from veracity.models import Disagreement, Span
from veracity.text.dates import DateMention, dates_comparable, dates_conflict, find_dates, same_date
from veracity.text.lexicon import zipf_frequency
from veracity.text.names import (
    NameMention,
    NameRelation,
    differing_words,
    find_names,
    is_place,
    is_title,
    name_relation,
    normalize_name,
    spelling_variant,
)
from veracity.text.quantities import Quantity, find_quantities, quantities_conflict, same_quantity
from veracity.text.quotes import QuoteMention, find_quotes
from veracity.text.segmentation import guess_language

T = TypeVar("T")


class Difference(BaseModel):
    """One way in which sentence B contradicts sentence A."""

    kind: Disagreement
    a_span: Span = Field(description="Offsets into a_text of the part of A that differs.")
    b_span: Span = Field(description="Offsets into b_text of the part of B that differs.")
    explanation: str = Field(description="One line a person can read.")
    confidence: float = Field(ge=0.0, le=1.0)
    rule: str = Field(default="", description="The rule that found it, for calibration.")


# --- tokens -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|\w+(?:[-'’‘ʼ]\w+)*|[^\w\s]")
_SPELLING: dict[str, str] = {
    "dialogue": "dialog", "catalogue": "catalog", "analogue": "analog", "monologue": "monolog",
    "programme": "program", "programmes": "programs", "defence": "defense",
    "offence": "offense", "licence": "license", "centre": "center", "centres": "centers",
    "metre": "meter", "metres": "meters", "kilometre": "kilometer", "kilometres": "kilometers",
    "litre": "liter", "litres": "liters", "theatre": "theater", "fibre": "fiber",
    "travelled": "traveled", "travelling": "traveling", "cancelled": "canceled",
    "labelled": "labeled", "modelling": "modeling", "grey": "gray", "sceptical": "skeptical",
    "whilst": "while", "amongst": "among", "towards": "toward", "afterwards": "afterward",
    "judgement": "judgment", "ageing": "aging", "enrol": "enroll", "fulfil": "fulfill",
}  # fmt: skip
_NOT_OUR = frozenset("four your hour tour pour flour sour detour contour devour".split())
_NOT_ISE = frozenset(
    """advise comprise compromise enterprise exercise expertise franchise premise promise revise
    supervise surprise televise otherwise wise rise raise praise noise poise cruise arise despise
    disguise devise improvise demise excise precise concise merchandise chastise""".split()
)
_ISE = re.compile(r"^(\w{3,})is(e|es|ed|ing|ation|ations)$")


@lru_cache(maxsize=65536)
def _normal(token: str) -> str:
    """A token in a form where spelling variants and possessives meet."""
    word = token.casefold().replace("’", "'").replace("‘", "'").replace("ʼ", "'")
    if word.endswith("'s") and len(word) > 2:
        word = word[:-2]
    word = word.replace(".", "") if re.fullmatch(r"(?:[a-z]\.){2,}", word) else word
    if word in _SPELLING:
        return _SPELLING[word]
    if len(word) > 4 and word.endswith("our") and word not in _NOT_OUR:
        return word[:-3] + "or"
    match = _ISE.match(word)
    if match and match.group(1) + "ise" not in _NOT_ISE:
        return f"{match.group(1)}iz{match.group(2)}"
    if word.endswith("yse") or word.endswith("ysed"):
        return word.replace("yse", "yze")
    return word


@dataclass(frozen=True, slots=True)
class _Token:
    norm: str
    start: int
    end: int


_CONTRACTIONS = {"'re": "are", "'ve": "have", "'m": "am", "'ll": "will", "'d": "would"}
# Words whose "'s" is "is", not a possessive: "there's", "it's", "that's".
_IS_CONTRACTED = frozenset("it that there here what who he she where when how".split())


_VERB_ING = re.compile(r"^\s+[a-z]+ing\b")


def _expand_contraction(lowered: str, following: str) -> tuple[str, str] | None:
    """ "they're" -> ("they", "are"); "there's" and "the rocket's looking" -> "is"; else None."""
    for ending, full in _CONTRACTIONS.items():
        if lowered.endswith(ending) and len(lowered) > len(ending):
            return lowered[: -len(ending)], full
    if (
        lowered.endswith("'s")
        and len(lowered) > 2
        and (lowered[:-2] in _IS_CONTRACTED or _VERB_ING.match(following))
    ):
        return lowered[:-2], "is"
    return None


@lru_cache(maxsize=16384)
def _tokens(text: str) -> tuple[_Token, ...]:
    """Words and punctuation with spans; "didn't" gives "did" and "not"."""
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        word, start, end = match.group(), match.start(), match.end()
        lowered = word.lower().replace("’", "'")
        if lowered.endswith("n't") and len(lowered) > 3:
            base = {"ca": "can", "wo": "will", "sha": "shall"}.get(lowered[:-3], lowered[:-3])
            tokens.append(_Token(base, start, end - 3))
            tokens.append(_Token("not", end - 3, end))
            continue
        expanded = _expand_contraction(lowered, text[end : end + 24])
        if expanded is not None:
            base, rest = expanded
            cut = end - (len(lowered) - len(base))
            tokens.append(_Token(_normal(base), start, cut))
            tokens.append(_Token(rest, cut, end))
            continue
        if lowered == "cannot":
            tokens.append(_Token("can", start, start + 3))
            tokens.append(_Token("not", start + 3, end))
            continue
        tokens.append(_Token(_normal(word), start, end))
    return tuple(tokens)


def _words(tokens: Sequence[_Token]) -> list[str]:
    return [token.norm for token in tokens if token.norm[:1].isalnum()]


def _span_of(tokens: Sequence[_Token], first: int, last: int) -> Span:
    """The span from token ``first`` to token ``last - 1``."""
    return Span(start=tokens[first].start, end=tokens[last - 1].end)


def _widen(i1: int, i2: int, j1: int, j2: int, n_a: int, n_b: int) -> tuple[int, int, int, int]:
    """Give an empty side of an edit one neighbouring word, on both sides, so both read."""
    if i1 < i2 and j1 < j2:
        return i1, i2, j1, j2
    if i2 < n_a and j2 < n_b:
        return i1, i2 + 1, j1, j2 + 1
    if i1 > 0 and j1 > 0:
        return i1 - 1, i2, j1 - 1, j2
    return i1, max(i2, i1 + 1) if n_a else i2, j1, max(j2, j1 + 1) if n_b else j2


def _quoted(text: str, span: Span, limit: int = 80) -> str:
    fragment = " ".join(text[span.start : span.end].split())
    return fragment if len(fragment) <= limit else fragment[: limit - 1] + "…"


# --- quotes -----------------------------------------------------------------------------------


def _quote_tokens(text: str, quote: QuoteMention) -> list[_Token]:
    inner = text[quote.span.start : quote.span.end]
    return [
        _Token(token.norm, token.start + quote.span.start, token.end + quote.span.start)
        for token in _tokens(inner)
        if token.norm[:1].isalnum()
    ]


def _is_fragment(quote: QuoteMention) -> bool:
    # A quote opening in lower case is a piece of a longer statement; its ends
    # are where the writer cut, not a change of words.
    return not quote.text[:1].isupper()


@dataclass
class _QuotePair:
    a: QuoteMention
    b: QuoteMention
    a_tokens: list[_Token]
    b_tokens: list[_Token]


def _pair_quotes(a_text: str, b_text: str) -> list[_QuotePair]:
    quotes_a, quotes_b = find_quotes(a_text), find_quotes(b_text)
    if not quotes_a or not quotes_b:
        return []
    tokens_a = [_quote_tokens(a_text, quote) for quote in quotes_a]
    tokens_b = [_quote_tokens(b_text, quote) for quote in quotes_b]
    scored: list[tuple[float, int, int]] = []
    for i, words_a in enumerate(tokens_a):
        for j, words_b in enumerate(tokens_b):
            if not words_a or not words_b:
                continue
            list_a, list_b = [t.norm for t in words_a], [t.norm for t in words_b]
            similarity = fuzz.ratio(list_a, list_b) / 100
            shared = len(set(list_a) & set(list_b)) / min(len(set(list_a)), len(set(list_b)))
            if similarity >= 0.5 or (shared >= 0.75 and min(len(list_a), len(list_b)) >= 2):
                scored.append((max(similarity, shared), i, j))
    scored.sort(reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[_QuotePair] = []
    for _, i, j in scored:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append(_QuotePair(quotes_a[i], quotes_b[j], tokens_a[i], tokens_b[j]))
    return pairs


def _quote_key(word: str) -> str:
    # "safe zone" and "safe zones" are the same quoted term.
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _words_around(text: str, quote: QuoteMention) -> tuple[list[str], list[str]]:
    before = _words(_tokens(text[: quote.outer_span.start]))[-3:]
    after = _words(_tokens(text[quote.outer_span.end :]))[:3]
    return before, after


def _same_surroundings(a_text: str, b_text: str, pair: _QuotePair) -> tuple[bool, bool]:
    """Whether the words just before, and just after, the two quotes are the same."""
    before_a, after_a = _words_around(a_text, pair.a)
    before_b, after_b = _words_around(b_text, pair.b)
    return (bool(before_a) and before_a == before_b, bool(after_a) and after_a == after_b)


_Opcode = tuple[str, int, int, int, int]


def _clusters(edits: Sequence[_Opcode]) -> list[list[_Opcode]]:
    """Edits grouped when at most three unchanged words separate them."""
    groups: list[list[_Opcode]] = []
    for edit in edits:
        if groups and edit[1] - groups[-1][-1][2] < 4 and edit[3] - groups[-1][-1][4] < 4:
            groups[-1].append(edit)
        else:
            groups.append([edit])
    return groups


_ATTRIBUTION = "same quote attributed to different speakers"
# Share of the longer quote (once what one quote cuts off is set aside) that the two must
# share, in order, to be one quote: below it they are two remarks, or two translations.
_SAME_REMARK = 0.5


# Words no quotation ends on: where a quote stops on one, a word was dropped, not cut.
_DANGLING = frozenset(
    """the a an of to in on at for from by with and or but that which who they we he she i
    you it is are was were has have had will would can could should than their our my your
    his her its""".split()
)


def _dangling_end(op: _Opcode, words_a: list[str], words_b: list[str]) -> bool:
    """Whether the shorter quote ends on a word no sentence ends on ("...close or the.")."""
    if op[2] == len(words_a) and op[4] == len(words_b):
        shorter = words_b if op[0] == "delete" else words_a
        return bool(shorter) and shorter[-1] in _DANGLING
    return False


def _in_brackets(text: str, start: int, end: int) -> bool:
    opening = text.rfind("[", 0, start)
    return opening != -1 and text.find("]", opening) >= end and "]" not in text[opening:start]


def _bracketed(op: _Opcode, pair: _QuotePair, a_text: str, b_text: str) -> bool:
    """Words a writer put in square brackets stand in for the speaker's: "[All Nippon Airways]"."""
    if op[0] != "replace":
        return False
    a_tokens, b_tokens = pair.a_tokens[op[1] : op[2]], pair.b_tokens[op[3] : op[4]]
    return _in_brackets(a_text, a_tokens[0].start, a_tokens[-1].end) or _in_brackets(
        b_text, b_tokens[0].start, b_tokens[-1].end
    )


_TENSES = frozenset(
    frozenset(pair.split())
    for pair in "is was|are were|am was|will would|can could|has had|have had|do did|does did".split(
        "|"
    )
)


def _same_surname(a: str, b: str) -> bool:
    """ "US President Donald Trump" and "Mr. Trump" are one speaker, titled two ways."""
    last_a, last_b = normalize_name(a.split()[-1]), normalize_name(b.split()[-1])
    return last_a == last_b and not is_title(last_a)


def _backshifted(op: _Opcode, words_a: list[str], words_b: list[str]) -> bool:
    """One auxiliary put in the past, as reported speech does: "It is chaos" / "It was chaos"."""
    if op[0] != "replace" or op[2] - op[1] != 1 or op[4] - op[3] != 1:
        return False
    return frozenset({words_a[op[1]], words_b[op[3]]}) in _TENSES


def _inflected(op: _Opcode, words_a: list[str], words_b: list[str]) -> bool:
    """A word for a word with the same long stem: "memoranda" for "memorandums"."""
    if op[0] != "replace" or op[2] - op[1] != 1 or op[4] - op[3] != 1:
        return False
    a, b = words_a[op[1]], words_b[op[3]]
    stem = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return stem >= 6 and stem >= 0.75 * min(len(a), len(b))


def _different_remarks(
    matcher: SequenceMatcher[str], words_a: list[str], words_b: list[str]
) -> bool:
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    if not blocks:
        return True
    shared = sum(block.size for block in blocks)
    # What lies beyond the first and last shared words of the longer quote is a cut.
    first, last = blocks[0], blocks[-1]
    span_a = last.a + last.size - first.a
    span_b = last.b + last.size - first.b
    kept_a = (
        span_a
        + (first.a if first.b > 0 else 0)
        + (len(words_a) - last.a - last.size if last.b + last.size < len(words_b) else 0)
    )
    kept_b = (
        span_b
        + (first.b if first.a > 0 else 0)
        + (len(words_b) - last.b - last.size if last.a + last.size < len(words_a) else 0)
    )
    return shared < _SAME_REMARK * max(kept_a, kept_b)


def _quote_differences(a_text: str, b_text: str, pairs: list[_QuotePair]) -> list[Difference]:
    differences: list[Difference] = []
    for pair in pairs:
        words_a = [_quote_key(t.norm) for t in pair.a_tokens]
        words_b = [_quote_key(t.norm) for t in pair.b_tokens]
        matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
        edits: list[_Opcode] = [op for op in matcher.get_opcodes() if op[0] != "equal"]
        if edits:
            # Where one quote is cut from the other (a writer may start a quote mid-
            # sentence and capitalize it), words beyond its ends are no edit, unless the
            # sentences go on alike past that end: then a word went missing.
            same_before, same_after = _same_surroundings(a_text, b_text, pair)
            edits = [
                op
                for op in edits
                if not (op[0] in ("insert", "delete") and (op[1] == 0 or op[2] == len(words_a)))
                or not (op[3] == 0 or op[4] == len(words_b))
                or (same_before and op[1] == 0 and op[3] == 0)
                or (same_after and op[2] == len(words_a) and op[4] == len(words_b))
                or _dangling_end(op, words_a, words_b)
            ]
            edits = [op for op in edits if not _inflected(op, words_a, words_b)]
            edits = [op for op in edits if not _backshifted(op, words_a, words_b)]
            edits = [op for op in edits if not _bracketed(op, pair, a_text, b_text)]
        if edits and _different_remarks(matcher, words_a, words_b):
            # Two remarks that open alike ("It is together that we ...") are two quotes,
            # not one quote with its words changed.
            continue
        who = f" by {pair.a.speaker}" if pair.a.speaker and pair.a.speaker_is_name else ""
        named = bool(
            (pair.a.speaker and pair.a.speaker_is_name)
            or (pair.b.speaker and pair.b.speaker_is_name)
        )
        for cluster in _clusters(edits):
            i1, i2, j1, j2 = cluster[0][1], cluster[-1][2], cluster[0][3], cluster[-1][4]
            i1, i2, j1, j2 = _widen(i1, i2, j1, j2, len(words_a), len(words_b))
            a_span = _span_of(pair.a_tokens, i1, i2)
            b_span = _span_of(pair.b_tokens, j1, j2)
            differences.append(
                Difference(
                    rule=("quote.named" if named else "quote.unnamed")
                    + (".copied" if _same_frame_around_quotes(a_text, b_text) else ""),
                    kind=Disagreement.QUOTE,
                    a_span=a_span,
                    b_span=b_span,
                    explanation=(
                        f"quote{who} differs: '{_quoted(a_text, a_span)}' "
                        f"vs '{_quoted(b_text, b_span)}'"
                    ),
                    confidence=0.95,
                )
            )
        if edits:
            continue
        speaker_a, speaker_b = pair.a, pair.b
        if (
            speaker_a.speaker
            and speaker_b.speaker
            and speaker_a.speaker_is_name
            and speaker_b.speaker_is_name
            and speaker_a.speaker_span is not None
            and speaker_b.speaker_span is not None
            and name_relation(speaker_a.speaker, speaker_b.speaker) is NameRelation.DIFFERENT
            and not _same_surname(speaker_a.speaker, speaker_b.speaker)
        ):
            differences.append(
                Difference(
                    rule="quote.speaker",
                    kind=Disagreement.QUOTE,
                    a_span=speaker_a.speaker_span,
                    b_span=speaker_b.speaker_span,
                    explanation=(f"{_ATTRIBUTION}: '{speaker_a.speaker}' vs '{speaker_b.speaker}'"),
                    confidence=0.85 if speaker_a.speaker_inferred else 0.9,
                )
            )
    return differences


# --- numbers and dates ------------------------------------------------------------------------


def _unmatched(
    items_a: Sequence[T],
    items_b: Sequence[T],
    same: Callable[[T, T], bool],
    exact: Callable[[T, T], bool],
) -> tuple[list[T], list[T]]:
    """What is left of each side once agreeing mentions are paired one to one.

    Exact pairs ("Tuesday" with "Tuesday") are made before looser ones
    ("Tuesday" with "July 19"), so that one mention cannot hide another's change.
    """
    used_a: set[int] = set()
    used_b: set[int] = set()
    for test in (exact, same):
        for i, item_a in enumerate(items_a):
            if i in used_a:
                continue
            for j, item_b in enumerate(items_b):
                if j not in used_b and test(item_a, item_b):
                    used_a.add(i)
                    used_b.add(j)
                    break
    return (
        [item for i, item in enumerate(items_a) if i not in used_a],
        [item for j, item in enumerate(items_b) if j not in used_b],
    )


# Words that say nothing of what a number or date is about.
_FUNCTION_WORDS = frozenset(
    """a an the of in on at to for from by with as and or but that which who whom this these
    those it its is was are were be been has have had will would could should may might
    than then there their they he she his her we our you your i not no at least about
    some more most over under up down after before during since until into onto per""".split()
)
_REPORTING = frozenset(
    """said says say told tells tell announced announces added adds stated wrote writes
    reported reports confirmed confirms tweeted posted noted explained claimed""".split()
)
# Content words either side of a mention that tell what it measures or dates.
_ANCHOR_WINDOW = 4


def _anchor_words(text: str, span: Span) -> tuple[set[str], bool]:
    """Content words just around a number or date, and whether a reporting verb governs it.

    "returned ... on Tuesday" dates the return, "the airline said Wednesday" the
    statement: a date that only says when someone spoke is not the date of the event.
    """
    # The text's tokens are cached: split them at the mention rather than tokenize again.
    tokens = [t for t in _tokens(text) if t.norm[:1].isalnum()]
    before = [t.norm for t in tokens if t.end <= span.start]
    after = [t.norm for t in tokens if t.start >= span.end]
    near = before[-_ANCHOR_WINDOW:] + after[:_ANCHOR_WINDOW]
    words = {_stem(w) for w in near if w not in _FUNCTION_WORDS and not w.isdigit()}
    spoken = bool(before) and (
        before[-1] in _REPORTING
        or (len(before) > 1 and before[-1] == "on" and before[-2] in _REPORTING)
    )
    return words, spoken


def _stem(word: str) -> str:
    return word[:5]


def _about_the_same(
    a_text: str, a_span: Span, b_text: str, b_span: Span, *, dates: bool = False
) -> bool:
    """Whether two numbers or dates measure the same thing: they share a word around them.

    Two sentences that an aligner pairs may still put different facts in one frame
    ("a 3-year-old boy", "the 17-year-old gorilla"; "said Wednesday", "returned on
    Tuesday"): only mentions that stand among the same words are compared.
    """
    words_a, spoken_a = _anchor_words(a_text, a_span)
    words_b, spoken_b = _anchor_words(b_text, b_span)
    if dates and spoken_a != spoken_b:
        return False
    if words_a & words_b:
        return True
    # A clause moved to the other end of a copied sentence keeps its facts.
    return _copied_frame(a_text, b_text)


# Names of buildings and rooms: one may stand inside the other, or inside a named city.
_FACILITY = re.compile(
    r"\b(?:Office|House|Palace|Hall|Room|Building|Tower|Square|Airport|Station|Hospital|"
    r"Cent(?:er|re)|Stadium|Arena|Church|Cathedral|Mosque|Temple|Embassy|Consulate|Hotel|"
    r"Base|Headquarters|Court|Chamber|Parliament|Capitol|Campus)$"
)


def _landmarks(a_text: str, x: NameMention, b_text: str, y: NameMention) -> str:
    """ ".landmark" for a building or room against another place, each after "in"/"at".

    "in the Oval Office" against "at the White House" may be a room and the building
    around it; "in Tehran" against "in Baghdad" are two cities. Calibrated apart.
    """
    both_located = _after_locative(a_text, x) and _after_locative(b_text, y)
    if both_located and (_FACILITY.search(x.text) or _FACILITY.search(y.text)):
        return ".landmark"
    return ""


def _same_frame_around_quotes(a_text: str, b_text: str) -> bool:
    """Whether the words outside the quotation marks are near copies.

    A quoted word changed in a copied sentence is a changed quote; two loosely written
    sentences may hold two translations or two versions of a statement.
    """
    outside_a, outside_b = _outside_quotes(a_text), _outside_quotes(b_text)
    if outside_a == outside_b:
        return True  # "he said" both, or a quotation standing alone in both
    if len(outside_a) < 3 or len(outside_b) < 3:
        return False
    return fuzz.ratio(outside_a, outside_b) >= _COPIED


def _outside_quotes(text: str) -> list[str]:
    spans = [quote.outer_span for quote in find_quotes(text)]
    return [
        token.norm
        for token in _tokens(text)
        if token.norm[:1].isalnum() and not any(s.start <= token.start < s.end for s in spans)
    ]


def _several(quantities: Sequence[Quantity], key: tuple[str | None, str]) -> bool:
    return sum(1 for quantity in quantities if _quantity_key(quantity) == key) > 2


def _bounds_agree(a: Quantity, b: Quantity) -> bool:
    """Whether two hedged figures' intervals overlap ("at least 3" and "at least 30")."""
    if not (a.hedged and b.hedged):
        return False
    if _lower_bound(a) and _lower_bound(b):
        return True  # "at least 3" and "at least 30": a true count satisfies both
    if _upper_bound(a) and _upper_bound(b):
        return True  # "up to 10" and "up to 50"
    return a.low < b.high and b.low < a.high


def _lower_bound(quantity: Quantity) -> bool:
    return quantity.low >= quantity.value * 0.8 and quantity.high > quantity.value * 1.5


def _upper_bound(quantity: Quantity) -> bool:
    return quantity.high <= quantity.value * 1.2 and quantity.low < quantity.value * 0.5


def _copied_frame(a_text: str, b_text: str) -> bool:
    """Whether two sentences are near copies, so a changed figure sits in the same frame.

    In a loose rewrite a figure may be another fact in a similar frame ("at least 30
    times in three months" against "at least three times in October"); in a copy it is
    the same fact changed. The two are calibrated apart.
    """
    return fuzz.ratio(_words(_tokens(a_text)), _words(_tokens(b_text))) >= _NEAR_COPY


def _quantity_key(quantity: Quantity) -> tuple[str | None, str]:
    return quantity.unit, quantity.context if quantity.unit is None else ""


def _number_differences(a_text: str, b_text: str, language: str | None) -> list[Difference]:
    quantities_a = find_quantities(a_text, language)
    quantities_b = find_quantities(b_text, language)
    if not quantities_a or not quantities_b:
        return []
    left_a, left_b = _unmatched(
        quantities_a,
        quantities_b,
        same_quantity,
        lambda x, y: same_quantity(x, y) and x.written_unit == y.written_unit,
    )
    differences: list[Difference] = []
    keys = {_quantity_key(q) for q in left_a} & {_quantity_key(q) for q in left_b}
    for key in sorted(keys, key=lambda k: (k[0] or "", k[1])):
        group_a = [q for q in left_a if _quantity_key(q) == key]
        group_b = [q for q in left_b if _quantity_key(q) == key]
        # Unequal counts leave the pairing to guesswork: say nothing.
        if len(group_a) != len(group_b):
            continue
        copied = _copied_frame(a_text, b_text)
        if not copied and _several(quantities_a, key) and _several(quantities_b, key):
            # Written apart, with several figures of a kind on each side ("$70 ... $60 ...
            # $10" against "$60 ... $22 ... $10"), what is left unpaired may be other facts.
            continue
        for quantity_a, quantity_b in zip(group_a, group_b, strict=True):
            if not quantities_conflict(quantity_a, quantity_b):
                continue
            if not copied and _bounds_agree(quantity_a, quantity_b):
                # "At least 30 times" and "at least three times", written apart, are two
                # lower bounds: both can hold. Only a copy that changed the figure conflicts.
                continue
            if not _about_the_same(a_text, quantity_a.span, b_text, quantity_b.span):
                continue
            hedged = quantity_a.hedged or quantity_b.hedged
            differences.append(
                Difference(
                    rule="number.copied" if copied else "number",
                    kind=Disagreement.NUMBER,
                    a_span=quantity_a.span,
                    b_span=quantity_b.span,
                    explanation=f"number differs: '{quantity_a.text}' vs '{quantity_b.text}'",
                    confidence=0.8 if hedged or quantity_a.unit is None else 0.9,
                )
            )
    return differences


def _date_differences(
    a_text: str,
    b_text: str,
    a_published: dt.date | None,
    b_published: dt.date | None,
    language: str | None,
) -> list[Difference]:
    dates_a = find_dates(a_text, a_published, language)
    dates_b = find_dates(b_text, b_published, language)
    if not dates_a or not dates_b:
        return []
    left_a, left_b = _unmatched(
        dates_a, dates_b, same_date, lambda x, y: x.kind == y.kind and same_date(x, y)
    )
    differences: list[Difference] = []
    for date_a in left_a:
        candidates = [d for d in left_b if dates_comparable(date_a, d)]
        if len(candidates) != 1:
            continue
        date_b = candidates[0]
        # The pairing must be unique both ways.
        if sum(1 for d in left_a if dates_comparable(d, date_b)) != 1:
            continue
        if not dates_conflict(date_a, date_b):
            continue
        if not _about_the_same(a_text, date_a.span, b_text, date_b.span, dates=True):
            continue
        differences.append(
            Difference(
                rule="date.copied" if _copied_frame(a_text, b_text) else "date",
                kind=Disagreement.DATE,
                a_span=date_a.span,
                b_span=date_b.span,
                explanation=_date_explanation(date_a, date_b),
                confidence=0.8 if "weekday" in (date_a.kind, date_b.kind) else 0.9,
            )
        )
    return differences


def _date_explanation(a: DateMention, b: DateMention) -> str:
    text = f"date differs: '{a.text}' vs '{b.text}'"
    resolved = [m for m in (a, b) if m.kind in ("weekday", "relative") and m.resolved]
    if resolved:
        notes = ", ".join(f"'{m.text}' is {m.resolved:%Y-%m-%d}" for m in resolved)
        text += f" ({notes})"
    return text


# --- names ------------------------------------------------------------------------------------

_LIST_GLUE = re.compile(
    r"^(?:\s*,\s*(?:(?:and|or|&|und|oder|et|ou|y|o|e|и|или)\s+)?|\s+(?:and|or|&|und|oder|et|ou"
    r"|y|o|e|и|или)\s+)(?:the\s+)?$"
)


def _name_lists(text: str, names: Sequence[NameMention]) -> list[list[NameMention]]:
    """Runs of names joined by commas and "and": "Russia, Iran, and Turkey"."""
    lists: list[list[NameMention]] = []
    current: list[NameMention] = []
    for name in names:
        following = text[name.span.end : name.span.end + 20].split()
        if following and is_title(following[0]):
            # "Iranian President Raisi": the demonym qualifies a title, it is no list item.
            continue
        if current and _LIST_GLUE.match(text[current[-1].span.end : name.span.start]):
            current.append(name)
            continue
        if len(current) > 1:
            lists.append(current)
        current = [name]
    if len(current) > 1:
        lists.append(current)
    # "Turkey, Syria": only a list when it has a conjunction ("Syria, Ukraine" is a heading).
    return [items for items in lists if _has_conjunction(text, items)]


def _has_conjunction(text: str, items: list[NameMention]) -> bool:
    between = text[items[-2].span.end : items[-1].span.start]
    return bool(re.search(r"\b(?:and|or|und|oder|et|ou|y|o|e|и|или)\b|&", between))


def _same_name(a: NameMention, b: NameMention) -> bool:
    return a.key == b.key or name_relation(a.text, b.text) in (NameRelation.SAME, NameRelation.PART)


def _context_stems(text: str, position: int) -> set[str]:
    words = re.findall(r"\w+", text[max(0, position - 40) : position].lower())
    return {word[:5] for word in words[-3:] if len(word) > 2}


def _list_differences(
    a_text: str,
    b_text: str,
    names_a: Sequence[NameMention],
    names_b: Sequence[NameMention],
) -> tuple[list[Difference], set[int], set[int]]:
    """Lists of names that gained, lost or swapped members; also the names they explain."""
    lists_a, lists_b = _name_lists(a_text, names_a), _name_lists(b_text, names_b)
    differences: list[Difference] = []
    explained_a: set[int] = set()
    explained_b: set[int] = set()
    used: set[int] = set()
    for list_b in lists_b:
        best: tuple[float, int] | None = None
        for index, list_a in enumerate(lists_a):
            if index in used:
                continue
            shared = sum(1 for x in list_a if any(_same_name(x, y) for y in list_b))
            if not shared:
                continue
            context = len(
                _context_stems(a_text, list_a[0].span.start)
                & _context_stems(b_text, list_b[0].span.start)
            )
            score = shared + 0.5 * min(context, 1)
            if best is None or score > best[0]:
                best = (score, index)
        if best is None:
            continue
        used.add(best[1])
        list_a = lists_a[best[1]]
        dropped = [x for x in list_a if not any(_same_name(x, y) for y in list_b)]
        added = [y for y in list_b if not any(_same_name(x, y) for x in list_a)]
        if not dropped and not added:
            continue
        if not all(name.certain for name in (*dropped, *added)):
            continue
        a_span = Span(start=list_a[0].span.start, end=list_a[-1].span.end)
        b_span = Span(start=list_b[0].span.start, end=list_b[-1].span.end)
        change = []
        if added:
            change.append("adds " + ", ".join(name.text for name in added))
        if dropped:
            change.append("drops " + ", ".join(name.text for name in dropped))
        differences.append(
            Difference(
                rule="name.list",
                kind=Disagreement.ENTITY,
                a_span=a_span,
                b_span=b_span,
                explanation=(
                    f"list of names differs: '{_quoted(a_text, a_span)}' vs "
                    f"'{_quoted(b_text, b_span)}' ({'; '.join(change)})"
                ),
                confidence=0.8 if added and dropped else 0.75,
            )
        )
        explained_a.update(name.span.start for name in dropped)
        explained_b.update(name.span.start for name in added)
    return differences, explained_a, explained_b


# Organisations that the alias table lists with the countries: they speak for no country.
_ORGANISATIONS = frozenset({"european union", "united nations", "islamic state", "kurds"})


def _is_place(name: NameMention) -> bool:
    return is_place(name.key) and name.key not in _ORGANISATIONS


def _entity_differences(a_text: str, b_text: str, language: str | None) -> list[Difference]:
    # A name in square brackets is the writer's gloss of the speaker's word.
    names_a = tuple(
        x
        for x in find_names(a_text, language)
        if not _in_brackets(a_text, x.span.start, x.span.end)
    )
    names_b = tuple(
        y
        for y in find_names(b_text, language)
        if not _in_brackets(b_text, y.span.start, y.span.end)
    )
    if not names_a or not names_b:
        return []
    folded_a, folded_b = a_text.casefold(), b_text.casefold()
    left_a = [
        x
        for x in names_a
        if not any(_same_name(x, y) for y in names_b) and x.text.casefold() not in folded_b
    ]
    left_b = [
        y
        for y in names_b
        if not any(_same_name(x, y) for x in names_a) and y.text.casefold() not in folded_a
    ]
    differences, explained_a, explained_b = _list_differences(a_text, b_text, names_a, names_b)
    left_a = [x for x in left_a if x.span.start not in explained_a and x.certain]
    left_b = [y for y in left_b if y.span.start not in explained_b and y.certain]

    # Misspellings: "Laisi" for "Raisi"; not two romanizations ("Faiz", "Fayez") in
    # sentences written apart. In a copied sentence the name's slot is the same, and a
    # changed vowel is a slip of the copy.
    copied = fuzz.ratio(_words(_tokens(a_text)), _words(_tokens(b_text))) >= _COPIED
    for x in list(left_a):
        for y in left_b:
            if name_relation(x.text, y.text) is NameRelation.MISSPELLING:
                if _romanized_alike(x.text, y.text) and not copied:
                    left_a.remove(x)
                    left_b.remove(y)
                    break
                differences.append(
                    Difference(
                        rule="name.misspelling",
                        kind=Disagreement.ENTITY,
                        a_span=x.span,
                        b_span=y.span,
                        explanation=(
                            f"name differs: '{x.text}' vs '{y.text}' "
                            "(likely a misspelling of the same name, or a different person)"
                        ),
                        confidence=0.75,
                    )
                )
                left_a.remove(x)
                left_b.remove(y)
                break
    if not left_a and not left_b:
        return differences

    # Replacements: in the same slot of the sentence, A names one thing and B
    # another, and neither of the two is named anywhere in the other sentence.
    unmatched = {id(name) for name in (*left_a, *left_b)}
    explained = explained_a | explained_b
    tokens_a, tokens_b = _tokens(a_text), _tokens(b_text)
    words_a, words_b = [t.norm for t in tokens_a], [t.norm for t in tokens_b]
    # Word slots only line up between near-copies; in a loose rewrite they pair by chance.
    if fuzz.ratio(words_a, words_b) < _NEAR_COPY:
        return differences
    matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace" or i2 - i1 > 6 or j2 - j1 > 6:
            continue
        start_a, end_a = tokens_a[i1].start, tokens_a[i2 - 1].end
        start_b, end_b = tokens_b[j1].start, tokens_b[j2 - 1].end
        in_a = [x for x in names_a if x.span.start < end_a and start_a < x.span.end and x.certain]
        in_b = [y for y in names_b if y.span.start < end_b and start_b < y.span.end and y.certain]
        pair = _replaced(a_text, b_text, in_a, in_b, unmatched, explained, names_a, names_b)
        if pair is None:
            continue
        x, y = pair
        a_span = Span(start=max(x.span.start, start_a), end=min(x.span.end, end_a))
        b_span = Span(start=max(y.span.start, start_b), end=min(y.span.end, end_b))
        differences.append(
            Difference(
                rule="name.replaced" + _landmarks(a_text, x, b_text, y),
                kind=Disagreement.ENTITY,
                a_span=a_span,
                b_span=b_span,
                explanation=(
                    f"name differs: '{_quoted(a_text, a_span)}' vs '{_quoted(b_text, b_span)}'"
                ),
                confidence=0.85,
            )
        )
    return differences


# Word-level similarity (0-100) from which one sentence is a copy of the other.
_COPIED = 80
# A slip onto an English word this common was most likely a spelling checker's.
_AUTOCORRECT_ZIPF = 3.5


def _romanized_alike(a: str, b: str) -> bool:
    """Two romanizations of one name, not a slip.

    They differ in vowels only ("Faiz", "Fayez"), and neither differing word is a
    common English word clearly more common than the other, as a spelling checker
    makes of a name ("Manual" for "Manuel").
    """
    if spelling_variant(a, b) != "transliteration":
        return False
    return not any(autocorrected(x, y) for x, y in differing_words(a, b))


def autocorrected(word: str, other: str) -> bool:
    """Whether one of two spellings is a common English word and clearly the commoner."""
    frequency, other_frequency = zipf_frequency(word), zipf_frequency(other)
    high, low = max(frequency, other_frequency), min(frequency, other_frequency)
    return high >= _AUTOCORRECT_ZIPF and high - low >= 0.3


_DEMONYM_ENDING = re.compile(r"(?:an|ian|ean|ese|ish|i|ic)$")


def _attributive(text: str, name: NameMention) -> bool:
    """Whether a one-word name is an adjective of a place qualifying the next word:
    "the European country", "a French official" (not "Brussels" in "the Brussels dam")."""
    if " " in name.text or not _DEMONYM_ENDING.search(name.text.casefold()):
        return False
    if is_place(name.text.casefold()):
        return False  # "Tehran", "Japan": places, whatever their ending
    following = text[name.span.end : name.span.end + 20].split()
    if not following:
        return False
    word = following[0].strip(",.;:!?")
    return word[:1].islower() and word.isalpha() and word.casefold() not in _FUNCTION_WORDS


# Word-level similarity (0-100) above which two sentences are read slot by slot.
_NEAR_COPY = 60


_LOCATIVE = re.compile(r"\b(?:in|at|near|from|to|into|off|of|outside|inside)\s+(?:the\s+)?$", re.I)


def _after_locative(text: str, name: NameMention) -> bool:
    """Whether the name stands after a preposition of place: "in Vigo", "off the coast of"."""
    return _LOCATIVE.search(text[max(0, name.span.start - 16) : name.span.start]) is not None


def _named_as_adjective(name: NameMention, others: Sequence[NameMention]) -> bool:
    """Whether another sentence names this place by its adjective ("Afghan")."""
    key = normalize_name(name.text)
    if key != name.text.casefold():
        return False  # "Tehran" stands for Iran, but "Iranian" does not name Tehran
    return any(
        " " not in other.text
        and _DEMONYM_ENDING.search(other.text.casefold()) is not None
        and normalize_name(other.text) != other.text.casefold()
        and normalize_name(other.text) == key
        for other in others
    )


def _replaced(
    a_text: str,
    b_text: str,
    in_a: list[NameMention],
    in_b: list[NameMention],
    unmatched: set[int],
    explained: set[int],
    names_a: Sequence[NameMention] = (),
    names_b: Sequence[NameMention] = (),
) -> tuple[NameMention, NameMention] | None:
    """The first pair of names that one replaces the other in an edited stretch."""
    for x in in_a:
        for y in in_b:
            if id(x) not in unmatched and id(y) not in unmatched:
                continue
            # "The Afghan city of Mazar-i-Sharif" against "in Afghanistan": the other
            # sentence names the country as the city's adjective; the place is narrowed.
            if _named_as_adjective(y, names_a) or _named_as_adjective(x, names_b):
                continue
            if x.span.start in explained or y.span.start in explained:
                continue
            # A country for its leader is a manner of speaking ("the Kremlin" for Putin),
            # but not after a preposition of place ("in Vigo" vs "in Africa").
            if _is_place(x) != _is_place(y) and not (
                _after_locative(a_text, x) and _after_locative(b_text, y)
            ):
                continue
            # "The European country" describes; "Tunisia" names: not one slot.
            if _attributive(a_text, x) != _attributive(b_text, y):
                continue
            if name_relation(x.text, y.text) is NameRelation.DIFFERENT:
                return x, y
    return None


# --- polarity ---------------------------------------------------------------------------------

_NEGATORS = frozenset(
    """not no never none nobody nothing neither nor without nowhere refuse refused refuses
    refusing fail failed fails failing decline declined
    nicht nie niemals kein keine keinen keinem keiner keines nichts niemand weder ohne
    pas jamais rien aucun aucune nullement sans guère
    nunca jamás ningún ninguna ninguno nadie nada sin tampoco
    не нет ни никогда никто ничего ничто без нельзя""".split()
)
_AUXILIARIES = frozenset("do does did".split())
_NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "non-")

_POLARITY_PAIRS = """support oppose|supporter opponent|backer opponent|back oppose|accept reject|
approve reject|confirm deny|admit deny|agree refuse|allow ban|allow forbid|
allow prohibit|permit ban|permit forbid|win lose|victory defeat|guilty innocent|
true false|success failure|succeed fail|include exclude|acquit convict|alive dead|
friend enemy|ally enemy|ally foe|welcome condemn|
praise criticize|praise condemn|lift impose|present absent|approve veto|accept decline"""
# Pairs made by a negating prefix ("likely"/"unlikely") are left to the prefix rule.
_DIRECTION_PAIRS = """increase decrease|increase reduce|rise fall|rise decline|rise drop|raise lower|
grow shrink|gain loss|high low|higher lower|highest lowest|more less|more fewer|most least|
strong weak|stronger weaker|strongest weakest|large small|larger smaller|largest smallest|
big small|bigger smaller|biggest smallest|best worst|better worse|before after|above below|
import export|buy sell|open close|start stop|begin end|first last|north south|east west|
northern southern|eastern western|up down|strengthen weaken|expand reduce|expand shrink|
boost cut|positive negative|peace war|arrive depart|early late|earlier later|upper lower|
maximum minimum|sharply slightly|significantly slightly|heavily lightly|major minor"""


def _pairs(spec: str) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for pair in spec.replace("\n", "").split("|"):
        left, right = pair.split()
        table.setdefault(left, set()).add(right)
        table.setdefault(right, set()).add(left)
    return {word: frozenset(opposites) for word, opposites in table.items()}


_POLARITY = _pairs(_POLARITY_PAIRS)
_DIRECTION = _pairs(_DIRECTION_PAIRS)
_IRREGULAR = {
    "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall", "won": "win",
    "lost": "lose", "sold": "sell", "bought": "buy", "began": "begin", "begun": "begin",
    "grew": "grow", "grown": "grow", "shrank": "shrink", "cuts": "cut", "losses": "loss",
    "gains": "gain", "ended": "end", "ends": "end", "opposes": "oppose", "opposed": "oppose",
}  # fmt: skip


@lru_cache(maxsize=32768)
def _lemma(word: str, table_key: str) -> str | None:
    """The entry of an antonym table that ``word`` is a form of, if any."""
    table = _POLARITY if table_key == "polarity" else _DIRECTION
    if word in _IRREGULAR and _IRREGULAR[word] in table:
        return _IRREGULAR[word]
    candidates = [word]
    if len(word) > 4 and word.endswith(("ied", "ies")):
        candidates.append(word[:-3] + "y")  # "denied" -> "deny"
    for suffix in ("s", "es", "ed", "d", "ing", "ers", "er", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            candidates.append(word[: -len(suffix)])
            if word[: -len(suffix)].endswith(word[-len(suffix) - 1 : -len(suffix)] * 2):
                candidates.append(word[: -len(suffix) - 1])  # "stopped" -> "stop"
            candidates.append(word[: -len(suffix)] + "e")  # "opposing" -> "oppose"
    for candidate in candidates:
        if candidate in table:
            return candidate
    return None


def _antonyms(block_a: list[str], block_b: list[str], table_key: str) -> list[tuple[str, str]]:
    table = _POLARITY if table_key == "polarity" else _DIRECTION
    found: list[tuple[str, str]] = []
    for word_a in block_a:
        lemma_a = _lemma(word_a, table_key)
        if lemma_a is None:
            continue
        for word_b in block_b:
            lemma_b = _lemma(word_b, table_key)
            if lemma_b is not None and lemma_b in table[lemma_a]:
                found.append((word_a, word_b))
    return found


# Verbs that negate only what follows them: "refused to pay", not "prices declined".
_NEGATING_VERBS = frozenset(
    "refuse refused refuses refusing fail failed fails failing decline declined".split()
)


def _negations(words: list[str], start: int, end: int, other: list[str], paired: set[str]) -> int:
    """The negators in ``words[start:end]``; ``paired`` words are antonyms counted elsewhere."""
    count = 0
    for index in range(start, end):
        word = words[index]
        if word in paired:
            continue
        following = words[index + 1] if index + 1 < len(words) else ""
        if word in _NEGATORS:
            if word == "not" and following == "only":
                continue  # "not only ... but also" affirms
            if word in _NEGATING_VERBS and following != "to":
                continue  # "Failing this, ..." and "exports declined" negate nothing
            count += 1
            continue
        for prefix in _NEGATING_PREFIXES:
            # "unlikely" against "likely" carries its own "not".
            if word.startswith(prefix) and word[len(prefix) :] in other:
                count += 1
                break
    return count


def _content(tokens: Sequence[_Token]) -> list[_Token]:
    kept: list[_Token] = []
    for index, token in enumerate(tokens):
        if token.norm in _AUXILIARIES or not token.norm[:1].isalnum():
            continue
        if token.norm == "no" and index + 1 < len(tokens) and tokens[index + 1].norm == ".":
            continue  # "No. 2" is a number
        kept.append(token)
    return kept


def _polarity_differences(a_text: str, b_text: str) -> list[Difference]:
    tokens_a, tokens_b = _content(_tokens(a_text)), _content(_tokens(b_text))
    words_a, words_b = [t.norm for t in tokens_a], [t.norm for t in tokens_b]
    if not words_a or not words_b:
        return []
    # A loose paraphrase aligns words by accident; only near-copies are read word by word.
    if fuzz.ratio(words_a, words_b) < _NEAR_COPY:
        return []
    differences: list[Difference] = []
    matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or i2 - i1 > 4 or j2 - j1 > 4:
            continue
        block_a, block_b = words_a[i1:i2], words_b[j1:j2]
        polarity = _antonyms(block_a, block_b, "polarity")
        # "agreed" against "refused" is one flip, not an antonym and a negator that cancel.
        paired = {word for pair in polarity for word in pair}
        flips = _negations(words_a, i1, i2, block_b, paired) - _negations(
            words_b, j1, j2, block_a, paired
        )
        direction = (
            _antonyms(block_a, block_b, "direction") if i2 - i1 == 1 and j2 - j1 == 1 else []
        )
        others_a = [w for w in block_a if w not in _NEGATORS]
        others_b = [w for w in block_b if w not in _NEGATORS]
        if flips and not polarity and len(others_a) + len(others_b) > 3:
            continue  # a negator inside a reworded phrase: not a clean flip
        wi1, wi2, wj1, wj2 = _widen(i1, i2, j1, j2, len(words_a), len(words_b))
        a_span = _span_of(tokens_a, wi1, wi2)
        b_span = _span_of(tokens_b, wj1, wj2)
        shown = f"'{_quoted(a_text, a_span)}' vs '{_quoted(b_text, b_span)}'"
        if (flips + len(polarity)) % 2 == 1:
            differences.append(
                Difference(
                    rule="negation",
                    kind=Disagreement.NEGATION,
                    a_span=a_span,
                    b_span=b_span,
                    explanation=f"polarity flipped: {shown}",
                    confidence=0.85 if flips else 0.8,
                )
            )
        elif direction and not flips and not polarity:
            differences.append(
                Difference(
                    rule="wording",
                    kind=Disagreement.OTHER,
                    a_span=a_span,
                    b_span=b_span,
                    explanation=f"opposite wording: {shown}",
                    confidence=0.75,
                )
            )
    return differences


# --- inside or outside ------------------------------------------------------------------------

_OUTSIDE = frozenset("outside beyond".split())
_INSIDE = frozenset("to in inside within into".split())
# How many words after the preposition name the place; two at least must agree.
_PLACE_WORDS = 4
# Words that end a place's name: "outside the former Soviet Union since February".
_PLACE_END = frozenset(
    "since for after before on at with by when while as and or but to in into from during until".split()
)


@dataclass(frozen=True)
class _PlacePhrase:
    outside: bool
    preposition: int
    words: tuple[str, ...]
    # Token index of each of ``words``.
    positions: tuple[int, ...]


def _place_phrases(tokens: Sequence[_Token]) -> list[_PlacePhrase]:
    """The place after every in/out preposition ("to the former Soviet Union")."""
    found: list[_PlacePhrase] = []
    for index, token in enumerate(tokens):
        if token.norm not in _OUTSIDE and token.norm not in _INSIDE:
            continue
        start = index + 1
        if start < len(tokens) and tokens[start].norm == "the":
            start += 1
        positions: list[int] = []
        for position in range(start, min(start + _PLACE_WORDS, len(tokens))):
            word = tokens[position].norm
            if not word[:1].isalnum() or word in _PLACE_END:
                break
            positions.append(position)
        words = tuple(tokens[position].norm for position in positions)
        found.append(_PlacePhrase(token.norm in _OUTSIDE, index, words, tuple(positions)))
    return found


def _shared_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def _locative_differences(a_text: str, b_text: str) -> list[Difference]:
    """A place one sentence puts the event outside of and the other inside or at.

    "his first trip outside the former Soviet Union" against "his first trip to the
    former Soviet Union". A sentence that says both of the same place says nothing
    against either.
    """
    tokens_a, tokens_b = _tokens(a_text), _tokens(b_text)
    phrases_a, phrases_b = _place_phrases(tokens_a), _place_phrases(tokens_b)
    differences: list[Difference] = []
    for in_a in phrases_a:
        for in_b in phrases_b:
            shared = _shared_prefix(in_a.words, in_b.words)
            if in_a.outside == in_b.outside or shared < 2:
                continue
            place = in_a.words[:shared]
            if any(
                p.outside == in_b.outside and p.words[:shared] == place for p in phrases_a
            ) or any(p.outside == in_a.outside and p.words[:shared] == place for p in phrases_b):
                continue
            a_span = _span_of(tokens_a, in_a.preposition, in_a.positions[shared - 1] + 1)
            b_span = _span_of(tokens_b, in_b.preposition, in_b.positions[shared - 1] + 1)
            differences.append(
                Difference(
                    rule="place",
                    kind=Disagreement.OTHER,
                    a_span=a_span,
                    b_span=b_span,
                    explanation=(
                        f"inside or outside: '{_quoted(a_text, a_span)}' "
                        f"vs '{_quoted(b_text, b_span)}'"
                    ),
                    confidence=0.75,
                )
            )
    return differences


# --- the comparator ---------------------------------------------------------------------------


def compare_sentences(
    a_text: str,
    b_text: str,
    *,
    a_published: dt.date | None = None,
    b_published: dt.date | None = None,
    language: str | None = None,
) -> list[Difference]:
    """The contradictions between two sentences that report the same thing.

    ``a_published`` and ``b_published`` resolve weekdays and "yesterday";
    ``language`` ("en", "de", "fr", "es", "ru") settles decimal commas and
    negators and is guessed when not given. Differences are in order of their
    place in ``a_text``; an empty list means no contradiction was found, which
    includes faithful paraphrase and information one sentence leaves out.
    """
    if a_text == b_text or not a_text.strip() or not b_text.strip():
        return []
    if language is None:
        language = guess_language(f"{a_text} {b_text}")
    pairs = _pair_quotes(a_text, b_text)
    differences = _quote_differences(a_text, b_text, pairs)
    # The same words given to another speaker are a quote matter first, a name second.
    preferred = {id(d) for d in differences if d.explanation.startswith(_ATTRIBUTION)}
    differences += _number_differences(a_text, b_text, language)
    differences += _date_differences(a_text, b_text, a_published, b_published, language)
    differences += _entity_differences(a_text, b_text, language)
    differences += _polarity_differences(a_text, b_text)
    differences += _locative_differences(a_text, b_text)
    return _without_overlaps(differences, preferred)


def _without_overlaps(differences: list[Difference], preferred: set[int]) -> list[Difference]:
    """One report per stretch of text: the more specific or more confident one.

    A number, date, name or "not" changed inside a quote is reported as that
    change rather than as a changed quote: it says more.
    """
    rank = {
        Disagreement.NUMBER: 0,
        Disagreement.DATE: 0,
        Disagreement.NEGATION: 1,
        Disagreement.ENTITY: 2,
        Disagreement.QUOTE: 3,
        Disagreement.OTHER: 4,
    }
    kept: list[Difference] = []
    ordered = sorted(
        differences, key=lambda d: (id(d) not in preferred, rank[d.kind], -d.confidence)
    )
    for difference in ordered:
        clash = any(
            _overlap(difference.a_span, other.a_span) and _overlap(difference.b_span, other.b_span)
            for other in kept
        )
        if not clash:
            kept.append(difference)
    return sorted(kept, key=lambda d: (d.a_span.start, d.b_span.start))


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


@lru_cache(maxsize=65536)
def differences_by_confidence(
    a_text: str, b_text: str, a_published: dt.date | None, b_published: dt.date | None
) -> tuple[Difference, ...]:
    """:func:`compare_sentences`, memoized and strongest first.

    Copies of a story repeat sentences verbatim, so the same pair is compared
    again and again across claims, sources and plugins.
    """
    found = compare_sentences(a_text, b_text, a_published=a_published, b_published=b_published)
    return tuple(sorted(found, key=lambda difference: -difference.confidence))
