"""Capitalized names (people, places, organisations) and how to tell two apart.

Finding: runs of capitalized words ("Tayyip Erdogan", "National Iranian Oil
Company", "Bashar al-Assad"), with titles ("President", "Supreme Leader")
split off, possessives ("Iran's", "Iran‘s") stripped, and the capitalized
common words that open a sentence ("However", "The") left out. A single word
that opens a sentence and is not a known place is marked uncertain: it may be
an ordinary word ("Footage", "Emboldened").

Comparing: :func:`normalize_name` makes "US", "U.S." and "United States" the
same key, and maps demonyms ("Iranian") and seats of government ("Tehran",
"the Kremlin") to their country, because news writes them interchangeably.
:func:`name_relation` then tells whether two names are the same, one is part
of the other ("Putin" and "Vladimir Putin"), one is a likely misspelling of the
other ("Laisi" and "Raisi") or they are different names.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from enum import StrEnum
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from veracity.models import Span
from veracity.text.dates import MONTH_NAMES, WEEKDAY_NAMES
from veracity.text.lexicon import is_common_word

# Canonical keys for names news writes in several ways.
_ALIASES: dict[str, str] = {
    "us": "united states", "usa": "united states", "united states of america": "united states",
    "america": "united states", "american": "united states", "americans": "united states",
    "washington": "united states", "white house": "united states",
    "uk": "united kingdom", "britain": "united kingdom", "great britain": "united kingdom",
    "british": "united kingdom", "london": "united kingdom",
    "un": "united nations", "eu": "european union", "ussr": "soviet union",
    "soviet": "soviet union", "russian federation": "russia", "russian": "russia",
    "russians": "russia", "moscow": "russia", "kremlin": "russia",
    "islamic republic of iran": "iran", "islamic republic": "iran", "iranian": "iran",
    "iranians": "iran", "tehran": "iran", "teheran": "iran",
    "turkish": "turkey", "turks": "turkey", "turkiye": "turkey", "ankara": "turkey",
    "syrian": "syria", "syrians": "syria", "damascus": "syria",
    "ukrainian": "ukraine", "ukrainians": "ukraine", "kyiv": "ukraine", "kiev": "ukraine",
    "chinese": "china", "beijing": "china", "israeli": "israel", "israelis": "israel",
    "jerusalem": "israel", "saudi": "saudi arabia", "saudis": "saudi arabia",
    "riyadh": "saudi arabia", "ksa": "saudi arabia", "french": "france", "paris": "france",
    "elysee": "france", "german": "germany", "germans": "germany", "berlin": "germany",
    "indian": "india", "new delhi": "india", "delhi": "india", "iraqi": "iraq",
    "baghdad": "iraq", "afghan": "afghanistan", "kabul": "afghanistan",
    "pakistani": "pakistan", "islamabad": "pakistan", "egyptian": "egypt", "cairo": "egypt",
    "japanese": "japan", "tokyo": "japan", "european": "europe", "kurdish": "kurds",
    "kurd": "kurds", "palestinian": "palestine", "palestinians": "palestine",
    "lebanese": "lebanon", "beirut": "lebanon", "qatari": "qatar", "doha": "qatar",
    "emirati": "united arab emirates", "uae": "united arab emirates",
    "spanish": "spain", "madrid": "spain", "italian": "italy", "rome": "italy",
    "polish": "poland", "warsaw": "poland", "belarusian": "belarus", "minsk": "belarus",
    "canadian": "canada", "ottawa": "canada", "mexican": "mexico", "brazilian": "brazil",
    "australian": "australia", "canberra": "australia", "jordanian": "jordan",
    "yemeni": "yemen", "libyan": "libya", "venezuelan": "venezuela", "cuban": "cuba",
    "north korean": "north korea", "pyongyang": "north korea", "south korean": "south korea",
    "seoul": "south korea", "azerbaijani": "azerbaijan", "armenian": "armenia",
    "georgian": "georgia", "kazakh": "kazakhstan", "swiss": "switzerland", "dutch": "netherlands",
    "greek": "greece", "athens": "greece", "saudi arabian": "saudi arabia",
    "islamic state": "islamic state", "isis": "islamic state", "isil": "islamic state",
}  # fmt: skip
# Places known to be distinct however close their spelling ("Iran" and "Iraq"):
# a difference between two of them is a replacement, never a misspelling.
_PLACES = frozenset(_ALIASES.values()) | frozenset(
    """iran iraq russia china india israel syria turkey ukraine japan egypt france germany
    spain italy poland belarus canada mexico brazil australia austria jordan yemen libya
    venezuela cuba lebanon qatar oman kuwait bahrain nigeria niger mali algeria morocco tunisia
    sudan ethiopia kenya somalia gaza europe asia africa gulf georgia armenia azerbaijan
    kazakhstan switzerland sweden norway finland denmark netherlands belgium greece hungary
    romania serbia croatia slovakia slovenia latvia lithuania estonia moldova""".split()
)
_TITLES = frozenset(
    """president presidents vice prime minister ministers supreme leader ayatollah chancellor
    king queen prince princess pope secretary secretary-general senator sen rep representative
    governor mayor general gen mr mrs ms dr sheikh emir sultan premier deputy chairman chief
    commissioner judge justice lord sir herr frau präsident präsidentin bundeskanzler kanzler
    kanzlerin ministerpräsident président présidente ministre presidente ministro президент
    премьер министр лидер spokesman spokeswoman ambassador adviser advisor envoy commander
    colonel lieutenant captain spc sgt cpl pvt lt capt maj col adm gov supt insp det""".split()
)
_CONNECTORS = frozenset("of of-the de del della da di du des van von der den la le bin ibn".split())
_PARTICLE_PREFIX = re.compile(r"^(?:al|el|bin|ibn|abu|ben|ould|ul)-", re.IGNORECASE)
# Capitalized words that open sentences and clauses without being names.
_COMMON = frozenset(
    """the a an in on at for but and or however during after before both any only our his her
    its their this that these those it he she they we i you there here when while if as since
    although though despite according ahead high also even more most many some such what who
    why how where which with without from to by of under over between among meanwhile still
    yet so then now today yesterday last next earlier later one two three first second third
    all each every no not other another several few much new mr after his my your my
    western eastern northern southern central foreign additional writing editing reporting
    der die das den dem des ein eine einen einem einer und aber im am an auf für mit nach bei
    es er sie wir ich auch doch dies diese dieser als wenn wie vor seit zum zur von
    le la les l un une des du de et mais dans en au aux pour par sur avec il elle ils elles
    nous on ce cette ces selon lors depuis après avant
    el los las unos unas y pero con por para del al según tras desde este esta estos estas se
    в на по с из к о но и а он она они это этот эта как также после до для при""".split()
)
# Function words of one language that, capitalized inside a sentence, begin a name in
# any: Spanish writes "al" and "el" in lower case, so "Al Gore" and "El Paso" are names.
_CAPITALIZED_INSIDE_NAMES = frozenset({"al", "el"})
# Words after which a sentence-initial capitalized word is surely a name.
_NAME_FOLLOWERS = frozenset(
    """said says told tells has had is was are were will would did does also met visited
    called added warned and or announced signed agreed accused wants plans sent reported
    reports meets visits arrives arrived holds held urges urged vows vowed pledges pledged
    threatens threatened launches launched seeks sought hopes hoped insists insisted expects
    expected denies denied rejects rejected backs backed supports supported opposes opposed
    leads led wins won""".split()
)
_GERMAN_DETERMINERS = frozenset(
    "der die das den dem des ein eine einen einem einer eines kein keine seine ihre diese".split()
)
_GERMAN_NOUN_SUFFIX = re.compile(
    r"(?:ung|heit|keit|schaft|tion|tät|ismus|nis|ment|ei|chen|lein|ling|tum|ur)(?:en|s)?$"
)
_WORD = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_](?:[\w'’‘ʼ-]*[\w’'ʼ])?")
_POSSESSIVE = re.compile(r"['’‘ʼ]s?$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;…\n]|[“„«»\"‘(])[\s“„«»\"‘(]*$")


class NameMention(BaseModel):
    """A capitalized name in a text."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(description="The name as written, possessive and titles excluded.")
    span: Span
    key: str = Field(description="Normalized form: 'united states' for 'U.S.'.")
    certain: bool = Field(
        default=True, description="False for a lone capitalized word that opens a sentence."
    )


