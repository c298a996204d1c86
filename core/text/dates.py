"""Dates, weekdays and years in news text, resolved against a publication date.

Rule-based and fast: one compiled pattern per form, month and weekday names in
English, German, French, Spanish and Russian. A mention keeps what the text
actually says (a weekday is not a day of the month) and, when a publication date
is known, the calendar day it most likely means, so that "Tuesday" in a July 19,
2022 article and "July 19" are recognised as the same day rather than reported
as a conflict.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from veracity.models import Span

DateKind = Literal["date", "month", "year", "weekday", "relative"]

# Month names by language, lower case, with their number. Russian has the
# genitive ("24 февраля"), nominative and prepositional ("в феврале") forms.
_MONTHS: dict[str, int] = {}
for _names in (
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "jänner feber marz apr mai jun jul aug sept okt nov dez",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "janv févr mars avr mai juin juil août sept oct nov déc",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "ene feb mar abr may jun jul ago setiembre oct nov dic",
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
    "январе феврале марте апреле мае июне июле августе сентябре октябре ноябре декабре",
):
    for _number, _name in enumerate(_names.split(), start=1):
        _MONTHS.setdefault(_name, _number)
_MONTHS["sept"] = 9
_MONTHS["fevrier"] = 2
_MONTHS["aout"] = 8
_MONTHS["decembre"] = 12


_WEEKDAYS: dict[str, int] = {}
for _names in (
    "monday tuesday wednesday thursday friday saturday sunday",
    "montag dienstag mittwoch donnerstag freitag samstag sonntag",
    "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "lunes martes miércoles jueves viernes sábado domingo",
    "понедельник вторник среда четверг пятница суббота воскресенье",
    "понедельник вторник среду четверг пятницу субботу воскресенье",
    "понедельника вторника среды четверга пятницы субботы воскресенья",
):
    for _number, _name in enumerate(_names.split()):
        _WEEKDAYS.setdefault(_name, _number)
_WEEKDAYS["sonnabend"] = 5
# English and German weekdays are capitalized; "sunday" in lower case is not one.
_CAPITALIZED_WEEKDAYS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday "
    "montag dienstag mittwoch donnerstag freitag samstag sonntag sonnabend".split()
)
_WEEKDAYS["miercoles"] = 2
_WEEKDAYS["sabado"] = 5

#: Month and weekday words of every language read, lower case: not names.
MONTH_NAMES = frozenset(_MONTHS)
WEEKDAY_NAMES = frozenset(_WEEKDAYS)

_RELATIVE: dict[str, int] = {
    "today": 0,
    "yesterday": -1,
    "tomorrow": 1,
    "tonight": 0,
    "heute": 0,
    "gestern": -1,
    "aujourd'hui": 0,
    "aujourd’hui": 0,
    "hier": -1,
    "demain": 1,
    "hoy": 0,
    "ayer": -1,
    "сегодня": 0,
    "вчера": -1,
    "завтра": 1,
}


def _alternation(words: list[str]) -> str:
    # Longest first, so that "sept" wins over "sep" and "июля" over "июл".
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_MONTH = rf"(?P<month>{_alternation(list(_MONTHS))})\.?"
_YEAR_TAIL = r"(?:,?\s+(?:de\s+|del\s+)?(?P<year>\d{4})(?:\s*(?:года|году|г\.))?)?"
_B = r"(?<![\w])"
_E = r"(?![\w])"

# Day before month: "24 February 2022", "24. Februar", "24 de febrero de 2022",
# "1er mars", "24 февраля 2022 года", "the 24th of February".
_DAY_MONTH = re.compile(
    rf"{_B}(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|\.|º|-?го)?\s*(?:de\s+|of\s+)?{_MONTH}{_E}{_YEAR_TAIL}",
    re.IGNORECASE,
)
# Month before day: "Feb. 24", "February 24, 2022", "July 19th".
_MONTH_DAY = re.compile(
    rf"{_B}{_MONTH}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?{_E}(?:,?\s+(?P<year>\d{{4}}){_E})?",
    re.IGNORECASE,
)
# Month and year: "February 2022", "febrero de 2022", "феврале 2022 года".
_MONTH_YEAR = re.compile(
    rf"{_B}{_MONTH}{_E},?\s+(?:de\s+|del\s+)?(?P<year>\d{{4}}){_E}(?:\s*(?:года|году|г\.))?",
    re.IGNORECASE,
)
# A month alone after a preposition: "in February", "im März", "en febrero", "в феврале".
_MONTH_ONLY = re.compile(
    rf"{_B}(?P<prep>in|since|until|till|by|from|during|early|late|mid|last|next|this|"
    rf"im|seit|bis|ab|en|depuis|jusqu'en|desde|hasta|в|с|до)[\s-]+(?:of\s+)?{_MONTH}{_E}",
    re.IGNORECASE,
)
_ISO = re.compile(r"(?<![\w-])(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?![\w-])")
_NUMERIC = re.compile(
    r"(?<![\w./])(?P<first>\d{1,2})(?P<sep>[./])(?P<second>\d{1,2})(?P=sep)(?P<year>\d{4})(?![\w./])"
)
_WEEKDAY = re.compile(rf"{_B}(?P<weekday>{_alternation(list(_WEEKDAYS))}){_E}", re.IGNORECASE)
_RELATIVE_RE = re.compile(rf"{_B}(?P<relative>{_alternation(list(_RELATIVE))}){_E}", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\w.,$€£¥₽])(?P<year>1[89]\d\d|20\d\d)(?![\w]|[.,]\d)")
_YEAR_AFTER = re.compile(
    r"\s*(?:[%$€£]|percent|per cent|[a-zà-ÿ]+s\b|people|men|women|children|troops|tonnes)",
    re.IGNORECASE,
)
_YEAR_BEFORE = re.compile(r"(?:[$€£¥₽]|\b(?:about|around|some|nearly|almost|over|than|to))\s*$")


class DateMention(BaseModel):
    """A date, month, year, weekday or relative day named in a text."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(description="The mention as written.")
    span: Span
    kind: DateKind
    year: int | None = None
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    weekday: int | None = Field(default=None, ge=0, le=6, description="0 is Monday.")
    offset: int | None = Field(
        default=None, description="Days from publication for 'today', 'yesterday'..."
    )
    resolved: dt.date | None = Field(
        default=None, description="The calendar day meant, when the text and publication date tell."
    )


