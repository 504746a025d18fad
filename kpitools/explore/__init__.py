"""Explore: the analyst's workbench in JupyterLab, in the words of the questions asked of it.

>>> from kpitools import explore                                          # doctest: +SKIP
>>> explore.open(authority="Havering", period="latest", comparators=["Barking and Dagenham"])  # doctest: +SKIP
>>> explore.scorecard()              # every indicator: value, target, rating, directions, benchmarks  # doctest: +SKIP
>>> explore.indicator("CP_REPEAT")   # its trend (live), its ranking, its figures, its sentence  # doctest: +SKIP
>>> explore.indicators()             # one live chart, a drop-down to pick the indicator  # doctest: +SKIP
>>> draft = explore.draft_commentary()   # the quarter's commentary to write, as a table  # doctest: +SKIP
>>> draft.save()                     # to data/raw/commentary/<authority>_<period>_commentary.draft.csv  # doctest: +SKIP

Charts are live (:mod:`kpitools.present.live`): JupyterLab's own Vega renderer draws them, offline,
with tooltips, legend highlight and drop-downs; nothing here is exported to the committee pack.

Below it: :mod:`kpitools.present` (charts, blocks) and :mod:`kpitools.pack` (the scored tables).
"""

from __future__ import annotations

from kpitools.explore.drafts import DRAFT_SUFFIX, CommentaryDraft, draft_commentary_for
from kpitools.explore.workbench import IndicatorView, Workbench, current, open_pack

__all__ = [
    "DRAFT_SUFFIX",
    "CommentaryDraft",
    "IndicatorView",
    "Workbench",
    "current",
    "draft_commentary",
    "draft_commentary_for",
    "indicator",
    "indicators",
    "open",
    "scorecard",
]

# ``explore.open(...)`` reads as the analyst's step; it is not the builtin (which nobody needs here).
open = open_pack


def indicator(indicator_id: str) -> IndicatorView:
    """One indicator of the pack last opened: see :meth:`Workbench.indicator`."""
    return current().indicator(indicator_id)


def indicators() -> object:
    """Every indicator in one live chart, with a drop-down: see :meth:`Workbench.indicators`."""
    return current().indicators()


def scorecard() -> object:
    """The scorecard of the pack last opened: see :meth:`Workbench.scorecard`."""
    return current().scorecard()


def draft_commentary() -> CommentaryDraft:
    """The commentary to write for the pack last opened: see :meth:`Workbench.draft_commentary`."""
    return current().draft_commentary()
