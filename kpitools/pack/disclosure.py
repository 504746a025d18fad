"""Disclosure control for published packs: no small number about children is shown or can be worked out.

A pack built with ``--publish`` (or ``publication: {publish: true}`` in ``settings.yaml``) passes its
tables through :func:`withhold_small_numbers` before anything is drawn or written, so the HTML
text, the tables, the chart data embedded in the page, the CSV and the JSON all show the same
withheld figures. The rules, with the guidance they follow, are in ``docs/disclosure.md``:

1. a **count** (unit ``count``) from 1 up to the threshold (default: below 6, so 1 to 5) is withheld,
   in the authority's figures, its history, the published series and every authority compared;
   zero is not withheld (it discloses no child);
2. a **figure derived from a small count** is withheld with its numerator and denominator: the
   numerator, the denominator or their difference (the complement: 98 of 100 tells of 2) is small;
3. a **year-to-date** figure is withheld when the difference from the last figure shown earlier in
   the same year is small (8 then 11 tells of 3 in the quarter);
4. an **average** (statistical neighbours, comparators) is withheld when one of its members shown
   beside it is withheld (the average and the others would give it back);
5. a withheld figure has **no rank or quartile**, and **no direction of travel** is shown where the
   figure or the one it is compared with is withheld ("the same as the previous quarter" beside a
   withheld 3);
6. **free text** (commentary, generated sentences) is searched for the figures of its indicator
   withheld this period (with their complement and year-to-date difference) and the previous and
   last year's figures withheld, in digits and in words ("Five new fostering households"): a
   publish run stops with
   exit 2 naming the file and row (the default), or withholds that text
   (``publication.commentary_with_withheld_figures: withhold``).

A withheld figure this period keeps its rating: the row keeps its RAG, its direction of travel (but
never "same" beside a figure that is shown, which would give the withheld one back), its place in
Improvements required and its count in the summary; only the figure reads "withheld".
The draft pack for officers (no ``--publish``) shows every figure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.config import MAX_SHOWN_CHARS
from kpitools.core.errors import ConfigError, InputError, Problem
from kpitools.core.vocabulary import COMMENTARY_POLICIES
from kpitools.pack.tables import FIGURE_COLUMNS, TARGET_COLUMNS, PackTables

__all__ = [
    "DEFAULT_THRESHOLD",
    "FREE_TEXT_POLICIES",
    "WITHHELD_TEXT",
    "WITHHELD_COMMENTARY",
    "small",
    "number_mentions",
    "withhold_small_numbers",
]

DEFAULT_THRESHOLD = 6
WITHHELD_TEXT = "withheld"
WITHHELD_COMMENTARY = "Commentary withheld for publication: it gave a figure withheld to protect children's privacy."
FREE_TEXT_POLICIES = COMMENTARY_POLICIES
COMMENTARY_KINDS = ("highlight", "improvement", "action")
# the scorecard's figures that can be a small count (a target is the council's own, never withheld)
_SCORECARD_COUNT_COLUMNS = tuple(c for c in FIGURE_COLUMNS if c not in TARGET_COLUMNS)
_AVERAGES = {
    "statistical neighbour": ("sn_mean", "Statistical neighbours"),
    "comparator": ("comparator_mean", "Comparators"),
}


def small(values: pd.Series | np.ndarray, below: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """True where a number is a small count: at least 1 and below the threshold.

    Examples
    --------
    >>> small(pd.Series([0, 1, 5, 5.4, 6, None])).tolist()
    [False, True, True, True, False, False]
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64")
    return (v >= 1) & (v < below)


# --------------------------------------------------------------------------------------------
# Numbers in free text
# --------------------------------------------------------------------------------------------

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _words(n: int) -> str:
    """A whole number from 1 to 99 in words: ``twenty-one``."""
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    return _TENS[tens] + (f"-{_UNITS[unit]}" if unit else "")


_NUMBER_TOKEN = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d,]*\d)")


def number_mentions(text: Any, numbers: Iterable[float]) -> list[str]:
    """The words of ``text`` that give one of ``numbers``: in digits, at the precision written
    (``22%`` gives 22.2), or in words (``Five``, ``twenty-one``).

    Examples
    --------
    >>> number_mentions("Five new households; 4 of the 9 sets (44%).", [5, 4, 9, 44.4])
    ['Five', '4', '9', '44']
    >>> number_mentions("In 2025, 120 children.", [5, 20])
    []
    """
    if not isinstance(text, str) or not text.strip():
        return []
    wanted = [float(n) for n in numbers if n is not None and math.isfinite(float(n))]
    if not wanted:
        return []
    found: list[tuple[int, str]] = []
    for m in _NUMBER_TOKEN.finditer(text):
        whole, decimals = m.group(1).replace(",", ""), m.group(2) or ""
        written = float(f"{whole}.{decimals}" if decimals else whole)
        if any(round(n, len(decimals)) == written for n in wanted):
            found.append((m.start(), m.group(0)))
    for n in {int(n) for n in wanted if n == int(n) and 1 <= n <= 99}:
        pattern = r"\b" + _words(n).replace("-", r"[\s-]") + r"\b"  # twenty-one or twenty one
        found += [(m.start(), m.group(0)) for m in re.finditer(pattern, text, re.I)]
    return [w for _, w in sorted(found)]


