"""What callers send to the model and what a plain chat call gives back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..models import LLMUsage

Role = Literal["system", "user", "assistant"]


class ChatMessage(BaseModel):
    """One message of a chat conversation, in OpenAI's roles."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str

    @classmethod
    def system(cls, content: str) -> ChatMessage:
        """A system message: instructions the model should follow."""
        return cls(role="system", content=content)

    @classmethod
    def user(cls, content: str) -> ChatMessage:
        """A user message: the task and its material."""
        return cls(role="user", content=content)

    @classmethod
    def assistant(cls, content: str) -> ChatMessage:
        """An assistant message: an earlier answer of the model."""
        return cls(role="assistant", content=content)


class ChatResult(BaseModel):
    """The answer of a plain chat call.

    ``finish_reason == "length"`` means the answer was cut off at
    ``max_tokens``: check :attr:`truncated` before treating ``text`` as whole.
    """

    text: str = Field(description="The model's answer.")
    finish_reason: str | None = Field(description="Why the model stopped: stop, length...")
    model: str | None = Field(default=None, description="Model name the server reported.")
    refusal: str | None = Field(default=None, description="The model's refusal, if it refused.")
    cached: bool = Field(default=False, description="True when the answer came from the cache.")
    usage: LLMUsage = Field(default_factory=LLMUsage, description="What this call cost.")

    @property
    def truncated(self) -> bool:
        """True when the answer stopped at the token limit, not where the model ended it."""
        return self.finish_reason == "length"
