"""The declaration of one plugin option: a ``veracity run`` flag and a config-file key.

Kept apart from :mod:`veracity.pipeline.plugin_options` (which asks the plugin
manager for options and resolves their values) so that the hook specs can name
:class:`PluginOption` without importing the plugin manager that imports them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

OptionType = Literal["str", "int", "float", "bool"]
OptionValue = str | int | float | bool
_PYTHON_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}
# Dotted lower-case words: the plugin's name first, so that two plugins cannot clash.
NAME_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"


class PluginOption(BaseModel):
    """One option a plugin adds: a ``veracity run`` flag and a config-file key."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(
        pattern=NAME_PATTERN,
        description="'<plugin>.<key>', e.g. 'units.tolerance'; the flag is --units-tolerance.",
    )
    type: OptionType = Field(default="str", description="str, int, float or bool (a flag).")
    default: OptionValue | None = Field(
        default=None, description="Value when neither the command line nor the config sets one."
    )
    help: str = Field(min_length=1, description="One line for `veracity run --help`.")

    @model_validator(mode="before")
    @classmethod
    def _flags_default_to_off(cls, data: Any) -> Any:
        # A bool option is a flag, off unless given: None would make "unset" and "off" differ.
        if isinstance(data, dict) and data.get("type") == "bool" and data.get("default") is None:
            return {**data, "default": False}
        return data

    @model_validator(mode="after")
    def _default_has_the_type(self) -> PluginOption:
        if self.default is not None:
            self.convert(self.default)
        return self

    @property
    def flag(self) -> str:
        """The command-line flag: ``units.tolerance`` is ``--units-tolerance``."""
        return "--" + self.name.replace(".", "-").replace("_", "-")

    @property
    def plugin(self) -> str:
        """The part of the name before the first dot: the config table it is read from."""
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        """The name within the plugin's config table: ``tolerance``."""
        return self.name.split(".", 1)[1]

    def convert(self, value: Any) -> OptionValue:
        """``value`` as this option's type; a ``ValueError`` naming the option otherwise.

        An int is accepted for a float ("tolerance = 1" in TOML); nothing else is
        coerced, so that a quoted ``"0.1"`` in a config file is reported, not guessed at.
        """
        expected = _PYTHON_TYPES[self.type]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        # bool is a subclass of int: True must not pass for an int option.
        wrong_bool = expected is int and isinstance(value, bool)
        if (
            isinstance(value, (str, int, float, bool))
            and isinstance(value, expected)
            and not wrong_bool
        ):
            return value
        raise ValueError(
            f"option {self.name} takes a {self.type}, not {type(value).__name__} {value!r}"
        )
