"""Every authority, every published figure: the scorecard's benchmark columns against DfE's files.

The reference here is worked out from the bundled DfE files as published, read with the csv module,
by the rules in docs/benchmarks.md (DfE's LAIT: rank 1 = best, ties share the better rank; quartile
bands from linear-interpolated quantiles, a value on a quantile in the band of lower values), with
its own list of code changes and joint returns. It shares no code with kpitools' loaders or
benchmarks, so a mistake in either shows up as a difference.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpitools.ingest.loaders import load_dataset
from kpitools.pack.build import framework_ranks
from kpitools.score.benchmarks import attach_benchmarks

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "data" / "raw" / "published"
PERIOD = "2025-26 Q2"  # ends 30 September 2025: year ending March 2025, and the September 2025 census

# Authorities DfE's files publish under an earlier code, though the council is the same (ONS code
# history); typed out here from the ONS register, independently of kpitools/reference/code_history.csv.
SAME_COUNCIL_NEW_CODE = {
    "E08000016": "E08000038",
    "E08000019": "E08000039",
    "E10000002": "E06000060",
    "E10000023": "E06000065",
    "E10000027": "E06000066",
}


def _read(name: str) -> list[dict[str, str]]:
    with open(PUBLISHED / name, encoding="utf-8-sig", newline="") as fh:
        return [{k.strip().lower(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _number(cell: str) -> float | None:
    if cell in ("low", "k"):  # rounds to zero: ranked as the lowest value
        return 0.0
    try:
        return float(cell)
    except ValueError:
        return None


def _framework() -> list[dict[str, str]]:
    with open(ROOT / "data" / "raw" / "framework" / "indicators.csv", encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["benchmark_file"].strip()]


def _current() -> dict[str, str]:
    """old LA code -> current new code, for the 153 authorities of the 2025 neighbour model, from the
    DfE files' own code columns (latest year first)."""
    model = _read("sn_model_2025_wide.csv")
    seen: dict[str, tuple[int, str]] = {}
    for name in (
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        "cla_number_and_rate_per_10k_children.csv",
    ):
        for r in _read(name):
            if r["geographic_level"] != "Local authority" or "/" in r["new_la_code"]:
                continue
            code = SAME_COUNCIL_NEW_CODE.get(r["new_la_code"], r["new_la_code"])
            year = int(r["time_period"][:4])
            if r["old_la_code"] not in seen or seen[r["old_la_code"]][0] < year:
                seen[r["old_la_code"]] = (year, code)
    return {m["old_la_code"]: seen[m["old_la_code"]][1] for m in model}


def _neighbours(current: dict[str, str]) -> dict[str, list[str]]:
    return {
        current[m["old_la_code"]]: [current[m[f"sn_{i}"]] for i in range(1, 11)]
        for m in _read("sn_model_2025_wide.csv")
    }


def _published(indicator: dict[str, str], year: int) -> dict[str, tuple[float | None, bool, str]]:
    """current code -> (published number, comparable, raw cell) for the indicator's year."""
    pairs = [
        tuple(x.strip() for x in part.split("=", 1))
        for part in indicator["benchmark_filter"].split(";")
        if part.strip()
    ]
    counts = [c.strip().lower() for c in indicator["benchmark_count_columns"].split(";") if c.strip()]
    column = indicator["benchmark_column"].strip().lower()
    out: dict[str, tuple[float | None, bool, str]] = {}
    for r in _read(indicator["benchmark_file"]):
        if r["geographic_level"] != "Local authority" or int(r["time_period"][:4]) != year:
            continue
        if any(r[k.lower()] != v for k, v in pairs):
            continue
        value = _number(r[column])
        small = any(r[c] == "c" for c in counts)
        for code in r["new_la_code"].split(" / "):  # a joint return: each partner carries the figure
            code = SAME_COUNCIL_NEW_CODE.get(code, code)
            if code in out and out[code][0] is not None and value is None:
                continue  # a 'z' row under the other code
            out[code] = (value, value is not None and not small, r[column])
    return out


def _rank_polarity(indicator: dict[str, str]) -> str:
    given = indicator.get("benchmark_polarity", "").strip().lower()
    if given in ("higher", "lower"):
        return given
    return indicator["polarity"] if indicator["polarity"] in ("higher", "lower") else ""


def _lait_band(value: float, pool: list[float], polarity: str) -> str:
    q25, q50, q75 = np.quantile(pool, [0.25, 0.5, 0.75])
    low_first = "A" if value <= q25 else "B" if value <= q50 else "C" if value <= q75 else "D"
    return low_first if polarity == "lower" else {"A": "D", "B": "C", "C": "B", "D": "A"}[low_first]