def _month_number(word: str) -> int | None:
    key = word.lower().rstrip(".")
    number = _MONTHS.get(key)
    if number is None:
        return None
    # English and German write months with a capital; in lower case "may",
    # "march" or "august" are ordinary words. French, Spanish and Russian do not
    # capitalize months.
    if word[:1].islower() and key not in _LOWERCASE_MONTHS:
        return None
    return number


_LOWERCASE_MONTHS = frozenset(
    (
        "janvier février fevrier mars avril mai juin juillet août aout septembre octobre "
        "novembre décembre decembre janv févr avr juil sept déc "
        "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre "
        "noviembre diciembre ene feb mar abr ago dic"
    ).split()
) | frozenset(key for key in _MONTHS if re.match(r"[а-я]", key))


def _valid_day(year: int | None, month: int, day: int) -> bool:
    try:
        dt.date(year or 2000, month, day)
    except ValueError:
        return False
    return True


def _infer_year(month: int, day: int, published: dt.date) -> dt.date | None:
    """The year a day-and-month mention most likely means in an article of ``published``."""
    try:
        candidate = dt.date(published.year, month, day)
    except ValueError:
        return None
    # News mostly looks back: a date far after publication is from last year.
    if candidate - published > dt.timedelta(days=60):
        try:
            candidate = dt.date(published.year - 1, month, day)
        except ValueError:
            return None
    return candidate


def _resolve_weekday(weekday: int, published: dt.date) -> dt.date:
    # The most recent such day on or before publication: "on Tuesday" in a
    # Tuesday article is that very day.
    return published - dt.timedelta(days=(published.weekday() - weekday) % 7)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


