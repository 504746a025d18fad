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

from kpitools.core.authorities import ENGLAND, LONDON_REGION, names, replaced_by
from kpitools.core.vocabulary import rank_polarity

BENCHMARK_COLUMNS = [
    "benchmark_year",
    "published_value",
    "published_symbol",
    "published_note",
    "london",
    "england",
    "sn_mean",
    "sn_count",
    "sn_listed",
    "sn_note",
    "comparator_mean",
    "comparator_count",
    "national_rank",
    "national_count",
    "quartile",
    "rank_note",
]

# Why a figure is not ranked, in the words the pack uses.
NOT_RANKED_CONTEXT = (
    "not ranked: a {kind} with no benchmark polarity, so no published figure is better "
    "or worse than another; authorities are listed by value"
)


def la_rows(benchmarks: pd.DataFrame) -> pd.DataFrame:
    """Local authority rows (a joint return is already one row per partner when loaded)."""
    b = benchmarks
    return b[b["geographic_level"].eq("Local authority") & ~b["new_la_code"].astype(str).str.contains("/", regex=False)]


def comparable(benchmarks: pd.DataFrame) -> pd.Series:
    """The rows whose figure takes part in ranks, quartiles and averages: a number (or 'low', as zero)
    not resting on suppressed counts."""
    if "ranked" in benchmarks.columns:
        return benchmarks["ranked"].fillna(False).astype(bool)
    return benchmarks["value_status"].eq("ok")


def _notes(b: pd.DataFrame) -> pd.Series:
    return b["note"].fillna("").astype(str) if "note" in b.columns else pd.Series("", index=b.index, dtype="object")


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
    idx = np.select(
        [
            v <= quantiles["q25"].to_numpy(),
            v <= quantiles["q50"].to_numpy(),
            v <= quantiles["q75"].to_numpy(),
            v > quantiles["q75"].to_numpy(),
        ],
        [1, 2, 3, 4],
        0,
    )
    pol = polarity.to_numpy()
    letters_low = np.array(["", "A", "B", "C", "D"])
    letters_high = np.array(["", "D", "C", "B", "A"])
    out = np.where(pol == "lower", letters_low[idx], np.where(pol == "higher", letters_high[idx], ""))
    out = np.where(np.isnan(v), "", out)
    return pd.Series(out, index=values.index, dtype="object")


def national_ranks(benchmarks: pd.DataFrame, polarity: Mapping[str, str]) -> pd.DataFrame:
    """Rank, count and quartile band of every authority with a comparable figure, per indicator and
    year; ``polarity`` is each indicator's rank polarity (``higher``/``lower``; others are not ranked).
    Each partner of a joint return carries its figure; a figure on suppressed counts is left out."""
    la = la_rows(benchmarks)
    la = la[comparable(la)].copy()
    la["polarity"] = la["indicator_id"].map(polarity)
    la = la[la["polarity"].isin(["higher", "lower"])]
    cols = [
        "indicator_id",
        "time_period",
        "new_la_code",
        "national_rank",
        "national_count",
        "quartile",
        "q25",
        "q50",
        "q75",
    ]
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
    years = (
        benchmarks.dropna(subset=["year_end"])
        .groupby(["indicator_id", "time_period"], as_index=False)["year_end"]
        .first()
        .sort_values("year_end")
    )
    g = grid[["indicator_id", "period_end"]].reset_index().sort_values("period_end")
    g["period_end"] = g["period_end"].astype("datetime64[ns]")
    years["year_end"] = years["year_end"].astype("datetime64[ns]")
    merged = pd.merge_asof(g, years, left_on="period_end", right_on="year_end", by="indicator_id", direction="backward")
    return merged.set_index("index")["time_period"].reindex(grid.index).astype("Int64")


def _rank_polarity(card: pd.DataFrame) -> pd.Series:
    if "rank_polarity" in card.columns:
        return card["rank_polarity"].fillna("").astype(str)
    return rank_polarity(card["polarity"])


def _no_figure(code: str, value_status: object, symbol: object) -> str:
    """Why an authority listed beside another has no comparable figure for the year."""
    gone = replaced_by(code)
    if gone:
        return f"no figure ({gone})"
    if pd.isna(value_status):
        return "no figure published for the year"
    if value_status == "ok":
        return "a figure on suppressed counts, left out"
    return f"published as '{symbol}'" if symbol else "no figure"


