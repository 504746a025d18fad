"""The house style of the charts: the Government Analysis Function palette, the RAG colours, the
font, the series' and roles' styles and legend names, and the Vega-Lite config every spec carries."""

from __future__ import annotations

from typing import Any

#: Government Analysis Function categorical palette (in its recommended order).
PALETTE: dict[str, str] = {
    "dark_blue": "#12436D",
    "turquoise": "#28A197",
    "dark_pink": "#801650",
    "orange": "#F46A25",
    "dark_grey": "#3D3D3D",
    "light_purple": "#A285D1",
}

#: RAG fills. White text on Red (4.9:1) and Green (6.2:1); near-black text on Amber (16:1).
RAG_COLOURS: dict[str, str] = {"Red": "#D4351C", "Amber": "#FFDD00", "Green": "#00703C"}
RAG_TEXT_COLOURS: dict[str, str] = {"Red": "#FFFFFF", "Amber": "#0B0C0C", "Green": "#FFFFFF"}
#: Neutral fill for statuses that carry no rating (no data, not due, ...): never a RAG colour.
NEUTRAL = "#B1B4B6"
TEXT = "#0B0C0C"
FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"

# Series styles for trend charts: colour, point shape and dash pattern all differ, so the series
# can be told apart in greyscale print and by people who do not see the colours.
_LOCAL = "local"
_STYLES: dict[str, dict[str, Any]] = {
    _LOCAL: {"color": PALETTE["dark_blue"], "shape": "circle", "dash": [1, 0]},
    "Target": {"color": PALETTE["dark_grey"], "shape": "stroke", "dash": [6, 4]},
    "Target band": {"color": "#BFE4E0", "shape": "square", "dash": [1, 0]},
    "published": {"color": PALETTE["dark_blue"], "shape": "triangle-down", "dash": [10, 3]},
    "London": {"color": PALETTE["turquoise"], "shape": "square", "dash": [2, 2]},
    "England": {"color": PALETTE["dark_pink"], "shape": "triangle-up", "dash": [8, 3, 2, 3]},
    "Statistical neighbours": {"color": PALETTE["orange"], "shape": "diamond", "dash": [4, 2]},
    "Comparators": {"color": PALETTE["light_purple"], "shape": "cross", "dash": [1, 2]},
}
_BENCHMARK_SERIES = ("London", "England", "Statistical neighbours", "Comparators")
_SERIES_LEGEND = {
    "London": "London (annual)",
    "England": "England (annual)",
    "Statistical neighbours": "Statistical neighbours' average (annual)",
    "Comparators": "Comparators' average (annual)",
}


def _comparator_legend(names: list[str] | None, count: Any = None) -> str:
    """The legend name of the comparators' series: their average only for two or more; one
    comparator is named (``Barking and Dagenham (annual)``). Without the names, ``count`` (the
    scorecard's ``comparator_count``) tells one from several; with neither, the old name."""
    shown = [str(n) for n in names or () if str(n).strip()]
    if len(shown) == 1:
        return f"{shown[0]} (annual)"
    if not shown and count is not None:
        try:
            if int(count) == 1:
                return "Comparator (annual)"
        except (TypeError, ValueError):
            pass
    return _SERIES_LEGEND["Comparators"]


# The target band of a band indicator, as the band rule rates it: Green inside by more than the
# tolerance, Amber inside within the tolerance of an edge, Red outside. Opaque pale fills (the RAG
# colours on white) so the lines drawn over them keep their contrast; each zone is also named in words.
_BAND_ZONE_FILLS = {"Green": "#BFDBCE", "Amber": "#FFEB80"}
_BAND_ZONE_TEXT = "#3D3D3D"

_PERCENT_UNITS = {"percent", "percentage", "%"}
#: What a rate is per: DfE's rates of children in need and looked after are per 10,000 children under 18.
_RATE_PER = "per 10,000 children"


def _value_axis(unit: str, decimals: int) -> dict[str, Any]:
    """The value axis' tick labels: in the indicator's decimals, with ``%`` for percentages, and never
    two ticks closer than one unit of the last decimal place (so no label is shown twice)."""
    fmt = f",.{max(0, int(decimals))}f"
    axis: dict[str, Any] = {"tickMinStep": 10.0 ** -max(0, int(decimals))}
    if (unit or "").strip().lower() in _PERCENT_UNITS:
        axis["labelExpr"] = f"format(datum.value, '{fmt}') + '%'"
    else:
        axis["format"] = fmt
    return axis


def _value_title(title: str, unit: str) -> str:
    """The value axis' title: a rate says what it is per (``Rate per 10,000 children``)."""
    if (unit or "").strip().lower() == "rate" and "10,000" not in title:
        return f"{title} {_RATE_PER}"
    return title


# Comparison bars: roles.
_ROLE_COLOURS = {
    "selected": PALETTE["dark_blue"],
    "statistical neighbour": "#8C8C8C",  # 3.4:1 against white: meets the 3:1 for graphics
    "comparator": PALETTE["light_purple"],
}
_ROLE_LEGEND = {
    "selected": "Selected authority",
    "statistical neighbour": "Statistical neighbour",
    "comparator": "Comparator",
}


_CONFIG: dict[str, Any] = {
    "font": FONT,
    "background": "white",
    "aria": False,
    "axis": {
        "labelColor": TEXT,
        "titleColor": TEXT,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "gridColor": "#E5E5E5",
        "domainColor": "#505A5F",
        "tickColor": "#505A5F",
        "titleFontWeight": "bold",
    },
    "legend": {
        "labelColor": TEXT,
        "titleColor": TEXT,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "labelLimit": 320,
        "symbolStrokeWidth": 2.5,
    },
    # The continuous sizes are what Altair's default theme adds: kept so the specs are the ones
    # Altair wrote (every chart here sets its own width and height).
    "view": {"continuousWidth": 300, "continuousHeight": 300, "stroke": None},
    "text": {"font": FONT},
}

#: The Vega-Lite version the specs are written for (Altair 6.3's); :func:`kpitools.present.render.chart_svg`
#: asks vl-convert for this version.
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
