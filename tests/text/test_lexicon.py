"""The English word list: how common a word is, loaded once per process, off the event loop."""

from __future__ import annotations

import threading
import time

import pytest
import wordfreq

from veracity.text import lexicon


def test_common_words_are_common_and_rare_names_are_not() -> None:
    assert lexicon.is_common_word("Tourists")
    assert not lexicon.is_common_word("Raisi")


def test_the_list_is_loaded_once_when_threads_warm_it_up_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch warms the list up in a thread while the first offline check may already
    need it: the check waits for that load rather than doing it a second time."""
    loads: list[str] = []
    real = wordfreq.zipf_frequency

    def slow_first_load(word: str, lang: str) -> float:
        if not loads:
            time.sleep(0.05)  # the list being read
        loads.append(word)
        return float(real(word, lang))

    monkeypatch.setattr(wordfreq, "zipf_frequency", slow_first_load)
    monkeypatch.setattr(lexicon, "_loaded", threading.Event())
    lexicon.zipf_frequency.cache_clear()
    threads = [threading.Thread(target=lexicon.warm_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    frequency = lexicon.zipf_frequency("harbour")
    for thread in threads:
        thread.join()
    lexicon.zipf_frequency.cache_clear()
    assert lexicon.is_warm()
    assert loads == ["the", "harbour"]
    assert frequency > 3
