"""Scoring: how reliable each source is, from what the cross-checks found.

An iterative truth-discovery estimate over the claims and verdicts of a story (see
docs/scoring.md). Pure functions over :mod:`veracity.models`; it may use
:mod:`veracity.comparison` and :mod:`veracity.text` and imports nothing above them.
"""
