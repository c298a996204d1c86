"""Comparison: where two texts about one story say different things.

:mod:`~veracity.comparison.alignment` pairs each sentence of a source with the
sentences of the other sources that report the same thing;
:mod:`~veracity.comparison.differences` reads an aligned pair and says what differs
(a quote's words, a number, a date, a name, the polarity) and how sure it is. It
builds on :mod:`veracity.text` and imports nothing above it.
"""

from veracity.comparison.differences import Difference, compare_sentences, differences_by_confidence

__all__ = ["Difference", "compare_sentences", "differences_by_confidence"]
