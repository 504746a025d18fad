"""Charts for the committee pack and the benchmark comparison, as Vega-Lite specs and Altair charts.

Every builder takes the :class:`kpitools.pack.tables.PackTables` DataFrames (columns as in
``docs/DESIGN.md``). The ``*_spec`` functions return a chart as a Vega-Lite dict, built directly
(a few milliseconds a chart, no Altair); the report notebooks render those to static SVG with
:func:`kpitools.present.render.svg_figure`. :func:`trend_chart`, :func:`benchmark_trend_chart`,
:func:`comparison_bars`, :func:`summary_chart` and :func:`explorer_chart` return the same charts as
Altair objects for the exploration notebook and the tests (``chart.to_dict()`` is the spec).
Altair is imported only when one of those is first called.

Design rules
------------
- Colours come from the Government Analysis Function palette (:data:`PALETTE`).
- Colour is never the only cue: every series also has its own point shape and dash pattern, the
  selected authority is labelled in words and bold, reference lines carry text labels, and RAG
  bars are labelled with the RAG word.
- Every chart has a text alternative (``describe_*``) and a data table (``*_table``) next to it.

Layout
------
One module a chart kind, each with its spec, its Altair builder, its text alternative and its data
table; the modules below them are shared. Imports go only down this list:

- :mod:`~kpitools.present.charts.style`: palette, RAG colours, font, series and role styles, the
  Vega-Lite config and schema.
- :mod:`~kpitools.present.charts.formatting`: numbers in their unit, labels, an indicator's rows.
- :mod:`~kpitools.present.charts.vega`: the Vega-Lite-dict engine (inline data sets, layers, the
  top-level spec) and Altair on demand (``_altair``, ``_as_altair``).
- :mod:`~kpitools.present.charts.trend`, :mod:`~kpitools.present.charts.comparison`,
  :mod:`~kpitools.present.charts.summary`: the chart families.
- :mod:`~kpitools.present.charts.explore`: the JupyterLab explorer (built on the trend chart's data).
- this package: re-exports every public name, so ``charts.trend_spec(...)`` keeps working. Private
  helpers are imported from their module (``from kpitools.present.charts.vega import _altair``).
"""

from __future__ import annotations

# The old module's public names: its __all__ below, and (``X as X``, left out of ``import *`` as they
# were) the other names notebooks could reach, the old module's own imports among them.
from kpitools.core.imports import import_jsonschema as import_jsonschema
from kpitools.core.values import ROUNDS_TO_ZERO as ROUNDS_TO_ZERO
from kpitools.core.vocabulary import STATUS_WORDS as STATUS_WORDS
from kpitools.present.charts.comparison import band_text as band_text
from kpitools.present.charts.comparison import band_zones as band_zones
from kpitools.present.charts.comparison import comparison_bars, comparison_spec, comparison_table, describe_comparison
from kpitools.present.charts.comparison import is_ranked as is_ranked
from kpitools.present.charts.explore import explorer_chart, explorer_spec
from kpitools.present.charts.formatting import benchmark_year_label, format_value, unit_label
from kpitools.present.charts.formatting import published_label as published_label
from kpitools.present.charts.style import FONT, PALETTE, RAG_COLOURS, RAG_TEXT_COLOURS, VEGA_LITE_SCHEMA
from kpitools.present.charts.style import NEUTRAL as NEUTRAL
from kpitools.present.charts.style import TEXT as TEXT
from kpitools.present.charts.summary import describe_summary, summary_chart, summary_spec, summary_table
from kpitools.present.charts.trend import (
    benchmark_trend_chart,
    benchmark_trend_spec,
    describe_trend,
    has_trend_data,
    trend_chart,
    trend_spec,
    trend_tables,
)
from kpitools.present.page import is_missing as is_missing

__all__ = [
    "PALETTE",
    "RAG_COLOURS",
    "RAG_TEXT_COLOURS",
    "FONT",
    "VEGA_LITE_SCHEMA",
    "format_value",
    "unit_label",
    "benchmark_year_label",
    "trend_spec",
    "trend_chart",
    "benchmark_trend_spec",
    "benchmark_trend_chart",
    "has_trend_data",
    "explorer_spec",
    "explorer_chart",
    "comparison_spec",
    "comparison_bars",
    "summary_spec",
    "summary_chart",
    "describe_trend",
    "describe_comparison",
    "describe_summary",
    "trend_tables",
    "comparison_table",
    "summary_table",
]
