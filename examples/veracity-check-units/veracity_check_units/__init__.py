"""veracity-check-units: are figures in different units and notations consistent?

A veracity plugin (entry point ``units``). Sources often write the same figure
differently: "30 km" and "20 miles", "$40 billion" and "40 bn dollars". A
comparison of the digits calls those contradictions, or misses that "25 miles"
cannot be 30 km. This plugin judges them by value:

- across sources: a claim's figure against the figure of the same kind in the
  matching sentence of every other source, when the two are written in
  different units or notations. Within a conversion's rounding they support the
  claim; beyond it they contradict it (a ``number`` disagreement).
- within a source: a figure and the conversion written next to it ("30
  kilometers (25 miles)") must agree; when they do not, the source contradicts
  itself.

The slack a rounded conversion gets is the option ``units.tolerance``
(``--units-tolerance`` on the command line, ``tolerance`` in the config file's
``[plugins.units]`` table).
"""

from __future__ import annotations

from veracity import hookimpl
from veracity.comparison.alignment import StoryAlignment
from veracity.models import Claim, Disagreement, Document, Stance, Story, Verdict
from veracity.pipeline.context import StageContext
from veracity.pipeline.plugin_options import PluginOption

from .figures import Figure, find_figures

__all__ = ["DEFAULT_TOLERANCE", "NAME", "TOLERANCE", "Figure", "check_units", "find_figures"]

__version__ = "0.1.0"

NAME = "units"
TOLERANCE = "units.tolerance"
DEFAULT_TOLERANCE = 0.05
SELF_CONFIDENCE = 0.9

Written = tuple[Figure, Figure | None]
"""A figure and the conversion written next to it, if any."""


@hookimpl
def veracity_register_options() -> list[PluginOption]:
    """The plugin's one option: how much a converted figure may be off."""
    return [
        PluginOption(
            name=TOLERANCE,
            type="float",
            default=DEFAULT_TOLERANCE,
            help="Share by which a figure written in another unit may differ (rounded conversions).",
        )
    ]


@hookimpl
def veracity_cross_check(story: Story, claims: list[Claim], context: StageContext) -> list[Verdict]:
    """Judge the figures of every claim written in other units by the other sources, and its own conversions."""
    tolerance = float(context.settings.plugin_options.get(TOLERANCE, DEFAULT_TOLERANCE))
    return check_units(story, claims, context.alignment(story), tolerance)


def check_units(
    story: Story, claims: list[Claim], alignment: StoryAlignment, tolerance: float
) -> list[Verdict]:
    """The verdicts of the units check on a story's claims.

    :param story: the story.
    :param claims: the claims of every source (quotes verbatim at their spans).
    :param alignment: the story's sentence alignment (``context.alignment(story)``).
    :param tolerance: slack for a rounded conversion, as a share of the figure.
    """
    verdicts: list[Verdict] = []
    for claim in claims:
        figures = find_figures(claim.quote, claim.span.start)
        if not figures:
            continue
        own = _self_check(claim, figures, tolerance)
        if own is not None:
            verdicts.append(own)
        index = alignment.sentence_at(claim.source_id, claim.span.start, claim.span.end)
        if index is None:
            continue
        for other in story.documents:
            if other.id != claim.source_id:
                verdict = _against(claim, figures, other, index, alignment, tolerance)
                if verdict is not None:
                    verdicts.append(verdict)
    return verdicts


def _apart(a: Figure, b: Figure) -> str:
    """How far apart two figures are, in words a reader checks at a glance."""
    ratio = max(abs(a.value), abs(b.value)) / max(min(abs(a.value), abs(b.value)), 1e-12)
    return f"{ratio:,.0f} times apart" if ratio >= 2 else f"{ratio - 1:.0%} apart"


def _self_check(claim: Claim, figures: list[Written], tolerance: float) -> Verdict | None:
    for figure, conversion in figures:
        if conversion is not None and not figure.agrees(conversion, tolerance):
            return Verdict(
                claim_id=claim.id,
                source_id=claim.source_id,
                against_source_id=claim.source_id,
                stance=Stance.CONTRADICTS,
                disagreement=Disagreement.NUMBER,
                evidence=conversion.text,
                evidence_span=conversion.span,
                explanation=(
                    f"{figure.describe()} is given as {conversion.describe()}: "
                    f"{_apart(figure, conversion)}, more than a rounded conversion allows"
                ),
                confidence=SELF_CONFIDENCE,
                checker=NAME,
            )
    return None


def _written_differently(mine: Written, theirs: Written) -> bool:
    """Whether the two are in different units or notations: what the digits cannot compare."""
    if mine[1] is not None or theirs[1] is not None:
        return True
    a, b = mine[0], theirs[0]
    return a.written_unit != b.written_unit or a.notation != b.notation


def _judge(
    mine: list[Written], theirs: list[Written], tolerance: float
) -> tuple[Stance, Figure, Figure] | None:
    """Whether the other sentence's figures support or contradict the claim's, and which two.

    A figure of the claim agrees when any comparable figure of the other
    sentence (or its conversion) agrees with it or its conversion. It
    disagrees only when each sentence has exactly one figure of its kind: with
    two ("30 km of road and a 5 km tunnel") there is no telling which is the
    same thing.
    """
    agreement: tuple[Stance, Figure, Figure] | None = None
    for written in mine:
        kind = written[0]
        candidates = [other for other in theirs if kind.comparable(other[0])]
        others = [other for other in candidates if _written_differently(written, other)]
        for other in others:
            pairs = [(a, b) for a in written if a is not None for b in other if b is not None]
            agreeing = [(a, b) for a, b in pairs if a.agrees(b, tolerance)]
            if agreeing:
                agreement = agreement or (Stance.SUPPORTS, *agreeing[0])
                break
        else:
            alone = sum(kind.comparable(own[0]) for own in mine) == 1
            if alone and len(candidates) == 1 and others:
                return Stance.CONTRADICTS, kind, others[0][0]
    return agreement


def _against(
    claim: Claim,
    figures: list[Written],
    other: Document,
    index: int,
    alignment: StoryAlignment,
    tolerance: float,
) -> Verdict | None:
    """The other source's verdict on the claim's figures: from its best-matching sentence that has any."""
    for match in alignment.matches(claim.source_id, index, other.id):
        sentence = alignment.sentences[other.id][match.other_index]
        judged = _judge(figures, find_figures(sentence.text, sentence.span.start), tolerance)
        if judged is None:
            continue
        stance, mine, theirs = judged
        if stance is Stance.SUPPORTS:
            how = "is the same figure as" if theirs.value == mine.value else "agrees with"
            explanation = (
                f"{theirs.describe()} in {other.id} {how} {mine.describe()}, written differently"
            )
        else:
            explanation = (
                f"{theirs.describe()} in {other.id} cannot be {mine.describe()}: "
                f"{_apart(mine, theirs)}, more than a rounded conversion allows"
            )
        return Verdict(
            claim_id=claim.id,
            source_id=claim.source_id,
            against_source_id=other.id,
            stance=stance,
            disagreement=Disagreement.NUMBER if stance is Stance.CONTRADICTS else None,
            evidence=sentence.text,
            evidence_span=sentence.span,
            explanation=explanation,
            confidence=round(min(0.9, 0.5 + match.similarity / 2), 3),
            checker=NAME,
        )
    return None
