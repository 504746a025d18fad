"""The tables a quarterly pack shows, scored once and read by every notebook.

``build_tables`` scores an authority's whole history in one vectorised pass and returns
:class:`PackTables`; ``PackTables.write``/``read`` keep them as Parquet so that a schedule scores once
and the notebooks only read and draw.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpitools import __version__
from kpitools.core.authorities import Authority, resolve
from kpitools.core.errors import ConfigError, NoLocalFiguresError, PeriodError
from kpitools.core.files import atomic_path
from kpitools.core.numbers import round_figures, round_significant
from kpitools.core.periods import Period, is_latest, labels, latest_kind, latest_quarter_ended, pack_period
from kpitools.core.vocabulary import POLARITY_TEXT
from kpitools.ingest.loaders import Dataset, in_force, reported_when
from kpitools.pack.tables import FIGURE_COLUMNS, PackMeta, PackTables
from kpitools.score.benchmarks import (
    attach_benchmarks,
    benchmark_series,
    benchmarked_ids,
    comparison_table,
    national_ranks,
)
from kpitools.score.scoring import score
from kpitools.score.summary import summarise, summary_sentences
from kpitools.score.text import format_values, sentences

SCORECARD_COLUMNS = [
    "indicator_id",
    "title",
    "polarity",
    "polarity_text",
    "unit",
    "decimals",
    "frequency",
    "measure",
    "period",
    "observation_period",
    "observation_end",
    "due_period",
    "late",
    "late_reason",
    "value",
    "value_text",
    "target",
    "target_annual",
    "target_prorated",
    "lower",
    "upper",
    "target_text",
    "tolerance",
    "tolerance_type",
    "status",
    "status_reason",
    "rag",
    "rag_scheme",
    "dot_short",
    "dot_long",
    "previous_value",
    "last_year_value",
    "numerator",
    "denominator",
    "small_number",
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
    "rank_polarity",
    "national_rank",
    "national_count",
    "quartile",
    "rank_note",
    "sentence",
    "highlight",
    "improvement",
    "action",
    "definition",
    "source",
]


def resolve_period(ds: Dataset, authority: Authority, period: str) -> Period:
    """The pack's period: a quarter (``2025-26 Q2``) or a month (``2025-08``, a monthly pack).

    ``latest`` (or ``latest month``) is the latest quarter (month) with a local figure for the authority (a value, or one
    suppressed in the extract: a quarter of suppressed figures is still the quarter reported), else
    for any authority, else the quarter in which the latest published year ends."""
    latest = latest_kind(period)
    if latest is None:
        return pack_period(period)
    v = ds.values[ds.values["value_status"].isin(LOCAL_FIGURE_STATUSES)]
    own = v[v["authority"].eq(authority.code)]
    pool = own if not own.empty else v
    if not pool.empty:
        end = pd.Timestamp(pool["period_end"].max())
    elif not ds.benchmarks.empty:
        end = pd.Timestamp(ds.benchmarks["year_end"].max())
    else:
        raise PeriodError("no period has any data: name the period, e.g. --period '2025-26 Q2'")
    if latest == "month":
        return Period("month", int(end.year * 12 + end.month - 1))
    return Period("quarter", int(_quarter_ordinals(pd.Series([end]))[0]))


# A row of an authority's extracts is a local figure when it holds a value, or one suppressed in the
# extract (a quarter of suppressed figures is still the quarter reported); a blank or "missing" is not.
LOCAL_FIGURE_STATUSES = ("ok", "suppressed")


def _quarter_ordinals(ends: pd.Series) -> np.ndarray:
    """The ordinal of the financial-year quarter each date falls in (April to June is Q1)."""
    ends = pd.to_datetime(ends)
    month, year = ends.dt.month.to_numpy(), ends.dt.year.to_numpy()
    fy = np.where(month >= 4, year, year - 1)
    return fy * 4 + ((month - 4) % 12) // 3


def local_quarters(ds: Dataset, authority_code: str) -> list[Period]:
    """The quarters with a local figure for the authority, oldest first: each row of its extracts
    with a value or one suppressed in the extract counts for the quarter its period ends in (a month,
    a quarter, or a year for its last quarter), as for ``latest`` (:func:`resolve_period`)."""
    ends = _local_figure_ends(ds, authority_code)
    if ends.empty:
        return []
    return [Period("quarter", int(o)) for o in sorted(set(_quarter_ordinals(ends).tolist()))]


def _local_figure_ends(ds: Dataset, authority_code: str) -> pd.Series:
    """The distinct last days of the periods with a local figure for the authority."""
    v = ds.values
    ends = v.loc[v["authority"].eq(authority_code) & v["value_status"].isin(LOCAL_FIGURE_STATUSES), "period_end"]
    return pd.to_datetime(pd.Series(ends.dropna().unique()))


def local_months(ds: Dataset, authority_code: str) -> list[Period]:
    """The months that have a monthly pack with local figures for the authority, oldest first: a
    month counts when a local figure's period ends in it or in the months since the start of the
    latest quarter ended by then (the quarter a monthly pack reports its quarterly indicators at)."""
    ends = _local_figure_ends(ds, authority_code)
    if ends.empty:
        return []
    months = set((ends.dt.year * 12 + ends.dt.month - 1).tolist())
    # a quarter's figure (ending in June) also serves the two months after it (July, August)
    months |= {m + k for m in months if (m + 1) % 3 == 0 for k in (1, 2)}
    return [Period("month", int(m)) for m in sorted(months)]


def describe_quarters(quarters: Sequence[Period], most: int = 6) -> str:
    """``2022-23 Q1 to 2025-26 Q2 (14 quarters)``: runs of consecutive periods (quarters, or months);
    ``none`` for none.

    Examples
    --------
    >>> describe_quarters([Period.parse("2022-23 Q1"), Period.parse("2022-23 Q2"), Period.parse("2024-25 Q4")])
    '2022-23 Q1 to 2022-23 Q2, 2024-25 Q4 (3 quarters)'
    >>> describe_quarters([])
    'none'
    """
    if not quarters:
        return "none"
    runs: list[list[Period]] = []
    for q in sorted(quarters, key=lambda q: q.ordinal):
        if runs and q.ordinal == runs[-1][-1].ordinal + 1:
            runs[-1].append(q)
        else:
            runs.append([q])
    parts = [r[0].label if len(r) == 1 else f"{r[0].label} to {r[-1].label}" for r in runs]
    if len(parts) > most:
        parts = [*parts[: most - 1], "...", parts[-1]]
    n = len(quarters)
    word = "month" if quarters[0].kind == "month" else "quarter"
    return f"{', '.join(parts)} ({n} {word}{'s' if n != 1 else ''})"


def check_local_figures(
    ds: Dataset, authority: Authority, period: str, benchmark_only: bool | None = False
) -> tuple[Period, bool]:
    """The pack's period, and whether it is a pack of published benchmarks only (no local figures
    for the authority in that quarter, or month: see :func:`local_quarters` and :func:`local_months`).

    Cheap (one filter of the local values, nothing written): ``kpitools score``, ``report`` and
    ``run`` call it before anything is written. ``benchmark_only`` says what to do when the
    authority has no local figures for the quarter: ``False`` stops with
    :class:`~kpitools.core.errors.NoLocalFiguresError`, naming the quarters that have them; ``True``
    (``--benchmark-only``, ``benchmark_only: true``) allows a benchmark-only pack; ``None`` (a
    notebook run by hand, the workbench) allows it without being asked. An authority with local
    figures for the quarter always gets its full pack.

    Raises
    ------
    PeriodError
        The period cannot be read, or is not a quarter.
    NoLocalFiguresError
        No local figures for the quarter and ``benchmark_only`` is ``False``.
    """
    p = resolve_period(ds, authority, period)
    quarters = local_months(ds, authority.code) if p.kind == "month" else local_quarters(ds, authority.code)
    if any(q.ordinal == p.ordinal for q in quarters):
        return p, False
    if benchmark_only is False:
        word = p.kind  # quarter or month
        what = f"for any {word}, so it has no latest {word} of its own" if is_latest(period) else f"for {p.label}"
        hint = (
            "Choose one of them with --period, or add --benchmark-only for a pack of published benchmarks only"
            if quarters
            else "For a pack of published benchmarks only, add --benchmark-only"
        )
        raise NoLocalFiguresError(
            f"{authority.name} has no local figures {what}: nothing was written. "
            f"Periods with local figures for {authority.name}: {describe_quarters(quarters)}. "
            f"{hint} (in a schedule: benchmark_only: true).",
            authority=authority.name,
            period=p.label,
            periods=[q.label for q in quarters],
        )
    return p, True


def _history_periods(period: Period, years: int = 3) -> list[Period]:
    """The periods of the trend: ``years`` years of quarters (or months) to ``period``."""
    first = period.shift(-(12 if period.kind == "month" else 4) * years + 1)
    return [first.shift(i) for i in range(period.ordinal - first.ordinal + 1)]


# A figure older than the period it is due for is shown as the latest available when it ends at most
# this many months before the period's end (settings.yaml: late_figures.latest_available_within_months);
# older, the indicator has no data.
LATE_FIGURE_MONTHS = 12
# statuses of a row with a figure of its own (a value), which can stand as the latest available
_WITH_FIGURE = ("rated", "no target", "not a target measure")


def latest_available(
    card: pd.DataFrame, scored: pd.DataFrame, period: Period, within_months: int = LATE_FIGURE_MONTHS
) -> pd.DataFrame:
    """The scorecard with each missing figure ("no data": due, neither given nor suppressed)
    replaced by the indicator's latest earlier figure ending within ``within_months`` months before
    the period's end (a year by default; 0: none is replaced), scored for its own period (its
    own target, rating and direction of travel), with ``late`` true and ``late_reason`` saying why
    the period's own figure is missing. ``period`` stays the pack's; ``observation_period`` says which
    period the figure is for. A new frame; the inputs are not modified.

    Examples
    --------
    >>> card = pd.DataFrame({"indicator_id": ["A"], "period": ["2025-26 Q2"], "status": ["no data"],
    ...     "status_reason": ["no data: no value in the extract"], "value": [float("nan")],
    ...     "observation_period": ["2025-26 Q2"], "period_end": [pd.Timestamp("2025-09-30")]})
    >>> scored = pd.DataFrame({"indicator_id": ["A"], "period": ["2025-26 Q1"], "status": ["rated"],
    ...     "status_reason": [""], "value": [41.0], "observation_period": ["2025-26 Q1"],
    ...     "period_end": [pd.Timestamp("2025-06-30")]})
    >>> latest_available(card, scored, Period.parse("2025-26 Q2"))[["period", "value", "observation_period", "late"]].values.tolist()
    [['2025-26 Q2', 41.0, '2025-26 Q1', True]]
    """
    out = card.copy()
    out["late"] = False
    out["late_reason"] = ""
    missing = out["status"].eq("no data")
    if not missing.any() or within_months <= 0:
        return out
    earliest = period.end - pd.DateOffset(months=within_months)
    ends = pd.to_datetime(scored["period_end"])
    pool = scored[
        scored["status"].isin(_WITH_FIGURE)
        & pd.to_numeric(scored["value"], errors="coerce").notna()
        & (ends < period.end)
        & (ends >= earliest)
        & scored["indicator_id"].isin(out.loc[missing, "indicator_id"])
    ]
    latest = pool.assign(_end=ends[pool.index]).sort_values("_end").groupby("indicator_id").tail(1)
    latest = latest.drop(columns="_end").set_index("indicator_id")
    for i in out.index[missing]:
        ind = out.at[i, "indicator_id"]
        if ind not in latest.index:
            continue
        why = out.at[i, "status_reason"]
        due = "due_period" if "due_period" in out.columns else "period"
        figure = latest.loc[ind]
        for col in out.columns.intersection(latest.columns):
            if col not in ("period", "period_end", "indicator_id", "due_period"):
                out.at[i, col] = figure[col]
        out.at[i, "late"] = True
        out.at[i, "late_reason"] = str(why)
        own = str(figure["status_reason"]) if isinstance(figure["status_reason"], str) else ""
        out.at[i, "status_reason"] = (
            f"latest available: {figure['observation_period']} (no figure for {out.at[i, due]}: "
            f"{_reason_words(why)})" + (f"; {own}" if own else "")
        )
    return out


def _reason_words(reason: object) -> str:
    """``no value in the extract`` for ``no data: no value in the extract``."""
    text = str(reason) if isinstance(reason, str) else ""
    return text.removeprefix("no data: ").strip() or "no value in the extract"


def _check_in_force(asked_out_of_force: pd.DataFrame, period: Period) -> None:
    """Stop when an indicator asked for by name (``--indicators``) is not in the framework for the
    period: a pack silently without it would look complete."""
    if asked_out_of_force.empty:
        return
    said = [f"{row['indicator_id']} (reported {reported_when(row)})" for row in asked_out_of_force.to_dict("records")]
    raise ConfigError(
        f"--indicators names {', '.join(said)}, not in the framework for {period.label}: "
        "leave it out, or choose a period it is reported for"
    )


def framework_changes(indicators: pd.DataFrame, period: Period) -> dict[str, Any]:
    """The indicators added to and removed from the framework since the period before (the quarter,
    or month, before), with the framework's reason when it gives one.

    Examples
    --------
    >>> ind = pd.DataFrame({"indicator_id": ["OLD", "NEW"], "title": ["Old", "New"],
    ...     "in_force_from": pd.to_datetime([None, "2025-08-01"]), "in_force_to": pd.to_datetime(["2025-07-31", None]),
    ...     "added_reason": ["", "More telling"], "removed_reason": ["Always 100%", ""]})
    >>> changes = framework_changes(ind, Period.parse("2025-08"))
    >>> changes["since"], [a["indicator_id"] for a in changes["added"]], changes["removed"][0]["reason"]
    ('2025-07', ['NEW'], 'Always 100%')
    """
    before = period.shift(-1)
    now, then = in_force(indicators, period), in_force(indicators, before)

    def listed(rows: pd.DataFrame, reason: str) -> list[dict[str, str]]:
        return [
            {"indicator_id": str(i), "title": str(t), "reason": str(r) if isinstance(r, str) else ""}
            for i, t, r in zip(rows["indicator_id"], rows["title"], rows.get(reason, pd.Series("", index=rows.index)))
        ]

    return {
        "since": before.label,
        "added": listed(indicators[now & ~then], "added_reason"),
        "removed": listed(indicators[then & ~now], "removed_reason"),
    }


def _commentary(ds: Dataset, authority: str, period: str) -> pd.DataFrame:
    c = ds.commentary
    c = c[c["authority"].eq(authority) & c["period"].eq(period)]
    if c.empty:
        return pd.DataFrame(columns=["indicator_id", "highlight", "improvement", "action"])
    wide = c.groupby(["indicator_id", "kind"])["text"].agg("\n\n".join).unstack()
    return wide.reindex(columns=["highlight", "improvement", "action"]).reset_index()


def _commentary_sources(ds: Dataset, authority: str, period: str) -> dict[str, dict[str, list[list[Any]]]]:
    """Where each indicator's commentary came from, so that a message can name the file and row."""
    c = ds.commentary
    if not {"source_file", "source_row"} <= set(c.columns):
        return {}
    c = c[c["authority"].eq(authority) & c["period"].eq(period)]
    out: dict[str, dict[str, list[list[Any]]]] = {}
    for ind, kind, file, row in zip(c["indicator_id"], c["kind"], c["source_file"], c["source_row"]):
        out.setdefault(str(ind), {}).setdefault(str(kind), []).append([str(file), int(row)])
    return out


