"""Loading: every shared DfE file, both neighbour layouts, values as analysts write them, bad input."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpitools.core.config import Paths
from kpitools.core.errors import InputError
from kpitools.core.periods import parse_periods
from kpitools.core.values import parse_values
from kpitools.ingest.loaders import Dataset, load_dataset, load_neighbours, read_dfe_file

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
DFE_FILES = sorted(
    p.name for p in (RAW / "published").glob("*.csv") if not p.name.startswith("sn_model") and "Neighbour" not in p.name
)


@pytest.mark.parametrize("name", DFE_FILES)
def test_every_shared_dfe_file_loads(name):
    problems = []
    df = read_dfe_file(RAW / "published" / name, RAW, problems)
    assert problems == []
    assert {"time_period", "geographic_level", "new_la_code", "la_name"} <= set(df.columns)
    assert (df["geographic_level"] == "National").any()
    assert df["new_la_code"].eq("E09000016").any()


def test_demo_dataset_loads_with_benchmarks_from_six_files():
    ds = load_dataset(RAW)
    assert len(ds.indicators) == 24  # 21, and 3 framework changes modelled on seed 004 (Merton)
    assert ds.benchmarks.groupby("indicator_id").ngroups == 10
    assert len(DFE_FILES) == 6
    assert {i["path"].split("/")[-1] for i in ds.inputs} >= set(DFE_FILES)
    assert all(len(i["sha256"]) == 64 for i in ds.inputs)
    # the XLSX extract was read: 2025-26 values are present
    assert ds.values["source_file"].str.endswith(".xlsx").any()


@pytest.mark.parametrize(
    "path", [RAW / "published" / "sn_model_2025_wide.csv", ROOT / "tests" / "data" / "sn_model_2021_layout.csv"]
)
def test_both_neighbour_layouts_load(path):
    problems = []
    sn = load_neighbours(path, path.parent, problems)
    assert problems == []
    assert sn["la_code"].nunique() == 153
    havering = sn[sn["la_code"] == "E09000016"]
    assert havering["neighbour_rank"].tolist() == list(range(1, 11))
    assert havering["neighbour_code"].iloc[0] == "E09000004"  # Bexley, old code 303
    assert havering["closeness"].iloc[0] == "Extremely close"


def test_april_2021_neighbour_model_loads_as_dfe_published_it():
    # blank lines, a ",Old SNs:" label and the groups of authorities abolished since (Dorset, Poole,
    # Bournemouth before 2019, Northamptonshire before 2021) under it
    path = RAW / "published" / "New_Statistical_Neighbour_Groupings_April_2021.csv"
    problems = []
    sn = load_neighbours(path, RAW, problems)
    assert problems == []
    assert sn["la_code"].nunique() == 156  # 152 authorities of April 2021 and 4 abolished before it
    assert (sn.groupby("la_code")["neighbour_code"].count() == 10).all()
    assert {"E10000021", "E10000009", "E06000028", "E06000029"} <= set(sn["la_code"])  # the old groups
    assert "E06000063" not in set(sn["la_code"])  # Cumberland was created after April 2021
    havering = sn[sn["la_code"] == "E09000016"]
    assert havering["neighbour_code"].iloc[0] == "E09000004" and havering["closeness"].iloc[0] == "Very Close"


def test_periods_written_every_way_analysts_write_them():
    got = parse_periods(
        pd.Series(
            [
                "2017-18 Q1",
                "Q1 2017/18",
                "2017/18 Q1",
                "2017/2018 Q1",
                "2017-18",
                "2018-08",
                "Aug 2018",
                "2017\u201318 Q1",
            ]
        )
    )["label"].tolist()
    assert got == ["2017-18 Q1"] * 4 + ["2017-18", "2018-08", "2018-08", "2017-18 Q1"]
    assert parse_periods(pd.Series(["2017-19 Q1", "Q5 2017/18", "soon"]))["kind"].isna().all()


def test_values_written_every_way_analysts_write_them():
    v = parse_values(pd.Series(["60.9%", "60.9", " 12 ", "1,234", "c", "[x]", "z", "u", "k", "\u2013", "N/A", ""]))
    assert v["value"].iloc[:4].tolist() == [60.9, 60.9, 12.0, 1234.0]
    assert v["value_status"].iloc[4:].tolist() == [
        "suppressed",
        "missing",
        "missing",
        "missing",
        "suppressed",
        "missing",
        "missing",
        "missing",
    ]
    assert v["value"].iloc[4:].isna().all()  # a symbol is never a number, never zero
    bad = parse_values(pd.Series(["#DIV/0!", "80%%", "about 5", "inf"]))
    assert (bad["value_status"] == "invalid").all()


def test_commas_are_thousands_only_in_the_uk_form():
    v = parse_values(pd.Series(["1,234", "12,345.6", "0,123", "17,1", "1,23", "45.2*", "45.2 (p)"]))
    assert v["value"].iloc[:2].tolist() == [1234.0, 12345.6] and v["has_thousands"].iloc[:2].all()
    # a decimal comma is never read as thousands (0,123 is not 123) nor a footnote marker stripped
    assert (v["value_status"].iloc[2:] == "invalid").all() and v["value"].iloc[2:].isna().all()
    assert v["reason"].iloc[2] == "a decimal comma: write it with a decimal point, 0.123"
    assert v["reason"].iloc[5].startswith("a footnote marker")


def _copy_demo(tmp_path: Path) -> Path:
    dst = tmp_path / "raw"
    shutil.copytree(RAW, dst)
    return dst


def _set_cells(raw: Path, *cells: tuple[int, str, str]) -> None:
    """Write into the demo's 2023-24 extract: ``(line after the header, column, text)`` per cell."""
    extract = raw / "local" / "havering" / "havering_2023-24.csv"
    lines = extract.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    for line, column, text in cells:
        row = lines[line].split(",")
        row[header.index(column)] = text
        lines[line] = ",".join(row)
    extract.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _error(data_dir: Path) -> InputError:
    with pytest.raises(InputError) as exc:
        load_dataset(data_dir)
    return exc.value


