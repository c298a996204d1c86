"""Seconds to split one long paragraph into sentences, and to check it as a one-source story.

A hostile input: a single paragraph with no line break, of short sentences full of
abbreviations, initials and decimals (every full stop makes the splitter look at
the word before it). Splitting must grow linearly with the size; issue 15 item 6
measured the old splitter at 12.5 s for 100 KB and over 600 s for 5 MB.

    python bench/long_text_bench.py                       # 100 KB, 1 MB, 5 MB
    python bench/long_text_bench.py --sizes 100000 --check
"""

from __future__ import annotations

import argparse
import time

from veracity import Document, Pipeline, Settings, Story
from veracity.text.segmentation import split_sentences

SENTENCE = "Dr. Ana Ortiz of the U.S. team said the dam cost 1.2 billion euros. It opened. "


def one_paragraph(size: int) -> str:
    """A single paragraph of ``size`` characters."""
    return (SENTENCE * (size // len(SENTENCE) + 1))[:size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument(
        "--check",
        action="store_true",
        help="also run the whole offline pipeline over the paragraph as a one-source story",
    )
    args = parser.parse_args()
    pipeline = Pipeline(Settings(), load_entry_points=False)
    print(f"{'size':>10} {'sentences':>10} {'split s':>8} {'MB/s':>6}" + ("  check s" * args.check))
    for size in args.sizes:
        text = one_paragraph(size)
        started = time.perf_counter()
        sentences = split_sentences(text)
        split = time.perf_counter() - started
        line = f"{size:>10,} {len(sentences):>10,} {split:>8.2f} {size / 1e6 / split:>6.1f}"
        if args.check:
            story = Story(id="long", documents=[Document(id="one", text=text)])
            started = time.perf_counter()
            pipeline.run_story(story)
            line += f"  {time.perf_counter() - started:7.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