class NameRelation(StrEnum):
    """How two names relate."""

    SAME = "same"
    PART = "part"
    MISSPELLING = "misspelling"
    DIFFERENT = "different"


class NameMatch(BaseModel):
    """A name of one text paired with the closest name of another."""

    a: NameMention
    b: NameMention
    relation: NameRelation
    score: float = Field(ge=0.0, le=100.0, description="Spelling similarity, 0 to 100.")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@lru_cache(maxsize=16384)
def normalize_name(name: str) -> str:
    """A key under which spellings of the same name meet.

    Case, accents, possessives, dots in acronyms, hyphens and a leading "the"
    go; aliases ("U.S." -> "united states"), demonyms ("Iranian" -> "iran") and
    seats of government ("the Kremlin" -> "russia") map to one key.
    """
    key = _fold(name).replace("’", "'").replace("‘", "'").replace("ʼ", "'")
    key = _POSSESSIVE.sub("", key.strip())
    key = key.replace(".", "")
    key = re.sub(r"[-\s]+", " ", key).strip()
    if key.startswith("the "):
        key = key[4:]
    return _ALIASES.get(key, key)


def is_title(word: str) -> bool:
    """Whether ``word`` is a title such as "President" that precedes a name."""
    return word.lower().rstrip(".") in _TITLES


