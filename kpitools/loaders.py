"""Load and validate everything under a data folder laid out like ``data/raw``.

``load_dataset`` reads every input, collects every problem (file, row, column, what was expected)
and raises one :class:`~kpitools.errors.InputError` before anything is scored or written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import schemas
from .authorities import resolve_codes
from .config import Paths, Settings, load_settings
from .errors import InputError, Problem
from .periods import parse_periods
from .values import EXPECTED_VALUE, parse_values

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
_FREQUENCY_KIND = {"monthly": "month", "quarterly": "quarter", "biannual": "quarter", "annual": "year"}


@dataclass
class RawTable:
    """A table as read: every cell text, ``first_row`` the sheet row of the first data row."""

    path: Path
    frame: pd.DataFrame
    first_row: int = 2


@dataclass
class Dataset:
    """Everything the scoring needs, validated and typed."""

    paths: Paths
    settings: Settings
    indicators: pd.DataFrame
    targets: pd.DataFrame
    values: pd.DataFrame
    commentary: pd.DataFrame
    benchmarks: pd.DataFrame
    neighbours: pd.DataFrame
    inputs: list[dict] = field(default_factory=list)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve().parent))
    except ValueError:
        return str(path)


def _clean_header(columns) -> list[str]:
    return [re.sub(r"\s+", "_", str(c).replace("\ufeff", "").strip().lower()) for c in columns]


def read_table(path: Path, root: Path, expect: tuple[str, ...] = ()) -> tuple[RawTable | None, list[Problem]]:
    """Read a CSV (UTF-8, or Windows-1252 as Excel saves it) or the first sheet of an XLSX.

    For a spreadsheet whose table does not start on row 1 (a title above it), the header row is
    the first of the top 20 rows holding the ``expect`` columns.
    """
    name = _display(path, root)
    if path.stat().st_size == 0:
        return None, [Problem(name, None, None, None, "a table with a header row; the file is empty")]
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            grid = pd.read_excel(path, sheet_name=0, header=None, dtype=str, keep_default_na=False)
            grid = grid.fillna("")
            header_at = 0
            if expect:
                for i in range(min(20, len(grid))):
                    cells = set(_clean_header(grid.iloc[i].tolist()))
                    if set(expect) <= cells:
                        header_at = i
                        break
            if grid.empty:
                return None, [Problem(name, None, None, None, "a table on the first sheet; the sheet is empty")]
            frame = grid.iloc[header_at + 1:].reset_index(drop=True)
            frame.columns = _clean_header(grid.iloc[header_at].tolist())
            frame = frame.loc[:, [c != "" and not c.startswith("unnamed") for c in frame.columns]]
            frame = frame[~(frame == "").all(axis=1)] if not frame.empty else frame
            frame = frame.reset_index(drop=True) if frame.index.equals(pd.RangeIndex(len(frame))) else frame
            return RawTable(path, frame.astype(str), header_at + 2), []
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="strict")
        import io
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except UnicodeDecodeError:
        return None, [Problem(name, None, None, None, "a CSV file saved as UTF-8 (or Windows-1252)")]
    except pd.errors.EmptyDataError:
        return None, [Problem(name, None, None, None, "a table with a header row; the file is empty")]
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        return None, [Problem(name, int(m.group(1)) if m else None, None, None,
                              f"the same number of cells on every row as in the header ({exc})")]
    except Exception as exc:  # a corrupt workbook, a locked file...
        return None, [Problem(name, None, None, None, f"a readable CSV or XLSX file ({type(exc).__name__}: {exc})")]
    frame.columns = _clean_header(frame.columns)
    dup = [c for c in frame.columns if re.search(r"\.\d+$", c) and c.rsplit(".", 1)[0] in frame.columns]
    problems = [Problem(name, 1, d.rsplit(".", 1)[0], None, "each column name only once in the header") for d in dup]
    return RawTable(path, frame, 2), problems


def _tables_under(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES
                  and not p.name.startswith(("~$", ".")))


def _checked_tables(paths: Paths, folder: Path, schema, problems: list[Problem], inputs: list[Path]):
    """Each table under ``folder`` whose header satisfies ``schema`` (cell problems are collected,
    a table with a missing column is skipped after its problem is recorded)."""
    expect = tuple(name for name, col in schema.columns.items() if col.required)
    for path in _tables_under(folder):
        inputs.append(path)
        table, found = read_table(path, paths.raw, expect=expect)
        problems += found
        if table is None:
            continue
        name = _display(path, paths.raw)
        schema_problems = schemas.check(table.frame, schema, name, table.first_row)
        problems += schema_problems
        if not any(p.row == 1 for p in schema_problems):
            yield table, name


def _rows(table: RawTable, mask: pd.Series) -> pd.Series:
    return (mask[mask].index.to_series() + table.first_row).astype(int)


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.astype(str).str.strip().str.rstrip("%").replace("", np.nan), errors="coerce")


# -- framework -------------------------------------------------------------------------------------

def load_indicators(paths: Paths, problems: list[Problem], inputs: list[Path]) -> pd.DataFrame:
    path = paths.framework / "indicators.csv"
    if not path.exists():
        problems.append(Problem(_display(path, paths.raw), None, None, None,
                                "the indicator framework file (framework/indicators.csv)"))
        return pd.DataFrame(columns=list(schemas.INDICATORS.columns))
    inputs.append(path)
    table, found = read_table(path, paths.raw)
    problems += found
    if table is None:
        return pd.DataFrame(columns=list(schemas.INDICATORS.columns))
    name = _display(path, paths.raw)
    problems += schemas.check(table.frame, schemas.INDICATORS, name, table.first_row)
    df = table.frame.copy()
    for col in schemas.INDICATORS.columns:
        if col not in df:
            df[col] = ""
    for col in ("polarity", "frequency", "measure", "unit"):
        df[col] = df[col].str.strip().str.lower()
    df["indicator_id"] = df["indicator_id"].str.strip()
    df["decimals"] = pd.to_numeric(df["decimals"], errors="coerce").fillna(1).astype(int)
    df["source_row"] = df.index + table.first_row
    return df.reset_index(drop=True)


def load_targets(paths: Paths, indicators: pd.DataFrame, problems: list[Problem], inputs: list[Path]) -> pd.DataFrame:
    cols = ["authority", "indicator_id", "fy", "quarter", "target", "lower", "upper", "tolerance", "tolerance_type"]
    path = paths.framework / "targets.csv"
    if not path.exists():
        return pd.DataFrame(columns=cols)
    inputs.append(path)
    table, found = read_table(path, paths.raw)
    problems += found
    if table is None:
        return pd.DataFrame(columns=cols)
    name = _display(path, paths.raw)
    schema_problems = schemas.check(table.frame, schemas.TARGETS, name, table.first_row)
    problems += schema_problems
    df = table.frame.copy()
    for col in ("lower", "upper", "tolerance", "tolerance_type", "period"):
        if col not in df:
            df[col] = ""
    if any(p.row == 1 for p in schema_problems):
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(index=df.index)
    out["authority"] = resolve_codes(df["authority"])
    bad = out["authority"].isna()
    for row, val in zip(_rows(table, bad), df.loc[bad, "authority"]):
        problems.append(Problem(name, row, "authority", val, "a local authority name, new code (E09000016) or old LA code (311)"))
    out["indicator_id"] = df["indicator_id"].str.strip()
    unknown = ~out["indicator_id"].isin(indicators["indicator_id"]) & out["indicator_id"].ne("")
    for row, val in zip(_rows(table, unknown), out.loc[unknown, "indicator_id"]):
        problems.append(Problem(name, row, "indicator_id", val, "an indicator_id listed in framework/indicators.csv"))
    out["fy"] = pd.to_numeric(df["year"].str.strip().str[:4], errors="coerce")
    out["quarter"] = pd.to_numeric(df["period"].str.strip().str.upper().str.lstrip("Q").replace("", "0"), errors="coerce").fillna(0).astype(int)
    for col in ("target", "lower", "upper", "tolerance"):
        out[col] = _num(df[col])
    out["tolerance_type"] = df["tolerance_type"].str.strip().str.lower().replace("", "absolute")
    flipped = out["lower"] > out["upper"]
    for row, lo, up in zip(_rows(table, flipped), out.loc[flipped, "lower"], out.loc[flipped, "upper"]):
        problems.append(Problem(name, row, "lower", f"{lo:g} > upper {up:g}", "lower no greater than upper"))
    negative_tol = out["tolerance"] < 0
    for row, val in zip(_rows(table, negative_tol), df.loc[negative_tol, "tolerance"]):
        problems.append(Problem(name, row, "tolerance", val, "a tolerance of zero or more"))
    polarity = out["indicator_id"].map(dict(zip(indicators["indicator_id"], indicators["polarity"])))
    band_missing = polarity.eq("band") & (out["lower"].isna() | out["upper"].isna())
    for row in _rows(table, band_missing):
        problems.append(Problem(name, row, "lower", None, "both lower and upper for a band indicator"))
    keyed = out.dropna(subset=["authority"])
    dup = keyed.duplicated(subset=["authority", "indicator_id", "fy", "quarter"], keep=False)
    for row in _rows(table, dup.reindex(out.index, fill_value=False)):
        problems.append(Problem(name, row, "indicator_id", out.loc[row - table.first_row, "indicator_id"],
                                "one target per authority, indicator, year and period (this one is repeated)"))
    return out[cols].reset_index(drop=True)


# -- local extracts --------------------------------------------------------------------------------

def load_local_values(paths: Paths, indicators: pd.DataFrame, problems: list[Problem],
                      inputs: list[Path]) -> pd.DataFrame:
    cols = ["authority", "indicator_id", "period", "kind", "ordinal", "period_end", "value", "value_status",
            "symbol", "reason", "numerator", "denominator", "source_file", "source_row"]
    frames = [_normalise_values(table, name, indicators, problems) for table, name in
              _checked_tables(paths, paths.local, schemas.LOCAL_VALUES, problems, inputs)]
    if not frames:
        return pd.DataFrame(columns=cols)
    df = pd.concat(frames, ignore_index=True)
    dup = df.duplicated(subset=["authority", "indicator_id", "period"], keep=False) & df["authority"].notna() & df["period"].notna()
    for _, grp in df[dup].groupby(["authority", "indicator_id", "period"]):
        places = [f"{f} row {r}" for f, r in zip(grp["source_file"], grp["source_row"])]
        first = grp.iloc[0]
        problems.append(Problem(first["source_file"], int(first["source_row"]), "period", first["period"],
                                f"one value per authority, indicator and period; "
                                f"{first['indicator_id']} {first['period']} is also given at {', '.join(places[1:])}"))
    return df[cols]


def _normalise_values(table: RawTable, name: str, indicators: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    df = table.frame
    for col in ("numerator", "denominator"):
        if col not in df:
            df = df.assign(**{col: ""})
    out = pd.DataFrame(index=df.index)
    out["authority"] = resolve_codes(df["authority"])
    bad = out["authority"].isna() & df["authority"].str.strip().ne("")
    for row, val in zip(_rows(table, bad), df.loc[bad, "authority"]):
        problems.append(Problem(name, row, "authority", val, "a local authority name, new code (E09000016) or old LA code (311)"))
    out["indicator_id"] = df["indicator_id"].str.strip()
    ind = indicators.set_index("indicator_id")
    known = out["indicator_id"].isin(ind.index)
    unknown = ~known & out["indicator_id"].ne("")
    for row, val in zip(_rows(table, unknown), out.loc[unknown, "indicator_id"]):
        problems.append(Problem(name, row, "indicator_id", val, "an indicator_id listed in framework/indicators.csv"))
    frequency = out["indicator_id"].map(ind["frequency"]) if len(ind) else pd.Series(np.nan, index=out.index)
    unit = out["indicator_id"].map(ind["unit"]) if len(ind) else pd.Series(np.nan, index=out.index)
    periods = parse_periods(df["period"], prefer_month=frequency.eq("monthly"))
    unread = periods["kind"].isna() & df["period"].str.strip().ne("")
    for row, val in zip(_rows(table, unread), df.loc[unread, "period"]):
        problems.append(Problem(name, row, "period", val,
                                "a period such as 2025-26 Q2 (quarter), 2025-26 (year) or 2025-08 (month)"))
    want_kind = frequency.map(_FREQUENCY_KIND)
    wrong_kind = known & periods["kind"].notna() & want_kind.notna() & periods["kind"].ne(want_kind)
    for row, val, freq in zip(_rows(table, wrong_kind), df.loc[wrong_kind, "period"], frequency[wrong_kind]):
        example = {"monthly": "a month such as 2025-08", "quarterly": "a quarter such as 2025-26 Q2",
                   "biannual": "a quarter such as 2025-26 Q2", "annual": "a financial year such as 2024-25"}[freq]
        problems.append(Problem(name, row, "period", val, f"{example}: the indicator is {freq}"))
    out = out.join(periods.rename(columns={"label": "period", "end": "period_end"}))
    parsed = parse_values(df["value"])
    invalid = parsed["value_status"].eq("invalid")
    for row, val, reason in zip(_rows(table, invalid), df.loc[invalid, "value"], parsed.loc[invalid, "reason"]):
        problems.append(Problem(name, row, "value", val, f"{EXPECTED_VALUE} ({reason})"))
    out = out.join(parsed[["value", "value_status", "symbol", "reason"]])
    negative = out["value"] < 0
    for row, val in zip(_rows(table, negative), df.loc[negative, "value"]):
        problems.append(Problem(name, row, "value", val, "a value of zero or more"))
    over = unit.eq("percent") & (out["value"] > 100)
    for row, val in zip(_rows(table, over), df.loc[over, "value"]):
        problems.append(Problem(name, row, "value", val, "a percentage between 0 and 100"))
    for col in ("numerator", "denominator"):
        out[col] = _num(df[col])
        bad_num = df[col].str.strip().ne("") & out[col].isna()
        bad_num |= out[col] < 0
        for row, val in zip(_rows(table, bad_num), df.loc[bad_num, col]):
            problems.append(Problem(name, row, col, val, "a count of zero or more, or blank"))
    inverted = out["numerator"] > out["denominator"]
    for row, n, d in zip(_rows(table, inverted), out.loc[inverted, "numerator"], out.loc[inverted, "denominator"]):
        problems.append(Problem(name, row, "numerator", f"{n:g} > denominator {d:g}", "a numerator no greater than its denominator"))
    out["source_file"] = name
    out["source_row"] = (out.index + table.first_row).astype(int)
    return out


# -- commentary ------------------------------------------------------------------------------------

def load_commentary(paths: Paths, indicators: pd.DataFrame, problems: list[Problem], inputs: list[Path]) -> pd.DataFrame:
    cols = ["authority", "indicator_id", "period", "kind", "text"]
    frames = []
    for table, name in _checked_tables(paths, paths.commentary, schemas.COMMENTARY, problems, inputs):
        df = table.frame
        out = pd.DataFrame(index=df.index)
        out["authority"] = resolve_codes(df["authority"])
        for row, val in zip(_rows(table, out["authority"].isna()), df.loc[out["authority"].isna(), "authority"]):
            problems.append(Problem(name, row, "authority", val, "a local authority name, new code or old LA code"))
        out["indicator_id"] = df["indicator_id"].str.strip()
        unknown = ~out["indicator_id"].isin(indicators["indicator_id"])
        for row, val in zip(_rows(table, unknown), out.loc[unknown, "indicator_id"]):
            problems.append(Problem(name, row, "indicator_id", val, "an indicator_id listed in framework/indicators.csv"))
        periods = parse_periods(df["period"])
        for row, val in zip(_rows(table, periods["kind"].isna()), df.loc[periods["kind"].isna(), "period"]):
            problems.append(Problem(name, row, "period", val, "a period such as 2025-26 Q2"))
        out["period"] = periods["label"]
        out["kind"] = df["kind"].str.strip().str.lower()
        out["text"] = df["text"].str.strip()
        frames.append(out)
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


# -- published DfE files ---------------------------------------------------------------------------

def _parse_filter(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in str(text or "").split(";"):
        if part.strip():
            if "=" not in part:
                raise ValueError(part.strip())
            k, v = part.split("=", 1)
            pairs.append((k.strip().lower(), v.strip()))
    return pairs


def read_dfe_file(path: Path, root: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """A DfE open data file as published (any column order, with or without byte-order mark)."""
    table, found = read_table(path, root)
    problems += found
    if table is None:
        return None
    name = _display(path, root)
    missing = [c for c in schemas.DFE_REQUIRED if c not in table.frame.columns]
    for col in missing:
        problems.append(Problem(name, 1, col, None,
                                f"DfE's open data layout with a '{col}' column (found: {', '.join(table.frame.columns[:12])}...)"))
    return None if missing else table.frame


def load_benchmarks(paths: Paths, settings: Settings, indicators: pd.DataFrame, problems: list[Problem],
                    inputs: list[Path]) -> pd.DataFrame:
    cols = ["indicator_id", "time_period", "year_end", "geographic_level", "new_la_code", "old_la_code",
            "la_name", "region_code", "value", "value_status", "symbol"]
    files: dict[str, pd.DataFrame | None] = {}
    frames = []
    ind_name = _display(paths.framework / "indicators.csv", paths.raw)
    for row in indicators.itertuples():
        file_name = str(getattr(row, "benchmark_file", "") or "").strip()
        if not file_name:
            continue
        where = int(row.source_row)
        path = paths.published / file_name
        if not path.exists():
            problems.append(Problem(ind_name, where, "benchmark_file", file_name, "a file in published/"))
            continue
        if file_name not in files:
            inputs.append(path)
            files[file_name] = read_dfe_file(path, paths.raw, problems)
        df = files[file_name]
        if df is None:
            continue
        column = str(row.benchmark_column or "").strip().lower()
        if column not in df.columns:
            problems.append(Problem(ind_name, where, "benchmark_column", row.benchmark_column,
                                    f"a column of {file_name}"))
            continue
        try:
            pairs = _parse_filter(row.benchmark_filter)
        except ValueError as exc:
            problems.append(Problem(ind_name, where, "benchmark_filter", str(exc), "column=value pairs separated by ;"))
            continue
        mask = pd.Series(True, index=df.index)
        for key, value in pairs:
            if key not in df.columns:
                problems.append(Problem(ind_name, where, "benchmark_filter", key, f"a column of {file_name}"))
                mask &= False
                continue
            mask &= df[key].str.strip() == value
            if not (df[key].str.strip() == value).any():
                problems.append(Problem(ind_name, where, "benchmark_filter", f"{key}={value}",
                                        f"a value found in column '{key}' of {file_name}"))
        sub = df[mask]
        year = pd.to_numeric(sub["time_period"].str.strip().str[-4:].where(sub["time_period"].str.len() == 4,
                             "20" + sub["time_period"].str.strip().str[-2:]), errors="coerce")
        parsed = parse_values(sub[column])
        bad = parsed["value_status"].eq("invalid")
        for r, val in zip(sub.index[bad] + 2, sub.loc[bad, column]):
            problems.append(Problem(_display(path, paths.raw), int(r), column, val, EXPECTED_VALUE))
        month_day = settings.year_end_for(file_name)
        out = pd.DataFrame({
            "indicator_id": row.indicator_id,
            "time_period": year.astype("Int64"),
            "year_end": pd.to_datetime(year.astype("Int64").astype(str) + "-" + month_day, errors="coerce"),
            "geographic_level": sub["geographic_level"].str.strip(),
            "new_la_code": sub["new_la_code"].str.strip(),
            "old_la_code": sub["old_la_code"].str.strip() if "old_la_code" in sub else "",
            "la_name": sub["la_name"].str.strip(),
            "region_code": sub["region_code"].str.strip() if "region_code" in sub else "",
            "value": parsed["value"], "value_status": parsed["value_status"], "symbol": parsed["symbol"],
        })
        frames.append(out)
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def load_neighbours(path: Path, root: Path, problems: list[Problem]) -> pd.DataFrame:
    """DfE's statistical neighbour model, in the 2025 layout (``old_la_code, la_name, ..., SN_1,
    SN_1P, ...``) or the April 2021 layout (``LA num, LA Name, ..., SN1, SNP, SN2, SNP, ...``)."""
    cols = ["la_code", "neighbour_rank", "neighbour_code", "closeness"]
    name = _display(path, root)
    if not path.exists():
        problems.append(Problem(name, None, None, None, "the statistical neighbour model named in settings.yaml"))
        return pd.DataFrame(columns=cols)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    import io
    grid = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False)
    header = [h.strip() for h in grid.iloc[0].tolist()]
    body = grid.iloc[1:].reset_index(drop=True)
    key_col = next((i for i, h in enumerate(header) if h.lower() in ("old_la_code", "la num", "la_num", "la code", "la_code")), None)
    sn_cols = [(int(m.group(1)), i) for i, h in enumerate(header) if (m := re.fullmatch(r"SN_?(\d+)", h, re.I))]
    if key_col is None or len(sn_cols) < 1:
        problems.append(Problem(name, 1, None, None, "a statistical neighbour model with an 'old_la_code' (or 'LA num') "
                                "column and neighbour columns SN_1..SN_10 (or SN1..SN10)"))
        return pd.DataFrame(columns=cols)
    frames = []
    la = resolve_codes(body[key_col])
    for row, val in zip(body.index[la.isna()] + 2, body.loc[la.isna(), key_col]):
        problems.append(Problem(name, int(row), header[key_col], val, "a local authority old LA code"))
    for rank, i in sorted(sn_cols):
        neighbour = body[i].str.strip()
        code = resolve_codes(neighbour)
        missing = code.isna()
        for row, val in zip(body.index[missing] + 2, neighbour[missing]):
            problems.append(Problem(name, int(row), header[i], val or None, "a neighbour's old LA code or name"))
        closeness = body[i + 1].str.strip() if i + 1 < len(header) else ""
        frames.append(pd.DataFrame({"la_code": la, "neighbour_rank": rank, "neighbour_code": code, "closeness": closeness}))
    out = pd.concat(frames, ignore_index=True).dropna(subset=["la_code", "neighbour_code"])
    return out.sort_values(["la_code", "neighbour_rank"]).reset_index(drop=True)[cols]


# -- the whole data set ----------------------------------------------------------------------------

def load_dataset(data_dir: str | Path | None = None, write_processed: bool = False) -> Dataset:
    """Read and validate everything; raise one InputError listing every problem.

    Examples
    --------
    >>> ds = load_dataset()                       # doctest: +SKIP
    >>> ds.indicators[["indicator_id", "polarity"]].head(2)  # doctest: +SKIP
    """
    paths = Paths.from_data_dir(data_dir)
    if not paths.raw.is_dir():
        raise InputError([Problem(str(paths.raw), None, None, None, "a data folder laid out like data/raw")])
    settings = load_settings(paths.settings_file)
    problems: list[Problem] = []
    inputs: list[Path] = [paths.settings_file] if paths.settings_file.exists() else []
    indicators = load_indicators(paths, problems, inputs)
    targets = load_targets(paths, indicators, problems, inputs)
    values = load_local_values(paths, indicators, problems, inputs)
    commentary = load_commentary(paths, indicators, problems, inputs)
    benchmarks = load_benchmarks(paths, settings, indicators, problems, inputs)
    neighbours = pd.DataFrame(columns=["la_code", "neighbour_rank", "neighbour_code", "closeness"])
    if settings.statistical_neighbours:
        sn_path = paths.published / settings.statistical_neighbours
        inputs.append(sn_path)
        neighbours = load_neighbours(sn_path, paths.raw, problems)
    if problems:
        raise InputError(problems)
    records = [{"path": _display(p, paths.raw), "sha256": sha256(p)} for p in dict.fromkeys(inputs) if p.exists()]
    ds = Dataset(paths, settings, indicators, targets, values, commentary, benchmarks, neighbours, records)
    if write_processed:
        write_processed_tables(ds)
    return ds


def write_processed_tables(ds: Dataset) -> Path:
    """Write the validated tables as Parquet under data/processed, all or nothing."""
    target = ds.paths.processed
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tables-", dir=target))
    for name in ("indicators", "targets", "values", "commentary", "benchmarks", "neighbours"):
        getattr(ds, name).to_parquet(tmp / f"{name}.parquet", index=False)
    (tmp / "inputs.json").write_text(json.dumps(ds.inputs, indent=2))
    for f in tmp.iterdir():
        os.replace(f, target / f.name)
    tmp.rmdir()
    return target
