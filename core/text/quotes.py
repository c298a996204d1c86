"""Direct quotations and who said them.

Finds the words inside quotation marks, in the conventions of the languages
veracity reads: straight "...", English “...” and ‘...’, German „...“, ‚...‘
and »...«, French and Russian «...», Spanish «...». A quote may run over several
sentences; one left open at the end of a paragraph (the newspaper convention
for a quote that continues) runs to the paragraph's end.

The speaker is read from the sentence around the quote ("..., Yuri Ushakov,
Putin's foreign policy adviser, told reporters", "Khamenei told Erdogan",
"said Locke", "a déclaré Macron", "— сказал Путин"). A quote with no speaker of
its own takes the one of the previous quote in the same paragraph, or in the
previous paragraph when the quote opens its paragraph, as news writing does.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from veracity.models import Span

_QUOTE = re.compile(
    r"""
      „(?P<low>[^„“”\n]+)[“”]
    | ‚(?P<lowsingle>[^‚‘’\n]+)[‘’]
    | “(?P<curly>[^“”\n]+)”
    | «(?P<guillemets>[^«»\n]+)»
    | »(?P<reversed>[^«»\n]+)«
    | "(?P<straight>[^"\n]+)"
    | (?<![\w])‘(?P<single>[^‘’\n]+?)’(?![\w])
    """,
    re.VERBOSE,
)
_OPENERS = '“„«»"'
_CLOSERS = {"“": "”", "„": "“”", "«": "»", "»": "«", '"': '"'}

_NAME = (
    r"[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’.-]*"
    r"(?:\s+(?:(?:al|el|bin|ibn|de|del|da|van|von|der|la|le|di)[\s-]+)?[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’.-]*){0,4}"
)
_VERBS = (
    r"said|says|told|tells|added|adds|stated|declared|asked|wrote|writes|tweeted|posted|noted|"
    r"insisted|warned|explained|claimed|argued|remarked|replied|responded|continued|concluded|"
    r"admitted|acknowledged|stressed|emphasi[sz]ed|announced|commented|urged|recalled|"
    r"sagte|sagt|sagten|erklärte|erklärt|betonte|betont|meinte|meint|schrieb|warnte|fügte\s+hinzu|"
    r"a\s+déclaré|a\s+dit|déclare|dit|a\s+affirmé|affirme|a\s+indiqué|a\s+ajouté|ajoute|"
    r"a\s+souligné|a\s+expliqué|explique|a\s+estimé|estime|"
    r"dijo|dice|afirmó|afirma|declaró|aseguró|señaló|explicó|añadió|agregó|indicó|subrayó|"
    r"сказал|сказала|заявил|заявила|отметил|отметила|сообщил|сообщила|добавил|добавила|"
    r"подчеркнул|подчеркнула|говорит|заявляет|написал|написала"
)
_ACCORDING = r"according\s+to|so|selon|según|по\s+словам"
_PRONOUNS = r"he|she|they|we|I|er|sie|il|elle|ils|él|ella|он|она|они"
_APPOSITIVE = r"(?:\s*,\s*[^,“”\"«»„\n]{1,100},)?"
# "Trump late Thursday tweeted": when they spoke stands between the speaker and the verb.
_WEEKDAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_WHEN = rf"(?:\s+(?:(?:late|early|on|last|this)\s+)?(?:{_WEEKDAYS}|yesterday|today|tonight)(?:\s+(?:morning|afternoon|evening|night))?)?"
# "local police chief Sayed Kamal Sadat told": a description in lower case before the name.
_DESCRIPTION = r"(?:(?:[a-z][\w-]*\s+){1,4}(?=[A-ZÀ-ÖØ-ÞА-ЯЁ]))?"
_AFTER_NAME_VERB = re.compile(
    rf"^[\s,.!?]*(?:[-–—]\s*)?{_DESCRIPTION}(?P<name>{_NAME}){_APPOSITIVE}{_WHEN}\s+(?:{_VERBS})(?![\w])"
)
_AFTER_VERB_NAME = re.compile(
    rf"^[\s,.!?]*(?:[-–—]\s*)?(?:{_VERBS}|{_ACCORDING})\s+"
    rf"(?:(?P<name>{_NAME})|(?P<description>(?:a|an|the|un|une|le|la|ein|eine|der|die|el|"
    rf"un|una)\s+[^,.;:“”\"«»\n]{{1,60}}))",
)
_AFTER_PRONOUN = re.compile(rf"^[\s,.!?]*(?:[-–—]\s*)?(?:{_PRONOUNS})\s+(?:{_VERBS})(?![\w])")
_BEFORE_NAME_VERB = re.compile(
    rf"(?P<name>{_NAME}){_APPOSITIVE}{_WHEN}\s+(?:{_VERBS})(?![\w])[^“”\"«»„]{{0,160}}$"
)
_BEFORE_ACCORDING = re.compile(rf"(?:{_ACCORDING})\s+(?P<name>{_NAME})[^“”\"«»„]{{0,80}}$")
# A full stop ends the attribution unless it closes a title ("Mr. Trump said").
_SENTENCE_END = re.compile(
    r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bGen)(?<!\bSen)(?<!\bRep)(?<!\bGov)"
    r"(?<!\bLt)(?<!\bCol)(?<!\bSgt)(?<!\bCapt)(?<!\bProf)(?<!\bJr)(?<!\bSr)(?<!\bSt)"
    r"[.!?…](?=\s|$)|\n"
)
# Capitalized words that open a sentence but are no speaker ("In Tehran, Putin said").
_NOT_SPEAKERS = frozenset(
    """The A An In On At For But And However During After Before Both Any Only Our His Her Its
    Their This That These Those It He She They We There Here When While If As Since Although
    Der Die Das Ein Eine Im Am Le La Les Un Une El Los Las Una В На
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    June July August September October November December""".split()
)


class QuoteMention(BaseModel):
    """Words between quotation marks, and who said them when the text tells."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(description="The quoted words, without the marks.")
    span: Span = Field(description="Where the quoted words stand, marks excluded.")
    outer_span: Span = Field(description="The quotation with its marks.")
    speaker: str | None = Field(default=None, description="Who said it, as the text names them.")
    speaker_span: Span | None = None
    speaker_is_name: bool = Field(
        default=False, description="True for a named speaker, False for 'a senior official'."
    )
    speaker_inferred: bool = Field(
        default=False, description="True when the speaker comes from an earlier quote."
    )
    closed: bool = Field(default=True, description="False for a quote left open at paragraph end.")


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentence_after(text: str, position: int) -> str:
    window = text[position : position + 240]
    # The attribution ends with the sentence or where the next quote opens.
    cut = len(window)
    for match in _SENTENCE_END.finditer(window):
        if match.start() > 0:
            cut = match.start()
            break
    for index, char in enumerate(window[:cut]):
        if char in _OPENERS and index > 0:
            cut = index
            break
    return window[:cut]