def _neighbour_notes(out: pd.DataFrame, neighbours: pd.DataFrame, la: pd.DataFrame) -> pd.DataFrame:
    """For each scored row: how many neighbours the model lists, and which of them have no comparable
    figure in the benchmark year, and why (``sn_listed``, ``sn_note``)."""
    model = neighbours.rename(columns={"la_code": "authority"})[["authority", "neighbour_code"]]
    listed = model.groupby("authority")["neighbour_code"].count()
    keys = out[["authority", "indicator_id", "benchmark_year"]].drop_duplicates()
    pairs = keys.merge(model, on="authority")
    figures = la[["indicator_id", "benchmark_year", "authority", "value_status", "symbol", "ranked"]].rename(
        columns={"authority": "neighbour_code"}
    )
    pairs = pairs.merge(figures, on=["indicator_id", "benchmark_year", "neighbour_code"], how="left")
    missing = pairs[~pairs["ranked"].fillna(False).astype(bool)]
    name = names()
    notes = {
        key: "; ".join(
            f"{name.get(c, c)}: {_no_figure(c, st, sy)}"
            for c, st, sy in zip(grp["neighbour_code"], grp["value_status"], grp["symbol"])
        )
        for key, grp in missing.groupby(["authority", "indicator_id", "benchmark_year"])
    }
    result = keys.copy()
    result["sn_listed"] = result["authority"].map(listed).fillna(0).astype(int)
    result["sn_note"] = [
        notes.get(k, "") for k in zip(result["authority"], result["indicator_id"], result["benchmark_year"])
    ]
    unmodelled = result["sn_listed"].eq(0)
    result.loc[unmodelled, "sn_note"] = [
        f"{name.get(a, a)} is not in the statistical neighbour model" for a in result.loc[unmodelled, "authority"]
    ]
    return result


