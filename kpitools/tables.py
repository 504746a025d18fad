"""The scored tables of one pack, as the report notebooks read them.

This module is deliberately light: a report notebook's kernel imports it (and :mod:`kpitools.render`)
and nothing that validates or scores, so that starting a notebook costs little more than starting
a kernel. Scoring lives in :mod:`kpitools.pack`; ``load_or_build_tables`` only imports it when a
notebook is run by hand without scored tables (in JupyterLab).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

TABLE_NAMES = ("scorecard", "summary", "history", "benchmarks", "comparison", "figures")
FIGURE_COLUMNS = ["kind", "indicator_id", "html"]


@dataclass
class PackTables:
    """Everything one authority's pack for one period shows (see docs/DESIGN.md).

    ``figures`` holds the pack's charts already rendered as accessible HTML (columns ``kind,
    indicator_id, html``; see :mod:`kpitools.figures`). It is empty when the tables were scored in
    the notebook itself; the notebook then draws the charts as it goes.
    """

    meta: dict
    scorecard: pd.DataFrame
    summary: pd.DataFrame
    history: pd.DataFrame
    benchmarks: pd.DataFrame
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    figures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FIGURE_COLUMNS))

    def write(self, folder: str | Path) -> Path:
        """Write as Parquet + ``meta.json`` into ``folder``, replacing what was there only when complete."""
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        for name in TABLE_NAMES:
            getattr(self, name).to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "meta.json").write_text(json.dumps(self.meta, indent=2, default=str), encoding="utf-8")
        folder.mkdir(exist_ok=True)
        for f in tmp.iterdir():
            os.replace(f, folder / f.name)
        tmp.rmdir()
        return folder

    @classmethod
    def read(cls, folder: str | Path) -> "PackTables":
        """Read tables written by :meth:`write` (tables written before figures existed read as no figures)."""
        folder = Path(folder)
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        frames = {n: pd.read_parquet(folder / f"{n}.parquet") for n in TABLE_NAMES
                  if (folder / f"{n}.parquet").exists()}
        return cls(meta=meta, **frames)


def load_or_build_tables(tables_dir: str | Path = "", data_dir: str | Path = "", authority: str = "",
                         period: str = "latest", comparators: Sequence[str] = (),
                         indicators: Sequence[str] = ()) -> PackTables:
    """For notebooks: read the tables ``kpitools report`` scored, or score them now (JupyterLab)."""
    if tables_dir:
        tables = PackTables.read(tables_dir)
        if indicators:
            keep = set(indicators)
            for name in ("scorecard", "history", "benchmarks", "comparison", "figures"):
                df = getattr(tables, name)
                if "indicator_id" in df.columns:
                    rows = df["indicator_id"].isin(keep) | (df["indicator_id"] == "") if name == "figures" \
                        else df["indicator_id"].isin(keep)
                    setattr(tables, name, df[rows].reset_index(drop=True))
        return tables
    from .loaders import load_dataset
    from .pack import build_tables

    ds = load_dataset(data_dir or None)
    return build_tables(ds, authority or ds.settings.demo_authority or "", period, comparators, indicators)
