"""Building the plugin manager and calling plugins one by one.

Built-in plugins are registered by module name from ``DEFAULT_PLUGINS``;
third-party plugins come from the ``veracity`` entry-point group. Each entry
point is loaded on its own so that one broken install is a warning naming it,
not a dead command line.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from types import ModuleType
from typing import Any

import pluggy

from veracity.pipeline import hookspecs

ENTRY_POINT_GROUP = "veracity"
BUILTIN_PREFIX = "veracity.plugins."

DEFAULT_PLUGINS: tuple[str, ...] = (
    "veracity.plugins.text_loader",
    "veracity.plugins.html_loader",
    "veracity.plugins.jsonl_loader",
    "veracity.plugins.llm_summary",
    "veracity.plugins.extractive_summary",
    "veracity.plugins.llm_claims",
    "veracity.plugins.sentence_claims",
    "veracity.plugins.llm_check",
    "veracity.plugins.alignment_check",
    "veracity.plugins.name_check",
    "veracity.plugins.truth_score",
    "veracity.plugins.json_report",
    "veracity.plugins.markdown_report",
    "veracity.plugins.html_report",
)


@dataclass(frozen=True)
class PluginInfo:
    """One registered plugin as ``veracity plugins`` lists it."""

    name: str
    hooks: tuple[str, ...]
    origin: str = field(default="builtin")


@dataclass
class PluginManager:
    """veracity's pluggy manager plus what loading it reported."""

    pm: pluggy.PluginManager
    load_warnings: list[str] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)

    def register(self, plugin: object, name: str | None = None, *, origin: str = "api") -> str:
        """Register a plugin object or module; return the name it is known by."""
        plugin_name = name or self._free_name(_default_name(plugin))
        registered = self.pm.register(plugin, name=plugin_name)
        if registered is None:
            raise ValueError(f"plugin {plugin_name!r} is registered already or blocked")
        self.origins[registered] = origin
        return registered

    def _free_name(self, name: str) -> str:
        """``name``, or ``name-2``, ``name-3``... when it is taken."""
        candidate, number = name, 1
        while self.pm.has_plugin(candidate) or self.pm.is_blocked(candidate):
            number += 1
            candidate = f"{name}-{number}"
        return candidate

    def unregister(self, name: str) -> None:
        """Remove the plugin registered under ``name``."""
        self.pm.unregister(name=name)
        self.origins.pop(name, None)

    def plugins(self) -> list[PluginInfo]:
        """Every registered plugin with the hooks it implements, sorted by name."""
        hooks_by_plugin: dict[str, list[str]] = {}
        for hook_name in hookspecs.describe_hooks():
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                hooks_by_plugin.setdefault(impl.plugin_name, []).append(hook_name)
        return [
            PluginInfo(
                name=name,
                hooks=tuple(sorted(hooks_by_plugin.get(name, []))),
                origin=self.origins.get(name, "api"),
            )
            for name in sorted(
                name for name, plugin in self.pm.list_name_plugin() if plugin is not None
            )
        ]

    def implementations(self, hook_name: str) -> list[str]:
        """Names of the plugins implementing ``hook_name``, in the order pluggy would call them.

        Hook wrappers are left out: they run around each implementation.
        """
        impls = getattr(self.pm.hook, hook_name).get_hookimpls()
        return [
            impl.plugin_name for impl in reversed(impls) if not (impl.wrapper or impl.hookwrapper)
        ]

    def call_each(self, hook_name: str, **kwargs: Any) -> Iterator[tuple[str, Callable[[], Any]]]:
        """Each plugin's implementation of a hook, as a call to make on its own.

        Yields ``(plugin_name, call)``; ``call()`` returns that one plugin's
        result (or its coroutine) and the caller decides what an exception
        means. Wrappers registered for the hook run around every call.
        """
        names = self.implementations(hook_name)
        firstresult = bool(getattr(self.pm.hook, hook_name).spec.opts.get("firstresult"))
        for name in names:
            others = [self.pm.get_plugin(other) for other in names if other != name]
            caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
            yield name, partial(_call_single, caller, firstresult, kwargs)


