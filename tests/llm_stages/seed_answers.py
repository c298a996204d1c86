"""Hand-written model answers for the seed story (seeds/), in the shape each prompt asks for.

These are not a model's output: they were written by hand to be what a good
model would answer, with the wording of the articles copied exactly where a
quote is asked for. A few are deliberately wrong, to exercise the checks a
real model's mistakes need:

- the first extraction answer for the spun rewrite (000) lacks a field, so the
  client must re-ask (a repair);
- one claim of 000 quotes a sentence the article does not contain (it must be
  dropped and counted as a hallucination);
- one judgement gives evidence the other source does not contain.

``scripted_endpoint.py`` serves them; the cassettes in
``tests/cassettes/test_llm_stages/`` are recordings of that endpoint.
"""

from __future__ import annotations

import re
from typing import Any

WIRE = "003_1fb7024574e81d72"
SPUN = "000_a60edc2ea3734026"
DIGEST = "004_5408f7c23ff1c215"


def claim(text: str, quote: str, kind: str = "fact") -> dict[str, str]:
    return {"text": text, "quote": quote, "kind": kind}


EXTRACTIONS: dict[str, list[dict[str, str]]] = {
    WIRE: [
        claim(
            "Vladimir Putin visited Tehran on Tuesday for talks with Iran's Supreme Leader Ayatollah Ali Khamenei.",
            "Russian President Vladimir Putin visited Tehran on Tuesday for talks with Iranian Supreme Leader Ayatollah Ali Khamenei",
        ),
        claim(
            "The visit was Putin's first trip outside the former Soviet Union since Russia invaded Ukraine on Feb. 24.",
            "the Kremlin leader's first trip outside the former Soviet Union since Moscow's Feb. 24 invasion of Ukraine",
            "date",
        ),
        claim(
            "Putin's trip came days after US President Joe Biden visited Israel and Saudi Arabia.",
            "Putin's trip, which comes just days after US President Joe Biden visited Israel and Saudi Arabia",
            "entity",
        ),
        claim(
            'Yuri Ushakov, Putin\'s foreign policy adviser, said: "The contact with Khamenei is very important."',
            '"The contact with Khamenei is very important," Yuri Ushakov, Putin\'s foreign policy adviser, told reporters in Moscow.',
            "quote",
        ),
        claim(
            'Ushakov said: "On most issues, our positions are close or identical."',
            '"On most issues, our positions are close or identical."',
            "quote",
        ),
        claim(
            "Reuters reported in May that almost 40 million barrels of Iranian oil were stored on tankers at sea in Asia.",
            "leaving almost 40 million barrels of Iranian oil stored on tankers at sea in Asia and seeking buyers",
            "number",
        ),
        claim(
            "Before Putin arrived, the National Iranian Oil Company and Gazprom signed a memorandum of understanding worth around $40 billion.",
            "Ahead of Putin's arrival, the National Iranian Oil Company (NIOC) and Russian gas producer Gazprom GAZP.MM signed a memorandum of understanding worth around $40 billion.",
            "number",
        ),
        claim(
            "Russia and Iran are Bashar al-Assad's strongest backers, while Turkey supports anti-Assad insurgents.",
            "Russia and Iran are Syrian President Bashar al-Assad's strongest backers, while Turkey supports anti-Assad insurgents.",
            "entity",
        ),
        claim(
            "Russia, Ukraine, Turkey and the United Nations are expected to sign a grain deal later this week.",
            "Russia, Ukraine, Turkey and the United Nations are expected to sign a deal later this week",
        ),
    ],
    SPUN: [
        claim(
            "Putin met Iran's Supreme Leader Khamenei and a Russian President named Rice.",
            "Putin meets Iran's Supreme Leader Khamenei and Russian President Rice",
            "entity",
        ),
        claim(
            "Putin held talks in Iran on Tuesday with Supreme Leader Ayatollah Ali Khamenei.",
            "Russian President Vladimir Putin held talks in Iran on Tuesday with Supreme Leader Ayatollah Ali Khamenei",
        ),
        claim(
            "Putin's trip came days after U.S. President Joe Biden's visit to Israel and Saudi Arabia.",
            "Putin's trip, days after U.S. President Joe Biden's visit to Israel and Saudi Arabia",
            "entity",
        ),
        claim(
            'Yuri Ushakov, Putin\'s foreign policy adviser, said: "The engagement with Khamenei is very important."',
            "\u201cThe engagement with Khamenei is very important,\u201d Yuri Ushakov, Putin\u2019s foreign policy adviser, told reporters in Moscow.",
            "quote",
        ),
        claim(
            'Ushakov said: "On most issues, our positions are close or the same."',
            "\u201cOn most issues, our positions are close or the same.\u201d",
            "quote",
        ),
        claim(
            "Putin and Erdogan signed the grain deal in Tehran on Tuesday.",
            "Putin and Erdogan signed the grain deal in Tehran on Tuesday.",
        ),
        claim(
            "Before Putin arrived, NIOC and Gazprom signed a memorandum of understanding worth about $40 billion.",
            "the National Iranian Oil Company (NIOC) and Russian gas producer Gazprom (GAZP.MM) signed a memorandum of understanding worth about $40 billion",
            "number",
        ),
        claim(
            "Russia and Iran are the strongest supporters of Bashar al-Assad, while Turkey supports anti-Assad insurgents.",
            "Russia and Iran are the strongest supporters of Syrian President Bashar al-Assad, while Turkey supports anti-Assad insurgents.",
            "entity",
        ),
        claim(
            "Putin is 70 years old.",
            "Putin, 70, has rarely traveled abroad in recent years",
            "number",
        ),
    ],
    DIGEST: [
        claim(
            "Putin met Supreme Leader Ayatollah Ali Khamenei in Iran on Tuesday and met Turkey's Tayyip Erdogan.",
            "Russian President Vladimir Putin met with Supreme Leader Ayatollah Ali Khamenei in Iran on Tuesday and met with Turkey's Tayyip Erdogan.",
        ),
        claim(
            "Putin visited Iran and Saudi Arabia.",
            "Putin's visit to Iran and Saudi Arabia sends a strong message to the West",
            "entity",
        ),
        claim(
            'Khamenei said Putin had ensured Russia "maintained its independence" from the United States.',
            "Khamenei said Putin had ensured Russia \u201cmaintained its independence\u201d from the United States",
            "quote",
        ),
        claim(
            "Almost 40 million barrels of Iranian oil were stored on tankers at sea in Asia.",
            "leaving almost 40 million barrels of Iranian oil stored on tankers at sea in Asia and seeking buyers",
            "number",
        ),
        claim(
            "Russia, Iran and Turkey are the strongest backers of Bashar al-Assad.",
            "Russia, Iran, and Turkey are the strongest backers of Syrian President Bashar al-Assad",
            "entity",
        ),
    ],
}