@lru_cache(maxsize=8192)
def find_dates(
    text: str, published: dt.date | None = None, language: str | None = None
) -> tuple[DateMention, ...]:
    """Dates, months, years, weekdays and relative days in ``text``, in order.

    ``published`` resolves weekdays ("Tuesday" is the last Tuesday on or
    before it), days without a year and "yesterday". ``language`` only settles
    numeric dates: "7/8/2022" is July 8 in English and 7 August elsewhere.
    Every ``span`` indexes ``text`` exactly.
    """
    found: list[tuple[int, int, DateMention]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, mention: DateMention) -> None:
        found.append((start, end, mention))
        taken.append((start, end))

    def make(start: int, end: int, kind: DateKind, **fields: int | None) -> DateMention:
        year, month, day = fields.get("year"), fields.get("month"), fields.get("day")
        resolved: dt.date | None = None
        if month is not None and day is not None:
            if year is not None:
                resolved = dt.date(year, month, day)
            elif published is not None:
                resolved = _infer_year(month, day, published)
        return DateMention(
            text=text[start:end],
            span=Span(start=start, end=end),
            kind=kind,
            resolved=resolved,
            **fields,
        )

    for match in _ISO.finditer(text):
        year, month, day = (int(match.group(name)) for name in ("year", "month", "day"))
        if 1 <= month <= 12 and _valid_day(year, month, day):
            add(*match.span(), make(*match.span(), "date", year=year, month=month, day=day))
    for match in _NUMERIC.finditer(text):
        if _overlaps(match.span(), taken):
            continue
        first, second = int(match.group("first")), int(match.group("second"))
        year = int(match.group("year"))
        day, month = (
            (second, first)
            if language == "en" and match.group("sep") == "/"
            else (
                first,
                second,
            )
        )
        if month > 12 and day <= 12:
            day, month = month, day
        if 1 <= month <= 12 and _valid_day(year, month, day):
            add(*match.span(), make(*match.span(), "date", year=year, month=month, day=day))
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        for match in pattern.finditer(text):
            if _overlaps(match.span(), taken):
                continue
            month_number = _month_number(match.group("month"))
            day = int(match.group("day"))
            year_text = match.group("year")
            year_value = int(year_text) if year_text else None
            if month_number is None or not 1 <= day <= 31:
                continue
            if not _valid_day(year_value, month_number, day):
                continue
            add(
                *match.span(),
                make(*match.span(), "date", year=year_value, month=month_number, day=day),
            )
    for match in _MONTH_YEAR.finditer(text):
        if _overlaps(match.span(), taken):
            continue
        month_number = _month_number(match.group("month"))
        if month_number is None:
            continue
        year_value = int(match.group("year"))
        add(*match.span(), make(*match.span(), "month", year=year_value, month=month_number))
    for match in _MONTH_ONLY.finditer(text):
        span = match.span("month")
        end = match.end()
        if _overlaps((span[0], end), taken):
            continue
        month_number = _month_number(match.group("month"))
        if month_number is None:
            continue
        add(span[0], end, make(span[0], end, "month", month=month_number))
    for match in _WEEKDAY.finditer(text):
        if _overlaps(match.span(), taken):
            # "Tuesday, July 19": the weekday belongs to the date already found.
            continue
        word = match.group("weekday")
        if word.lower() in _CAPITALIZED_WEEKDAYS and not word[:1].isupper():
            continue
        weekday = _WEEKDAYS[word.lower()]
        resolved = _resolve_weekday(weekday, published) if published else None
        add(
            *match.span(),
            DateMention(
                text=word,
                span=Span(start=match.start(), end=match.end()),
                kind="weekday",
                weekday=weekday,
                resolved=resolved,
            ),
        )
    for match in _RELATIVE_RE.finditer(text):
        if _overlaps(match.span(), taken):
            continue
        offset = _RELATIVE[match.group("relative").lower()]
        resolved = published + dt.timedelta(days=offset) if published else None
        add(
            *match.span(),
            DateMention(
                text=match.group(),
                span=Span(start=match.start(), end=match.end()),
                kind="relative",
                offset=offset,
                resolved=resolved,
            ),
        )
    for match in _YEAR.finditer(text):
        if _overlaps(match.span(), taken) or not _looks_like_year(text, match):
            continue
        year_value = int(match.group("year"))
        add(*match.span(), make(*match.span(), "year", year=year_value))
    found.sort(key=lambda item: (item[0], item[1]))
    return tuple(mention for _, _, mention in found)


def _looks_like_year(text: str, match: re.Match[str]) -> bool:
    """A four-digit number is a year unless money, a hedge or a counted noun says otherwise."""
    before = text[max(0, match.start() - 12) : match.start()]
    if _YEAR_BEFORE.search(before):
        return False
    # "2000 soldiers" counts things; "2015 nuclear deal" and "in 2018" are years.
    return _YEAR_AFTER.match(text, match.end()) is None


def _weekday_of(mention: DateMention) -> int | None:
    if mention.weekday is not None:
        return mention.weekday
    if mention.resolved is not None:
        return mention.resolved.weekday()
    return None


def dates_comparable(a: DateMention, b: DateMention) -> bool:
    """Whether ``a`` and ``b`` say something about the same calendar field.

    A year and a day without a year share nothing; a weekday and a full date
    share the weekday when the date is within a week of publication (otherwise
    the date names some other event, not the day of the news).
    """
    if a.year is not None and b.year is not None:
        return True
    if a.month is not None and b.month is not None:
        return True
    if a.kind in ("weekday", "relative") or b.kind in ("weekday", "relative"):
        return _weekday_of(a) is not None and _weekday_of(b) is not None and _near(a, b)
    return False


