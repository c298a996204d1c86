"""Reading input files as text: size limits, binary detection and encodings.

Loader plugins call :func:`read_text` so that every format fails the same
way, with one line that says what is wrong, where, and how to fix it.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from veracity.errors import InputError

# More replaced characters than this share means the file is not text we can read.
_MAX_REPLACEMENT_SHARE = 0.02
_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32))


@dataclass
class DecodedText:
    """A file's text and what decoding it took."""

    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def read_bytes(path: Path, *, max_bytes: int) -> bytes:
    """The bytes of ``path``, refusing missing, oversized and empty files."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    if size > max_bytes:
        raise InputError(
            f"{path}: {size:,} bytes is over the {max_bytes:,}-byte limit; "
            f"raise it with --max-file-bytes if the file is really one article"
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(
            f"{path}: cannot be read ({error.strerror}); check its permissions"
        ) from None
    if not data.strip():
        raise InputError(f"{path}: the file is empty; remove it or give it the article's text")
    return data


def decode(data: bytes, *, where: str) -> DecodedText:
    """Decode bytes as text: BOMs are honoured, UTF-8 is tried first.

    Text that is not UTF-8 is decoded with replacement characters and a
    warning, unless so much of it is undecodable that it is not text at all.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return DecodedText(text=data.decode(encoding, errors="replace"), encoding=encoding)
    if looks_binary(data):
        raise InputError(
            f"{where}: looks like a binary file, not text; give veracity .txt, .html or .jsonl"
        )
    try:
        return DecodedText(text=data.decode("utf-8"), encoding="utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    if replaced / max(len(text), 1) > _MAX_REPLACEMENT_SHARE:
        # Not UTF-8: a legacy single-byte page (Windows-1252 is what browsers assume).
        text = data.decode("cp1252", errors="replace")
        return DecodedText(
            text=text,
            encoding="cp1252",
            warnings=[f"{where}: not UTF-8; read as Windows-1252 (save it as UTF-8 to be sure)"],
        )
    return DecodedText(
        text=text,
        encoding="utf-8",
        warnings=[f"{where}: {replaced} undecodable byte(s) replaced with U+FFFD"],
    )


def looks_binary(data: bytes) -> bool:
    """True for data with NUL bytes or many control characters in its first 8 KiB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte in _CONTROL_BYTES)
    return controls / max(len(head), 1) > 0.05


def read_text(path: Path, *, max_bytes: int) -> DecodedText:
    """Read a text file for a loader: size limit, emptiness, binary and encoding checks."""
    decoded = decode(read_bytes(path, max_bytes=max_bytes), where=str(path))
    if not decoded.text.strip():
        raise InputError(f"{path}: the file holds only whitespace; remove it or add the article")
    return decoded
