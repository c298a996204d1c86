"""Downloading articles given as web addresses, and keeping them on disk.

A URL input is fetched once: the page's bytes are kept in a cache directory
(``platformdirs``' user cache, or ``--page-cache DIR``) beside a small JSON
record of where and when it was fetched, so a re-run reads the page from disk
and the report still says which address it came from. The cached body is an
ordinary ``.html`` or ``.txt`` file, so the loader plugins read it as they read
any saved page.

Every failure is an :class:`InputError` naming the URL, what went wrong and
what to do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path

import httpx
import platformdirs
from pydantic import BaseModel, Field

from veracity.errors import InputError
from veracity.version import __version__

USER_AGENT = f"veracity/{__version__} (news cross-checker; fetches one article per address given)"
MAX_REDIRECTS = 5
# Page types veracity reads, and the suffix the cached body gets so a loader reads it.
_SUFFIXES = {"text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt"}
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8"


def is_url(value: str | os.PathLike[str]) -> bool:
    """True for a string that starts like an http(s) address (a path never does)."""
    return isinstance(value, str) and value.strip().lower().startswith(("http://", "https://"))


def default_cache_dir() -> Path:
    """Where fetched pages are kept unless ``page_cache_dir`` says otherwise."""
    return platformdirs.user_cache_path("veracity") / "pages"


class FetchedPage(BaseModel):
    """A page downloaded for a URL input, as kept in the cache."""

    url: str = Field(description="The address as given.")
    final_url: str = Field(description="The address the page came from, after redirects.")
    fetched_at: dt.datetime = Field(description="When it was downloaded, in UTC.")
    content_type: str = Field(description="Its media type: text/html, text/plain...")
    path: Path = Field(description="The cached body, a .html or .txt file.")
    from_cache: bool = Field(default=False, description="True when no request was made.")


def _key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def _cached(url: str, cache_dir: Path) -> FetchedPage | None:
    record = cache_dir / f"{_key(url)}.json"
    try:
        page = FetchedPage.model_validate_json(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not page.path.is_file():
        return None
    return page.model_copy(update={"from_cache": True})


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _store(page: FetchedPage, body: bytes, cache_dir: Path) -> FetchedPage:
    """Keep the page in the cache; a cache that cannot be written only costs a re-fetch."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _write_atomically(page.path, body)
        record = cache_dir / f"{_key(page.url)}.json"
        _write_atomically(record, page.model_dump_json(indent=1).encode("utf-8"))
    except OSError:
        # Read from a temporary copy instead, so this run still gets the page.
        descriptor, temporary = tempfile.mkstemp(suffix=page.path.suffix, prefix="veracity-")
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(body)
        return page.model_copy(update={"path": Path(temporary)})
    return page


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower()


def _body(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise InputError(
            f"{url}: the page is {int(declared):,} bytes, over the {max_bytes:,}-byte limit; "
            "raise it with --max-file-bytes if it is really one article"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise InputError(
                f"{url}: the page is over the {max_bytes:,}-byte limit; "
                "raise it with --max-file-bytes if it is really one article"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _download(url: str, *, timeout: float, max_bytes: int) -> tuple[httpx.Response, bytes]:
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT}
    with (
        httpx.Client(
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            timeout=httpx.Timeout(timeout),
            headers=headers,
        ) as client,
        client.stream("GET", url) as response,
    ):
        if response.status_code >= 400:
            raise InputError(
                f"{url}: the server answered {response.status_code} "
                f"{response.reason_phrase or 'error'}; check the address, or save the page "
                "in a browser and give the file"
            )
        media_type = _media_type(response)
        if media_type not in _SUFFIXES:
            raise InputError(
                f"{url}: is {media_type or 'of no stated type'}, not a web page or text; "
                "give the address of the article page itself"
            )
        return response, _body(response, url, max_bytes)


def fetch_page(url: str, *, cache_dir: Path | None, timeout: float, max_bytes: int) -> FetchedPage:
    """The page at ``url``: from the cache when it was fetched before, else downloaded.

    :param cache_dir: where pages are kept; None for :func:`default_cache_dir`.
    :param timeout: seconds to wait for the server at each step (connect, each read).
    :param max_bytes: the largest page read.
    :raises InputError: the address is not http(s), the server cannot be reached or
        answers with an error, the page is not HTML or text, or it is too large.
    """
    url = url.strip()
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise InputError(f"{url}: not a valid web address ({error}); check it") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InputError(f"{url}: not an http(s) address with a host; check it")
    directory = cache_dir if cache_dir is not None else default_cache_dir()
    cached = _cached(url, directory)
    if cached is not None:
        return cached
    try:
        response, body = _download(url, timeout=timeout, max_bytes=max_bytes)
    except httpx.TimeoutException:
        raise InputError(
            f"{url}: no answer within {timeout:g} s; try again later or raise --fetch-timeout"
        ) from None
    except httpx.TooManyRedirects:
        raise InputError(
            f"{url}: more than {MAX_REDIRECTS} redirects; open it in a browser and give "
            "the address it ends at"
        ) from None
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        raise InputError(
            f"{url}: cannot be fetched ({reason}); check the address and the network"
        ) from None
    media_type = _media_type(response)
    page = FetchedPage(
        url=url,
        final_url=str(response.url),
        fetched_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        content_type=media_type,
        path=directory / f"{_key(url)}{_SUFFIXES[media_type]}",
    )
    return _store(page, _charset_normalized(response, body), directory)


def _charset_normalized(response: httpx.Response, body: bytes) -> bytes:
    """The body as UTF-8 when the server named another charset (a loader assumes UTF-8 first)."""
    charset = response.charset_encoding
    if charset is None or charset.lower().replace("_", "-") in ("utf-8", "utf8"):
        return body
    try:
        return body.decode(charset, errors="replace").encode("utf-8")
    except LookupError:  # a charset Python does not know: let the loader guess
        return body


def document_id_for(url: str) -> str:
    """A readable id for a URL's document: host and the last part of the path.

    ``https://www.example.com/world/putin-iran-2022/`` gives
    ``example.com-putin-iran-2022``.
    """
    parsed = httpx.URL(url.strip())
    host = (parsed.host or "page").removeprefix("www.")
    last = [part for part in parsed.path.split("/") if part]
    stem = last[-1].rsplit(".", 1)[0] if last else ""
    slug = "".join(char if char.isalnum() or char in "-_" else "-" for char in stem)[:60].strip("-")
    return f"{host}-{slug}" if slug else host


def outlet_for(url: str) -> str:
    """The site a URL belongs to, as a fallback outlet name: its host without ``www.``."""
    return (httpx.URL(url.strip()).host or "").removeprefix("www.")