def _year_for(indicator: dict[str, str], period_end: pd.Timestamp) -> int:
    """The latest published year ended by the period's end: the workforce census is taken on 30
    September, the other files' years end on 31 March."""
    month_day = (9, 30) if indicator["benchmark_file"].startswith("csww_") else (3, 31)
    return period_end.year if (period_end.month, period_end.day) >= month_day else period_end.year - 1


PERIOD_END = pd.Timestamp("2025-09-30")


def reference(period_end: pd.Timestamp = PERIOD_END) -> pd.DataFrame:
    current = _current()
    neighbours = _neighbours(current)
    rows = []
    for ind in _framework():
        # at 30 September 2025 both the March-2025 files and the September-2025 workforce census have ended
        year = _year_for(ind, period_end)
        pub = _published(ind, year)
        polarity = _rank_polarity(ind)
        pool = [v for v, fair, _ in pub.values() if fair]
        for code in neighbours:
            value, fair, cell = pub.get(code, (None, False, ""))
            sn = [pub[n][0] for n in neighbours[code] if n in pub and pub[n][1]]
            rank = band = None
            if polarity and fair:
                better = sum((v > value) if polarity == "higher" else (v < value) for v in pool)
                rank, band = better + 1, _lait_band(value, pool, polarity)
            rows.append(
                {
                    "authority": code,
                    "indicator_id": ind["indicator_id"],
                    "ref_value": value,
                    "ref_cell": cell,
                    "ref_sn_count": len(sn),
                    "ref_sn_mean": np.mean(sn) if sn else np.nan,
                    "ref_rank": rank,
                    "ref_count": len(pool) if polarity else None,
                    "ref_quartile": band or "",
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def demo():
    return load_dataset(ROOT / "data" / "raw")


@pytest.fixture(scope="module")
def national(demo) -> pd.DataFrame:
    """The scorecard's benchmark columns for every current authority at 2025-26 Q2, beside the reference."""
    ref = reference()
    ind = demo.indicators[demo.indicators["benchmark_file"].str.strip().ne("")]
    card = ref[["authority", "indicator_id"]].merge(
        ind[["indicator_id", "polarity", "rank_polarity"]], on="indicator_id"
    )
    card["period_end"] = pd.Timestamp("2025-09-30")
    scored = attach_benchmarks(card, demo.benchmarks, demo.neighbours, ranks=framework_ranks(demo))
    return scored.merge(ref, on=["authority", "indicator_id"], validate="one_to_one")


def test_every_current_authority_and_benchmarked_indicator_is_checked(national):
    assert national["authority"].nunique() == 153
    assert national["indicator_id"].nunique() == 10
    assert len(national) == 1530


def test_published_value_is_dfe_figure_for_every_authority(national):
    # no authority is blank where DfE published a figure (Barnsley and Sheffield under earlier codes,
    # Kingston and Richmond, North and West Northamptonshire in joint workforce returns)
    wrong = national[
        ~np.isclose(national["published_value"].astype(float), national["ref_value"].astype(float), equal_nan=True)
    ]
    assert wrong.empty, wrong[["authority", "indicator_id", "published_value", "ref_value"]].head(10).to_string()
    assert national["published_value"].notna().sum() == national["ref_value"].notna().sum() > 1400


def test_neighbour_average_and_count_for_every_authority(national):
    assert (national["sn_count"] == national["ref_sn_count"]).all(), national.loc[
        national["sn_count"] != national["ref_sn_count"], ["authority", "indicator_id", "sn_count", "ref_sn_count"]
    ].head()
    assert np.allclose(national["sn_mean"].astype(float), national["ref_sn_mean"].astype(float), equal_nan=True)
    assert (national["sn_listed"] == 10).all()


def test_national_rank_count_and_quartile_for_every_authority(national):
    rank = national["national_rank"].astype("Int64")
    ref_rank = national["ref_rank"].astype("Int64")
    differs = ~((rank == ref_rank).fillna(False) | (rank.isna() & ref_rank.isna()))
    assert not differs.any(), (
        national.loc[differs, ["authority", "indicator_id", "national_rank", "ref_rank"]].head(10).to_string()
    )
    ranked = national["ref_count"].notna()
    assert (national.loc[ranked, "national_count"].astype(int) == national.loc[ranked, "ref_count"].astype(int)).all()
    assert (national["quartile"].fillna("") == national["ref_quartile"]).all()


def test_known_cases_of_each_rule(national):
    at = national.set_index(["authority", "indicator_id"])
    # Barnsley (E08000038): DfE's children in need file still uses E08000016
    assert at.loc[("E08000038", "REREFERRAL"), "published_value"] == 25.5
    assert "earlier code E08000016" in at.loc[("E08000038", "REREFERRAL"), "published_note"]
    # Kingston upon Thames and Richmond upon Thames: one workforce return, each partner carries it
    for code, partner in (("E09000021", "Richmond upon Thames"), ("E09000027", "Kingston upon Thames")):
        assert at.loc[(code, "SW_TURNOVER"), "published_value"] == 28.0
        assert at.loc[(code, "SW_TURNOVER"), "published_note"] == f"joint return with {partner}"
    assert (
        at.loc[("E09000021", "SW_TURNOVER"), "national_rank"] == at.loc[("E09000027", "SW_TURNOVER"), "national_rank"]
    )
    # Sunderland's agency rate is published as 'low': shown so, ranked first (lowest, smaller is better)
    sunderland = at.loc[("E08000024", "SW_AGENCY")]
    assert sunderland["published_symbol"] == "low" and sunderland["national_rank"] == 1
    # Isles of Scilly: 0% repeat plans of a suppressed number of plans: flagged, not ranked
    scilly = at.loc[("E06000053", "CP_REPEAT")]
    assert scilly["published_value"] == 0.0 and pd.isna(scilly["national_rank"]) and scilly["quartile"] == ""
    assert "suppressed counts" in scilly["rank_note"]
    # Children looked after per 10,000 is a context measure with no benchmark polarity: never ranked
    assert national.loc[national["indicator_id"].eq("CLA_RATE"), "national_rank"].isna().all()
    assert at.loc[("E09000016", "CLA_RATE"), "rank_note"].startswith("not ranked: a context measure")


def test_havering_turnover_neighbours_are_all_ten(national):
    # Havering's neighbours include West Northamptonshire, whose workforce figure is a joint return
    # with North Northamptonshire: it was left out (9 of 10) before joint returns were followed
    havering = national.set_index(["authority", "indicator_id"]).loc[("E09000016", "SW_TURNOVER")]
    assert havering["sn_count"] == 10 and havering["sn_note"] == ""
    assert havering["ref_sn_count"] == 10


@pytest.mark.parametrize(
    "authority,period,period_end",
    [
        ("Barnsley", "2025-26 Q2", "2025-09-30"),
        ("Richmond upon Thames", "2025-26 Q2", "2025-09-30"),
        ("Sunderland", "2025-26 Q2", "2025-09-30"),
        ("Isles of Scilly", "2025-26 Q2", "2025-09-30"),
        # a monthly pack (#12): at 31 August 2025 the September 2025 workforce census is not out yet,
        # so the workforce figures are September 2024's; the March-2025 files are the same
        ("Barnsley", "2025-08", "2025-08-31"),
        ("Camden", "2025-08", "2025-08-31"),
        ("Cornwall", "2025-08", "2025-08-31"),
    ],
)
def test_score_command_gives_the_reference_figures(tmp_path, authority, period, period_end):
    out = tmp_path / "card.csv"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpitools.cli",
            "score",
            "--authority",
            authority,
            "--period",
            period,
            "--out",
            str(out),
            "--benchmark-only",  # these authorities have published figures only
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    card = pd.read_csv(out).set_index("indicator_id")
    ref = reference(pd.Timestamp(period_end))
    from kpitools.core.authorities import resolve

    ref = ref[ref["authority"].eq(resolve(authority).code)].set_index("indicator_id")
    assert len(ref) == 10
    years = {i["indicator_id"]: _year_for(i, pd.Timestamp(period_end)) for i in _framework()}
    for ind, r in ref.iterrows():
        got = card.loc[ind]
        assert got["benchmark_year"] == years[ind], ind
        assert (pd.isna(got["published_value"]) and pd.isna(r["ref_value"])) or got["published_value"] == pytest.approx(
            r["ref_value"]
        )
        assert got["sn_count"] == r["ref_sn_count"]
        assert (pd.isna(got["national_rank"]) and pd.isna(r["ref_rank"])) or got["national_rank"] == r["ref_rank"]


def test_every_year_of_every_file_follows_the_code_history(demo):
    """In every year of every bundled file, each current authority DfE published a figure for (under
    any code, alone or in a joint return) has that figure."""
    current = set(_current().values())
    b = demo.benchmarks
    b = b[b["geographic_level"].eq("Local authority")]
    got = {
        (i, int(y), c): v
        for i, y, c, v in zip(b["indicator_id"], b["time_period"], b["new_la_code"], b["value"])
        if pd.notna(v)
    }
    checked = missing = 0
    problems = []
    for ind in _framework():
        years = sorted({int(r["time_period"][:4]) for r in _read(ind["benchmark_file"])})
        for year in years:
            for code, (value, _, _) in _published(ind, year).items():
                if code not in current or value is None:
                    continue
                checked += 1
                if (ind["indicator_id"], year, code) not in got or got[(ind["indicator_id"], year, code)] != value:
                    missing += 1
                    problems.append((ind["indicator_id"], year, code))
    assert missing == 0, problems[:10]
    assert checked > 10_000