def is_place(key: str) -> bool:
    """Whether a normalized name (see :func:`normalize_name`) is a known country or capital."""
    return key in _PLACES


def _initials(words: list[str]) -> str:
    return "".join(word[0] for word in words if word not in _CONNECTORS and word)


@lru_cache(maxsize=65536)
def name_relation(a: str, b: str) -> NameRelation:
    """Whether names ``a`` and ``b`` are the same, one part of the other, a misspelling or not.

    "Putin" is PART of "Vladimir Putin"; "NIOC" is the SAME as "National
    Iranian Oil Company"; "Laisi" is a MISSPELLING of "Raisi"; "Iran" and
    "Iraq" are DIFFERENT: known places are never taken for misspellings.
    """
    key_a, key_b = normalize_name(a), normalize_name(b)
    if key_a == key_b or _written_alike(key_a, key_b, a, b):
        return NameRelation.SAME
    # "Khamenei of Iran" names Khamenei; "Bank of England" against "Bank of Japan" stays whole.
    if (" of " in key_a) != (" of " in key_b):
        key_a, key_b = _without_home(key_a), _without_home(key_b)
    words_a, words_b = key_a.split(), key_b.split()
    if len(words_a) == 1 and words_a[0] == _initials(words_b):
        return NameRelation.SAME
    if len(words_b) == 1 and words_b[0] == _initials(words_a):
        return NameRelation.SAME
    set_a, set_b = set(words_a) - _CONNECTORS, set(words_b) - _CONNECTORS
    if set_a and set_b and (set_a <= set_b or set_b <= set_a):
        return NameRelation.PART
    if key_a in _PLACES and key_b in _PLACES:
        return NameRelation.DIFFERENT
    if _misspelled(words_a, words_b):
        return NameRelation.MISSPELLING
    return NameRelation.DIFFERENT


_DIGRAPHS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


def _singular(key: str) -> str:
    """A normalized name with a plural ending off its last word: "democrats" -> "democrat"."""
    head, _, last = key.rpartition(" ")
    if len(last) > 4 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        last = last[:-1]
    return f"{head} {last}".strip()


