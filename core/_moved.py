"""Old import paths of modules that moved into the layer packages, kept for a while.

``import veracity.dates`` still works and gives :mod:`veracity.text.dates` itself
(the same module object, so monkeypatching either name patches both), with a
:class:`DeprecationWarning` that names the new path. The list is in CHANGELOG.md.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

#: Old module path -> new module path.
MOVED_MODULES: dict[str, str] = {
    "veracity.alignment": "veracity.comparison.alignment",
    "veracity.boilerplate": "veracity.text.boilerplate",
    "veracity.chunking": "veracity.llm.chunking",
    "veracity.context": "veracity.pipeline.context",
    "veracity.dates": "veracity.text.dates",
    "veracity.discovery": "veracity.inputs.discovery",
    "veracity.endpoint": "veracity.cli.endpoint",
    "veracity.hookdocs": "veracity.pipeline.hookdocs",
    "veracity.hookspecs": "veracity.pipeline.hookspecs",
    "veracity.names": "veracity.text.names",
    "veracity.output": "veracity.cli.output",
    "veracity.plugin_manager": "veracity.pipeline.plugin_manager",
    "veracity.plugin_options": "veracity.pipeline.plugin_options",
    "veracity.progress": "veracity.cli.progress",
    "veracity.prompt_templates": "veracity.llm.prompt_templates",
    "veracity.quantities": "veracity.text.quantities",
    "veracity.quote_matching": "veracity.text.quote_matching",
    "veracity.quotes": "veracity.text.quotes",
    "veracity.reading": "veracity.inputs.reading",
    "veracity.segmentation": "veracity.text.segmentation",
    "veracity.truth_discovery": "veracity.scoring.truth_discovery",
}


class _MovedModuleLoader(importlib.abc.Loader):
    def __init__(self, new_name: str) -> None:
        self.new_name = new_name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} moved to {self.new_name}; import it from there "
            "(the old path will be removed in a future release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module(self.new_name)

    def exec_module(self, module: ModuleType) -> None:
        # The module is the new one, already executed: running it again would reset it.
        return None


class _MovedModuleFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        new_name = MOVED_MODULES.get(fullname)
        if new_name is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _MovedModuleLoader(new_name))


def install() -> None:
    """Make the old module paths importable (once per process)."""
    if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedModuleFinder())
