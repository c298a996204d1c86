"""Articles given as web addresses: fetched from a server on 127.0.0.1 the test starts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import BENCH

from veracity import Pipeline, Settings, Story, StoryFailure, check
from veracity.cli.main import main
from veracity.inputs.fetching import USER_AGENT

WIRE = (BENCH / "stories" / "dam" / "wire.txt").read_text(encoding="utf-8")
REWRITE = (BENCH / "stories" / "dam" / "rewrite.txt").read_text(encoding="utf-8")


def article_page(text: str) -> bytes:
    """A web page holding an article with its header lines as page metadata."""
    header, _, body = text.partition("\n\n")
    fields = dict(line.split(": ", 1) for line in header.splitlines())
    paragraphs = "".join(f"<p>{part}</p>\n" for part in body.split("\n\n") if part.strip())
    return (
        "<!doctype html><html><head>"
        f"<title>{fields['title']}</title>"
        f'<meta property="og:site_name" content="{fields["outlet"]}">'
        "</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{fields['title']}</h1>{paragraphs}</article>"
        "<footer>Cookies help us deliver our services.</footer></body></html>"
    ).encode()


@dataclass
class Site:
    """What the test server answers, and what it was asked."""

    base: str
    requests: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/news/dam-opens": (200, "text/html; charset=utf-8", article_page(WIRE)),
    "/daily/dam-finally-opens": (200, "text/html", article_page(REWRITE)),
    "/plain/dam.txt": (200, "text/plain; charset=utf-8", WIRE.encode()),
    "/logo.png": (200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    "/huge": (200, "text/html", b"<p>" + b"word " * 40_000 + b"</p>"),
}


@pytest.fixture
def site() -> Iterator[Site]:
    """A small news site on 127.0.0.1, stopped when the test ends."""
    served = Site(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests.append(self.path)
            served.user_agents.append(self.headers.get("User-Agent", ""))
            if self.path == "/old-address":
                self.send_response(301)
                self.send_header("Location", "/news/dam-opens")
                self.end_headers()
                return
            if self.path == "/loop":
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.end_headers()
                return
            if self.path == "/slow":
                time.sleep(1.0)
            status, content_type, body = ROUTES.get(
                self.path, (404, "text/html", b"<h1>Not found</h1>")
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    return Pipeline(Settings(page_cache=tmp_path / "pages"), load_entry_points=False)


def load_one(pipeline: Pipeline, *inputs: str | Path) -> Story:
    (story,) = pipeline.load(list(inputs))
    assert isinstance(story, Story), story
    return story


def test_a_url_is_fetched_and_read_as_an_article(site: Site, pipeline: Pipeline) -> None:
    story = load_one(pipeline, site.url("/news/dam-opens"))

    [document] = story.documents
    assert document.text.startswith("The Harwick Valley dam opened on Tuesday")
    assert document.outlet == "Northern Wire"
    assert document.url == site.url("/news/dam-opens")
    assert document.fetched_at is not None
    assert document.id == "127.0.0.1-dam-opens"


def test_a_redirect_is_followed_and_the_final_address_kept(site: Site, pipeline: Pipeline) -> None:
    [document] = load_one(pipeline, site.url("/old-address")).documents

    assert document.url == site.url("/old-address")
    assert document.final_url == site.url("/news/dam-opens")


def test_a_plain_text_page_is_read_as_text(site: Site, pipeline: Pipeline) -> None:
    [document] = load_one(pipeline, site.url("/plain/dam.txt")).documents

    assert document.title == "Valley dam opens after three years of delays"


def test_a_rerun_reads_the_page_from_the_cache(site: Site, tmp_path: Path) -> None:
    settings = Settings(page_cache=tmp_path / "pages")
    first = load_one(Pipeline(settings, load_entry_points=False), site.url("/news/dam-opens"))
    second = load_one(Pipeline(settings, load_entry_points=False), site.url("/news/dam-opens"))

    assert site.requests == ["/news/dam-opens"]
    assert second.documents == first.documents


def test_the_request_says_who_is_asking(site: Site, pipeline: Pipeline) -> None:
    load_one(pipeline, site.url("/news/dam-opens"))

    assert site.user_agents == [USER_AGENT]
    assert USER_AGENT.startswith("veracity/")


def test_a_missing_page_is_one_error_and_the_rest_of_the_story_goes_on(
    site: Site, pipeline: Pipeline
) -> None:
    story = load_one(
        pipeline,
        site.url("/news/dam-opens"),
        site.url("/gone"),
        site.url("/daily/dam-finally-opens"),
    )

    assert [document.outlet for document in story.documents] == ["Northern Wire", "Valley Daily"]
    assert story.unread == [
        f"{site.url('/gone')}: the server answered 404 Not Found; check the address, "
        "or save the page in a browser and give the file"
    ]


def test_a_page_that_is_not_html_or_text_is_refused(site: Site, pipeline: Pipeline) -> None:
    [failure] = pipeline.load([site.url("/logo.png")])

    assert isinstance(failure, StoryFailure)
    assert failure.error == (
        f"{site.url('/logo.png')}: is image/png, not a web page or text; "
        "give the address of the article page itself"
    )


def test_a_page_over_the_size_limit_is_refused(site: Site, tmp_path: Path) -> None:
    pipeline = Pipeline(
        Settings(page_cache=tmp_path, max_file_bytes=100_000), load_entry_points=False
    )

    [failure] = pipeline.load([site.url("/huge")])

    assert isinstance(failure, StoryFailure)
    assert "over the 100,000-byte limit; raise it with --max-file-bytes" in failure.error


def test_a_server_that_does_not_answer_in_time_is_an_error(site: Site, tmp_path: Path) -> None:
    pipeline = Pipeline(Settings(page_cache=tmp_path, fetch_timeout=0.2), load_entry_points=False)

    [failure] = pipeline.load([site.url("/slow")])

    assert isinstance(failure, StoryFailure)
    assert failure.error == (
        f"{site.url('/slow')}: no answer within 0.2 s; try again later or raise --fetch-timeout"
    )


def test_endless_redirects_are_an_error(site: Site, pipeline: Pipeline) -> None:
    [failure] = pipeline.load([site.url("/loop")])

    assert isinstance(failure, StoryFailure)
    assert "more than 5 redirects" in failure.error


def test_a_server_that_is_not_there_is_an_error(pipeline: Pipeline) -> None:
    [failure] = pipeline.load(["http://127.0.0.1:9/article"])

    assert isinstance(failure, StoryFailure)
    assert failure.error.startswith("http://127.0.0.1:9/article: cannot be fetched (")
    assert failure.error.endswith("); check the address and the network")


def test_a_file_of_urls_is_a_batch_with_a_blank_line_between_stories(
    site: Site, pipeline: Pipeline, tmp_path: Path
) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(
        f"# dam story\n{site.url('/news/dam-opens')}\n{site.url('/daily/dam-finally-opens')}\n"
        f"\n{site.url('/plain/dam.txt')}\n",
        encoding="utf-8",
    )

    stories = list(pipeline.load([listing]))

    assert [(story.id, len(story.documents)) for story in stories if isinstance(story, Story)] == [
        ("urls-1", 2),
        ("urls-2", 1),
    ]


def test_a_jsonl_record_with_only_a_url_is_fetched(
    site: Site, pipeline: Pipeline, tmp_path: Path
) -> None:
    batch = tmp_path / "batch.jsonl"
    records = [
        {"story": "dam", "url": site.url("/news/dam-opens")},
        {"story": "dam", "url": site.url("/gone")},
        {"story": "dam", "text": REWRITE},
    ]
    batch.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")

    story = load_one(pipeline, batch)

    assert [document.outlet for document in story.documents] == ["Northern Wire", "Valley Daily"]
    assert story.documents[0].final_url == site.url("/news/dam-opens")
    assert [line.split(": ", 1)[0] for line in story.unread] == [f"{batch}:2"]


def test_the_cli_checks_urls_and_names_each_failing_one(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "report.json"

    result = CliRunner().invoke(
        main,
        [
            "run",
            site.url("/news/dam-opens"),
            site.url("/gone"),
            site.url("/daily/dam-finally-opens"),
            "--page-cache",
            str(tmp_path / "pages"),
            "--out",
            str(out),
        ],
    )

    assert result.exit_code == 2, result.output
    assert f"error {site.url('/gone')}: the server answered 404 Not Found" in result.stderr
    assert "1 input left out" in result.stderr
    [story] = json.loads(out.read_text(encoding="utf-8"))["stories"]
    assert [document["url"] for document in story["story"]["documents"]] == [
        site.url("/news/dam-opens"),
        site.url("/daily/dam-finally-opens"),
    ]


def test_the_python_api_takes_urls(site: Site, tmp_path: Path) -> None:
    report = check(
        [site.url("/news/dam-opens"), site.url("/daily/dam-finally-opens")],
        page_cache=tmp_path,
        load_entry_points=False,
    )

    assert report.story.labels() == {
        "127.0.0.1-dam-opens": "Northern Wire",
        "127.0.0.1-dam-finally-opens": "Valley Daily",
    }