def _snippet(text: str, word: str, width: int = MAX_SHOWN_CHARS) -> str:
    """The words around ``word``, as long as any value a message quotes (:func:`kpitools.core.config.clip`)."""
    at = max(text.find(word), 0)
    start = max(at - width // 2, 0)
    piece = text[start : start + width].replace("\n", " ")
    return ("..." if start else "") + piece + ("..." if start + width < len(text) else "")


# --------------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------------


def _check_threshold(below: float) -> float:
    try:
        value = float(below)
    except (TypeError, ValueError):
        value = float("nan")
    if not math.isfinite(value) or value < 1:
        raise ConfigError(
            f"publication.suppress_counts_below: {below!r} would withhold nothing; expected a whole number "
            "of 1 or more (6 withholds counts of 1 to 5)"
        )
    return value


def _fy(period: str) -> str:
    return str(period).split(" ")[0]


def _ytd_differences(history: pd.DataFrame, ytd: set[str], is_count: Mapping[str, bool], below: float) -> np.ndarray:
    """Rule 3: within a year, a cumulative figure whose difference from the last one shown is small."""
    hide = np.zeros(len(history), dtype=bool)
    if history.empty or not ytd:
        return hide
    order = history.assign(_pos=np.arange(len(history)), _fy=history["period"].map(_fy))
    order = order[order["indicator_id"].isin(ytd)].sort_values(["indicator_id", "period_end"])
    for (ind, _), rows in order.groupby(["indicator_id", "_fy"], sort=False):
        columns = [c for c in ("value", "numerator", "denominator") if c in rows.columns]
        if not is_count.get(ind, False):
            columns = [c for c in columns if c != "value"]
        last: dict[str, float] = {}
        for pos, row in zip(rows["_pos"], rows.to_dict("records")):
            figures = {c: row[c] for c in columns if pd.notna(row[c])}
            if any(c in last and small([figures[c] - last[c]], below)[0] for c in figures):
                hide[pos] = True
                continue
            last.update(figures)
    return hide


def _withheld_history(history: pd.DataFrame, is_count: Mapping[str, bool], ytd: set[str], below: float) -> np.ndarray:
    count = history["indicator_id"].map(is_count).fillna(False).to_numpy(dtype=bool)
    mask = count & small(history["value"], below)
    if {"numerator", "denominator"} <= set(history.columns):
        mask |= small(history["numerator"], below) | small(history["denominator"], below)
        mask |= small(history["denominator"] - history["numerator"], below)
    return mask | _ytd_differences(history.assign(value=history["value"].where(~mask)), ytd, is_count, below)


def _quarter_ordinal(labels: pd.Series) -> pd.Series:
    from kpitools.core.periods import Period

    mapping = {label: Period.parse(label).ordinal for label in labels.dropna().unique()}
    return labels.map(mapping)


def _free_text(
    card: pd.DataFrame, withheld: Mapping[str, set[float]], policy: str, sources: Mapping[str, Any]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Rule 6: commentary and sentences naming a withheld figure of their indicator."""
    problems: list[Problem] = []
    for i, row in card.iterrows():
        numbers = withheld.get(str(row["indicator_id"]), set())
        if not numbers:
            continue
        title = str(row.get("title") or "")
        for kind in (*COMMENTARY_KINDS, "sentence"):
            text = row.get(kind)
            # the indicator's own title, quoted ("... within 2 years"), gives nothing away
            searched = text.replace(title, " ") if isinstance(text, str) and title.strip() else text
            mentions = number_mentions(searched, numbers) if kind in card.columns else []
            if not mentions:
                continue
            if kind == "sentence" or policy == "withhold":
                card.loc[i, kind] = "" if kind == "sentence" else WITHHELD_COMMENTARY
                continue
            where = (sources.get(str(row["indicator_id"])) or {}).get(kind) or [["commentary", None]]
            for file, line in where:
                problems.append(
                    Problem(
                        str(file),
                        line,
                        "text",
                        _snippet(str(text), mentions[0]),
                        f"{kind} for {row['indicator_id']} without the figure withheld for publication "
                        f"('{mentions[0]}'): reword it, or set publication.commentary_with_withheld_figures: "
                        "withhold to leave it out of published packs",
                    )
                )
    return card, problems


def withhold_small_numbers(tables: PackTables, below: float = DEFAULT_THRESHOLD, free_text: str = "stop") -> PackTables:
    """A copy of the pack's tables with small numbers withheld (the input is not modified).

    Parameters
    ----------
    tables
        Scored tables from :func:`kpitools.pack.build.build_tables`, before figures are drawn.
    below
        Counts from 1 up to (not including) this are withheld (``publication.suppress_counts_below``);
        below 1 would withhold nothing and is refused.
    free_text
        ``stop`` (raise :class:`~kpitools.core.errors.InputError` naming each commentary that gives a
        withheld figure) or ``withhold`` (publish the pack without that commentary).

    Returns
    -------
    PackTables
        With the withheld figures blank (their ratings kept) and the summary, sentences and
        ``meta`` (``disclosure``) updated.

    Examples
    --------
    >>> card = pd.DataFrame({"indicator_id": ["A"], "unit": ["count"], "value": [3.0], "numerator": [np.nan],
    ...                      "denominator": [np.nan], "status": ["rated"], "rag": ["Red"]})
    >>> t = PackTables(meta={}, scorecard=card, summary=pd.DataFrame(), history=pd.DataFrame(),
    ...                benchmarks=pd.DataFrame(), comparison=pd.DataFrame())
    >>> withhold_small_numbers(t).scorecard[["value", "status", "rag"]].values.tolist()
    [[nan, 'rated', 'Red']]
    """
    from kpitools.score.summary import summarise, summary_sentences
    from kpitools.score.text import format_values, sentences

    below = _check_threshold(below)
    if free_text not in FREE_TEXT_POLICIES:
        raise ConfigError(
            f"publication.commentary_with_withheld_figures: {free_text!r}; expected one of {', '.join(FREE_TEXT_POLICIES)}"
        )
    card = tables.scorecard.copy()
    ids = card["indicator_id"].astype(str)
    is_count = dict(zip(ids, card["unit"].eq("count")))
    count_rows = card["unit"].eq("count").to_numpy()
    ytd = set(ids[card["measure"].eq("ytd")]) if "measure" in card.columns else set()
    withheld: dict[str, set[float]] = {}  # each indicator's withheld figures, for the free-text search

    def remember(ind: Any, *values: Any) -> None:
        withheld.setdefault(str(ind), set()).update(float(v) for v in values if pd.notna(v))

    history = tables.history.copy()
    withheld_periods = pd.DataFrame(columns=["indicator_id", "period"])
    if not history.empty:
        hidden = _withheld_history(history, is_count, ytd, below)
        for col in ("value", "numerator", "denominator"):
            if col in history.columns:
                history.loc[hidden, col] = np.nan
        history.loc[hidden, "status"] = "suppressed"
        history.loc[hidden, "rag"] = ""
        withheld_periods = history.loc[hidden, ["indicator_id", "period"]]

    # This period's figure: rules 1 and 2, and rule 3 as the history found it.
    now = count_rows & small(card["value"], below)
    if {"numerator", "denominator"} <= set(card.columns):
        now |= small(card["numerator"], below) | small(card["denominator"], below)
        now |= small(card["denominator"] - card["numerator"], below)
    if not withheld_periods.empty and "period" in card.columns:
        keys = set(zip(withheld_periods["indicator_id"].astype(str), withheld_periods["period"].astype(str)))
        now |= np.array([(i, str(p)) in keys for i, p in zip(ids, card["period"])], dtype=bool)
    for col in ("value", "numerator", "denominator"):
        if col in card.columns:
            for ind, v in zip(ids[now], card.loc[now, col]):
                remember(ind, v)
    if {"numerator", "denominator"} <= set(card.columns):  # the complement, and rule 3's difference
        for ind, v in zip(ids[now], card.loc[now, "denominator"] - card.loc[now, "numerator"]):
            remember(ind, v)
    if "previous_value" in card.columns and ytd:
        same_year = card["previous_value"].notna() & ids.isin(ytd) & ~card["period"].astype(str).str.endswith("Q1")
        for ind, v in zip(ids[now & same_year], (card["value"] - card["previous_value"])[now & same_year]):
            remember(ind, v)
    # The rating stays (a committee must still hear that care proceedings are Red): it was worked out
    # from the figure before it is withheld, and so is the sentence that says where it stands.
    rated_as = card.copy()
    for col in ("value", "numerator", "denominator"):
        if col in card.columns:
            card.loc[now, col] = np.nan

    # Previous and last year's figures withheld in the history are withheld here too; rule 5's
    # directions go with them.
    before = {c: card[c].copy() for c in ("previous_value", "last_year_value") if c in card.columns}
    if not withheld_periods.empty and {"period", "frequency"} <= set(card.columns):
        q = _quarter_ordinal(card["period"])
        step = card["frequency"].map({"biannual": 2, "annual": 4}).fillna(1)
        hidden_periods = set(zip(withheld_periods["indicator_id"], _quarter_ordinal(withheld_periods["period"])))
        for col, back in (("previous_value", step), ("last_year_value", 4)):
            if col in card.columns:
                mask = [(i, o) in hidden_periods for i, o in zip(card["indicator_id"], q - back)]
                for ind, v in zip(ids[mask], card.loc[mask, col]):
                    remember(ind, v)
                card.loc[mask, col] = np.nan
    published_before = card["published_value"].copy() if "published_value" in card.columns else None
    for col in _SCORECARD_COUNT_COLUMNS:
        if col in card.columns:
            hide = count_rows & small(card[col], below)
            for ind, v in zip(ids[hide], card.loc[hide, col]):
                remember(ind, v)
            card.loc[hide, col] = np.nan
    for col, dot in (("previous_value", "dot_short"), ("last_year_value", "dot_long")):
        if dot in card.columns:
            # "same" beside a withheld figure gives it back (it equals the one compared with); "better"
            # or "worse" does not. A withheld figure compared with takes its direction with it.
            gone = now & card[dot].eq("same").to_numpy()
            if col in before:
                gone |= (before[col].notna() & card[col].isna()).to_numpy()
            card.loc[gone, dot] = ""
            rated_as[dot] = card[dot]

    benchmarks = tables.benchmarks.copy()
    if not benchmarks.empty:
        bc = benchmarks["indicator_id"].map(is_count).fillna(False).to_numpy(dtype=bool)
        benchmarks.loc[bc & small(benchmarks["value"], below), "value"] = np.nan

    # Rule 4 and 5 on the comparison: withheld members take their average, and their rank, with them.
    comparison = tables.comparison.copy()
    if not comparison.empty:
        cc = comparison["indicator_id"].map(is_count).fillna(False).to_numpy(dtype=bool)
        gone = cc & small(comparison["value"], below)
        comparison.loc[gone, "value"] = np.nan
        if "rank" in comparison.columns:
            comparison["rank"] = comparison["rank"].astype(object)
            comparison.loc[gone, "rank"] = ""
        for role, (column, series) in _AVERAGES.items():
            if "role" not in comparison.columns:
                continue
            hit = comparison.loc[gone & comparison["role"].eq(role).to_numpy()]
            for ind, year in set(zip(hit["indicator_id"].astype(str), hit["benchmark_year"])):
                if column in card.columns:
                    card.loc[ids.eq(ind), column] = np.nan
                if not benchmarks.empty:
                    at = (
                        benchmarks["indicator_id"].astype(str).eq(ind)
                        & benchmarks["series"].eq(series)
                        & benchmarks["benchmark_year"].eq(year)
                    )
                    benchmarks.loc[at, "value"] = np.nan
    if published_before is not None:  # rule 5: a withheld published figure keeps no rank or quartile
        unranked = (published_before.notna() & card["published_value"].isna()).to_numpy()
        for col in ("national_rank", "national_count", "quartile"):
            if col in card.columns and unranked.any():
                card.loc[unranked, col] = "" if col == "quartile" else pd.NA

    if {"value_text", "unit", "decimals"} <= set(card.columns):
        text = format_values(card["value"], card["unit"], card["decimals"])
        card["value_text"] = np.where(now, WITHHELD_TEXT, text)
    if {"title", "polarity", "target"} <= set(card.columns):
        card["sentence"] = sentences(rated_as)  # where it stands against target: no figure is quoted
    card, problems = _free_text(card, withheld, free_text, tables.meta.get("commentary_sources") or {})
    if problems:
        raise InputError(problems)
    meta = tables.meta.copy()
    meta["disclosure"] = {
        "publish": True,
        "suppress_counts_below": below,
        "withheld_this_period": int(now.sum()),
        "commentary_with_withheld_figures": free_text,
    }
    summary = tables.summary
    if "status" in card.columns:
        summary = summarise(card)
        meta["summary_sentences"] = summary_sentences(card)
        meta["summary_sentence"] = meta["summary_sentences"][0]
    return replace(
        tables,
        meta=meta,
        scorecard=card,
        summary=summary,
        history=history,
        benchmarks=benchmarks,
        comparison=comparison,
        sections={},
    )
