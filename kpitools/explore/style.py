"""Tables of display text as JupyterLab should show them (pandas' Styler)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from kpitools.present.charts.style import RAG_COLOURS, RAG_TEXT_COLOURS


def _rating_style(value: str) -> str:
    if value in RAG_COLOURS:
        return f"background-color: {RAG_COLOURS[value]}; color: {RAG_TEXT_COLOURS[value]}; font-weight: 700"
    return ""


def styled(frame: pd.DataFrame, *, wide: Sequence[str] = (), widest: Sequence[str] = ()) -> Any:
    """``frame`` (display text) without its index, text left-aligned and wrapping between words,
    ``wide`` columns at least 16 characters wide and ``widest`` at least 28 (so that a title or a
    sentence does not wrap two words a line), the ``Rating`` column in its RAG colour.

    Examples
    --------
    >>> html = styled(pd.DataFrame({"Indicator": ["Re-referrals"], "Rating": ["Red"]}), wide=["Indicator"]).to_html()
    >>> "min-width: 16em" in html, "#d4351c" in html.lower()
    (True, True)
    """
    style = (
        frame.style.hide(axis="index")
        .set_properties(**{"text-align": "left", "vertical-align": "top", "white-space": "normal"})
        .set_table_styles([{"selector": "th", "props": [("text-align", "left"), ("vertical-align", "bottom")]}])
    )
    if wide:
        style = style.set_properties(subset=list(wide), **{"min-width": "16em"})
    if widest:
        style = style.set_properties(subset=list(widest), **{"min-width": "28em"})
    if "Rating" in frame.columns:
        style = style.map(_rating_style, subset=["Rating"])
    return style
