"""Separating a story's text from the page around it.

Pages copied from the web carry cookie banners, sign-up prompts, comment
widgets, "read more" links, photo captions and bylines. None of these are
claims of the story, so they are taken out of the body and kept in the
document's meta. The rules are line based and conservative: a paragraph is
removed only when a pattern says what it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

# Whole paragraphs that are page furniture.
_BOILERPLATE = re.compile(
    r"""^(?:
        sign\ up\b.* | subscribe\b.* | .*\bnewsletter\b.* | .*\bcookies?\b.* | privacy\b.*
      | (?:\d+\ )?comments?\ ?\d* | leave\ a\ (?:comment|reply)\b.* | you\ may\ also\ like.*
      | related(?:\ articles|\ stories|\ news)?:?(?:\ .{0,200})? | latest\ news | read\ more\.?
      | most\ (?:read|popular|viewed|shared)\b.* | trending(?:\ now)?\b.{0,200}
      | (?:play\ )?slideshow\b.* | .*\bhide\ caption\ \d+\ of\ \d+\b.* | photos?:\ .*\b\d+\ of\ \d+\b.*
      | .*\bplay\ slideshow\b.* | \d+\ of\ \d+\ (?:photos|images)\b.*
      | share\ (?:this|on)\b.* | follow\ us\b.* | advertisement | sponsored(?:\ content)?
      | (?:©|@|\(c\)|copyright)\ ?\d{4}.* | all\ rights?\ reserved.*
      | our\ standard:.* | our\ mission\ is\b.* | click\ here\b.* | accept(?:\ all)?
      | for\ more\ on\ this\ story\b.* | home\ \S*news.* | skip\ to\ (?:main\ )?content
      | (?:\d+\.\s+)?.{3,160}\s{2,}(?:reuters(?:\.com)?|cnn|cbs\ news|the\ associated\ press|ap|bbc(?:\ news)?|al\ jazeera|the\ guardian|bloomberg)
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

_BYLINE = re.compile(
    r"""^(?:
        by\ [\w.'’ -]{2,60}
      | (?:additional\ )?reporting\ by\b.* | writing\ by\b.* | editing\ by\b.* | edited\ by\b.*
      | .*\b(?:reporting|writing|editing)\ by\b.*(?:;|,).*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# A photo caption ends with a credit in brackets or names the photo agency.
_CAPTION = re.compile(
    r"""(?:
        \((?:credit|photo|image|picture|foto)s?:?[^)]*\)\s*$
      | \b(?:photo|picture|image)\ (?:by|courtesy|credit)\b
      | /(?:handout|file\ photo|pool)\b.*\breuters\b
      | \b(?:REUTERS|AFP|AP\ Photo|Getty\ Images)/[A-Z]
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# Trailing link text glued to the last sentence of a paragraph: "...$40 billion.read more".
_TRAILING_LINK = re.compile(r"(?<=[.!?”\"])\s*(?:read more|continue reading|more here)\s*$", re.I)

_SENTENCE_END = re.compile(r"[.!?…:;”\"’»)]\s*$")
_WORDS = re.compile(r"\w+")


@dataclass
class CleanedText:
    """A page's story text and what was taken out of it."""

    text: str
    title: str = ""
    captions: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    boilerplate: list[str] = field(default_factory=list)

    @property
    def removed_chars(self) -> int:
        """Characters of page furniture taken out (captions and bylines not counted)."""
        return sum(len(part) for part in self.boilerplate)


def _is_heading(paragraph: str) -> bool:
    """A short line with no sentence ending: a title or section heading."""
    words = _WORDS.findall(paragraph)
    return 0 < len(words) <= 14 and not _SENTENCE_END.search(paragraph)


def _same_headline(a: str, b: str) -> bool:
    return fuzz.ratio(a.casefold(), b.casefold()) >= 90 or (
        len(b) > 20 and b.casefold() in a.casefold()
    )


def clean_text(raw: str, *, title: str = "") -> CleanedText:
    """Split a plain-text page into story text and page furniture.

    Paragraphs are lines (or blocks separated by blank lines). The first
    heading-like paragraph becomes the title when none is given; later copies
    of the title are dropped. Paragraphs in the returned text are separated by
    one blank line.
    """
    result = CleanedText(text="", title=title.strip())
    kept: list[str] = []
    paragraphs = [line.strip() for line in raw.replace("\r\n", "\n").split("\n")]
    for paragraph in paragraphs:
        if not paragraph:
            continue
        paragraph = _TRAILING_LINK.sub("", paragraph)
        if _BOILERPLATE.match(paragraph):
            result.boilerplate.append(paragraph)
        elif _BYLINE.match(paragraph):
            result.bylines.append(paragraph)
        elif _CAPTION.search(paragraph):
            result.captions.append(paragraph)
        elif result.title and _same_headline(paragraph, result.title):
            # Pages repeat their headline (breadcrumbs, share boxes): one copy is enough.
            result.boilerplate.append(paragraph)
        elif _is_heading(paragraph):
            if not result.title and not kept:
                result.title = paragraph
            else:
                result.headings.append(paragraph)
        else:
            kept.append(paragraph)
    result.text = "\n\n".join(kept)
    return result
