"""The old flat module names (``kpitools.scoring``, ``kpitools.report`` ...), kept for one release so
that analysts' own notebooks keep working. Each import warns with the new name; the package's own
code and tests never use them (tests/test_layers.py checks).

To drop them: delete this module and its two lines in ``kpitools/__init__.py``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

MOVED: dict[str, tuple[str, ...]] = {
    "errors": ("kpitools.core.errors",),
    "values": ("kpitools.core.values",),
    "periods": ("kpitools.core.periods",),
    "config": ("kpitools.core.config",),
    "authorities": ("kpitools.core.authorities",),
    "imports": ("kpitools.core.imports",),
    "schemas": ("kpitools.ingest.schemas",),
    "loaders": ("kpitools.ingest.loaders",),
    "scoring": ("kpitools.score.scoring",),
    "benchmarks": ("kpitools.score.benchmarks",),
    "summary": ("kpitools.score.summary",),
    "text": ("kpitools.score.text",),
    "tables": ("kpitools.pack.tables", "kpitools.pack.load"),
    "disclosure": ("kpitools.pack.disclosure",),
    "page": ("kpitools.present.page",),
    "charts": ("kpitools.present.charts",),
    "render": ("kpitools.present.render",),
    "sections": ("kpitools.present.sections",),
    "report": (
        "kpitools.publish.packs",
        "kpitools.publish.export",
        "kpitools.publish.kernels",
        "kpitools.core.files",
        "kpitools.core.provenance",
        "kpitools.present",
    ),
    "pdf": ("kpitools.publish.pdf",),
    "runner": ("kpitools.run.runner",),
    "schedule": ("kpitools.run.schedule",),
}


def _proxy(name: str, targets: tuple[str, ...]) -> types.ModuleType:
    """A module that finds each name in the first new module that has it."""
    mod = types.ModuleType(name, f"Moved: see {', '.join(targets)}.")

    def __getattr__(attr: str) -> Any:
        for target in targets:
            module = importlib.import_module(target)
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"{name} (now {', '.join(targets)}) has no attribute {attr!r}")

    def __dir__() -> list[str]:
        return sorted({a for t in targets for a in dir(importlib.import_module(t))})

    mod.__getattr__ = __getattr__  # type: ignore[method-assign]
    mod.__dir__ = __dir__  # type: ignore[method-assign]
    return mod


class _OldNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, _path: Any = None, _target: Any = None) -> importlib.machinery.ModuleSpec | None:
        prefix, _, old = fullname.partition(".")
        if prefix == "kpitools" and old in MOVED:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        targets = MOVED[spec.name.partition(".")[2]]
        warnings.warn(
            f"{spec.name} has moved to {' / '.join(targets)}; the old name will be removed in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return _proxy(spec.name, targets)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def install() -> None:
    if not any(isinstance(f, _OldNames) for f in sys.meta_path):
        sys.meta_path.append(_OldNames())
