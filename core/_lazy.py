"""Packages whose names are imported on first use (PEP 562), shared by ``veracity`` and
``veracity.llm``: importing either stays light, so a process that needs one small module
(the command's signal handling, a Ray actor) does not load the pipeline with it."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, MutableMapping
from typing import Any


def lazy_exports(
    package: str,
    exports: dict[str, str],
    namespace: MutableMapping[str, Any],
    *,
    not_submodules: Collection[str] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a lazy package.

    :param package: the package's name (``__name__``).
    :param exports: each exported name and the module that defines it.
    :param namespace: the package's ``globals()``: a name, once imported, is stored there,
        so later look-ups are plain attribute reads.
    :param not_submodules: module names that are not to be imported as attributes (old
        paths kept as aliases, which would warn).
    """

    def __getattr__(name: str) -> Any:
        """An exported name, imported from its module the first time it is asked for; or a
        submodule, as an eager package would have had it loaded."""
        module_name = exports.get(name)
        if module_name is not None:
            value = getattr(importlib.import_module(module_name), name)
            namespace[name] = value
            return value
        submodule = f"{package}.{name}"
        if not name.startswith("_") and submodule not in not_submodules:
            try:
                return importlib.import_module(submodule)
            except ModuleNotFoundError as error:
                if error.name != submodule:
                    raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        public = (name for name in namespace if not name.startswith("_"))
        return sorted({*public, *namespace.get("__all__", ())})

    return __getattr__, __dir__