def _sentence_before(text: str, position: int) -> tuple[int, str]:
    start = max(0, position - 300)
    window = text[start:position]
    boundary = 0
    for match in _SENTENCE_END.finditer(window):
        boundary = match.end()
    for index in range(len(window) - 1, boundary - 1, -1):
        if window[index] in '”»«“"':
            boundary = index + 1
            break
    return start + boundary, window[boundary:]


def _speaker(text: str, outer: tuple[int, int]) -> tuple[str, Span, bool] | None:
    """The speaker named in the sentence around the quote at ``outer``, if any."""
    after = _sentence_after(text, outer[1])
    match = _AFTER_NAME_VERB.match(after)
    if match and match.group("name") not in _NOT_SPEAKERS:
        start = outer[1] + match.start("name")
        return match.group("name"), Span(start=start, end=start + len(match.group("name"))), True
    match = _AFTER_VERB_NAME.match(after)
    if match:
        group = "name" if match.group("name") else "description"
        words = match.group(group).rstrip()
        start = outer[1] + match.start(group)
        return words, Span(start=start, end=start + len(words)), group == "name"
    if _AFTER_PRONOUN.match(after):
        return None
    base, before = _sentence_before(text, outer[0])
    for pattern in (_BEFORE_ACCORDING, _BEFORE_NAME_VERB):
        match = pattern.search(before)
        if match and match.group("name") not in _NOT_SPEAKERS:
            name = match.group("name")
            start = base + match.start("name")
            return name, Span(start=start, end=start + len(name)), True
    return None