def attach_benchmarks(
    card: pd.DataFrame,
    benchmarks: pd.DataFrame,
    neighbours: pd.DataFrame,
    comparators: Sequence[str] = (),
    ranks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add the benchmark columns to scored rows (``authority, indicator_id, period_end, polarity``,
    optionally ``rank_polarity``).

    The published value (with its symbol and a note: joint return, earlier code, 'low', small
    numbers), London, England, the statistical neighbours' average (of those with a comparable
    figure: ``sn_count`` of ``sn_listed``, and in ``sn_note`` who is left out and why), the custom
    comparators' average, and the national rank and quartile (``rank_note`` says why there is none).

    Returns a new frame; ``card`` is not modified.
    """
    out = card.copy()
    if benchmarks.empty:
        for c in BENCHMARK_COLUMNS:
            out[c] = pd.NA
        for c in ("sn_count", "sn_listed", "comparator_count"):
            out[c] = 0
        for c in ("published_symbol", "published_note", "sn_note", "rank_note", "quartile"):
            out[c] = ""
        return out
    out["benchmark_year"] = benchmark_years(benchmarks, out)
    ok = benchmarks[benchmarks["value_status"].eq("ok")]

    def lookup(rows: pd.DataFrame, columns: dict[str, str], by: list[str]) -> None:
        nonlocal out
        r = rows[by + list(columns)].drop_duplicates(subset=by).rename(columns=columns)
        out = out.merge(r, on=by, how="left")

    nat = ok[ok["geographic_level"].eq("National")].rename(columns={"time_period": "benchmark_year"})
    lookup(nat, {"value": "england"}, ["indicator_id", "benchmark_year"])
    lon = ok[ok["geographic_level"].eq("Regional") & ok["region_code"].eq(LONDON_REGION)].rename(
        columns={"time_period": "benchmark_year"}
    )
    lookup(lon, {"value": "london"}, ["indicator_id", "benchmark_year"])
    la = la_rows(benchmarks).rename(columns={"time_period": "benchmark_year", "new_la_code": "authority"})
    la = la.assign(
        ranked=comparable(la),
        note=_notes(la),
        symbol=la["symbol"].fillna("").astype(str) if "symbol" in la.columns else "",
    )
    own = la.assign(
        published_value=la["value"].where(la["value_status"].eq("ok")),
        published_symbol=la["symbol"],
        published_note=la["note"],
    )
    lookup(
        own,
        {
            "published_value": "published_value",
            "published_symbol": "published_symbol",
            "published_note": "published_note",
            "ranked": "_own_ranked",
        },
        ["indicator_id", "benchmark_year", "authority"],
    )
    for c in ("published_symbol", "published_note"):
        out[c] = out[c].astype("object").fillna("")

    # statistical neighbours: mean of those with a comparable figure, and how many of those listed
    sn = neighbours.rename(columns={"la_code": "authority"})[["authority", "neighbour_code"]]
    pairs = out[["authority", "indicator_id", "benchmark_year"]].drop_duplicates().merge(sn, on="authority")
    pairs = pairs.merge(
        la.loc[la["ranked"], ["indicator_id", "benchmark_year", "authority", "value"]].rename(
            columns={"authority": "neighbour_code"}
        ),
        on=["indicator_id", "benchmark_year", "neighbour_code"],
        how="left",
    )
    agg = pairs.groupby(["authority", "indicator_id", "benchmark_year"], as_index=False).agg(
        sn_mean=("value", "mean"), sn_count=("value", "count")
    )
    out = out.merge(agg, on=["authority", "indicator_id", "benchmark_year"], how="left")
    out["sn_count"] = out["sn_count"].fillna(0).astype(int)
    out = out.merge(
        _neighbour_notes(out, neighbours, la), on=["authority", "indicator_id", "benchmark_year"], how="left"
    )
    out["sn_listed"] = out["sn_listed"].fillna(0).astype(int)
    out["sn_note"] = out["sn_note"].astype("object").fillna("")

    comp = la[la["ranked"] & la["authority"].isin(list(comparators))]
    cagg = comp.groupby(["indicator_id", "benchmark_year"], as_index=False).agg(
        comparator_mean=("value", "mean"), comparator_count=("value", "count")
    )
    out = out.merge(cagg, on=["indicator_id", "benchmark_year"], how="left")
    out["comparator_count"] = out["comparator_count"].fillna(0).astype(int)

    rank_polarity = _rank_polarity(out)
    if ranks is None:
        ranks = national_ranks(benchmarks, dict(zip(out["indicator_id"], rank_polarity)))
    r = ranks.rename(columns={"time_period": "benchmark_year", "new_la_code": "authority"})
    out = out.merge(
        r[["indicator_id", "benchmark_year", "authority", "national_rank", "national_count", "quartile"]],
        on=["indicator_id", "benchmark_year", "authority"],
        how="left",
    )
    # how many authorities had a comparable figure, even where this one did not
    counts = ranks.groupby(["indicator_id", "time_period"])["national_count"].first().rename("nc").reset_index()
    out = out.merge(
        counts.rename(columns={"time_period": "benchmark_year"}), on=["indicator_id", "benchmark_year"], how="left"
    )
    out["national_count"] = out["national_count"].fillna(out["nc"]).astype("Int64")
    out["quartile"] = out["quartile"].fillna("")
    kind = np.where(out["polarity"].eq("band"), "within-a-band measure", "context measure")
    unranked = rank_polarity.reindex(out.index).fillna("").eq("") & out["benchmark_year"].notna()
    small = out["_own_ranked"].eq(False) & out["published_value"].notna()
    out["rank_note"] = np.select(
        [unranked, small],
        [
            pd.Series([NOT_RANKED_CONTEXT.format(kind=k) for k in kind], index=out.index),
            "not ranked: the published figure rests on suppressed counts (small numbers), as in DfE's LAIT",
        ],
        "",
    )
    out.loc[unranked, "national_count"] = pd.NA
    return out.drop(columns=["nc", "_own_ranked"])


def benchmark_series(
    benchmarks: pd.DataFrame,
    neighbours: pd.DataFrame,
    authority: str,
    authority_name: str,
    comparators: Sequence[str] = (),
) -> pd.DataFrame:
    """Published series by year for charts: the authority, London, England, neighbours' mean and the
    comparators' mean. Long: ``indicator_id, benchmark_year, year_end, series, value, note``.

    The authority's own series follows it through its code history (figures published under an
    earlier code or in a joint return are its own; a predecessor's are not)."""
    cols = ["indicator_id", "benchmark_year", "year_end", "series", "value", "note"]
    if benchmarks.empty:
        return pd.DataFrame(columns=cols)
    ok = benchmarks[benchmarks["value_status"].eq("ok")].assign(note=lambda d: _notes(d))
    la = la_rows(ok)
    fair = la[comparable(la)]
    parts = [
        la[la["new_la_code"].eq(authority)].assign(series=authority_name),
        ok[ok["geographic_level"].eq("Regional") & ok["region_code"].eq(LONDON_REGION)].assign(
            series="London", note=""
        ),
        ok[ok["geographic_level"].eq("National")].assign(series="England", note=""),
    ]
    sn_codes = neighbours.loc[neighbours["la_code"].eq(authority), "neighbour_code"]
    sn = (
        fair[fair["new_la_code"].isin(sn_codes)]
        .groupby(["indicator_id", "time_period", "year_end"], as_index=False)["value"]
        .mean()
    )
    parts.append(sn.assign(series="Statistical neighbours", note=""))
    if comparators:
        cm = (
            fair[fair["new_la_code"].isin(list(comparators))]
            .groupby(["indicator_id", "time_period", "year_end"], as_index=False)["value"]
            .mean()
        )
        parts.append(cm.assign(series="Comparators", note=""))
    out = pd.concat(
        [p[["indicator_id", "time_period", "year_end", "series", "value", "note"]] for p in parts], ignore_index=True
    )
    return (
        out.rename(columns={"time_period": "benchmark_year"})
        .sort_values(["indicator_id", "series", "benchmark_year"])
        .reset_index(drop=True)[cols]
    )


