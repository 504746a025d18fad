"""Pack: one authority's scored tables for one period, as the report notebooks read them.

:mod:`~kpitools.pack.build` scores a dataset into :class:`~kpitools.pack.tables.PackTables`
(scorecard, summary, history, benchmarks, comparison); :mod:`~kpitools.pack.disclosure`
withholds small numbers for publication; :mod:`~kpitools.pack.load` is what a notebook calls.

Below it: :mod:`kpitools.score`, :mod:`kpitools.ingest`, :mod:`kpitools.core`. The names below
are imported on first use, so ``import kpitools.pack.tables`` in a report kernel stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "PackTables": "kpitools.pack.tables",
    "load_or_build_tables": "kpitools.pack.load",
    "build_tables": "kpitools.pack.build",
    "write_scorecard": "kpitools.pack.build",
    "framework_ranks": "kpitools.pack.build",
    "scorecard": "kpitools.pack.build",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'kpitools.pack' has no attribute {name!r}")
