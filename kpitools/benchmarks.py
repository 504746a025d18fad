"""Published benchmarks: benchmark year, London, England, statistical neighbours, comparators,
national rank and quartile band as DfE's LAIT computes them.

- The benchmark year is the latest published year that ends on or before the reporting period ends
  (``time_period`` 2025 is the year ending 31 March 2025; the workforce census ends 30 September).
- Rank 1 is best by polarity; ties share the better rank (``rank(method="min")``).
- Quartile bands come from the quantiles of all authorities' values (linear interpolation, R's
  and numpy's default); band A is the best quarter by polarity, and a value exactly on a quantile
  falls in the band of lower values (LAIT's ``calculate_quartile_band``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .authorities import ENGLAND, LONDON_REGION

BENCHMARK_COLUMNS = ["benchmark_year", "published_value", "london", "england", "sn_mean", "sn_count",
                     "comparator_mean", "comparator_count", "national_rank", "national_count", "quartile"]


def la_rows(benchmarks: pd.DataFrame) -> pd.DataFrame:
    """Local authority rows (a combined return such as ``E09000021 / E09000027`` is not one authority)."""
    b = benchmarks
    return b[b["geographic_level"].eq("Local authority") & ~b["new_la_code"].str.contains("/", regex=False)]


def quartile_band(values: pd.Series, quantiles: pd.DataFrame, polarity: pd.Series) -> pd.Series:
    """LAIT's quartile band for each value given its group's 25/50/75% quantiles.

    Examples
    --------
    >>> q = pd.DataFrame({"q25": [25.0] * 5, "q50": [50.0] * 5, "q75": [75.0] * 5})
    >>> quartile_band(pd.Series([10, 25, 50, 75, 100.0]), q, pd.Series(["lower"] * 5)).tolist()
    ['A', 'A', 'B', 'C', 'D']
    >>> quartile_band(pd.Series([10, 25, 50, 75, 100.0]), q, pd.Series(["higher"] * 5)).tolist()
    ['D', 'D', 'C', 'B', 'A']
    """
    v = values.to_numpy(dtype="float64")
    idx = np.select([v <= quantiles["q25"].to_numpy(), v <= quantiles["q50"].to_numpy(),
                     v <= quantiles["q75"].to_numpy(), v > quantiles["q75"].to_numpy()], [1, 2, 3, 4], 0)
    pol = polarity.to_numpy()
    letters_low = np.array(["", "A", "B", "C", "D"])
    letters_high = np.array(["", "D", "C", "B", "A"])
    out = np.where(pol == "lower", letters_low[idx], np.where(pol == "higher", letters_high[idx], ""))
    out = np.where(np.isnan(v), "", out)
    return pd.Series(out, index=values.index, dtype="object")


def national_ranks(benchmarks: pd.DataFrame, polarity: Mapping[str, str]) -> pd.DataFrame:
    """Rank, count and quartile band of every authority with a number, per indicator and year."""
    la = la_rows(benchmarks)
    la = la[la["value_status"].eq("ok")].copy()
    la["polarity"] = la["indicator_id"].map(polarity)
    la = la[la["polarity"].isin(["higher", "lower"])]
    cols = ["indicator_id", "time_period", "new_la_code", "national_rank", "national_count", "quartile",
            "q25", "q50", "q75"]
    if la.empty:
        return pd.DataFrame(columns=cols).astype({"national_rank": "Int64", "national_count": "Int64"})
    la["value"] = la["value"].astype("float64")
    key = np.where(la["polarity"].eq("higher"), -la["value"], la["value"])
    la["_key"] = key
    groups = la.groupby(["indicator_id", "time_period"])
    la["national_rank"] = groups["_key"].rank(method="min").astype("Int64")
    la["national_count"] = groups["value"].transform("count").astype("Int64")
    q = groups["value"].quantile([0.25, 0.5, 0.75]).unstack()
    q.columns = ["q25", "q50", "q75"]
    la = la.join(q, on=["indicator_id", "time_period"])
    la["quartile"] = quartile_band(la["value"], la[["q25", "q50", "q75"]], la["polarity"])
    return la[cols]


def benchmark_years(benchmarks: pd.DataFrame, grid: pd.DataFrame) -> pd.Series:
    """For each row of ``grid`` (``indicator_id``, ``period_end``), the latest published year whose
    year ends on or before the period ends."""
    years = (benchmarks.dropna(subset=["year_end"]).groupby(["indicator_id", "time_period"], as_index=False)["year_end"]
             .first().sort_values("year_end"))
    g = grid[["indicator_id", "period_end"]].reset_index().sort_values("period_end")
    g["period_end"] = g["period_end"].astype("datetime64[ns]")
    years["year_end"] = years["year_end"].astype("datetime64[ns]")
    merged = pd.merge_asof(g, years, left_on="period_end", right_on="year_end", by="indicator_id",
                           direction="backward")
    return merged.set_index("index")["time_period"].reindex(grid.index).astype("Int64")


def attach_benchmarks(card: pd.DataFrame, benchmarks: pd.DataFrame, neighbours: pd.DataFrame,
                      comparators: Sequence[str] = (), ranks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add the benchmark columns to scored rows (``authority, indicator_id, period_end, polarity``).

    Returns a new frame; ``card`` is not modified.
    """
    out = card.copy()
    if benchmarks.empty:
        for c in BENCHMARK_COLUMNS:
            out[c] = pd.NA
        out["sn_count"] = 0
        out["comparator_count"] = 0
        return out
    out["benchmark_year"] = benchmark_years(benchmarks, out)
    ok = benchmarks[benchmarks["value_status"].eq("ok")]

    def lookup(rows: pd.DataFrame, name: str, by: list[str], left_by: list[str]) -> None:
        nonlocal out
        r = rows[by + ["value"]].drop_duplicates(subset=by).rename(columns={"value": name})
        out = out.merge(r, left_on=left_by, right_on=by, how="left", suffixes=("", "_r"))
        out = out.drop(columns=[c for c in by if c not in left_by and c in out.columns and c != name])

    nat = ok[ok["geographic_level"].eq("National")].rename(columns={"time_period": "benchmark_year"})
    lookup(nat, "england", ["indicator_id", "benchmark_year"], ["indicator_id", "benchmark_year"])
    lon = ok[ok["geographic_level"].eq("Regional") & ok["region_code"].eq(LONDON_REGION)].rename(
        columns={"time_period": "benchmark_year"})
    lookup(lon, "london", ["indicator_id", "benchmark_year"], ["indicator_id", "benchmark_year"])
    la = la_rows(ok).rename(columns={"time_period": "benchmark_year", "new_la_code": "authority"})
    lookup(la, "published_value", ["indicator_id", "benchmark_year", "authority"],
           ["indicator_id", "benchmark_year", "authority"])

    # statistical neighbours: mean of those with a number, and how many of the 10 that was
    sn = neighbours.rename(columns={"la_code": "authority"})[["authority", "neighbour_code"]]
    pairs = out[["authority", "indicator_id", "benchmark_year"]].drop_duplicates().merge(sn, on="authority")
    pairs = pairs.merge(la[["indicator_id", "benchmark_year", "authority", "value"]].rename(
        columns={"authority": "neighbour_code"}), on=["indicator_id", "benchmark_year", "neighbour_code"], how="left")
    agg = pairs.groupby(["authority", "indicator_id", "benchmark_year"], as_index=False).agg(
        sn_mean=("value", "mean"), sn_count=("value", "count"))
    out = out.merge(agg, on=["authority", "indicator_id", "benchmark_year"], how="left")
    out["sn_count"] = out["sn_count"].fillna(0).astype(int)

    comp = la[la["authority"].isin(list(comparators))]
    cagg = comp.groupby(["indicator_id", "benchmark_year"], as_index=False).agg(
        comparator_mean=("value", "mean"), comparator_count=("value", "count"))
    out = out.merge(cagg, on=["indicator_id", "benchmark_year"], how="left")
    out["comparator_count"] = out["comparator_count"].fillna(0).astype(int)

    if ranks is None:
        ranks = national_ranks(benchmarks, dict(zip(out["indicator_id"], out["polarity"])))
    r = ranks.rename(columns={"time_period": "benchmark_year", "new_la_code": "authority"})
    out = out.merge(r[["indicator_id", "benchmark_year", "authority", "national_rank", "national_count", "quartile"]],
                    on=["indicator_id", "benchmark_year", "authority"], how="left")
    # how many authorities had a number, even where this one did not
    counts = ranks.groupby(["indicator_id", "time_period"])["national_count"].first().rename("nc").reset_index()
    out = out.merge(counts.rename(columns={"time_period": "benchmark_year"}), on=["indicator_id", "benchmark_year"], how="left")
    out["national_count"] = out["national_count"].fillna(out["nc"]).astype("Int64")
    out["quartile"] = out["quartile"].fillna("")
    return out.drop(columns=["nc"])