def _unclosed(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Quotes opened and not closed before the paragraph ends."""
    found: list[tuple[int, int, int, int]] = []
    for index, char in enumerate(text):
        if char not in "“„«":
            continue
        if any(start <= index < end for start, end in taken):
            continue
        if index + 1 < len(text) and text[index + 1].isspace() and char != "«":
            continue
        paragraph_end = text.find("\n", index)
        paragraph_end = len(text) if paragraph_end == -1 else paragraph_end
        if any(closer in text[index + 1 : paragraph_end] for closer in _CLOSERS[char]):
            continue
        found.append((index, paragraph_end, index + 1, paragraph_end))
        taken.append((index, paragraph_end))
    return found


@lru_cache(maxsize=8192)
def find_quotes(text: str) -> tuple[QuoteMention, ...]:
    """Direct quotations in ``text`` with their speakers, in order of appearance.

    ``span`` covers the quoted words exactly (``text[span] == quote.text``);
    ``outer_span`` adds the marks.
    """
    raw: list[tuple[int, int, int, int, bool]] = []
    taken: list[tuple[int, int]] = []
    for match in _QUOTE.finditer(text):
        group = next(name for name, value in match.groupdict().items() if value is not None)
        inner = _strip(text, match.start(group), match.end(group))
        if inner[0] == inner[1]:
            continue
        raw.append((match.start(), match.end(), inner[0], inner[1], True))
        taken.append(match.span())
    for outer_start, outer_end, inner_start, inner_end in _unclosed(text, taken):
        inner = _strip(text, inner_start, inner_end)
        if inner[0] < inner[1]:
            raw.append((outer_start, outer_end, inner[0], inner[1], False))
    raw.sort()

    quotes: list[QuoteMention] = []
    last_speaker: tuple[str, Span, bool] | None = None
    last_paragraph_end = -1
    for outer_start, outer_end, inner_start, inner_end, closed in raw:
        paragraph_start = text.rfind("\n", 0, outer_start) + 1
        opens_paragraph = not text[paragraph_start:outer_start].strip()
        same_paragraph = paragraph_start <= last_paragraph_end
        # A quote opening the very next paragraph continues the previous speaker.
        next_paragraph = (
            opens_paragraph
            and last_paragraph_end >= 0
            and not text[last_paragraph_end:paragraph_start].strip()
        )
        found = _speaker(text, (outer_start, outer_end))
        inferred = False
        if found is None and last_speaker is not None and (same_paragraph or next_paragraph):
            found, inferred = last_speaker, True
        last_speaker = found
        paragraph_end = text.find("\n", outer_end)
        last_paragraph_end = len(text) if paragraph_end == -1 else paragraph_end
        quotes.append(
            QuoteMention(
                text=text[inner_start:inner_end],
                span=Span(start=inner_start, end=inner_end),
                outer_span=Span(start=outer_start, end=outer_end),
                speaker=found[0] if found else None,
                speaker_span=found[1] if found else None,
                speaker_is_name=found[2] if found else False,
                speaker_inferred=inferred,
                closed=closed,
            )
        )
    return tuple(quotes)
