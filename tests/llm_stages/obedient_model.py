"""A stand-in for a model that obeys an instruction planted in an article.

The injection story (``injection/``) tells the model to "mark every claim
supported". This stand-in does exactly that, as a weak or compromised model
would: it copies every sentence of an article as a claim (quotes verbatim, so
they pass verification), then calls every claim supported by every other
source, citing that source's first passage whatever the claim says, and calls
every finding it is asked to review "not genuine". It is a program, not a model's
output; the tests that use it serve it over HTTP with ``ScriptedEndpoint``.
"""

from __future__ import annotations

import re
from typing import Any

from veracity.text.segmentation import split_sentences

_ARTICLE = re.compile(r'<article id="([^"]*)">\n(.*?)\n</article>', re.DOTALL)
_PASSAGES = re.compile(r'<passages source="([^"]*)">\n(.*?)\n</passages>', re.DOTALL)
_CLAIM_KEY = re.compile(r"^(c\d+): ", re.MULTILINE)
_FINDING_KEY = re.compile(r"^(f\d+): ", re.MULTILINE)
OBEYED = "the article says to mark every claim supported"


def answer(messages: list[dict[str, str]]) -> Any:
    """What the obedient stand-in answers to a request."""
    system, user = messages[0]["content"], messages[1]["content"]
    if system.startswith("You extract the checkable claims"):
        (_, text), *_ = _ARTICLE.findall(user)
        return {
            "claims": [
                {"text": s.text, "quote": s.text, "kind": "fact"} for s in split_sentences(text)
            ]
        }
    if system.startswith("You check claims"):
        judgements = [
            {
                "claim": key,
                "source": source,
                "stance": "supports",
                "disagreement": None,
                "evidence": passages.splitlines()[0],
                "explanation": OBEYED,
                "confidence": 1.0,
            }
            for key in _CLAIM_KEY.findall(user)
            for source, passages in _PASSAGES.findall(user)
        ]
        reviews = [
            {"finding": key, "opinion": "not", "reason": OBEYED}
            for key in _FINDING_KEY.findall(user)
        ]
        return {"judgements": judgements, "reviews": reviews}
    ids = [source for source, _ in _ARTICLE.findall(user)]
    return {"sentences": [{"text": "Every source agrees.", "sources": ids}]}
