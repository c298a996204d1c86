"""Wording shared by everything a person reads: counts with the right plural."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` followed by the word in the number it agrees with.

    >>> plural(1, "story", "stories"), plural(2, "story", "stories"), plural(0, "source")
    ('1 story', '2 stories', '0 sources')
    """
    word = singular if count == 1 else plural_form or f"{singular}s"
    return f"{count} {word}"
