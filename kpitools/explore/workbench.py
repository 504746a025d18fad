"""The pack an analyst has open in JupyterLab, and what they ask of it (see :mod:`kpitools.explore`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import display

from kpitools.core.config import Paths
from kpitools.core.errors import ConfigError
from kpitools.core.vocabulary import STATUS_WORDS
from kpitools.explore.drafts import CommentaryDraft, draft_commentary_for
from kpitools.explore.style import styled
from kpitools.pack.load import load_or_build_tables
from kpitools.pack.tables import PackTables
from kpitools.present import charts, render
from kpitools.present.charts.style import RAG_COLOURS
from kpitools.present.live import LiveChart, enable_altair
from kpitools.present.page import Fragment, _period_text, in_notebook_style, period_name

_current: Workbench | None = None

_DOT_WORDS = {"better": "\u2191 better", "worse": "\u2193 worse", "same": "\u2192 same"}


class NoPackOpenError(ConfigError):
    """``explore.indicator(...)`` before ``explore.open(...)``."""


class UnknownIndicatorError(ConfigError):
    """An indicator id that is not in the open pack."""


def current() -> Workbench:
    """The pack last opened with :func:`open_pack` (``explore.open``)."""
    if _current is None:
        raise NoPackOpenError(
            'no pack is open: start with explore.open(authority="Havering", period="latest") '
            "(or the authority and period you want)"
        )
    return _current


def open_pack(
    authority: str = "",
    period: str = "latest",
    comparators: Sequence[str] = (),
    indicators: Sequence[str] = (),
    *,
    data_dir: str | Path = "",
    tables_dir: str | Path = "",
) -> Workbench:
    """Score (or read) one authority's pack for one period and make it the one the questions ask of.

    Parameters
    ----------
    authority
        A name, a new code (E09000016) or an old LA code (311); blank: the demo authority.
    period
        A quarter such as ``"2025-26 Q2"``, a month such as ``"2025-08"`` (a monthly pack), ``"latest"``
        or ``"latest month"``.
    comparators
        Authorities to compare with besides London, England and the statistical neighbours.
    indicators
        Indicator ids to keep; empty keeps them all.
    data_dir
        The data folder; blank: the project's ``data/raw``.
    tables_dir
        A pack's stored tables (``kpitools report`` writes them) to read instead of scoring.

    Returns
    -------
    Workbench
        Also what :func:`kpitools.explore.indicator` and the other questions use from now on.
    """
    global _current
    enable_altair()  # any Altair chart the analyst makes is drawn the same, live way
    tables = load_or_build_tables(
        tables_dir=tables_dir,
        data_dir=data_dir,
        authority=authority,
        period=period,
        comparators=list(comparators),
        indicators=list(indicators),
    )
    _current = Workbench(tables, Paths.from_data_dir(data_dir or None).commentary)
    return _current


def _rating(row: Mapping[str, Any]) -> str:
    rag = str(row.get("rag") or "")
    if rag in RAG_COLOURS:
        return rag
    return STATUS_WORDS.get(str(row.get("status") or ""), str(row.get("status") or "")) or "\u2013"


def _rank(row: Mapping[str, Any]) -> str:
    rank, count = row.get("national_rank"), row.get("national_count")
    if rank is None or count is None or pd.isna(rank) or pd.isna(count):
        return "\u2013"
    quartile = row.get("quartile")
    return f"{int(rank)} of {int(count)}" + ("" if pd.isna(quartile) or not quartile else f" (quartile {quartile})")


def _figure_for(row: Mapping[str, Any]) -> str:
    """The period the figure is for: ``2025-26 Q1 (latest available)`` for a late figure (in place of
    the one due), ``2025-26 Q1`` for a quarterly figure in a monthly pack; ``–`` without a figure."""
    kind, observed = render.figure_period(row)
    if kind == "late":
        return f"{render.period_words(observed)} (latest available)"
    observed = "" if pd.isna(row.get("observation_period")) else str(row.get("observation_period") or "")
    if not observed or str(row.get("status") or "").lower() in ("no data", "not due"):
        return "\u2013"
    return render.period_words(observed)


def scorecard_view(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as a person reads it: one row an indicator, every figure formatted in its unit,
    a dash where there is none (never NaN), whole titles; ``Figure for`` names the period of a figure
    (a late one says it is the latest available in place of the one due).

    Examples
    --------
    >>> card = pd.DataFrame({"indicator_id": ["A"], "title": ["Re-referrals"], "unit": ["percent"],
    ...     "decimals": [1], "value_text": ["21.3%"], "target_text": ["18.0%"], "rag": ["Red"],
    ...     "status": ["rated"], "previous_value": [20.0], "last_year_value": [float("nan")],
    ...     "dot_short": ["worse"], "dot_long": [None], "london": [19.46], "england": [22.6],
    ...     "sn_mean": [float("nan")], "national_rank": [28], "national_count": [153], "quartile": ["A"]})
    >>> scorecard_view(card).iloc[0].tolist()
    ['A', 'Re-referrals', '21.3%', '–', '18.0%', 'Red', '20.0%', '–', '↓ worse', '–', '19.5%', '22.6%', '–', '28 of 153 (quartile A)']
    >>> late = card.assign(period="2025-26 Q2", observation_period="2025-26 Q1", late=True)
    >>> scorecard_view(late).loc[0, "Figure for"]
    '2025-26 Q1 (latest available)'
    """
    rows = []
    for row in card.to_dict("records"):
        rows.append(
            {
                "Id": row["indicator_id"],
                "Indicator": row.get("title") or "",
                "Value": row.get("value_text") or "\u2013",
                "Figure for": _figure_for(row),
                "Target": row.get("target_text") or "\u2013",
                "Rating": _rating(row),
                "Previous period": render.figure_text(row, "previous_value"),
                "Same period last year": render.figure_text(row, "last_year_value"),
                "Since previous": _DOT_WORDS.get(str(row.get("dot_short") or ""), "\u2013"),
                "Since last year": _DOT_WORDS.get(str(row.get("dot_long") or ""), "\u2013"),
                "London": render.figure_text(row, "london"),
                "England": render.figure_text(row, "england"),
                "Neighbours": render.figure_text(row, "sn_mean"),
                "National rank": _rank(row),
            }
        )
    return pd.DataFrame(rows)