def build_tables(
    ds: Dataset,
    authority: str,
    period: str = "latest",
    comparators: Sequence[str] = (),
    indicators: Sequence[str] = (),
    ranks: pd.DataFrame | None = None,
    benchmark_only: bool | None = None,
) -> PackTables:
    """Score one authority's pack: scorecard, summary, history, benchmark series and comparison.

    ``ranks`` is :func:`kpitools.score.benchmarks.national_ranks` of ``ds.benchmarks`` for the whole
    framework; a schedule computes it once and passes it to every pack.

    ``benchmark_only`` is what to do when the authority has no local figures for the period
    (:func:`check_local_figures`): ``False`` stops (``kpitools score``, ``report`` and ``run``
    unless asked), ``True`` builds a pack of published benchmarks only, ``None`` (the default: a
    notebook run by hand, the workbench) builds one without being asked. ``meta["benchmark_only"]``
    says whether the pack is one.

    Examples
    --------
    >>> tables = build_tables(load_dataset(), "Havering", "latest")   # doctest: +SKIP
    >>> tables.meta["summary_sentence"]                               # doctest: +SKIP
    'Performance data is available for 12 of the 20 indicators.'
    """
    la = resolve(authority)
    comps = [resolve(c) for c in comparators if str(c).strip()]
    p, no_local_figures = check_local_figures(ds, la, period, benchmark_only)
    ind = ds.indicators
    if indicators:
        unknown = sorted(set(indicators) - set(ind["indicator_id"]))
        if unknown:
            raise ConfigError(
                f"unknown indicator id(s) {', '.join(unknown)}; the framework has {', '.join(ind['indicator_id'])}"
            )
        ind = ind[ind["indicator_id"].isin(list(indicators))]
    framework = ind
    ind = ind[in_force(ind, p)]
    if indicators:
        _check_in_force(framework[~framework["indicator_id"].isin(ind["indicator_id"])], p)
    scheme = ds.settings.rag_scheme_for(la.keys)
    scored = score(ds.values, ind, ds.targets, [la.code], _history_periods(p), scheme)
    if ranks is None:
        ranks = framework_ranks(ds)
    card = scored[scored["q_ordinal"].eq(p.ordinal)]
    trend = scored
    if p.kind == "month":
        # a monthly pack: monthly indicators by month; the others' trends by quarter, to the latest
        # quarter ended (the figure the month reports them at)
        by_quarter = score(ds.values, ind, ds.targets, [la.code], _history_periods(latest_quarter_ended(p)), scheme)
        monthly = scored["frequency"].eq("monthly")
        trend = pd.concat([scored[monthly], by_quarter[~by_quarter["frequency"].eq("monthly")]], ignore_index=True)
    # the period each figure is due for: the pack's, or (a monthly pack's quarterly indicator) the latest
    # quarter ended, the latest half-year or year reported
    card = card.assign(due_period=labels(card["obs_kind"], card["obs_ordinal"]))
    card = latest_available(card, trend, p, ds.settings.latest_available_within_months)
    card = card.merge(ind[["indicator_id", "rank_polarity"]], on="indicator_id", how="left")
    card = attach_benchmarks(card, ds.benchmarks, ds.neighbours, [c.code for c in comps], ranks)
    card = card.merge(ind[["indicator_id", "definition", "source"]], on="indicator_id", how="left")
    card = card.merge(_commentary(ds, la.code, p.label), on="indicator_id", how="left")
    for col in ("highlight", "improvement", "action"):
        card[col] = card[col].astype("object").fillna("")
    card["polarity_text"] = card["polarity"].map(POLARITY_TEXT)
    card["value_text"] = format_values(card["value"], card["unit"], card["decimals"])
    band_text = (
        format_values(card["lower"], card["unit"], card["decimals"])
        + "\u2013"
        + format_values(card["upper"], card["unit"], card["decimals"])
    )
    card["target_text"] = np.where(
        card["polarity"].eq("band") & card["lower"].notna(),
        band_text,
        format_values(card["target"], card["unit"], card["decimals"]),
    )
    card["small_number"] = card["denominator"].notna() & (card["denominator"] < ds.settings.small_denominator_below)
    card["sentence"] = sentences(card)
    order = {i: n for n, i in enumerate(ind["indicator_id"])}
    card = card.sort_values("indicator_id", key=lambda s: s.map(order)).reset_index(drop=True)
    card = card[SCORECARD_COLUMNS]

    history = trend[
        [
            "indicator_id",
            "period",
            "period_end",
            "value",
            "target",
            "lower",
            "upper",
            "rag",
            "status",
            "numerator",
            "denominator",
        ]
    ]
    history = history[
        history["status"].isin(["rated", "no target", "not a target measure"]) | history["value"].notna()
    ].reset_index(drop=True)
    series = benchmark_series(ds.benchmarks, ds.neighbours, la.code, la.name, [c.code for c in comps])
    series = series[series["indicator_id"].isin(ind["indicator_id"])].reset_index(drop=True)
    comparison = comparison_table(
        ds.benchmarks, ds.neighbours, card.assign(authority=la.code), la.code, [c.code for c in comps], ranks
    )
    has_local = ds.values["authority"].eq(la.code).any()
    meta: PackMeta = {
        "authority_code": la.code,
        "authority_old_code": la.old_code,
        "authority_name": la.name,
        "region_name": la.region_name,
        "period": p.label,
        "period_label": p.long_label,
        "period_end": p.end.date().isoformat(),
        "committee": ds.settings.committee_for(la.keys),
        "illustrative": bool(ds.settings.illustrative and has_local),
        "illustrative_note": ds.settings.illustrative_note if has_local else "",
        "has_local_data": bool(has_local),
        "benchmark_only": bool(no_local_figures),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "kpitools_version": __version__,
        "rag_scheme": scheme,
        "comparators": [c.name for c in comps],
        "comparator_codes": [c.code for c in comps],
        # The notebooks walk the indicators from here, so that placing stored sections needs no table.
        "indicators": list(card["indicator_id"]),
        "indicator_titles": dict(zip(card["indicator_id"], card["title"].astype(str))),
        "benchmarked": [i for i in card["indicator_id"] if i in benchmarked_ids(comparison, series)],
        "inputs": [{"path": i["path"], "sha256": i["sha256"]} for i in ds.inputs],
        "summary_sentences": summary_sentences(card),
        "commentary_sources": _commentary_sources(ds, la.code, p.label),
        "period_kind": p.kind,
        # figures older than the period they are due for, and figures missing (with the reason)
        "late_indicators": [str(i) for i in card.loc[card["late"].astype(bool), "indicator_id"]],
        "missing_indicators": [str(i) for i in card.loc[card["status"].eq("no data"), "indicator_id"]],
        "framework_changes": framework_changes(framework, p),
    }
    meta["summary_sentence"] = meta["summary_sentences"][0]
    return PackTables(
        meta=meta, scorecard=card, summary=summarise(card), history=history, benchmarks=series, comparison=comparison
    )