def benchmark_series(benchmarks: pd.DataFrame, neighbours: pd.DataFrame, authority: str, authority_name: str,
                     comparators: Sequence[str] = ()) -> pd.DataFrame:
    """Published series by year for charts: the authority, London, England, neighbours' mean and the
    comparators' mean. Long: ``indicator_id, benchmark_year, year_end, series, value``."""
    if benchmarks.empty:
        return pd.DataFrame(columns=["indicator_id", "benchmark_year", "year_end", "series", "value"])
    ok = benchmarks[benchmarks["value_status"].eq("ok")]
    la = la_rows(ok)
    parts = [
        la[la["new_la_code"].eq(authority)].assign(series=authority_name),
        ok[ok["geographic_level"].eq("Regional") & ok["region_code"].eq(LONDON_REGION)].assign(series="London"),
        ok[ok["geographic_level"].eq("National")].assign(series="England"),
    ]
    sn_codes = neighbours.loc[neighbours["la_code"].eq(authority), "neighbour_code"]
    sn = la[la["new_la_code"].isin(sn_codes)].groupby(["indicator_id", "time_period", "year_end"], as_index=False)["value"].mean()
    parts.append(sn.assign(series="Statistical neighbours"))
    if comparators:
        cm = la[la["new_la_code"].isin(list(comparators))].groupby(
            ["indicator_id", "time_period", "year_end"], as_index=False)["value"].mean()
        parts.append(cm.assign(series="Comparators"))
    out = pd.concat([p[["indicator_id", "time_period", "year_end", "series", "value"]] for p in parts], ignore_index=True)
    return out.rename(columns={"time_period": "benchmark_year"}).sort_values(
        ["indicator_id", "series", "benchmark_year"]).reset_index(drop=True)


