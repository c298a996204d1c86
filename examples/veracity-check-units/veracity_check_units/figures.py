"""Figures with a unit (lengths, masses, areas, money...) and whether two of them agree.

veracity's :func:`veracity.text.quantities.find_quantities` finds the numbers of a
text with their unit and scale, converted to a base unit ("30 km" and
"18.6 miles" are both metres, "$40 billion" and "40 bn dollars" both 4e10 USD)
and widened to the interval the digits as written allow. This module adds what
a conversion check needs on top: a few units the core reads as counted nouns
("19 mi", "200 acres"), and a tolerance for the rounding that every
conversion written in an article carries ("30 km (20 miles)" is 18.6 miles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veracity.models import Span
from veracity.text.quantities import Quantity, find_quantities

# What converts: figures of these kinds can be written in several units or notations.
CONVERTIBLE = frozenset({"length", "mass", "area", "volume", "speed", "currency"})

# Units find_quantities reads as counted nouns ("count:mi"): their dimension, base
# unit, size in that base unit and the name they are shown with.
EXTRA_UNITS: dict[str, tuple[str, str, float, str]] = {
    "count:mi": ("length", "m", 1609.344, "mile"),
    "count:yard": ("length", "m", 0.9144, "yard"),
    "count:yd": ("length", "m", 0.9144, "yard"),
    "count:acre": ("area", "m2", 4046.8564224, "acre"),
    "count:lb": ("mass", "kg", 0.45359237, "lb"),
}
POUND_KG = 0.45359237

# What stands between a figure and its conversion: "30 km (19 miles)", "30 km or
# 19 miles", "30 km / 19 miles", "30 km, or about 19 miles".
_CONVERSION_GAP = re.compile(r"^\s*(?:[(\[/]|,?\s*or\b|,?\s*i\.e\.)\s*$", re.IGNORECASE)
_NOUN_AFTER = re.compile(r"[\s-]*[^\W\d_]+")
_DIGITS = re.compile(r"[\d.,\s\u00a0]+")


@dataclass(frozen=True)
class Figure:
    """A quantity that can be written in other units: where it stands and what it allows."""

    text: str
    span: Span
    dimension: str
    unit: str
    written_unit: str
    value: float
    low: float
    high: float

    @property
    def notation(self) -> str:
        """How the figure is written, its digits left out: "$40 billion" is "$ billion"."""
        return " ".join(_DIGITS.sub(" ", self.text.casefold()).split())

    def comparable(self, other: Figure) -> bool:
        """Same kind of thing in the same base unit (a currency only with itself)."""
        return self.dimension == other.dimension and self.unit == other.unit

    def agrees(self, other: Figure, tolerance: float) -> bool:
        """Whether the two can be one figure, allowing ``tolerance`` for a rounded conversion.

        Each figure already allows the rounding of its own digits ("30 km" is
        29.5 to 30.5 km); a figure converted from another unit is rounded again,
        so both intervals are widened by ``tolerance`` before they must meet.
        """
        # Relative to the larger figure, so that the slack is the same whichever is converted.
        slack = tolerance * max(abs(self.value), abs(other.value))
        return self.low - slack <= other.high and other.low - slack <= self.high

    def describe(self) -> str:
        """The figure as written and in the base unit: "'20 miles' (32,187 m)"."""
        amount = f"{self.value:,.0f}" if abs(self.value) >= 100 else f"{self.value:.3g}"
        return f"'{self.text}' ({amount} {self.unit})"


def _figure(quantity: Quantity, text: str, offset: int) -> Figure | None:
    dimension, unit, written = quantity.dimension, quantity.unit, quantity.written_unit
    factor = 1.0
    start, end = quantity.span.start, quantity.span.end
    extra = EXTRA_UNITS.get(quantity.unit or "")
    if extra is not None:
        dimension, unit, factor, written = extra
        # A counted noun's span is the number alone: take in the unit word after it.
        noun = _NOUN_AFTER.match(text, end)
        end = noun.end() if noun is not None else end
    if dimension not in CONVERTIBLE or unit is None:
        return None
    return Figure(
        text=text[start:end],
        span=Span(start=start + offset, end=end + offset),
        dimension=dimension,
        unit=unit,
        written_unit=written or unit,
        value=quantity.value * factor,
        low=quantity.low * factor,
        high=quantity.high * factor,
    )


def _as_pounds_of(figure: Figure, mass: Figure) -> Figure:
    """ "11 pounds" after a mass is a weight, not 11 GBP: "5 kg (11 pounds)"."""
    return Figure(
        text=figure.text,
        span=figure.span,
        dimension="mass",
        unit=mass.unit,
        written_unit="lb",
        value=figure.value * POUND_KG,
        low=figure.low * POUND_KG,
        high=figure.high * POUND_KG,
    )


def find_figures(text: str, offset: int = 0) -> list[tuple[Figure, Figure | None]]:
    """The convertible figures of ``text``, each with the conversion written right after it.

    :param text: a claim's quote or a sentence.
    :param offset: where ``text`` starts in its document, so that spans index the document.
    :return: ``(figure, conversion or None)`` in order of appearance; a conversion
        ("30 kilometers (25 miles)") is paired with its figure, not listed on its own.
    """
    quantities = find_quantities(text)
    figures: list[tuple[Figure, Figure | None]] = []
    position = 0
    while position < len(quantities):
        figure = _figure(quantities[position], text, offset)
        position += 1
        if figure is None:
            continue
        conversion = None
        if position < len(quantities):
            following = quantities[position]
            gap = text[figure.span.end - offset : following.span.start]
            candidate = _figure(following, text, offset)
            if (
                candidate is not None
                and figure.dimension == "mass"
                and candidate.unit == "GBP"
                and "£" not in candidate.text
            ):
                candidate = _as_pounds_of(candidate, figure)
            if (
                _CONVERSION_GAP.match(gap)
                and candidate is not None
                and figure.comparable(candidate)
            ):
                conversion = candidate
                position += 1
        figures.append((figure, conversion))
    return figures
