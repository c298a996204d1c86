"""Numbers with their unit, scale and hedge, normalized so equal quantities compare equal.

"$1.2bn" and "1,200,000,000 dollars" are both 1.2e9 USD; "30-km" and "30
kilometers" are both 30,000 m; "forty" is 40; "Putin, 70," is an age. Every
quantity carries an interval ``[low, high]`` that covers the rounding of the
digits as written ("1.2bn" is anything from 1.15bn to 1.25bn) and its hedge
("about", "nearly", "more than"...), and two quantities conflict only when their
intervals do not meet. That keeps rounding, conversions and hedging from being
reported as contradictions.

Decimal commas and thousands separators follow the language: "1,5 Mrd. Euro"
(German), "1 200 000" (French, Russian), "3,5 млн" (Russian).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from veracity.models import Span
from veracity.text.dates import find_dates

# Languages that write a decimal comma and group thousands with a dot or a space.
DECIMAL_COMMA_LANGUAGES = frozenset({"de", "fr", "es", "ru", "it", "pt", "nl", "pl", "tr"})

_NUMBER = re.compile(
    r"""
    (?<![\w.,])
    (?P<number>
        \d{1,3}(?:(?P<sep>[,.\u00a0\u202f\u2009'’ ])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d+)?
      | \d+(?:[.,]\d+)?
    )
    (?!\d|[.,]\d)
    """,
    re.VERBOSE,
)

_NUMBER_WORDS: dict[str, dict[str, int]] = {
    "en": {
        "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
        "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
        "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90, "dozen": 12, "dozens": 24,
    },
    "de": {
        "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8,
        "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "zwanzig": 20, "dreißig": 30,
        "vierzig": 40, "fünfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80,
        "neunzig": 90, "dutzend": 12,
    },
    "fr": {
        "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
        "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "vingt": 20, "trente": 30,
        "quarante": 40, "cinquante": 50, "soixante": 60, "douzaine": 12,
    },
    "es": {
        "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
        "nueve": 9, "diez": 10, "once": 11, "doce": 12, "veinte": 20, "treinta": 30,
        "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80,
        "noventa": 90, "docena": 12,
    },
    "ru": {
        "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
        "восемь": 8, "девять": 9, "десять": 10, "двадцать": 20, "тридцать": 30,
        "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
        "восемьдесят": 80, "девяносто": 90,
    },
}  # fmt: skip
# "one", "ein", "un", "uno" are also articles: they count only before a scale or unit.
_ONE_WORDS = frozenset({"one", "eins", "ein", "eine", "une", "un", "uno", "una", "один", "одна"})
_EN_UNITS = {k: v for k, v in _NUMBER_WORDS["en"].items() if v < 10}
_EN_TENS = {k: v for k, v in _NUMBER_WORDS["en"].items() if v >= 20 and v % 10 == 0}
_WORD_NUMBER = re.compile(
    r"(?<![\w-])(?P<word>(?:"
    + "|".join(sorted(_EN_TENS, key=len, reverse=True))
    + r")[-\s](?:"
    + "|".join(sorted(_EN_UNITS, key=len, reverse=True))
    + r")|[^\W\d_]+)(?![\w-])",
    re.IGNORECASE,
)

# Scale words: factor by language where the languages disagree ("billion" is
# 1e9 in English, 1e12 in German and French).
_SCALES: dict[str, float] = {
    "hundred": 1e2, "thousand": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "mn": 1e6,
    "mln": 1e6, "m": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9,
    "trillion": 1e12, "tn": 1e12, "trn": 1e12,
    "hundert": 1e2, "tausend": 1e3, "tsd": 1e3, "mio": 1e6, "millionen": 1e6,
    "mrd": 1e9, "milliarde": 1e9, "milliarden": 1e9, "billionen": 1e12,
    "mille": 1e3, "milliard": 1e9, "milliards": 1e9, "md": 1e9, "mds": 1e9,
    "mil": 1e3, "millón": 1e6, "millones": 1e6, "mil millones": 1e9, "billón": 1e12,
    "billones": 1e12,
    "тыс": 1e3, "тысяча": 1e3, "тысячи": 1e3, "тысяч": 1e3, "млн": 1e6, "миллион": 1e6,
    "миллиона": 1e6, "миллионов": 1e6, "млрд": 1e9, "миллиард": 1e9, "миллиарда": 1e9,
    "миллиардов": 1e9, "трлн": 1e12, "триллион": 1e12, "триллиона": 1e12,
    "триллионов": 1e12,
}  # fmt: skip
_DOTTED_SCALES = frozenset({"mio", "mrd", "tsd", "md", "mds", "mln", "тыс", "млн", "млрд", "трлн"})
_LONG_SCALE_LANGUAGES = frozenset({"de", "fr", "es", "it", "nl", "pl"})
# Short scale letters only make sense glued to money: "$1.2m", "€3bn".
_MONEY_ONLY_SCALES = frozenset({"m", "b", "k"})

_CURRENCY_SYMBOLS: dict[str, str] = {
    "us$": "USD", "usd": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₽": "RUB",
    "₺": "TRY", "₹": "INR", "c$": "CAD", "a$": "AUD", "hk$": "HKD", "chf": "CHF",
    "eur": "EUR", "gbp": "GBP", "rub": "RUB", "jpy": "JPY", "cny": "CNY",
}  # fmt: skip
_CURRENCY_WORDS: dict[str, str] = {
    "dollar": "USD", "dollars": "USD", "dólar": "USD", "dólares": "USD", "доллар": "USD",
    "доллара": "USD", "долларов": "USD", "usd": "USD", "euro": "EUR", "euros": "EUR",
    "eur": "EUR", "евро": "EUR", "pound": "GBP", "pounds": "GBP", "sterling": "GBP",
    "gbp": "GBP", "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "ruble": "RUB",
    "rubles": "RUB", "rouble": "RUB", "roubles": "RUB", "rubel": "RUB", "рубль": "RUB",
    "рубля": "RUB", "рублей": "RUB", "руб": "RUB", "rial": "IRR", "rials": "IRR",
    "riyal": "SAR", "riyals": "SAR", "lira": "TRY", "liras": "TRY", "lire": "TRY",
    "rupee": "INR", "rupees": "INR", "hryvnia": "UAH", "hryvnias": "UAH",
}  # fmt: skip

# Units: written form -> (dimension, factor to the base unit, canonical written unit).
_UNITS: dict[str, tuple[str, float, str]] = {}


def _add_units(dimension: str, factor: float, canonical: str, forms: str) -> None:
    for form in forms.split():
        _UNITS[form] = (dimension, factor, canonical)


_add_units(
    "length",
    1000.0,
    "km",
    "km kilometer kilometers kilometre kilometres kilomètre "
    "kilomètres kilómetro kilómetros kilometer kilometern километр километра километров км",
)
_add_units(
    "length",
    1.0,
    "m",
    "meter meters metre metres mètre mètres metro metros metern метр метра метров",
)
_add_units("length", 0.01, "cm", "cm centimeter centimeters centimetre centimetres")
_add_units("length", 1609.344, "mile", "mile miles meile meilen milla millas миля мили миль")
_add_units("length", 0.3048, "ft", "ft foot feet")
_add_units(
    "mass", 1.0, "kg", "kg kilogram kilograms kilogramme kilogrammes kilo kilos kilogramm кг"
)
_add_units("mass", 1000.0, "t", "ton tons tonne tonnes tonnen tonelada toneladas тонн тонна тонны")
_add_units("area", 1e6, "km2", "km2 km²")
_add_units("area", 1e4, "ha", "hectare hectares hektar гектаров")
_add_units("percent", 1.0, "%", "% percent pct prozent процент процента процентов")
_add_units(
    "duration", 1 / 24, "hour", "hour hours stunde stunden heure heures hora horas час часа часов"
)
_add_units("duration", 1.0, "day", "day days tag tage tagen jour jours día días день дня дней")
_add_units(
    "duration",
    7.0,
    "week",
    "week weeks woche wochen semaine semaines semana semanas неделя недели недель",
)
_add_units(
    "duration",
    30.44,
    "month",
    "month months monat monate monaten mois mes meses месяц месяца месяцев",
)
_add_units(
    "duration",
    365.25,
    "year",
    "year years jahr jahre jahren an ans année années año años год года лет",
)
_add_units(
    "duration",
    3652.5,
    "decade",
    "decade decades jahrzehnt jahrzehnte décennie décennies década décadas",
)
_add_units(
    "volume",
    1.0,
    "barrel",
    "barrel barrels bbl barrels fass barils barriles баррель барреля баррелей",
)
_add_units("speed", 1.0, "km/h", "km/h kph")
_add_units("speed", 1.609344, "mph", "mph")
_add_units("temperature_c", 1.0, "°C", "°c")
_add_units("temperature_f", 1.0, "°F", "°f")
# "30 per cent", "5 pour cent", "5 por ciento" are matched as phrases.
_MULTIWORD_UNITS: dict[str, tuple[str, float, str]] = {
    "per cent": ("percent", 1.0, "%"),
    "pour cent": ("percent", 1.0, "%"),
    "por ciento": ("percent", 1.0, "%"),
    "percentage points": ("points", 1.0, "pt"),
    "percentage point": ("points", 1.0, "pt"),
    "square kilometers": ("area", 1e6, "km2"),
    "square kilometres": ("area", 1e6, "km2"),
    "square miles": ("area", 2.589988e6, "sqmi"),
    "barrels per day": ("flow", 1.0, "bpd"),
    "barrels a day": ("flow", 1.0, "bpd"),
    "bpd": ("flow", 1.0, "bpd"),
}

# Hedges: phrase -> (low factor, high factor) applied to the value.
_HEDGES: dict[str, tuple[float, float]] = {}


def _add_hedges(low: float, high: float, phrases: str) -> None:
    for phrase in phrases.split("|"):
        _HEDGES[phrase.strip()] = (low, high)


_add_hedges(
    0.9,
    1.1,
    "about|around|approximately|approx.|roughly|some|circa|ca.|close to|"
    "an estimated|estimated|etwa|rund|ungefähr|circa|annähernd|environ|autour de|"
    "approximativement|quelque|quelques|alrededor de|aproximadamente|unos|unas|cerca de|"
    "около|примерно|приблизительно|порядка",
)
_add_hedges(
    0.85,
    1.0,
    "almost|nearly|just under|just short of|fast|knapp|beinahe|nahezu|"
    "presque|près de|quasiment|pratiquement|casi|почти|чуть менее|almost exactly",
)
_add_hedges(
    1.0,
    3.0,
    "more than|over|at least|upwards of|above|in excess of|just over|"
    "mehr als|über|mindestens|plus de|au moins|más de|al menos|более|свыше|больше|"
    "не менее|по меньшей мере",
)
_add_hedges(
    0.0,
    1.0,
    "up to|as many as|as much as|less than|fewer than|under|below|"
    "bis zu|weniger als|unter|jusqu'à|jusqu’à|moins de|hasta|menos de|до|менее|меньше",
)

_HEDGE_BEFORE = re.compile(
    r"(?:^|(?<=[\s(\"“„«]))(?P<hedge>"
    + "|".join(re.escape(h) for h in sorted(_HEDGES, key=len, reverse=True))
    + r")\s+(?:of\s+|the\s+)?$",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(
    r"(?P<currency>US\$|C\$|A\$|HK\$|[$€£¥₽₺₹]|USD|EUR|GBP|CHF)\s?$", re.IGNORECASE
)
_AGE_WORD_BEFORE = re.compile(
    r"\b(?:aged|age|ages|turns|turned|turning|âgée?|agée?|edad de)\s+(?:of\s+|de\s+)?$",
    re.IGNORECASE,
)
# "Putin, 70, has..." and "Putin (70)": a name, then the age between commas or brackets.
_AGE_NAME_BEFORE = re.compile(r"[A-ZÀ-ÞА-Я][\w’'-]+(?:,\s|\s\()$")
# "3,5 millions d'euros", "2,5 mil millones de dólares", "40 billion of dollars".
_CURRENCY_LINK = re.compile(r"\s+(?:de|d'|d’|of)\s*")
_AGE_AFTER = re.compile(
    r"(?:-year-old|\s*years?\s+old|-jährige[nrms]?|\s+Jahre\s+alt|\s*-летн\w+)", re.IGNORECASE
)
# What may follow a number: a scale, then a unit or a currency, then a counted noun.
_TOKEN_AFTER = re.compile(r"[\s\u00a0\u202f-]?(?P<word>%|°[CcFf]|km/h|km²|[^\W\d_]+\.?)")
_ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th|er|ère|e|ème|º|ª|-?й|-?я|-?е|-?го)(?![\w])")
_ORDINAL_WORDS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "erste": 1, "ersten": 1, "erster": 1, "erstes": 1,
    "zweite": 2, "zweiten": 2, "dritte": 3, "dritten": 3, "premier": 1, "première": 1,
    "deuxième": 2, "troisième": 3, "primer": 1, "primero": 1, "primera": 1, "segundo": 2,
    "segunda": 2, "tercer": 3, "tercero": 3, "tercera": 3, "первый": 1, "первая": 1,
    "первое": 1, "первого": 1, "первой": 1, "первую": 1, "второй": 2, "вторая": 2,
    "второе": 2, "третий": 3, "третья": 3,
}  # fmt: skip
_ORDINAL_WORD = re.compile(
    r"(?<![\w-])(?P<word>" + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True)) + r")(?![\w])",
    re.IGNORECASE,
)
# Words skipped between a number and the noun it counts ("40 more people").
_SKIP_BEFORE_NOUN = frozenset(
    "more other new additional extra further of de des del der die das more than".split()
)
_NOT_NOUNS = frozenset(
    """the a an and or but to in on at by for from with as is was are were be been has have had
    that this these those it its their his her our per than then who which when while after
    before since until during about into over under percent der die das und oder in im am an
    zu mit von le la les et ou à au aux dans en el los las y o con para por и в на с по""".split()
)


class Quantity(BaseModel):
    """A number in a text, with its unit and scale, as an interval of the values it allows."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(description="The mention as written, hedge included.")
    span: Span
    value: float = Field(description="The number in the base unit (metres, days, dollars...).")
    unit: str | None = Field(
        description=(
            "What is measured: a currency code, a base unit ('m', 'kg', 'day', '%'), 'age', "
            "'ordinal:<noun>', 'count:<noun>', or None for a bare number."
        )
    )
    dimension: str = Field(description="currency, length, mass, duration, percent, age, count...")
    written_unit: str | None = Field(
        default=None, description="The unit as written, normalized: 'km', 'mile', 'USD'."
    )
    hedge: str | None = Field(default=None, description="'about', 'nearly', 'more than'...")
    hedged: bool = False
    low: float
    high: float
    tolerance: float = Field(ge=0.0, description="Relative half-width of [low, high].")
    context: str = Field(default="", description="The word before the number, for bare numbers.")


def _parse_digits(raw: str, language: str | None) -> tuple[float, float] | None:
    """The value of a written number and half the step of its last digit."""
    compact = raw.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    compact = compact.replace("’", "'")
    separators = [char for char in compact if not char.isdigit()]
    decimal_comma = language in DECIMAL_COMMA_LANGUAGES
    integer, fraction = compact, ""
    if separators:
        kinds = set(separators)
        last = separators[-1]
        if len(kinds) > 1:
            # "1,200.5" or "1.200,5": the last separator is the decimal mark.
            integer, _, fraction = compact.rpartition(last)
        elif last in " '":
            integer = compact
        elif len(separators) > 1:
            integer = compact  # "1,200,000" or "1.200.000"
        else:
            head, _, tail = compact.partition(last)
            is_thousands = len(tail) == 3 and (
                (last == "," and not decimal_comma) or (last == "." and decimal_comma)
            )
            if is_thousands:
                integer = compact
            else:
                integer, fraction = head, tail
    digits = "".join(char for char in integer if char.isdigit())
    if not digits:
        return None
    value = float(f"{digits}.{fraction}" if fraction else digits)
    step = 10.0 ** (-len(fraction)) if fraction else 1.0
    return value, step / 2


def _number_word_value(word: str, language: str | None) -> int | None:
    key = word.lower()
    if "-" in key or " " in key:
        tens, _, unit = re.split(r"([-\s])", key, maxsplit=1)
        if tens in _EN_TENS and unit in _EN_UNITS:
            return _EN_TENS[tens] + _EN_UNITS[unit]
        return None
    languages = [language] if language in _NUMBER_WORDS else ["en"]
    if language is None:
        languages = ["en"]
    for code in languages:
        if code is not None and key in _NUMBER_WORDS[code]:
            return _NUMBER_WORDS[code][key]
    return None


def _singular(word: str) -> str:
    word = word.lower().rstrip(".")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _scale(word: str, language: str | None, *, money: bool, glued: bool) -> float | None:
    key = word.lower().rstrip(".")
    factor = _SCALES.get(key)
    if factor is None:
        return None
    if key in _MONEY_ONLY_SCALES and not (money and glued):
        return None
    if key in {"billion", "billions"} and language in _LONG_SCALE_LANGUAGES:
        return 1e12
    return factor


def _previous_word(text: str, start: int) -> str:
    match = re.search(r"([^\W\d_]+)[^\w]*$", text[max(0, start - 40) : start])
    return match.group(1).lower() if match else ""


@lru_cache(maxsize=8192)
def find_quantities(text: str, language: str | None = None) -> tuple[Quantity, ...]:
    """Numbers in ``text`` with unit, scale and hedge, in order of appearance.

    Years and dates are left to :func:`veracity.text.dates.find_dates`. Every
    ``span`` indexes ``text`` exactly and covers the hedge, the currency, the
    number, the scale and the unit.
    """
    taken = [(m.span.start, m.span.end) for m in find_dates(text, None, language)]
    found: list[Quantity] = []

    candidates: list[tuple[int, int, float, float, str]] = []
    for match in _NUMBER.finditer(text):
        start, end = match.span("number")
        if start >= 2 and text[start - 1] in "-‑" and text[start - 2].isalpha():
            continue  # "COVID-19", "F-16": part of a name
        raw = match.group("number")
        separator = match.group("sep")
        if separator == " " and raw.count(" ") < 2 and language not in {"fr", "ru"}:
            # "1 200" is a number in French and Russian; elsewhere two numbers.
            raw = raw.split(" ")[0]
            end = start + len(raw)
        parsed = _parse_digits(raw, language)
        if parsed is None:
            continue
        candidates.append((start, end, parsed[0], parsed[1], "digits"))
    for match in _WORD_NUMBER.finditer(text):
        word = match.group("word")
        value = _number_word_value(word, language)
        if value is None and word.lower() in _ONE_WORDS:
            value = 1
        if value is None:
            continue
        candidates.append((match.start(), match.end(), float(value), 0.5, word.lower()))
    for match in _ORDINAL_WORD.finditer(text):
        rank = _ORDINAL_WORDS[match.group("word").lower()]
        candidates.append((match.start(), match.end(), float(rank), 0.0, "ordinal"))
    candidates.sort()

    for start, end, number, half_step, how in candidates:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        quantity = _build(text, start, end, number, half_step, how, language)
        if quantity is None:
            continue
        found.append(quantity)
        taken.append((quantity.span.start, quantity.span.end))
    found.sort(key=lambda q: q.span.start)
    return tuple(found)


def _build(
    text: str,
    start: int,
    end: int,
    value: float,
    half_step: float,
    how: str,
    language: str | None,
) -> Quantity | None:
    """Read the currency, hedge, scale, unit and counted noun around one number."""
    span_start = start
    before = text[max(0, start - 30) : start]
    currency: str | None = None
    currency_match = _CURRENCY_BEFORE.search(before)
    if currency_match:
        currency = _CURRENCY_SYMBOLS[currency_match.group("currency").lower()]
        span_start = start - (len(before) - currency_match.start())
        before = text[max(0, span_start - 30) : span_start]

    if how == "ordinal":
        noun = _noun_after(text, end, language)
        if noun is None:
            return None
        return _make(
            text, span_start, end, value, value, value, f"ordinal:{noun}", "ordinal", None, None, ""
        )
    ordinal = how == "digits" and _ORDINAL_SUFFIX.match(text, end)
    if ordinal:
        noun = _noun_after(text, ordinal.end(), language)
        if noun is None:
            return None
        return _make(
            text,
            span_start,
            ordinal.end(),
            value,
            value,
            value,
            f"ordinal:{noun}",
            "ordinal",
            None,
            None,
            "",
        )

    position = end
    factor = 1.0
    # Up to two scale words: "two hundred thousand", "1,5 Mrd.", "mil millones".
    for _ in range(2):
        token = _TOKEN_AFTER.match(text, position)
        if token is None:
            break
        word = token.group("word")
        glued = token.start("word") == position
        if word.lower() == "mil" and text[token.end() : token.end() + 9].lower() == " millones":
            factor *= 1e9
            position = token.end() + 9
            continue
        scale = _scale(word, language, money=currency is not None, glued=glued)
        if scale is None:
            break
        factor *= scale
        # Keep the full stop of "Mrd." or "млн." but not a sentence's final one.
        position = (
            token.end()
            if word.lower().rstrip(".") in _DOTTED_SCALES
            else (token.start("word") + len(word.rstrip(".")))
        )

    is_word = how not in ("digits",)
    if is_word and how in _ONE_WORDS and factor == 1.0:
        # "one" is a number only before a scale or a unit ("one million", "one km").
        token = _TOKEN_AFTER.match(text, position)
        if token is None or _unit_of(token.group("word")) is None:
            return None

    dimension: str = "number"
    unit: str | None = None
    written: str | None = None
    unit_factor = 1.0
    after_text = text[position : position + 24].lower()
    for phrase, (dim, unit_scale, canonical) in _MULTIWORD_UNITS.items():
        stripped = after_text.lstrip(" \u00a0-")
        if stripped.startswith(phrase) and not stripped[len(phrase) : len(phrase) + 1].isalpha():
            dimension, unit_factor, written = dim, unit_scale, canonical
            unit = canonical if dim not in ("length", "area") else _BASE[dim]
            position += (len(after_text) - len(stripped)) + len(phrase)
            break
    if unit is None:
        linked = _CURRENCY_LINK.match(text, position)
        token = _TOKEN_AFTER.match(text, linked.end() if linked else position)
        if linked and (token is None or token.group("word").lower() not in _CURRENCY_WORDS):
            token = _TOKEN_AFTER.match(text, position)
        if token is not None:
            word = token.group("word").rstrip(".") if token.group("word") != "%" else "%"
            currency_code = _CURRENCY_WORDS.get(word.lower())
            known = _unit_of(word)
            if currency_code is not None and currency is None:
                currency = currency_code
                position = token.start("word") + len(word)
            elif currency_code is None and known is not None:
                dimension, unit_factor, written = known
                unit = _BASE.get(dimension, written)
                position = token.start("word") + len(word)
    age_after = _AGE_AFTER.match(text, end)
    if currency is not None:
        dimension, unit, written = "currency", currency, currency
        # A trailing currency symbol: "1,5 Mrd. €", "3,5 млн ₽".
    elif (
        age_after is not None
        or _AGE_WORD_BEFORE.search(before)
        or (_AGE_NAME_BEFORE.search(before) and _looks_like_age(text, end, value))
    ):
        dimension, unit, written, unit_factor = "age", "age", "year", 1.0
        if age_after is not None:
            position = max(position, age_after.end())
    elif unit is None:
        noun = _noun_after(text, position, language)
        if noun is not None:
            dimension, unit = "count", f"count:{noun}"
    if currency is not None:
        trailing = re.match(r"\s?(?P<symbol>[€₽£$])", text[position:])
        if trailing is not None:
            position += trailing.end()

    scaled_value = value * factor * unit_factor
    half = half_step * factor * unit_factor
    low, high = scaled_value - half, scaled_value + half
    hedge_match = _HEDGE_BEFORE.search(before)
    hedge: str | None = None
    if hedge_match is not None:
        hedge = hedge_match.group("hedge").lower()
        low_factor, high_factor = _HEDGES[hedge]
        low, high = min(low, scaled_value * low_factor), max(high, scaled_value * high_factor)
        span_start = span_start - (len(before) - hedge_match.start("hedge"))
    context = _previous_word(text, span_start) if unit is None else ""
    return _make(
        text,
        span_start,
        position,
        scaled_value,
        low,
        high,
        unit,
        dimension,
        written,
        hedge,
        context,
    )


_BASE = {
    "length": "m",
    "mass": "kg",
    "area": "m2",
    "duration": "day",
    "percent": "%",
    "volume": "barrel",
    "speed": "km/h",
}


def _unit_of(word: str) -> tuple[str, float, str] | None:
    key = word.lower().rstrip(".") if word != "%" else "%"
    return _UNITS.get(key)


def _looks_like_age(text: str, end: int, value: float) -> bool:
    # "Putin, 70, has..." and "Putin (70)": a small whole number closed by a comma.
    return value.is_integer() and 0 < value < 150 and text[end : end + 1] in {",", ")", ""}


def _noun_after(text: str, position: int, language: str | None = None) -> str | None:
    """The noun a number counts: "40 million barrels" -> "barrel"."""
    for _ in range(2):
        token = _TOKEN_AFTER.match(text, position)
        if token is None:
            return None
        word = token.group("word").rstrip(".")
        lowered = word.lower()
        # A capitalized word between number and noun is a demonym ("5 Iranian
        # soldiers"), except in German, where every noun is capitalized.
        demonym = word[:1].isupper() and len(word) > 2 and language != "de"
        if lowered in _SKIP_BEFORE_NOUN or demonym:
            position = token.end()
            continue
        if lowered in _NOT_NOUNS or len(lowered) < 2:
            return None
        return _singular(lowered)
    return None


def _make(
    text: str,
    start: int,
    end: int,
    value: float,
    low: float,
    high: float,
    unit: str | None,
    dimension: str,
    written: str | None,
    hedge: str | None,
    context: str,
) -> Quantity:
    while end > start and text[end - 1].isspace():
        end -= 1
    tolerance = (high - low) / (2 * abs(value)) if value else 0.0
    return Quantity(
        text=text[start:end],
        span=Span(start=start, end=end),
        value=value,
        unit=unit,
        dimension=dimension,
        written_unit=written,
        hedge=hedge,
        hedged=hedge is not None,
        low=low,
        high=high,
        tolerance=tolerance,
        context=context,
    )


# Converted figures are rounded ("30 kilometers (20 miles)" is really 18.6
# miles), so a quantity written in another unit gets this much extra room.
CONVERSION_TOLERANCE = 0.10


def comparable(a: Quantity, b: Quantity) -> bool:
    """Whether ``a`` and ``b`` measure the same thing, so that their values can be compared."""
    if a.unit != b.unit:
        return False
    if a.unit is None:
        # Bare numbers compare only when the same word introduces them.
        return bool(a.context) and a.context == b.context
    return True


# Two figures under the same hedge ("about 40" and "about 41") meet within this share.
SAME_HEDGE_TOLERANCE = 0.02


def _same_hedge(a: Quantity, b: Quantity) -> bool:
    return (
        a.hedge is not None
        and b.hedge is not None
        and a.hedge.casefold() == b.hedge.casefold()
        and a.written_unit == b.written_unit
    )


def _intervals_meet(a: Quantity, b: Quantity) -> bool:
    low_a, high_a, low_b, high_b = a.low, a.high, b.low, b.high
    if a.written_unit != b.written_unit:
        low_a, high_a = low_a * (1 - CONVERSION_TOLERANCE), high_a * (1 + CONVERSION_TOLERANCE)
    # Intervals that only touch do not meet: "70" is [69.5, 70.5] and "71" is
    # [70.5, 71.5]. The relative epsilon absorbs float noise from scaling.
    epsilon = 1e-9 * max(abs(a.value), abs(b.value), 1.0)
    if abs(a.value - b.value) <= epsilon and a.written_unit == b.written_unit:
        return True
    if _same_hedge(a, b):
        # "more than 20" and "more than 32" overlap as intervals, but a writer who kept
        # the hedge and changed the figure reports a different figure.
        return abs(a.value - b.value) <= SAME_HEDGE_TOLERANCE * max(abs(a.value), abs(b.value))
    return low_a < high_b - epsilon and low_b < high_a - epsilon


def same_quantity(a: Quantity, b: Quantity) -> bool:
    """Whether ``a`` and ``b`` can be the same quantity: same kind of unit, values that meet."""
    return comparable(a, b) and _intervals_meet(a, b)


def quantities_conflict(a: Quantity, b: Quantity) -> bool:
    """Whether ``a`` and ``b`` measure the same thing but cannot have the same value."""
    return comparable(a, b) and not _intervals_meet(a, b)
