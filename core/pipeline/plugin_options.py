"""Options that plugins add to ``veracity run`` and to the config file.

A plugin declares its options with the ``veracity_register_options`` hook, each
a :class:`PluginOption` named ``<plugin>.<key>`` ("units.tolerance"). The CLI
adds ``--units-tolerance`` to ``veracity run``; the config file may set it as
``tolerance`` in a ``[plugins.units]`` table. The value chosen (the command line,
else the config file, else the option's default) reaches every hook as
``context.settings.plugin_options["units.tolerance"]``; the Python API sets the
same dictionary on :class:`veracity.Settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veracity.errors import ConfigurationError
from veracity.llm.settings import read_config_table
from veracity.pipeline.option_spec import OptionType, OptionValue, PluginOption

if TYPE_CHECKING:
    from veracity.pipeline.plugin_manager import PluginManager

#: The config file's table of plugin settings: ``[plugins.<plugin>]``.
CONFIG_TABLE = "plugins"


@dataclass
class DeclaredOptions:
    """The options of every registered plugin, and what went wrong declaring them."""

    by_plugin: dict[str, list[PluginOption]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def options(self) -> list[PluginOption]:
        """Every declared option, sorted by name."""
        return sorted(
            (option for options in self.by_plugin.values() for option in options),
            key=lambda option: option.name,
        )


def collect_options(manager: PluginManager) -> DeclaredOptions:
    """Ask every plugin for its options.

    Plugins are asked in name order, so that when two declare the same option
    name the same one wins on every machine; the other gets a warning. A plugin
    that raises or returns something else than a list of :class:`PluginOption`
    is a warning too, never a dead command line.
    """
    declared = DeclaredOptions()
    seen: dict[str, str] = {}
    calls = sorted(manager.call_each("veracity_register_options"), key=lambda pair: pair[0])
    for plugin, call in calls:
        try:
            result = call()
        except Exception as error:  # a broken plugin must not stop `veracity run`
            declared.warnings.append(
                f"plugin {plugin!r} failed in veracity_register_options: "
                f"{type(error).__name__}: {error}"
            )
            continue
        if result is None:
            continue
        if not isinstance(result, list) or not all(isinstance(o, PluginOption) for o in result):
            declared.warnings.append(
                f"plugin {plugin!r} returned {type(result).__name__} from "
                "veracity_register_options, not list[PluginOption]; its options are ignored"
            )
            continue
        for option in result:
            if option.name in seen:
                declared.warnings.append(
                    f"plugin {plugin!r} declares option {option.name!r}, which plugin "
                    f"{seen[option.name]!r} declares already; ignored"
                )
                continue
            seen[option.name] = plugin
            declared.by_plugin.setdefault(plugin, []).append(option)
    return declared


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"units": {"tolerance": 0.1}}`` as ``{"units.tolerance": 0.1}``."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def read_plugin_config(
    config_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ``[plugins]`` table of the config file, flattened to dotted names.

    The file is the one the LLM settings are read from: ``config_file``
    (``--config``), else ``$VERACITY_CONFIG``, else the default config path
    when that file exists. ``{}`` when there is no file or no such table.

    :raises ConfigurationError: a named file that is missing or not TOML.
    """
    env = os.environ if environ is None else environ
    _, table = read_config_table(CONFIG_TABLE, config_file, env)
    return _flatten(table)


def resolve_options(
    declared: Sequence[PluginOption],
    given: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
) -> dict[str, OptionValue | None]:
    """The value of every declared option: given (command line), else config, else default.

    Config keys of a plugin that is not loaded are ignored (it may be disabled
    for this run); an unknown key of a loaded plugin is an error, because it is
    most likely a typo that would otherwise be silently ignored.

    :raises ConfigurationError: an unknown key of a loaded plugin, or a value of the wrong type.
    """
    given = given or {}
    config = config or {}
    by_name = {option.name: option for option in declared}
    plugins = {option.plugin for option in declared}
    for key in sorted(config):
        if key.split(".", 1)[0] in plugins and key not in by_name:
            known = ", ".join(
                name for name in sorted(by_name) if name.startswith(key.split(".")[0])
            )
            raise ConfigurationError(
                f"unknown plugin setting {key!r} in [{CONFIG_TABLE}]; known: {known}"
            )
    values: dict[str, OptionValue | None] = {}
    for option in declared:
        try:
            if given.get(option.name) is not None:
                values[option.name] = option.convert(given[option.name])
            elif option.name in config:
                values[option.name] = option.convert(config[option.name])
            else:
                values[option.name] = option.default
        except ValueError as error:
            raise ConfigurationError(str(error)) from None
    return values


__all__ = [
    "CONFIG_TABLE",
    "DeclaredOptions",
    "OptionType",
    "OptionValue",
    "PluginOption",
    "collect_options",
    "read_plugin_config",
    "resolve_options",
]
