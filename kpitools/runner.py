"""Run a quarterly pack end to end: load and validate, score once, execute the notebooks, publish.

The notebooks only read the scored tables (``PackTables``) from ``data/processed/packs/...``, so the
scoring runs once per pack however many notebooks there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .authorities import resolve
from .config import REPORT_NOTEBOOKS, Paths
from .errors import ConfigError
from .loaders import Dataset, load_dataset
from .pack import build_tables, write_scorecard
from .report import _safe_name, build_pack, pack_path


def run_pack(authority: str | None = None, period: str = "latest", data_dir: str | Path | None = None,
             comparators: Sequence[str] = (), indicators: Sequence[str] = (), outputs: str | Path | None = None,
             dataset: Dataset | None = None, notebooks: Sequence[str] = REPORT_NOTEBOOKS,
             notebooks_dir: Path | None = None) -> Path:
    """Build one authority's pack for one period and return the published folder.

    Raises
    ------
    InputError
        Bad input: nothing is written.
    ReportError
        A notebook failed: the previous pack is untouched; the failed notebook is kept.
    """
    paths = Paths.from_data_dir(data_dir, outputs)
    # processed tables are the project's own data/raw's: a --data-dir elsewhere must not overwrite them
    ds = dataset or load_dataset(data_dir, write_processed=data_dir is None)
    authority = authority or ds.settings.demo_authority
    if not authority:
        raise ConfigError("name the authority (--authority), or set demo_authority in settings.yaml")
    la = resolve(authority)
    tables = build_tables(ds, la.code, period, comparators, indicators)
    period_label = tables.meta["period"]
    tables_dir = paths.processed / "packs" / _safe_name(la.name) / _safe_name(period_label)
    tables.write(tables_dir)
    stem = f"scorecard_{la.slug}_{_safe_name(period_label)}"
    csv = write_scorecard(tables.scorecard, tables.meta, tables_dir / f"{stem}.csv")
    json_file = write_scorecard(tables.scorecard, tables.meta, tables_dir / f"{stem}.json")
    parameters = {
        "authority": la.code, "period": period_label, "comparators": [c for c in tables.meta["comparator_codes"]],
        "indicators": list(indicators), "tables_dir": str(tables_dir), "data_dir": str(paths.raw),
    }
    result = build_pack(pack_path(paths.outputs, la.name, period_label),
                        [(notebooks_dir or paths.notebooks) / f"{n}.ipynb" for n in notebooks], parameters,
                        meta=tables.meta, summary=tables.summary, attachments=[csv, json_file])
    return result.path
