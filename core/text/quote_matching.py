"""Finding a quoted passage in a source, tolerant of whitespace and quote marks.

Models (and people) copy passages with straightened quote marks, different
dashes or re-flowed whitespace. A passage counts as verbatim when it matches
the source after those differences are folded away; its span is then mapped
back to the exact characters of the source, so ``text[span]`` is the source's
own wording.
"""

from __future__ import annotations

from functools import lru_cache

from veracity.models import Span

_FOLD = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‟": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "`": "'",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "\u00a0": " ",
    }
)
# Characters a copied passage may carry at its edges without their being in the source.
_EDGE = " \t\n\"'.,;:"


@lru_cache(maxsize=256)
def _folded_with_offsets(text: str) -> tuple[str, tuple[int, ...]]:
    """``text`` folded (quote marks, dashes, case, runs of whitespace) and, per folded
    character, the offset of the source character it came from."""
    folded: list[str] = []
    offsets: list[int] = []
    previous_space = False
    for offset, char in enumerate(text):
        if char.isspace():
            if previous_space:
                continue
            folded.append(" ")
            offsets.append(offset)
            previous_space = True
            continue
        previous_space = False
        folded.append(char.translate(_FOLD).casefold()[:1] or char)
        offsets.append(offset)
    return "".join(folded), tuple(offsets)


def locate_quote(quote: str, text: str) -> Span | None:
    """The span of ``quote`` in ``text``, or None when the source does not contain it.

    The first occurrence wins. Quote marks, dashes, case and whitespace may
    differ; words may not.
    """
    needle, _ = _folded_with_offsets(quote.strip())
    needle = needle.strip(_EDGE)
    if len(needle) < 3:
        return None
    haystack, offsets = _folded_with_offsets(text)
    position = haystack.find(needle)
    if position < 0:
        return None
    start = offsets[position]
    end = offsets[position + len(needle) - 1] + 1
    return Span(start=start, end=end)