def test_bad_inputs_are_all_reported_with_file_row_and_column(tmp_path):
    raw = _copy_demo(tmp_path)
    _set_cells(raw, (1, "value", "#DIV/0!"), (2, "period", "Quarter five"), (3, "indicator_id", "NOT_AN_INDICATOR"))
    targets = raw / "framework" / "targets.csv"
    t = pd.read_csv(targets, dtype=str, keep_default_na=False)
    band = t.index[t["indicator_id"] == "PLACEMENT_MOVES"][0]
    t.loc[band, ["lower", "upper"]] = ["18", "12"]
    t.to_csv(targets, index=False)

    err = _error(raw)
    text = str(err)
    where = {(p.file.split("/")[-1], p.row, p.column) for p in err.problems}
    assert ("havering_2023-24.csv", 2, "value") in where
    assert ("havering_2023-24.csv", 3, "period") in where
    assert ("havering_2023-24.csv", 4, "indicator_id") in where
    assert ("targets.csv", band + 2, "lower") in where
    assert "#DIV/0!" in text and "NOT_AN_INDICATOR" in text and "lower no greater than upper" in text
    assert len(err.problems) >= 4


def test_missing_column_is_named(tmp_path):
    raw = _copy_demo(tmp_path)
    ind = raw / "framework" / "indicators.csv"
    ind.write_text(ind.read_text(encoding="utf-8").replace("polarity,", "polarty,", 1), encoding="utf-8")
    err = _error(raw)
    assert any(p.column == "polarity" and p.row == 1 for p in err.problems)


def test_duplicate_values_name_both_places(tmp_path):
    raw = _copy_demo(tmp_path)
    extract = raw / "local" / "havering" / "havering_2023-24.csv"
    lines = extract.read_text(encoding="utf-8").splitlines()
    extract.write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")
    err = _error(raw)
    dup = [p for p in err.problems if "one value per authority" in p.expected]
    assert dup and f"row {len(lines) + 1}" in dup[0].expected


def test_dfe_file_with_a_renamed_column_is_reported(tmp_path):
    raw = _copy_demo(tmp_path)
    f = raw / "published" / "d3_cpps_subsequent_plan_2013_to_2025.csv"
    f.write_text(
        f.read_text(encoding="utf-8").replace("CPP_subsequent_percent", "CPP_subsequent_pct", 1), encoding="utf-8"
    )
    err = _error(raw)
    # the published file is named, with the column the framework expects and the one it found instead
    assert any(
        p.file.endswith("d3_cpps_subsequent_plan_2013_to_2025.csv")
        and p.row == 1
        and p.column == "CPP_subsequent_percent"
        and p.found == "cpp_subsequent_pct"
        and "framework/indicators.csv row 4" in p.expected
        for p in err.problems
    )