def _written_alike(key_a: str, key_b: str, a: str, b: str) -> bool:
    """One name written two ways that are not slips: a plural, or an umlaut spelled out.

    "Democrats" is the plural of "Democrat", "Workers' Party" the "Worker" of
    another; "Sueddeutsche" is how "Süddeutsche" is written without umlauts.
    """
    if _singular(key_a) == _singular(key_b):
        return True
    return normalize_name(a.translate(_DIGRAPHS)) == normalize_name(b.translate(_DIGRAPHS))


_VOWELS = re.compile(r"[aeiouy]")


def spelling_variant(a: str, b: str) -> str:
    """How two spellings of one name differ: ``"transliteration"`` or ``"slip"``.

    Names written from another script come in several romanizations that differ
    in their vowels only ("Nabi"/"Nebi", "Faiz"/"Fayez"); a consonant changed,
    added or dropped ("Laisi" for "Raisi") is a slip of the writer.
    """
    key_a = normalize_name(a.translate(_DIGRAPHS))
    key_b = normalize_name(b.translate(_DIGRAPHS))
    skeleton_a = [_VOWELS.sub("", word[1:]) for word in key_a.split()]
    skeleton_b = [_VOWELS.sub("", word[1:]) for word in key_b.split()]
    firsts_a = [word[:1] for word in key_a.split()]
    firsts_b = [word[:1] for word in key_b.split()]
    if skeleton_a == skeleton_b and firsts_a == firsts_b:
        return "transliteration"
    return "slip"


def differing_words(a: str, b: str) -> list[tuple[str, str]]:
    """The pairs of words, in order, where two spellings of one name differ."""
    words_a, words_b = a.split(), b.split()
    if len(words_a) != len(words_b):
        return [(a, b)]
    return [
        (x, y)
        for x, y in zip(words_a, words_b, strict=True)
        if normalize_name(x) != normalize_name(y)
    ]


def _without_home(key: str) -> str:
    """A normalized name without a closing "of" and a known place ("khamenei of iran")."""
    head, of, place = key.rpartition(" of ")
    return head if of and head and place in _PLACES else key


def _misspelled(words_a: list[str], words_b: list[str]) -> bool:
    """One word differs by a slip of spelling and the other words agree."""
    if (
        fuzz.ratio(" ".join(words_a), " ".join(words_b)) >= 85
        and min(len(" ".join(words_a)), len(" ".join(words_b))) >= 5
    ):
        return True
    for word_a in words_a:
        for word_b in words_b:
            if min(len(word_a), len(word_b)) < 4 or fuzz.ratio(word_a, word_b) < 80:
                continue
            if word_a in _PLACES or word_b in _PLACES:
                continue
            rest_a = set(words_a) - {word_a} - _CONNECTORS
            rest_b = set(words_b) - {word_b} - _CONNECTORS
            if rest_a <= rest_b or rest_b <= rest_a:
                return True
    return False


def _is_sentence_start(text: str, start: int) -> bool:
    return _SENTENCE_START.search(text, max(0, start - 6), start) is not None


def _capitalized(word: str) -> bool:
    return word[:1].isupper() or bool(_PARTICLE_PREFIX.match(word) and len(word) > 4)