def comparison_table(benchmarks: pd.DataFrame, neighbours: pd.DataFrame, card: pd.DataFrame, authority: str,
                     comparators: Sequence[str] = (), ranks: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each indicator's benchmark year: the authority, its neighbours, the comparators, London and
    England, with national ranks. Long: ``indicator_id, benchmark_year, la_code, la_name, value, role, rank``."""
    cols = ["indicator_id", "benchmark_year", "la_code", "la_name", "value", "role", "rank"]
    years = card[["indicator_id", "benchmark_year", "polarity"]].dropna(subset=["benchmark_year"])
    if benchmarks.empty or years.empty:
        return pd.DataFrame(columns=cols)
    ok = benchmarks[benchmarks["value_status"].eq("ok")].rename(columns={"time_period": "benchmark_year"})
    ok = ok.merge(years[["indicator_id", "benchmark_year"]], on=["indicator_id", "benchmark_year"])
    la = la_rows(ok)
    sn_codes = list(neighbours.loc[neighbours["la_code"].eq(authority), "neighbour_code"])
    roles = {authority: "selected", **{c: "statistical neighbour" for c in sn_codes},
             **{c: "comparator" for c in comparators if c != authority}}
    shown = la[la["new_la_code"].isin(list(roles))].assign(role=lambda d: d["new_la_code"].map(roles))
    if ranks is None:
        ranks = national_ranks(benchmarks, dict(zip(card["indicator_id"], card["polarity"])))
    shown = shown.merge(ranks.rename(columns={"time_period": "benchmark_year"})[
        ["indicator_id", "benchmark_year", "new_la_code", "national_rank"]],
        on=["indicator_id", "benchmark_year", "new_la_code"], how="left")
    regions = pd.concat([
        ok[ok["geographic_level"].eq("Regional") & ok["region_code"].eq(LONDON_REGION)].assign(
            role="London", la_name="London", new_la_code=LONDON_REGION),
        ok[ok["geographic_level"].eq("National")].assign(role="England", la_name="England", new_la_code=ENGLAND),
    ])
    out = pd.concat([shown.rename(columns={"national_rank": "rank"}), regions], ignore_index=True)
    out = out.rename(columns={"new_la_code": "la_code"})
    out["rank"] = out["rank"].astype("Int64") if "rank" in out else pd.NA
    return out[cols].drop_duplicates(subset=["indicator_id", "la_code"]).reset_index(drop=True)
