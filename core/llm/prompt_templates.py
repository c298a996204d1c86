"""Prompt templates: files in ``prompts/`` that a user can override with ``--prompts DIR``.

A prompt file has a front matter with its ``version`` (part of the LLM cache
key, so a changed prompt never reuses old answers), then a ``## system``
and a ``## user`` section, both Jinja2 templates.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, StrictUndefined, Template
from pydantic import BaseModel

from veracity.errors import ConfigurationError
from veracity.llm.messages import ChatMessage

_FRONT_MATTER = re.compile(r"\A---\n(?P<header>.*?)\n---\n", re.DOTALL)
_SECTION = re.compile(r"^## (system|user)[ \t]*$", re.MULTILINE)
_ENVIRONMENT = Environment(
    undefined=StrictUndefined, keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True
)


class Prompt(BaseModel):
    """A prompt template and its version."""

    name: str
    version: str
    system: str
    user: str
    origin: str

    @property
    def cache_version(self) -> str:
        """What the LLM cache keys on: the name, the version and the text itself."""
        return f"{self.name}@{self.version}"

    def render(self, **variables: object) -> list[ChatMessage]:
        """The chat messages for these variables."""
        return [
            ChatMessage.system(_compiled(self.system).render(**variables).strip()),
            ChatMessage.user(_compiled(self.user).render(**variables).strip()),
        ]


@lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    # Compiling a template costs milliseconds and a run renders the same few thousands of times.
    return _ENVIRONMENT.from_string(source)


def parse_prompt(name: str, text: str, *, origin: str) -> Prompt:
    """Parse a prompt file's text; :class:`ConfigurationError` names what is missing."""
    header = _FRONT_MATTER.match(text)
    if header is None:
        raise ConfigurationError(f"{origin}: a prompt starts with '---', 'version: N', '---'")
    version = ""
    for line in header.group("header").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "version":
            version = value.strip()
    if not version:
        raise ConfigurationError(f"{origin}: the front matter needs a 'version: N' line")
    body = text[header.end() :]
    parts = _SECTION.split(body)
    sections = {parts[index]: parts[index + 1].strip("\n") for index in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"}:
        raise ConfigurationError(f"{origin}: a prompt needs a '## system' and a '## user' section")
    return Prompt(
        name=name, version=version, system=sections["system"], user=sections["user"], origin=origin
    )


def load_prompt(name: str, directory: Path | None = None) -> Prompt:
    """The prompt ``name`` from ``directory`` when it has one, else the built-in one."""
    if directory is not None:
        override = directory / f"{name}.md"
        if override.is_file():
            return parse_prompt(name, override.read_text(encoding="utf-8"), origin=str(override))
    packaged = resources.files("veracity.prompts").joinpath(f"{name}.md")
    return parse_prompt(
        name, packaged.read_text(encoding="utf-8"), origin=f"veracity.prompts/{name}.md"
    )


def delimit(tag: str, text: str, **attributes: str) -> str:
    """Wrap article text in a tag the model is told holds only data.

    A closing tag inside the text is broken up so that an article cannot end
    its own delimiter and speak as the instructions; attribute values (a
    document id) are escaped so that they cannot close the opening tag.
    """
    safe = fence_text(tag, text)
    rendered = " ".join(f'{key}="{attribute_value(value)}"' for key, value in attributes.items())
    return f"<{tag} {rendered}>\n{safe}\n</{tag}>" if rendered else f"<{tag}>\n{safe}\n</{tag}>"


def fence_text(tag: str, text: str) -> str:
    """``text`` with every closing ``tag`` in it broken up, to go inside that fence."""
    return re.sub(rf"</\s*{tag}", f"</ {tag}", text, flags=re.IGNORECASE)


def attribute_value(value: str) -> str:
    """``value`` escaped to stand inside a double-quoted attribute on one line."""
    return html.escape(value, quote=True).replace("\n", "&#10;").replace("\r", "&#13;")
