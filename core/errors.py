"""Errors veracity raises on purpose, each with a one-line message for a person."""

from __future__ import annotations


class VeracityError(Exception):
    """Base class of the errors veracity raises on purpose."""


class InputError(VeracityError):
    """An input cannot be read: says what, where, and how to fix it."""


class ConfigurationError(VeracityError):
    """The settings are inconsistent or name something that does not exist."""


class PluginError(VeracityError):
    """A plugin failed, returned the wrong type or took too long."""

    def __init__(self, plugin: str, hook: str, message: str) -> None:
        super().__init__(f"plugin {plugin!r} failed in {hook}: {message}")
        self.plugin = plugin
        self.hook = hook