def framework_ranks(ds: Dataset) -> pd.DataFrame:
    """National ranks of every published benchmark, each indicator ranked by its rank polarity
    (``benchmark_polarity``, else its polarity when higher or lower; band and context measures
    without one are not ranked)."""
    return national_ranks(ds.benchmarks, dict(zip(ds.indicators["indicator_id"], ds.indicators["rank_polarity"])))


# OWASP's rule for CSV injection: a text cell that Excel would read as a formula starts with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(card: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell that Excel would run as a formula made plain text (a leading ``'``).

    Numbers stay numbers; only text columns are touched. Titles, definitions, sources and commentary
    come from analysts' files: ``=HYPERLINK(...)`` in one would run when a councillor opens the CSV.

    Examples
    --------
    >>> excel_safe(pd.DataFrame({"title": ["=1+1", "Re-referrals", "@SUM(A1)"], "value": [-1.5, 2, 3]}))
              title  value
    0         '=1+1   -1.5
    1  Re-referrals    2.0
    2     '@SUM(A1)    3.0
    """
    out = card.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col]
            live = text.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
            if live.any():
                out[col] = text.astype(object).where(~live, "'" + text.astype(str))
    return out


def figures_as_shown(card: pd.DataFrame) -> pd.DataFrame:
    """A copy with every figure at the precision the pack shows it, still a number.

    The figure columns (:data:`FIGURE_COLUMNS`) are rounded half away from zero to the row's
    ``decimals`` (:func:`kpitools.core.numbers.round_figures`, the rule of every figure in the pack:
    ``21.619999999999997`` at 1 decimal is ``21.6``); every other float column (``tolerance``,
    ``numerator``...) and a figure without ``decimals`` loses only its float noise (10 significant
    digits).

    Examples
    --------
    >>> c = pd.DataFrame({"decimals": [1, 0], "value": [21.619999999999997, 12.5], "tolerance": [0.1 + 0.2, 2.0]})
    >>> figures_as_shown(c).to_dict("list")
    {'decimals': [1, 0], 'value': [21.6, 13.0], 'tolerance': [0.3, 2.0]}
    """
    out = card.copy()
    decimals = (
        pd.to_numeric(out["decimals"], errors="coerce").astype("float64").to_numpy()
        if "decimals" in out.columns
        else np.full(len(out), np.nan)
    )
    known = ~np.isnan(decimals)
    for col in out.columns:
        if not pd.api.types.is_float_dtype(out[col]) or isinstance(out[col].dtype, pd.ArrowDtype):
            continue
        x = out[col].astype("float64").to_numpy()
        tidy = round_significant(x)
        if col in FIGURE_COLUMNS and known.any():
            tidy = np.where(known, round_figures(x, np.where(known, decimals, 0.0)), tidy)
        out[col] = pd.Series(tidy, index=out.index, dtype=out[col].dtype)
    return out


def write_scorecard(card: pd.DataFrame, meta: Mapping[str, Any], out: Path) -> Path:
    """Write the scorecard as CSV (every text cell safe to open in Excel: :func:`excel_safe`) or
    JSON (the text as written: data for programs, not a sheet), by extension, atomically; the
    figures at the precision the pack shows them, as numbers (:func:`figures_as_shown`)."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ConfigError(f"--out {out}: the file name must end in .csv or .json")
    card = figures_as_shown(card)
    with atomic_path(out) as tmp:
        if suffix == ".csv":
            # RFC 4180 line ends, so that a carriage return inside a cell is quoted, not a new row
            excel_safe(card).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n")
        else:
            keep = {
                k: meta[k]
                for k in (
                    "authority_code",
                    "authority_name",
                    "period",
                    "period_label",
                    "generated_at",
                    "kpitools_version",
                    "rag_scheme",
                    "comparators",
                    "illustrative",
                    "benchmark_only",
                    "period_kind",
                    "framework_changes",
                    "summary_sentence",
                    "inputs",
                )
                if k in meta
            }
            records = json.loads(card.to_json(orient="records", date_format="iso"))
            tmp.write_text(json.dumps({"meta": keep, "scorecard": records}, indent=2), encoding="utf-8")
    return out


def scorecard(ds: Dataset, authority: str, period: str = "latest", comparators: Sequence[str] = ()) -> pd.DataFrame:
    """The machine-readable scorecard for one authority and period (one row per indicator)."""
    return build_tables(ds, authority, period, comparators).scorecard