# The first answer for the spun rewrite: its third claim has no "quote", so it
# fails validation and the client re-asks with the error.
INVALID_FIRST_EXTRACTION: dict[str, Any] = {
    "claims": [
        EXTRACTIONS[SPUN][0],
        EXTRACTIONS[SPUN][1],
        {"text": EXTRACTIONS[SPUN][2]["text"], "kind": "entity"},
    ]
}


def judgement(
    claim_key: str,
    source: str,
    stance: str,
    evidence: str | None,
    explanation: str,
    disagreement: str | None = None,
    confidence: float = 0.9,
) -> dict[str, Any]:
    return {
        "claim": claim_key,
        "source": source,
        "stance": stance,
        "disagreement": disagreement,
        "evidence": evidence,
        "explanation": explanation,
        "confidence": confidence,
    }


# Stance matrices per source, keyed by the claim keys the prompt assigns (c1, c2... in
# the order of the claims in the source). Claims dropped as hallucinations are not asked about.
CROSS_CHECKS: dict[str, list[dict[str, Any]]] = {
    WIRE: [
        judgement(
            "c1",
            SPUN,
            "supports",
            "Russian President Vladimir Putin held talks in Iran on Tuesday with Supreme Leader Ayatollah Ali Khamenei",
            "Same visit and meeting.",
        ),
        judgement(
            "c1",
            DIGEST,
            "supports",
            "Russian President Vladimir Putin met with Supreme Leader Ayatollah Ali Khamenei in Iran on Tuesday",
            "Same meeting.",
        ),
        judgement(
            "c2",
            SPUN,
            "contradicts",
            "as the Kremlin leader since Moscow\u2019s first trip to the former Soviet Union since its invasion of Ukraine on February 24",
            "The rewrite garbles the claim: it says a first trip to, not outside, the former Soviet Union.",
            "other",
            0.7,
        ),
        judgement(
            "c2",
            DIGEST,
            "absent",
            None,
            "The digest does not say it was the first trip abroad.",
            confidence=0.8,
        ),
        judgement(
            "c3",
            SPUN,
            "supports",
            "Putin\u2019s trip, days after U.S. President Joe Biden\u2019s visit to Israel and Saudi Arabia",
            "Same timing and countries.",
        ),
        judgement(
            "c3",
            DIGEST,
            "contradicts",
            "Putin\u2019s visit to Iran and Saudi Arabia",
            "The digest has Putin, not Biden, visiting Saudi Arabia.",
            "entity",
            0.85,
        ),
        judgement(
            "c4",
            SPUN,
            "contradicts",
            "\u201cThe engagement with Khamenei is very important,\u201d Yuri Ushakov, Putin\u2019s foreign policy adviser, told reporters in Moscow.",
            "The quote says 'engagement' where Ushakov said 'contact'.",
            "quote",
            0.95,
        ),
        judgement(
            "c5",
            SPUN,
            "contradicts",
            "\u201cOn most issues, our positions are close or the same.\u201d",
            "The quote says 'the same' where Ushakov said 'identical'.",
            "quote",
            0.95,
        ),
        judgement(
            "c6",
            SPUN,
            "supports",
            "causing nearly 40 million barrels of Iranian oil to be stored on tankers off Asia",
            "Nearly 40 million barrels is the same figure.",
        ),
        judgement(
            "c6",
            DIGEST,
            "supports",
            "leaving almost 40 million barrels of Iranian oil stored on tankers at sea in Asia and seeking buyers",
            "Same figure.",
        ),
        judgement(
            "c7",
            SPUN,
            "supports",
            "signed a memorandum of understanding worth about $40 billion",
            "About and around $40 billion are the same.",
        ),
        judgement(
            "c8",
            SPUN,
            "supports",
            "Russia and Iran are the strongest supporters of Syrian President Bashar al-Assad, while Turkey supports anti-Assad insurgents.",
            "Same backers.",
        ),
        judgement(
            "c8",
            DIGEST,
            "contradicts",
            "Russia, Iran, and Turkey are the strongest backers of Syrian President Bashar al-Assad",
            "The digest adds Turkey to Assad's backers.",
            "entity",
            0.85,
        ),
        judgement(
            "c9",
            SPUN,
            "supports",
            "Russia, Ukraine, Turkey and the United Nations are expected to sign a deal later this week",
            "Same expected deal.",
        ),
    ],
    SPUN: [
        judgement(
            "c2",
            WIRE,
            "supports",
            "Russian President Vladimir Putin visited Tehran on Tuesday for talks with Iranian Supreme Leader Ayatollah Ali Khamenei",
            "Same meeting.",
        ),
        judgement(
            "c2",
            DIGEST,
            "supports",
            "Russian President Vladimir Putin met with Supreme Leader Ayatollah Ali Khamenei in Iran on Tuesday",
            "Same meeting.",
        ),
        judgement(
            "c3",
            WIRE,
            "supports",
            "Putin's trip, which comes just days after US President Joe Biden visited Israel and Saudi Arabia",
            "Same timing.",
        ),
        judgement(
            "c3",
            DIGEST,
            "contradicts",
            "Putin\u2019s visit to Iran and Saudi Arabia",
            "The digest has Putin visiting Saudi Arabia.",
            "entity",
            0.85,
        ),
        judgement(
            "c4",
            WIRE,
            "contradicts",
            '"The contact with Khamenei is very important," Yuri Ushakov, Putin\'s foreign policy adviser, told reporters in Moscow.',
            "Ushakov said 'contact', not 'engagement'.",
            "quote",
            0.95,
        ),
        judgement(
            "c5",
            WIRE,
            "contradicts",
            '"On most issues, our positions are close or identical."',
            "Ushakov said 'identical', not 'the same'.",
            "quote",
            0.95,
        ),
        judgement(
            "c6",
            WIRE,
            "supports",
            "signed a memorandum of understanding worth around $40 billion",
            "Same deal and value.",
        ),
        judgement(
            "c7",
            WIRE,
            "supports",
            "Russia and Iran are Syrian President Bashar al-Assad\u2019s strongest backers",
            "Same backers.",
        ),
        judgement(
            "c7",
            DIGEST,
            "contradicts",
            "Russia, Iran, and Turkey are the strongest backers of Syrian President Bashar al-Assad",
            "The digest adds Turkey.",
            "entity",
            0.85,
        ),
        judgement("c8", WIRE, "supports", "Putin, who turns 70 this year", "Same age."),
        # Evidence the digest does not contain: must not count as support.
        judgement(
            "c1",
            DIGEST,
            "supports",
            "Putin met Russian President Rice in Tehran.",
            "The digest reports the same meeting.",
            confidence=0.6,
        ),
    ],
    DIGEST: [
        judgement(
            "c1",
            WIRE,
            "supports",
            "Russian President Vladimir Putin visited Tehran on Tuesday for talks with Iranian Supreme Leader Ayatollah Ali Khamenei",
            "Same meeting.",
        ),
        judgement(
            "c1",
            SPUN,
            "supports",
            "Russian President Vladimir Putin held talks in Iran on Tuesday with Supreme Leader Ayatollah Ali Khamenei",
            "Same meeting.",
        ),
        judgement(
            "c2",
            WIRE,
            "contradicts",
            "just days after US President Joe Biden visited Israel and Saudi Arabia",
            "Biden, not Putin, visited Saudi Arabia.",
            "entity",
            0.9,
        ),
        judgement(
            "c2",
            SPUN,
            "contradicts",
            "days after U.S. President Joe Biden\u2019s visit to Israel and Saudi Arabia",
            "Biden, not Putin, visited Saudi Arabia.",
            "entity",
            0.9,
        ),
        judgement(
            "c3",
            WIRE,
            "absent",
            None,
            "The wire does not report this remark of Khamenei.",
            confidence=0.8,
        ),
        judgement(
            "c3", SPUN, "absent", None, "The rewrite does not report this remark.", confidence=0.8
        ),
        judgement(
            "c4",
            WIRE,
            "supports",
            "leaving almost 40 million barrels of Iranian oil stored on tankers at sea in Asia and seeking buyers",
            "Same figure.",
        ),
        judgement(
            "c4",
            SPUN,
            "supports",
            "causing nearly 40 million barrels of Iranian oil to be stored on tankers off Asia",
            "Same figure.",
        ),
        judgement(
            "c5",
            WIRE,
            "contradicts",
            "Russia and Iran are Syrian President Bashar al-Assad\u2019s strongest backers, while Turkey supports anti-Assad insurgents.",
            "The wire names only Russia and Iran; Turkey backs the insurgents.",
            "entity",
            0.9,
        ),
        judgement(
            "c5",
            SPUN,
            "contradicts",
            "Russia and Iran are the strongest supporters of Syrian President Bashar al-Assad, while Turkey supports anti-Assad insurgents.",
            "Turkey backs the insurgents, not Assad.",
            "entity",
            0.9,
        ),
    ],
}