@lru_cache(maxsize=8192)
def find_names(text: str, language: str | None = None) -> tuple[NameMention, ...]:
    """Capitalized name spans in ``text``, in order.

    Titles split a name ("Russian President Vladimir Putin" gives "Russian" and
    "Vladimir Putin"); month and weekday names are left to the date finder.
    Every ``span`` indexes ``text`` exactly.
    """
    words: list[tuple[int, int, str]] = []
    for match in _WORD.finditer(text):
        start, end, word = match.start(), match.end(), match.group()
        if "-" in word and not _PARTICLE_PREFIX.match(word):
            # "US-backed" -> "US"; "anti-Assad" -> "Assad"; "Arab-Israeli" stays.
            parts = word.split("-")
            if parts[0][:1].isupper() and not all(part[:1].isupper() for part in parts):
                end = start + len(parts[0])
                word = parts[0]
            elif not parts[0][:1].isupper() and parts[-1][:1].isupper():
                start = end - len(parts[-1])
                word = parts[-1]
        words.append((start, end, word))

    groups: list[list[tuple[int, int, str]]] = []
    current: list[tuple[int, int, str]] = []
    pending: list[tuple[int, int, str]] = []  # connectors waiting for a name after them

    def close() -> None:
        nonlocal current, pending
        if current:
            groups.append(current)
        current, pending = [], []

    for index, (start, end, word) in enumerate(words):
        lowered = word.lower().rstrip(".")
        gap = text[words[index - 1][1] : start] if index else ""
        adjacent = current and (gap == " " or (pending and gap == " "))
        if current and not adjacent:
            close()
        if lowered in _CONNECTORS and current:
            lone_opener = len(current) == 1 and _is_sentence_start(text, current[0][0])
            if not lone_opener:  # "Footage of Putin" is no name; "Bank of England" is
                pending.append((start, end, word))
                continue
        is_name = _capitalized(word) and (not word.isupper() or len(word) > 1 or word in {"U", "K"})
        if not is_name or lowered in _TITLES or _fold(lowered) in MONTH_NAMES | WEEKDAY_NAMES:
            close()
            continue
        sentence_start = _is_sentence_start(text, start)
        if (
            lowered in _COMMON
            and (not current or sentence_start)
            and (sentence_start or lowered not in _CAPITALIZED_INSIDE_NAMES)
        ):
            close()
            continue
        if pending:
            current.extend(pending)
            pending = []
        if sentence_start and current:
            close()
        current.append((start, end, word))
        if _POSSESSIVE.search(word):
            close()
    close()

    names: list[NameMention] = []
    for group in groups:
        start, end = group[0][0], group[-1][1]
        surface = text[start:end]
        possessive = _POSSESSIVE.search(surface)
        if possessive:
            end -= len(possessive.group())
            surface = text[start:end]
        if not surface or surface.lower() in _COMMON:
            continue
        key = normalize_name(surface)
        names.append(
            NameMention(
                text=surface,
                span=Span(start=start, end=end),
                key=key,
                certain=_certain(text, group, key, language),
            )
        )
    return tuple(names)


def _certain(text: str, group: list[tuple[int, int, str]], key: str, language: str | None) -> bool:
    """Whether a found name is surely a name and not a capitalized common word."""
    if len(group) > 1 or key in _PLACES or key in _ALIASES.values():
        return True
    start, end, word = group[0]
    if language == "de":
        previous = text[max(0, start - 12) : start].split()
        if previous and previous[-1].lower() in _GERMAN_DETERMINERS:
            return False
        if _GERMAN_NOUN_SUFFIX.search(word.lower()):
            return False
    if not _is_sentence_start(text, start):
        return True
    if word.isupper() or _POSSESSIVE.search(word):
        return True
    if _common_plural(word):
        # "Authorities are investigating": a plural common noun opens the sentence.
        return False
    following = text[end : end + 16].split()
    return bool(following) and (
        following[0].lower().strip(",.;:!?") in _NAME_FOLLOWERS or text[end : end + 1] == ","
    )


def _common_plural(word: str) -> bool:
    """A plural English noun in common use ("Authorities", "Officials", "Tourists")."""
    return len(word) > 4 and word.endswith("s") and is_common_word(word, 4.0)


# Hyphenated words stay whole: the "al" of "al-Assad" says nothing about a lone "Al".
_LETTERS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def case_words(text: str) -> frozenset[str]:
    """The lower-cased words of ``text`` that :func:`recase` looks up."""
    return frozenset(word.lower() for word in _LETTERS.findall(text))


