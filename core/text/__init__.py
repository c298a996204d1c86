"""Text analysis: what one text says, read sentence by sentence.

Sentence segmentation, quotations and who said them, names of people and places,
dates, quantities, and page furniture (boilerplate) to strip before any of it.
Every function here looks at one text at a time and never compares two. This is the
bottom layer of the engine: it imports only :mod:`veracity.models`,
:mod:`veracity.errors` and :mod:`veracity.settings`, and the standard library.
"""