def test_invalid_published_value_is_reported_at_its_spreadsheet_row(tmp_path):
    raw = _copy_demo(tmp_path)
    f = raw / "published" / "d3_cpps_subsequent_plan_2013_to_2025.csv"
    lines = f.read_text(encoding="utf-8").splitlines()
    havering = next(i for i, line in enumerate(lines) if ",E09000016,Havering," in line)
    lines[havering] = lines[havering].rsplit(",", 1)[0] + ",#VALUE!"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = _error(raw)
    assert any(
        p.row == havering + 1 and p.column == "cpp_subsequent_percent" and p.found == "#VALUE!" for p in err.problems
    )


def test_neighbour_model_with_an_unknown_authority_is_reported(tmp_path):
    raw = _copy_demo(tmp_path)
    f = raw / "published" / "sn_model_2025_wide.csv"
    text = f.read_text(encoding="utf-8-sig").replace("311,Havering,3,London,303,", "311,Havering,3,London,999,", 1)
    f.write_text(text, encoding="utf-8")
    err = _error(raw)
    assert any(p.column == "SN_1" and p.found == "999" for p in err.problems)


def test_windows_1252_extract_is_read(tmp_path):
    raw = _copy_demo(tmp_path)
    f = raw / "commentary" / "havering_commentary.csv"
    text = (
        f.read_text(encoding="utf-8")
        + "Havering,CP_REPEAT,2025-26 Q2,highlight,Caf\u00e9 \u2013 a note in Windows-1252\n"
    )
    f.write_bytes(text.encode("cp1252", errors="replace"))
    ds = load_dataset(raw)
    assert ds.commentary["text"].str.contains("Caf\u00e9 \u2013 a note").any()


def test_processed_tables_are_written_only_for_good_input(tmp_path, monkeypatch):
    monkeypatch.setenv("KPITOOLS_HOME", str(tmp_path))
    monkeypatch.delenv("KPITOOLS_PROCESSED")  # the project's own data/processed, here a temporary one
    raw = _copy_demo(tmp_path)
    (raw / "framework" / "targets.csv").write_text("authority,indicator_id\nHavering,CP_REPEAT\n", encoding="utf-8")
    with pytest.raises(InputError):
        load_dataset(raw, write_processed=True)
    assert not (tmp_path / "data" / "processed").exists()
    shutil.copy(RAW / "framework" / "targets.csv", raw / "framework" / "targets.csv")
    load_dataset(raw, write_processed=True)
    written = sorted(p.name for p in (tmp_path / "data" / "processed").iterdir())
    assert "values.parquet" in written and "inputs.json" in written
    assert pd.read_parquet(tmp_path / "data" / "processed" / "values.parquet")["value"].notna().any()