@dataclass
class IndicatorView:
    """One indicator: what it is, its live trend and ranking, its figures and its sentence.

    In JupyterLab it shows itself (heading, sentence, charts, tables); its parts are there to use:
    ``chart``, ``comparison`` (``None`` without published figures), ``figures`` (``[(caption,
    DataFrame)]``) and ``sentence``.
    """

    row: dict[str, Any]
    sentence: str
    chart: LiveChart
    comparison: LiveChart | None
    figures: list[tuple[str, pd.DataFrame]] = field(default_factory=list)

    def _header(self) -> Fragment:
        row = self.row
        facts = [
            ("Value", row.get("value_text") or "\u2013"),
            ("Figure for", _figure_for(row)),
            ("Target", row.get("target_text") or "\u2013"),
            ("Rating", _rating(row)),
            ("Since previous", _DOT_WORDS.get(str(row.get("dot_short") or ""), "\u2013")),
            ("Since last year", _DOT_WORDS.get(str(row.get("dot_long") or ""), "\u2013")),
            ("National rank", _rank(row)),
        ]
        dl = "".join(f"<dt>{render.esc(k)}</dt><dd>{render.esc(v)}</dd>" for k, v in facts)
        rag = render.rag_badge(row.get("rag"), row.get("status"), row.get("status_reason"))
        return Fragment(
            f"<h2>{render.esc(row.get('title'))} <span class='kpi-id'>({render.esc(row['indicator_id'])})</span></h2>"
            f"<p>{rag}</p><p class='kpi-lead'>{render.esc(self.sentence)}</p>"
            f"<dl class='kpi-facts-list'>{dl}</dl>"
        )

    def _ipython_display_(self) -> None:
        display(self._header())
        display(self.chart)
        if self.comparison is not None:
            display(self.comparison)
        for caption, frame in self.figures:
            display(render.data_table(frame, caption))