def _near(a: DateMention, b: DateMention) -> bool:
    """For a weekday against a date: is the date within a week of the weekday's resolution?"""
    if a.kind == "weekday" and b.kind == "weekday":
        return True
    days = [m.resolved for m in (a, b) if m.resolved is not None]
    if len(days) < 2:
        # Without a publication date a weekday can only be checked against a weekday.
        return a.kind not in ("weekday", "relative") and b.kind not in ("weekday", "relative")
    return abs((days[0] - days[1]).days) <= 7


def dates_conflict(a: DateMention, b: DateMention) -> bool:
    """Whether two mentions cannot name the same day, month or year.

    A weekday does not conflict with its own resolved date ("Tuesday" and
    "July 19, 2022"), a month does not conflict with a day in it, and a
    mention without a year does not conflict with one that has a year.
    """
    if not dates_comparable(a, b):
        return False
    if a.year is not None and b.year is not None and a.year != b.year:
        return True
    if a.month is not None and b.month is not None and a.month != b.month:
        return True
    if a.day is not None and b.day is not None and a.day != b.day:
        return True
    if a.kind in ("weekday", "relative") or b.kind in ("weekday", "relative"):
        if a.resolved is not None and b.resolved is not None and a.kind == b.kind == "relative":
            return a.resolved != b.resolved
        weekday_a, weekday_b = _weekday_of(a), _weekday_of(b)
        if weekday_a is not None and weekday_b is not None and _near(a, b):
            return weekday_a != weekday_b
    return False


def same_date(a: DateMention, b: DateMention) -> bool:
    """Whether ``a`` and ``b`` are comparable and agree."""
    return dates_comparable(a, b) and not dates_conflict(a, b)


# A wire dateline opening a paragraph: "LONDON/DUBAI, July 19 (Reuters) –",
# "WASHINGTON, Feb. 24, 2022 (AP) -", "LISBON, June 6 (HPA) -".
_DATELINE = re.compile(
    r"^[ \t]*(?P<place>[A-ZÀ-Þ][A-ZÀ-Þ .'’/-]{1,60}),\s+"
    rf"(?P<month>{_alternation([name for name in _MONTHS if name.isascii()])})\.?\s+"
    r"(?P<day>[0-3]?\d)(?:,\s*(?P<year>\d{4}))?\s*\((?P<agency>[^()\n]{2,40})\)\s*[-–—]",
    re.IGNORECASE | re.MULTILINE,
)
# Datelines stand at the top of the story; deeper in, such a line is a quotation of another.
_DATELINE_WITHIN = 1000


class Dateline(BaseModel):
    """The dateline that opens a wire story: where and on which day it was filed."""

    model_config = ConfigDict(frozen=True)

    text: str
    span: Span
    place: str
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    year: int | None = Field(default=None, description="None when the dateline omits it.")


def find_dateline(text: str) -> Dateline | None:
    """The dateline near the top of ``text`` ("LONDON, July 19 (Reuters) –"), if there is one."""
    for match in _DATELINE.finditer(text, 0, min(len(text), _DATELINE_WITHIN)):
        place = match.group("place").strip()
        # The place is written in capitals; "In July 19 (...)" is no dateline.
        if not place.isupper():
            continue
        month = _MONTHS[match.group("month").lower()]
        day = int(match.group("day"))
        year = int(match.group("year")) if match.group("year") else None
        if not _valid_day(year, month, day):
            continue
        start = match.start("place")
        return Dateline(
            text=text[start : match.end()],
            span=Span(start=start, end=match.end()),
            place=place,
            month=month,
            day=day,
            year=year,
        )
    return None


def dateline_date(text: str, reference_dates: Sequence[dt.date] = ()) -> dt.date | None:
    """The publication date a dateline gives, for a document that states none.

    A dateline with a year gives its day. One without ("July 19 (Reuters)")
    takes the year that puts the day nearest to ``reference_dates`` (the
    publication dates of the story's other sources); with no reference the year
    stays unknown and the result is None, so that only month and day are compared.
    """
    dateline = find_dateline(text)
    if dateline is None:
        return None
    if dateline.year is not None:
        return dt.date(dateline.year, dateline.month, dateline.day)
    best: tuple[int, dt.date] | None = None
    for reference in sorted(reference_dates):
        for year in (reference.year - 1, reference.year, reference.year + 1):
            if not _valid_day(year, dateline.month, dateline.day):
                continue
            candidate = dt.date(year, dateline.month, dateline.day)
            distance = abs((candidate - reference).days)
            if best is None or distance < best[0]:
                best = (distance, candidate)
    return best[1] if best is not None else None