def _call_single(caller: Callable[..., Any], firstresult: bool, kwargs: dict[str, Any]) -> Any:
    result = caller(**kwargs)
    if firstresult:
        return result
    # A merged hook returns a list of the results that were not None: here, at most one.
    return result[0] if result else None


def _default_name(plugin: object) -> str:
    module_name = getattr(plugin, "__name__", None)
    if isinstance(module_name, str):
        return module_name.removeprefix(BUILTIN_PREFIX)
    return type(plugin).__name__


def _allowed_entry_points() -> set[str] | None:
    """Names in ``VERACITY_LOAD_PLUGINS``; None when it is unset (load all)."""
    value = os.environ.get("VERACITY_LOAD_PLUGINS")
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    return sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def build_plugin_manager(
    extra_plugins: Iterable[object] = (),
    *,
    load_entry_points: bool = True,
    disabled: Iterable[str] = (),
    builtins: Iterable[str] | None = None,
) -> PluginManager:
    """The plugin manager for one run.

    :param extra_plugins: plugin objects or modules passed from the Python API.
    :param load_entry_points: also load third-party plugins installed under
        the ``veracity`` entry-point group (``VERACITY_LOAD_PLUGINS`` narrows
        them to a comma-separated allow-list).
    :param disabled: plugin names not to register (``--disable-plugin``).
    :param builtins: short names of the built-in plugins to register (such as
        ``("sentence_claims", "alignment_check")``); None registers all of
        ``DEFAULT_PLUGINS``. Plugin tests use it to run a plugin with only the
        built-ins it works with.
    :raises ValueError: a name in ``builtins`` that is not a built-in plugin.
    """
    pm = pluggy.PluginManager("veracity")
    pm.add_hookspecs(hookspecs)
    manager = PluginManager(pm)
    blocked = set(disabled)
    for name in blocked:
        pm.set_blocked(name)
    chosen = _chosen_builtins(builtins)
    for module_name in DEFAULT_PLUGINS:
        short_name = module_name.removeprefix(BUILTIN_PREFIX)
        if short_name in blocked or short_name not in chosen:
            continue
        module: ModuleType = importlib.import_module(module_name)
        manager.register(module, short_name, origin="builtin")
    if load_entry_points:
        _load_entry_points(manager, blocked)
    for plugin in extra_plugins:
        if _default_name(plugin) not in blocked:
            manager.register(plugin, origin="api")
    return manager


def builtin_names() -> list[str]:
    """The short names of the built-in plugins, in registration order."""
    return [module_name.removeprefix(BUILTIN_PREFIX) for module_name in DEFAULT_PLUGINS]


def _chosen_builtins(builtins: Iterable[str] | None) -> set[str]:
    known = builtin_names()
    if builtins is None:
        return set(known)
    chosen = set(builtins)
    unknown = sorted(chosen - set(known))
    if unknown:
        raise ValueError(
            f"no built-in plugin named {', '.join(map(repr, unknown))}; choose from {', '.join(known)}"
        )
    return chosen


def _load_entry_points(manager: PluginManager, blocked: set[str]) -> None:
    allowed = _allowed_entry_points()
    for entry_point in _entry_points():
        if entry_point.name in blocked or (allowed is not None and entry_point.name not in allowed):
            continue
        if manager.pm.get_plugin(entry_point.name) is not None:
            continue
        try:
            plugin = entry_point.load()
            origin = "entry point"
            if entry_point.dist is not None:
                origin = f"{entry_point.dist.name} {entry_point.dist.version}"
            manager.register(plugin, entry_point.name, origin=origin)
        except Exception as error:  # a broken third-party install must not stop the tool
            manager.load_warnings.append(
                f"plugin {entry_point.name!r} ({entry_point.value}) failed to load and was "
                f"skipped: {type(error).__name__}: {error}"
            )