class Workbench:
    """One authority's pack for one period, open in JupyterLab (see :func:`open_pack`)."""

    def __init__(self, tables: PackTables, commentary_dir: Path) -> None:
        self.tables = tables
        self.meta = tables.meta
        self.name = str(self.meta.get("authority_name") or self.meta.get("authority_code") or "")
        self.period = str(self.meta.get("period") or "")
        self.commentary_dir = commentary_dir

    # -- what the analyst asks ------------------------------------------------------------------

    def ids(self) -> list[str]:
        """The pack's indicator ids, in scorecard order."""
        return self.tables.scorecard["indicator_id"].astype(str).tolist()

    def row(self, indicator_id: str) -> dict[str, Any]:
        """The indicator's scorecard row (every column: see docs/DESIGN.md)."""
        card = self.tables.scorecard
        found = card[card["indicator_id"].astype(str).str.upper() == str(indicator_id).strip().upper()]
        if found.empty:
            raise UnknownIndicatorError(
                f"{indicator_id!r} is not an indicator of {self.name}'s {self.period} pack; "
                f"its indicators are: {', '.join(self.ids())}"
            )
        return found.iloc[0].to_dict()

    def scorecard(self) -> Any:
        """Every indicator: value, target, rating, previous and last year's values, directions of
        travel, London, England, neighbours and national rank (a styled table)."""
        return styled(scorecard_view(self.tables.scorecard), widest=["Indicator"])

    def indicator(self, indicator_id: str) -> IndicatorView:
        """One indicator in detail: its trend against target, band, London, England, neighbours and
        comparators (live: hover for figures, click the legend); its national ranking; the figures as
        tables; the sentence the pack says of it."""
        row = self.row(indicator_id)
        t = self.tables
        who: dict[str, Any] = {"authority_name": self.name, "comparators": self.meta.get("comparators")}
        trend = charts.trend_spec(t.history, t.benchmarks, row, interactive=True, **who)
        trend_text = charts.describe_trend(t.history, t.benchmarks, row, **who)
        comparison = None
        if str(row["indicator_id"]) in set(self.meta.get("benchmarked") or []):
            spec = charts.comparison_spec(t.comparison, row)
            comparison = LiveChart(spec, charts.describe_comparison(t.comparison, row))
        figures = charts.trend_tables(t.history, t.benchmarks, row, **who)
        return IndicatorView(
            row=row,
            sentence=str(row.get("sentence") or ""),
            chart=LiveChart(trend, trend_text),
            comparison=comparison,
            figures=figures,
        )

    def indicators(self) -> LiveChart:
        """Every indicator in one live chart: pick one from the drop-down, click the legend to pick out
        a series, hover for the figures."""
        t = self.tables
        spec = charts.explorer_spec(
            t.history, t.benchmarks, t.scorecard, authority_name=self.name, comparators=self.meta.get("comparators")
        )
        return LiveChart(
            spec, f"Every indicator of {self.name}, {period_name(self.meta)}: pick one from the drop-down."
        )

    def draft_commentary(self) -> CommentaryDraft:
        """The commentary the committee will expect and that is not written yet, as a draft to save
        (``draft.save()``) into the data folder's ``commentary/`` and finish there."""
        return draft_commentary_for(self.tables, self.commentary_dir)

    # -- how it shows itself ----------------------------------------------------------------------

    def _repr_html_(self) -> str:
        sentences = " ".join(self.meta.get("summary_sentences") or [])
        return in_notebook_style(
            f"<p><strong>{render.esc(self.name)}, {render.esc(_period_text(self.meta))}</strong>. "
            f"{render.esc(sentences)}</p>"
            f"<p>Indicators: {render.esc(', '.join(self.ids()))}.</p>"
        )

    def __repr__(self) -> str:
        return f"<Workbench {self.name} {self.period}: {len(self.ids())} indicators>"