def comparison_table(
    benchmarks: pd.DataFrame,
    neighbours: pd.DataFrame,
    card: pd.DataFrame,
    authority: str,
    comparators: Sequence[str] = (),
    ranks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """For each indicator's benchmark year: the authority, its neighbours, the comparators, London and
    England, with national ranks. Long: ``indicator_id, benchmark_year, la_code, la_name, value, symbol,
    note, role, rank``; a neighbour without a figure is listed with its reason in ``note``."""
    cols = ["indicator_id", "benchmark_year", "la_code", "la_name", "value", "symbol", "note", "role", "rank"]
    years = card[["indicator_id", "benchmark_year"]].dropna(subset=["benchmark_year"])
    if benchmarks.empty or years.empty:
        return pd.DataFrame(columns=cols)
    b = benchmarks.rename(columns={"time_period": "benchmark_year"})
    b = b.merge(years, on=["indicator_id", "benchmark_year"])
    b = b.assign(note=_notes(b), symbol=b["symbol"].fillna("").astype(str) if "symbol" in b.columns else "")
    ok = b[b["value_status"].eq("ok")]
    la = la_rows(b)
    sn_codes = list(neighbours.loc[neighbours["la_code"].eq(authority), "neighbour_code"])
    roles = {
        authority: "selected",
        **dict.fromkeys(sn_codes, "statistical neighbour"),
        **{c: "comparator" for c in comparators if c != authority},
    }
    shown = la[la["new_la_code"].isin(list(roles))].assign(role=lambda d: d["new_la_code"].map(roles))
    shown = shown.assign(value=shown["value"].where(shown["value_status"].eq("ok")))
    # a neighbour or comparator DfE published nothing for that year is listed, with the reason
    name = names()
    absent = []
    for ind, year in years.drop_duplicates().itertuples(index=False):
        have = set(shown.loc[shown["indicator_id"].eq(ind) & shown["benchmark_year"].eq(year), "new_la_code"])
        absent += [
            {
                "indicator_id": ind,
                "benchmark_year": year,
                "new_la_code": code,
                "la_name": name.get(code, code),
                "value": np.nan,
                "symbol": "",
                "role": role,
                "note": _no_figure(code, np.nan, ""),
            }
            for code, role in roles.items()
            if code not in have
        ]
    if absent:
        shown = pd.concat([shown, pd.DataFrame(absent)], ignore_index=True)
    if ranks is None:
        ranks = national_ranks(benchmarks, dict(zip(card["indicator_id"], _rank_polarity(card))))
    shown = shown.merge(
        ranks.rename(columns={"time_period": "benchmark_year"})[
            ["indicator_id", "benchmark_year", "new_la_code", "national_rank"]
        ],
        on=["indicator_id", "benchmark_year", "new_la_code"],
        how="left",
    )
    regions = pd.concat(
        [
            ok[ok["geographic_level"].eq("Regional") & ok["region_code"].eq(LONDON_REGION)].assign(
                role="London", la_name="London", new_la_code=LONDON_REGION, note=""
            ),
            ok[ok["geographic_level"].eq("National")].assign(
                role="England", la_name="England", new_la_code=ENGLAND, note=""
            ),
        ]
    )
    out = pd.concat([shown.rename(columns={"national_rank": "rank"}), regions], ignore_index=True)
    out = out.rename(columns={"new_la_code": "la_code"})
    out["rank"] = out["rank"].astype("Int64") if "rank" in out else pd.NA
    out["symbol"] = out["symbol"].fillna("").astype(str)
    out["note"] = out["note"].fillna("").astype(str)
    return out[cols].drop_duplicates(subset=["indicator_id", "la_code"]).reset_index(drop=True)


def benchmarked_ids(comparison: pd.DataFrame, benchmarks: pd.DataFrame) -> set[str]:
    """Indicators with published figures: a ranked comparison or a published series.

    >>> sorted(benchmarked_ids(pd.DataFrame({"indicator_id": ["A"]}), pd.DataFrame({"indicator_id": ["B", "A"]})))
    ['A', 'B']
    """
    ids: set[str] = set()
    for df in (comparison, benchmarks):
        if "indicator_id" in df.columns:
            ids |= set(df["indicator_id"].astype(str))
    return ids
