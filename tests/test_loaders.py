"""Loaders read text, HTML and JSONL, and refuse bad files with one clear line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from support import SPUN, WIRE, WriteFiles

from veracity import InputError, Pipeline

ARTICLE_HTML = """<!doctype html><html><head><title>Dam opens after delays | Daily Example</title>
<meta property="og:site_name" content="Daily Example">
<meta name="date" content="2024-03-05"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Dam opens after delays</h1>
<p>The new dam on the river opened on Tuesday, three years later than planned, officials said.</p>
<p>It cost 1.2 billion euros, twice the first estimate, according to the regional government.</p>
<p>"This dam will protect forty towns from floods," the regional president told reporters.</p>
</article><footer>Subscribe to our newsletter. Cookie settings.</footer></body></html>"""


def test_text_loader_reads_an_inline_date_header(pipeline: Pipeline, seeds_dir: Path) -> None:
    (document,) = pipeline.load_documents(seeds_dir / f"{WIRE}.txt")
    assert document.id == WIRE
    assert document.published == dt.date(2022, 7, 19)
    assert document.text.startswith("Russian President Vladimir Putin visited Tehran on Tuesday")


def test_text_loader_keeps_photo_captions_out_of_the_text(
    pipeline: Pipeline, seeds_dir: Path
) -> None:
    (document,) = pipeline.load_documents(seeds_dir / f"{WIRE}.txt")
    assert len(document.meta.captions) == 2
    assert "(credit:" not in document.text


def test_text_loader_strips_the_page_furniture_of_a_copied_page(
    pipeline: Pipeline, seeds_dir: Path
) -> None:
    (document,) = pipeline.load_documents(seeds_dir / f"{SPUN}.txt")
    assert (
        document.title
        == "Putin meets Iranian leader on first trip outside former Soviet Union since Ukraine war"
    )
    for furniture in (
        "Sign up now",
        "Leave a Comment",
        "cookies",
        "read more",
        "All Right Reserved",
    ):
        assert furniture not in document.text
    assert document.meta.bylines[0] == "by WOOWinvest"


def test_text_loader_reads_a_key_value_header(pipeline: Pipeline, write_files: WriteFiles) -> None:
    folder = write_files(
        {
            "a.txt": "Title: Floods recede\nURL: https://example.org/a\nOutlet: Example\nDate: 2024-01-02\n\nThe water fell by two metres overnight."
        }
    )
    (document,) = pipeline.load_documents(folder / "a.txt")
    assert (document.title, document.url, document.outlet, document.published) == (
        "Floods recede",
        "https://example.org/a",
        "Example",
        dt.date(2024, 1, 2),
    )
    assert document.text == "The water fell by two metres overnight."


def test_html_loader_finds_the_article_and_its_metadata(
    pipeline: Pipeline, write_files: WriteFiles
) -> None:
    folder = write_files({"dam.html": ARTICLE_HTML})
    (document,) = pipeline.load_documents(folder / "dam.html")
    assert document.title == "Dam opens after delays"
    assert document.published == dt.date(2024, 3, 5)
    assert "1.2 billion euros" in document.text
    assert "newsletter" not in document.text


def test_html_without_main_text_is_an_input_error(
    pipeline: Pipeline, write_files: WriteFiles
) -> None:
    folder = write_files({"empty.html": "<html><body><nav>Home</nav></body></html>"})
    with pytest.raises(InputError, match="no article text found in the HTML"):
        pipeline.load_documents(folder / "empty.html")


def test_jsonl_loader_groups_documents_by_story(
    pipeline: Pipeline, write_files: WriteFiles
) -> None:
    lines = [
        {
            "story": "dam",
            "id": "a",
            "text": "The dam opened on Tuesday after three years of delays.",
        },
        {"story": "dam", "id": "b", "text": "The dam opened on Wednesday after long delays."},
        {"story": "vote", "text": "The council approved the budget by nine votes to two."},
    ]
    folder = write_files({"batch.jsonl": "\n".join(json.dumps(line) for line in lines)})
    stories = list(pipeline.load([folder / "batch.jsonl"]))
    assert [(story.id, story.source_ids) for story in stories] == [
        ("dam", ["a", "b"]),
        ("vote", ["vote-3"]),
    ]


def test_jsonl_record_without_text_names_its_line(
    pipeline: Pipeline, write_files: WriteFiles
) -> None:
    folder = write_files(
        {
            "bad.jsonl": '{"story": "s", "text": "Fine text here."}\n{"story": "s", "title": "no text"}\n'
        }
    )
    with pytest.raises(
        InputError, match=r"bad.jsonl:2: .*needs a non-empty 'text' or 'html' field"
    ):
        pipeline.load_documents(folder / "bad.jsonl")


def test_jsonl_line_that_is_not_json_names_its_line(
    pipeline: Pipeline, write_files: WriteFiles
) -> None:
    folder = write_files({"bad.jsonl": '{"story": "s", "text": "ok"}\n{not json\n'})
    with pytest.raises(InputError, match=r"bad.jsonl:2: not valid JSON"):
        pipeline.load_documents(folder / "bad.jsonl")


def test_empty_file_is_an_input_error(pipeline: Pipeline, write_files: WriteFiles) -> None:
    folder = write_files({"empty.txt": "  \n\n "})
    with pytest.raises(InputError, match=r"empty\.txt: the file is empty"):
        pipeline.load_documents(folder / "empty.txt")


def test_binary_file_is_an_input_error(pipeline: Pipeline, write_files: WriteFiles) -> None:
    folder = write_files({"photo.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20})
    with pytest.raises(InputError, match="looks like a binary file"):
        pipeline.load_documents(folder / "photo.txt")


def test_legacy_encoding_is_read_with_a_warning(
    pipeline: Pipeline, write_files: WriteFiles
) -> None:
    folder = write_files({"old.txt": "Le président a visité Montréal le mardi.".encode("cp1252")})
    context = pipeline.context()
    (document,) = pipeline.load_documents(folder / "old.txt", context)
    assert document.text == "Le président a visité Montréal le mardi."
    assert "not UTF-8" in context.warnings[0].message


def test_file_over_the_size_limit_says_how_to_raise_it(write_files: WriteFiles) -> None:
    from veracity import Settings

    folder = write_files({"big.txt": "word " * 100})
    small = Pipeline(Settings(max_file_bytes=100), load_entry_points=False)
    with pytest.raises(InputError, match="--max-file-bytes"):
        small.load_documents(folder / "big.txt")


def test_unknown_file_type_names_the_supported_ones(
    pipeline: Pipeline, write_files: WriteFiles
) -> None:
    folder = write_files({"sheet.xlsx": "not really"})
    with pytest.raises(
        InputError, match=r"no loader reads \.xlsx; use \.txt, \.md, \.html or \.jsonl"
    ):
        pipeline.load_documents(folder / "sheet.xlsx")
