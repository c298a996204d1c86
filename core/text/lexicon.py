"""How common an English word is, from wordfreq's frequency lists.

wordfreq ships its lists inside the wheel (nothing is downloaded at run time). A
capitalized word that is also a common English word ("Tourists", "Thank", "Time")
is weak evidence of a name on its own: page furniture and sentence openings are
capitalized too, and a slip of spelling rarely lands on a common word unless a
spelling checker put it there ("Manual" for "Manuel").
"""

from __future__ import annotations

import threading
from functools import lru_cache

#: Zipf frequency (log10 of occurrences per billion words) from which a word is common:
#: 3 is about once per million words ("pictured" 3.8, "brits" 3.5); rare surnames and
#: transliterated names sit below 2.7 ("Nabi" 2.6, "Faiz" 2.2, "Raisi" 1.2).
COMMON_ZIPF = 3.0


_loaded = threading.Event()
_loading = threading.Lock()


def is_warm() -> bool:
    """Whether the English list is loaded."""
    return _loaded.is_set()


def warm_up() -> None:
    """Import wordfreq and load the English list now (0.2 to 0.4 s, once per process).

    A batch calls it from a thread while its first calls wait on the network, so
    neither the command's start-up nor the first offline check waits for it. Safe to
    call from any thread and any number of times: the list is loaded once.
    """
    if _loaded.is_set():
        return
    with _loading:
        if not _loaded.is_set():
            import wordfreq  # here, not at the top: see above

            wordfreq.zipf_frequency("the", "en")
            _loaded.set()


@lru_cache(maxsize=65536)
def zipf_frequency(word: str) -> float:
    """How often ``word`` appears in English, on the Zipf scale (0: never, 7: "the")."""
    # A warm-up in progress is waited for, not repeated (wordfreq's own cache has no lock).
    warm_up()
    import wordfreq  # loaded by warm_up: a look-up in sys.modules

    return float(wordfreq.zipf_frequency(word.casefold(), "en"))


def is_common_word(word: str, threshold: float = COMMON_ZIPF) -> bool:
    """Whether ``word``, lower-cased, is a common English word."""
    return zipf_frequency(word) >= threshold
