"""Seconds to split one long paragraph into sentences, and to check it as a story.

A hostile input: a single paragraph with no line break, of short sentences full of
abbreviations, initials and decimals (every full stop makes the splitter look at
the word before it). Splitting and the whole offline check must grow linearly with
the size; issue 15 item 6 measured the old splitter at 12.5 s for 100 KB and over
600 s for 5 MB. ``--sources N`` checks a story of N copies of the paragraph, each
with one figure changed (the hostile case of syndicated copies of a huge text).

    python bench/long_text_bench.py                       # split 100 KB, 1 MB, 5 MB
    python bench/long_text_bench.py --check               # and check them as one-source stories
    python bench/long_text_bench.py --sizes 1000000 --check --sources 2

The check's figures are wall seconds and the CPU seconds of this process: on a
shared machine the CPU seconds say more.
"""

from __future__ import annotations

import argparse
import time

from veracity import Document, Pipeline, Settings, Story
from veracity.text.segmentation import split_sentences

SENTENCE = "Dr. Ana Ortiz of the U.S. team said the dam cost 1.2 billion euros. It opened. "


def one_paragraph(size: int, edit: int = 0) -> str:
    """A single paragraph of ``size`` characters; ``edit`` changes its first figure."""
    text = (SENTENCE * (size // len(SENTENCE) + 1))[:size]
    return text.replace("1.2 billion", f"1.{edit + 2} billion", 1) if edit else text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument(
        "--check",
        action="store_true",
        help="also run the whole offline pipeline over the paragraph as a story",
    )
    parser.add_argument(
        "--sources",
        type=int,
        default=1,
        help="with --check: that many copies of the paragraph, each with a figure changed",
    )
    args = parser.parse_args()
    pipeline = Pipeline(Settings(), load_entry_points=False)
    print(
        f"{'size':>10} {'sentences':>10} {'split s':>8} {'MB/s':>6}"
        + ("  check s  CPU s  verdicts" * args.check)
    )
    for size in args.sizes:
        text = one_paragraph(size)
        started = time.perf_counter()
        sentences = split_sentences(text)
        split = time.perf_counter() - started
        line = f"{size:>10,} {len(sentences):>10,} {split:>8.2f} {size / 1e6 / split:>6.1f}"
        if args.check:
            documents = [
                Document(id=f"copy{copy}", text=one_paragraph(size, edit=copy) if copy else text)
                for copy in range(args.sources)
            ]
            started, cpu = time.perf_counter(), time.process_time()
            report = pipeline.run_story(Story(id="long", documents=documents))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            line += f"  {wall:7.2f} {cpu:6.2f} {len(report.verdicts):>9,}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
