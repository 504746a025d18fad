"""What a report notebook calls for its tables: read those ``kpitools report`` scored, or score now.

Kept apart from :mod:`kpitools.pack.tables` so that reading stored tables never imports the
scoring (pandera, the loaders) and the scoring never imports this.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kpitools.pack.tables import PackTables

__all__ = ["load_or_build_tables"]


def load_or_build_tables(
    tables_dir: str | Path = "",
    data_dir: str | Path = "",
    authority: str = "",
    period: str = "latest",
    comparators: Sequence[str] = (),
    indicators: Sequence[str] = (),
) -> PackTables:
    """For notebooks: read the tables ``kpitools report`` scored, or score them now (JupyterLab)."""
    if tables_dir:
        tables = PackTables.read(tables_dir)
        if indicators and not set(tables.meta.get("indicators") or ["?"]) <= set(indicators):
            tables = tables.only(indicators)
        return tables
    from kpitools.ingest.loaders import load_dataset
    from kpitools.pack.build import build_tables

    ds = load_dataset(data_dir or None)
    return build_tables(ds, authority or ds.settings.demo_authority or "", period, comparators, indicators)