def _frames_equal(a, b) -> None:
    for name in ("indicators", "targets", "values", "commentary", "benchmarks", "neighbours"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert a.inputs == b.inputs


def _project_with_demo_data(tmp_path: Path, monkeypatch) -> Path:
    """A project folder (KPITOOLS_HOME) whose own data/raw is a copy of the demo data."""
    monkeypatch.setenv("KPITOOLS_HOME", str(tmp_path))
    monkeypatch.delenv("KPITOOLS_PROCESSED")  # the project's own data/processed, here a temporary one
    raw = tmp_path / "data" / "raw"
    shutil.copytree(RAW, raw)
    return raw


def _caches(tmp_path: Path) -> list[Path]:
    return sorted(p for p in (tmp_path / "data" / "processed" / "cache").glob("dataset-*") if p.is_dir())


def test_a_checked_dataset_is_read_back_from_the_cache_until_an_input_changes(tmp_path, monkeypatch):
    raw = _project_with_demo_data(tmp_path, monkeypatch)
    first = load_dataset(raw)
    cached = _caches(tmp_path)
    assert len(cached) == 1
    # data only: one Parquet file a table and the key, inputs and dtypes in JSON
    assert sorted(p.name for p in cached[0].iterdir()) == sorted(
        ["dataset.json", *(f"{name}.parquet" for name in Dataset.TABLES)]
    )
    again = load_dataset(raw)
    _frames_equal(first, again)  # dtypes and all
    assert again.paths.raw == raw.resolve() and again.settings == first.settings

    # One value changed in the extract: a new key, the new value, never the cached one.
    _set_cells(raw, (1, "value", "98.7654"))
    changed = load_dataset(raw)
    assert 98.7654 in changed.values["value"].tolist() and 98.7654 not in first.values["value"].tolist()
    assert len(_caches(tmp_path)) == 2

    # A bad input is still reported in full, whatever is cached.
    _set_cells(raw, (1, "value", "#DIV/0!"))
    with pytest.raises(InputError, match="#DIV/0!"):
        load_dataset(raw)


def test_another_data_folder_is_never_cached_in_the_project(tmp_path, monkeypatch):
    monkeypatch.setenv("KPITOOLS_HOME", str(tmp_path / "project"))
    monkeypatch.delenv("KPITOOLS_PROCESSED")
    load_dataset(_copy_demo(tmp_path))
    assert not (tmp_path / "project").exists()


def test_an_unreadable_cache_file_is_ignored_and_rebuilt(tmp_path, monkeypatch):
    raw = _project_with_demo_data(tmp_path, monkeypatch)
    first = load_dataset(raw)
    (cache,) = _caches(tmp_path)
    (cache / "values.parquet").write_bytes(b"not a parquet file")
    _frames_equal(first, load_dataset(raw))
    assert (cache / "values.parquet").read_bytes() != b"not a parquet file"


class _Planted:
    """A pickle that, when loaded, writes a file: what a pickled cache lets its writer do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code ran as the scheduler's user"))


def test_a_pickle_in_the_cache_folder_is_never_loaded(tmp_path, monkeypatch):
    """Was: data/processed/cache/dataset-<key>.pickle loaded without a check: whoever could write the
    folder ran code as the user of every scheduled run."""
    import pickle

    raw = _project_with_demo_data(tmp_path, monkeypatch)
    first = load_dataset(raw)
    (cache,) = _caches(tmp_path)
    marker = tmp_path / "pwned.txt"
    planted = cache.with_name(cache.name + ".pickle")  # the name the old cache had, for this very key
    planted.write_bytes(pickle.dumps({name: _Planted(marker) for name in (*Dataset.TABLES, "inputs")}))
    shutil.rmtree(cache)  # no cache of the new kind: the old code would have read the pickle
    _frames_equal(first, load_dataset(raw))
    assert not marker.exists()
    assert not planted.exists()  # old pickles are deleted when a cache is written


def _rewrite_meta(cache: Path, **changes) -> None:
    meta = json.loads((cache / "dataset.json").read_text(encoding="utf-8"))
    meta.update(changes)
    (cache / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")


@pytest.mark.parametrize(
    "tamper",
    [
        "wrong key",
        "no key",
        "a table missing",
        "a column's dtype",
        "a column renamed",
        "meta not json",
        "inputs not a list",
    ],
)
def test_a_cache_not_exactly_as_written_is_ignored_and_rebuilt(tmp_path, monkeypatch, tamper):
    raw = _project_with_demo_data(tmp_path, monkeypatch)
    first = load_dataset(raw)
    (cache,) = _caches(tmp_path)
    if tamper == "wrong key":
        _rewrite_meta(cache, key="0" * 64)
    elif tamper == "no key":
        _rewrite_meta(cache, key=None)
    elif tamper == "a table missing":
        (cache / "commentary.parquet").unlink()
    elif tamper == "a column's dtype":
        values = pd.read_parquet(cache / "values.parquet")
        values["value"] = values["value"].astype(str)  # figures as text
        values.to_parquet(cache / "values.parquet")
    elif tamper == "a column renamed":
        pd.read_parquet(cache / "targets.parquet").rename(columns={"target": "goal"}).to_parquet(
            cache / "targets.parquet"
        )
    elif tamper == "meta not json":
        (cache / "dataset.json").write_text("{not json", encoding="utf-8")
    elif tamper == "inputs not a list":
        _rewrite_meta(cache, inputs="everything")
    again = load_dataset(raw)  # never a crash: the inputs are read and checked again
    _frames_equal(first, again)
    assert len(_caches(tmp_path)) == 1
    _frames_equal(first, load_dataset(raw))  # and the cache is whole again


def test_cache_round_trip_keeps_dtypes_and_missing_values(tmp_path):
    """Every dtype the tables use, text columns with None and NaN, through the cache as through a pickle."""
    from kpitools.ingest.loaders import _read_cache, _write_cache

    paths = Paths.from_data_dir(RAW)
    ds = load_dataset(RAW)
    ds.values = ds.values.assign(
        note=pd.Series([None] * len(ds.values), dtype=object),
        flag=pd.Series(["x", np.nan] * (len(ds.values) // 2) + ["x"] * (len(ds.values) % 2), dtype=object),
        when=pd.Series(pd.to_datetime(["2025-03-31"] * len(ds.values))).astype("datetime64[s]"),
    )
    folder = tmp_path / "cache" / "dataset-test"
    _write_cache(folder, "k" * 64, ds)
    back = _read_cache(folder, "k" * 64, paths, ds.settings)
    assert back is not None
    _frames_equal(ds, back)
    assert back.values["note"].map(type).eq(type(None)).all()
    assert _read_cache(folder, "j" * 64, paths, ds.settings) is None