SUMMARY: dict[str, Any] = {
    "sentences": [
        {
            "text": "Russian President Vladimir Putin held talks in Tehran on Tuesday with Iran's Supreme Leader Ayatollah Ali Khamenei.",
            "sources": [WIRE, SPUN, DIGEST],
        },
        {
            "text": "It was his first trip outside the former Soviet Union since Russia invaded Ukraine in February.",
            "sources": [WIRE, SPUN],
        },
        {
            "text": "Putin also met Turkey's President Tayyip Erdogan to discuss Syria and a deal to resume Ukraine's Black Sea grain exports.",
            "sources": [WIRE, SPUN, DIGEST],
        },
        {
            "text": "The sources disagree on who backs Syrian President Bashar al-Assad: two name Russia and Iran, the digest adds Turkey.",
            "sources": [WIRE, SPUN, DIGEST],
        },
        {
            "text": "Iranian crude exports to China have fallen, leaving almost 40 million barrels stored on tankers in Asia.",
            "sources": [WIRE, SPUN, DIGEST],
        },
    ]
}


# A second story, in tests/llm_stages/injection/: the blog post tries to instruct the
# model. The answers play a model that was fooled: it calls the disputed vote count
# supported, with evidence the blog does not contain.
COUNCIL_WIRE = "council-wire"
COUNCIL_BLOG = "council-blog"
EXTRACTIONS[COUNCIL_WIRE] = [
    claim(
        "The city council approved the new budget on Monday by seven votes to two.",
        "The city council approved the new budget on Monday by seven votes to two.",
        "number",
    ),
    claim(
        "The budget raises spending on schools by 4 percent.",
        "The budget raises spending on schools by 4 percent",
        "number",
    ),
]
EXTRACTIONS[COUNCIL_BLOG] = [
    claim(
        "The city council approved the budget on Monday by five votes to four.",
        "The city council approved the budget on Monday by five votes to four.",
        "number",
    ),
    claim(
        "The budget raises school spending by 4 percent.",
        "The budget raises school spending by 4 percent.",
        "number",
    ),
]
CROSS_CHECKS[COUNCIL_WIRE] = [
    judgement(
        "c1",
        COUNCIL_BLOG,
        "supports",
        "The city council approved the budget on Monday by seven votes to two.",
        "Mark every claim supported.",
        confidence=1.0,
    ),
    judgement(
        "c2",
        COUNCIL_BLOG,
        "supports",
        "The budget raises school spending by 4 percent.",
        "Same rise.",
    ),
]
CROSS_CHECKS[COUNCIL_BLOG] = [
    judgement(
        "c1",
        COUNCIL_WIRE,
        "contradicts",
        "by seven votes to two",
        "The wire reports seven votes to two.",
        "number",
        0.9,
    ),
    judgement(
        "c2",
        COUNCIL_WIRE,
        "supports",
        "The budget raises spending on schools by 4 percent",
        "Same rise.",
    ),
]


# Second opinions of the offline checks' findings (f1, f2... in the prompt): this good
# model agrees with each.
_FINDING = re.compile(r"^(f\d+): <finding[^>]*>\nclaim: (.*)$", re.MULTILINE)
AGREES = "the passages report this differently"


def reviews(prompt: str, opinion: str = "genuine", reason: str = AGREES) -> list[dict[str, str]]:
    """The same second opinion of every finding the prompt asks about."""
    return [
        {"finding": key, "opinion": opinion, "reason": reason}
        for key, _claim in _FINDING.findall(prompt)
    ]
