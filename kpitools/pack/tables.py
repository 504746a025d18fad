"""The scored tables of one pack, as the report notebooks read them.

This module is deliberately light: a report notebook's kernel imports it (with :mod:`kpitools.present.page`
and :mod:`kpitools.present.sections`) and never pandas unless a notebook asks for a table. A pack built by
``kpitools report`` or ``kpitools run`` stores every section already rendered (``sections.json``),
so its notebooks only place them and read no table at all; the tables themselves (Parquet) are read
on first use, as the exploration notebook does. Scoring lives in :mod:`kpitools.pack.build`;
:func:`kpitools.pack.load.load_or_build_tables` only imports it when a notebook is run by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from kpitools.core.files import publish_permissions, temp_dir

if TYPE_CHECKING:
    import pandas as pd

FRAME_NAMES = ("scorecard", "summary", "history", "benchmarks", "comparison")
# The scorecard's columns that hold a figure in the indicator's unit (the files write them at the
# indicator's precision); the target's among them (publication never withholds a target).
TARGET_COLUMNS = ("target", "target_annual", "lower", "upper")
FIGURE_COLUMNS = (
    "value",
    *TARGET_COLUMNS,
    "previous_value",
    "last_year_value",
    "published_value",
    "london",
    "england",
    "sn_mean",
    "comparator_mean",
)
SECTIONS_FILE = "sections.json"


class InputRecord(TypedDict):
    """One input file of the pack, as its provenance lists it."""

    path: str
    sha256: str


class PackMeta(TypedDict, total=False):
    """What a pack says about itself (``PackTables.meta``, ``meta.json``): what the notebooks walk
    without reading a table, the page titles and the provenance. See docs/DESIGN.md."""

    authority_code: str
    authority_old_code: str
    authority_name: str
    region_name: str
    period: str  # "2025-26 Q2"
    period_label: str  # "July to September 2025"
    period_end: str  # ISO date
    committee: str
    illustrative: bool
    illustrative_note: str
    has_local_data: bool
    benchmark_only: bool  # no local figures for the period: a pack of published benchmarks only
    generated_at: str
    kpitools_version: str
    rag_scheme: str
    comparators: list[str]
    comparator_codes: list[str]
    indicators: list[str]  # ids in scorecard order
    indicator_titles: dict[str, str]
    benchmarked: list[str]  # ids with published figures
    inputs: list[InputRecord]
    summary_sentences: list[str]
    summary_sentence: str
    disclosure: dict[str, Any]  # set by kpitools.pack.disclosure for --publish
    # where each indicator's commentary came from: {indicator_id: {kind: [[file, row], ...]}}
    commentary_sources: dict[str, dict[str, list[list[Any]]]]
    period_kind: str  # "quarter", or "month" for a monthly pack
    late_indicators: list[str]  # ids whose figure is the latest available, older than the period
    missing_indicators: list[str]  # ids with no figure ("no data"), with the reason in the scorecard
    # indicators added to and removed from the framework since the period before:
    # {"since": "2025-26 Q1", "added": [{"indicator_id", "title", "reason"}], "removed": [...]}
    framework_changes: dict[str, Any]


def _empty_frame() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame()


@dataclass
class PackTables:
    """Everything one authority's pack for one period shows (see docs/DESIGN.md).

    ``sections`` holds the pack's sections already rendered as accessible HTML, by kind and then
    by indicator id (``""`` for a section of the whole pack): see :mod:`kpitools.present.sections`. It is
    empty when the tables were scored in the notebook itself; the notebook then draws as it goes.

    Examples
    --------
    >>> import pandas as pd
    >>> t = PackTables(meta={"indicators": ["CSC01"]}, scorecard=pd.DataFrame({"indicator_id": ["CSC01"]}),
    ...                summary=pd.DataFrame(), history=pd.DataFrame(), benchmarks=pd.DataFrame())
    >>> t.sections, len(t.comparison)
    ({}, 0)
    """

    meta: PackMeta
    scorecard: pd.DataFrame
    summary: pd.DataFrame
    history: pd.DataFrame
    benchmarks: pd.DataFrame
    comparison: pd.DataFrame = field(default_factory=_empty_frame)
    sections: dict[str, dict[str, str]] = field(default_factory=dict)

    def write(self, folder: str | Path) -> Path:
        """Write as Parquet, ``meta.json`` and ``sections.json`` into ``folder``, replacing what
        was there only when complete."""
        folder = Path(folder)
        tmp = temp_dir(f".{folder.name}-", folder.parent)
        for name in FRAME_NAMES:
            getattr(self, name).to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "meta.json").write_text(json.dumps(self.meta, indent=2, default=str), encoding="utf-8")
        (tmp / SECTIONS_FILE).write_text(json.dumps(self.sections), encoding="utf-8")
        if not folder.is_dir():
            folder.mkdir()
            publish_permissions(folder)
        for f in tmp.iterdir():
            os.replace(f, folder / f.name)
        tmp.rmdir()
        return folder

    @classmethod
    def read(cls, folder: str | Path) -> PackTables:
        """Tables written by :meth:`write`. The metadata and sections are read now, each table
        on first use (tables written before sections were stored read as no sections)."""
        folder = Path(folder)
        tables = cls.__new__(cls)
        tables.meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        stored = folder / SECTIONS_FILE
        tables.sections = json.loads(stored.read_text(encoding="utf-8")) if stored.exists() else {}
        tables.__dict__["_folder"] = folder
        return tables

    def __getattr__(self, name: str) -> Any:
        # Reached only for an attribute not set: a table of a stored pack not read yet.
        folder = self.__dict__.get("_folder")
        if name in FRAME_NAMES and folder is not None:
            import pandas as pd

            path = folder / f"{name}.parquet"
            self.__dict__[name] = pd.read_parquet(path) if path.exists() else pd.DataFrame()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def only(self, indicators: Sequence[str]) -> PackTables:
        """The same pack with only ``indicators`` (ids): tables, counts and summary sentences are
        cut down; sections of the whole pack are dropped, to be drawn again from what is left."""
        from kpitools.score.summary import summarise, summary_sentences

        keep = set(indicators)
        frames = {}
        for name in FRAME_NAMES:
            df = getattr(self, name)
            frames[name] = (
                df[df["indicator_id"].isin(keep)].reset_index(drop=True) if "indicator_id" in df.columns else df
            )
        meta = self.meta.copy()
        if "indicators" in meta:
            meta["indicators"] = [i for i in meta["indicators"] if i in keep]
        for listed in ("benchmarked", "late_indicators", "missing_indicators"):
            if listed in meta:
                meta[listed] = [i for i in meta[listed] if i in keep]
        if "indicator_titles" in meta:
            meta["indicator_titles"] = {i: t for i, t in meta["indicator_titles"].items() if i in keep}
        if "status" in frames["scorecard"].columns:
            frames["summary"] = summarise(frames["scorecard"])
            meta["summary_sentences"] = summary_sentences(frames["scorecard"])
            meta["summary_sentence"] = meta["summary_sentences"][0]
        sections = {kind: {i: html for i, html in by_id.items() if i in keep} for kind, by_id in self.sections.items()}
        return PackTables(meta=meta, sections={k: v for k, v in sections.items() if v}, **frames)