def recase(text: str, references: Sequence[str], *, words: frozenset[str] | None = None) -> str:
    """``text`` with each word in the case that ``references`` most often give it.

    Names are found by their capitals, so a lower-cased text (a tokenized model
    summary) or a Title Case headline first takes its casing from the articles
    it is compared with: "iran 's president" becomes "Iran 's president" and
    "Putin Meets With Khamenei" becomes "Putin meets with Khamenei". Only
    occurrences inside a sentence count, as the first word of a sentence is
    capitalized whatever it is (unless a capitalized word follows it: "Kevin
    Sinfield"); words the references never use keep their case.
    Every character stays where it was.

    Only the casing of ``words`` (default: :func:`case_words` of ``text``) is read from
    the references; to recase several texts against the same long references, give
    each the words of them all, so that the references are read once for all of them.
    """
    forms = _case_forms(tuple(references), case_words(text) if words is None else words)

    def cased(match: re.Match[str]) -> str:
        word = match.group()
        form = forms.get(word.lower())
        return form if form is not None and len(form) == len(word) else word

    return _LETTERS.sub(cased, text)


@lru_cache(maxsize=64)
def _case_forms(references: tuple[str, ...], words: frozenset[str]) -> dict[str, str]:
    """For each of ``words`` that the references use, the casing they most often give it.

    Limited to the words asked for: a headline has a dozen, a long article a million
    words, whose sentence starts are costly to tell.
    """
    forms: dict[str, Counter[str]] = {}
    openers: dict[str, Counter[str]] = {}
    for reference in references:
        matches = list(_LETTERS.finditer(reference))
        for index, match in enumerate(matches):
            word = match.group()
            if word.lower() not in words:
                continue
            if not _is_sentence_start(reference, match.start()):
                forms.setdefault(word.lower(), Counter())[word] += 1
                continue
            # "Kevin Sinfield made...": a first name that only ever opens sentences
            # is still a name when a capitalized word follows it.
            following = matches[index + 1] if index + 1 < len(matches) else None
            if (
                following is not None
                and reference[match.end() : following.start()] == " "
                and following.group()[:1].isupper()
                and word.lower() not in _COMMON
            ):
                openers.setdefault(word.lower(), Counter())[word] += 1
    for key, counts in openers.items():
        forms.setdefault(key, counts)
    return {
        key: max(sorted(counts), key=lambda candidate: counts[candidate])
        for key, counts in forms.items()
    }


def match_names(a: Sequence[NameMention], b: Sequence[NameMention]) -> list[NameMatch]:
    """Pair every name of ``a`` with its closest name in ``b``, best relation first.

    A name of ``a`` with no counterpart at all in ``b`` is left out; use this
    to report misspellings ("Laisi" against "Raisi") and replaced names.
    """
    order = {
        NameRelation.SAME: 0,
        NameRelation.PART: 1,
        NameRelation.MISSPELLING: 2,
        NameRelation.DIFFERENT: 3,
    }
    matches: list[NameMatch] = []
    for name_a in a:
        best: NameMatch | None = None
        for name_b in b:
            relation = name_relation(name_a.text, name_b.text)
            score = fuzz.ratio(name_a.key, name_b.key)
            candidate = NameMatch(a=name_a, b=name_b, relation=relation, score=score)
            if best is None or (order[relation], -score) < (order[best.relation], -best.score):
                best = candidate
        if best is not None and best.relation is not NameRelation.DIFFERENT:
            matches.append(best)
    return matches


_SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


def soundex(word: str) -> str:
    """The American Soundex code of a word ("Raisi" and "Rice" are both R200)."""
    letters = [char for char in _fold(word) if char.isascii() and char.isalpha()]
    if not letters:
        return ""
    code = letters[0].upper()
    previous = _SOUNDEX_CODES.get(letters[0], "")
    for char in letters[1:]:
        digit = _SOUNDEX_CODES.get(char, "")
        if digit and digit != previous:
            code += digit
        if char not in "hw":
            previous = digit
    return (code + "000")[:4]


def sounds_alike(a: str, b: str) -> bool:
    """Whether two one-word names are spelled differently but sound the same ("Rice", "Raisi").

    Both must be at least four letters, share their first letter and their
    Soundex code, and not be known places.
    """
    key_a, key_b = normalize_name(a), normalize_name(b)
    if key_a == key_b or " " in key_a or " " in key_b or min(len(key_a), len(key_b)) < 4:
        return False
    if key_a in _PLACES or key_b in _PLACES or key_a[0] != key_b[0]:
        return False
    return soundex(key_a) == soundex(key_b)
