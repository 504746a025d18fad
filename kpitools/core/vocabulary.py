"""The words of the field, in one place: statuses, RAG ratings, RAG schemes and their rules in
prose, polarities, directions of travel.

A change to a rule's wording, or a new status or scheme, is made here: the scoring, the tables,
the charts, the key to the ratings and the settings check all read these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "STATUSES",
    "STATUS_WORDS",
    "STATUS_MEANINGS",
    "RAGS",
    "RAG_SCHEMES",
    "RAG_SCHEME_RULES",
    "BAND_RULE",
    "DEFAULT_RAG_SCHEME",
    "POLARITIES",
    "RANK_POLARITIES",
    "POLARITY_TEXT",
    "DIRECTIONS",
    "rank_polarity",
]

# Why an indicator is or is not rated, in the order summaries count them.
STATUSES = ("rated", "no data", "suppressed", "no target", "not due", "not a target measure")
STATUS_WORDS = {
    "rated": "Rated",
    "no data": "No data",
    "suppressed": "Suppressed",
    "no target": "No target",
    "not due": "Not due",
    "not a target measure": "Not a target measure",
}
# The framework's codes as a reader says them (the notes never show a code).
MEASURE_WORDS = {
    "snapshot": "a snapshot at the end of the period",
    "ytd": "the year to date (April to the end of the period)",
    "rolling12": "the 12 months to the end of the period",
}
FREQUENCY_WORDS = {
    "monthly": "monthly",
    "quarterly": "quarterly",
    "biannual": "twice a year (Q2 and Q4)",
    "annual": "once a year (Q4)",
}
STATUS_MEANINGS = {
    "rated": "The value has been compared with its target and given a RAG rating.",
    "no data": "No value was supplied for the period, so the indicator is not rated.",
    "suppressed": "The value is suppressed in the data supplied (for example to protect confidentiality), "
    "so the indicator is not rated.",
    "no target": "No target has been set for the period, so the indicator is not rated.",
    "not due": "The indicator is not reported in this period (for example one reported twice a year, in Q1 or Q3).",
    "not a target measure": "The indicator is monitored for context only and never rated.",
}

RAGS = ("Green", "Amber", "Red")

# Each scheme with its rule as the key to the ratings states it (seeds 001-003).
RAG_SCHEME_RULES = {
    "two_state": "Red: off target. Green: on target or better.",
    "tolerance": "Green: on target or better. Amber: off target by no more than the tolerance. "
    "Red: further off target.",
    "tolerance_improvement": "Green: on target or within the tolerance. Amber: further off target but "
    "improved or maintained against the same period last year. Red: further "
    "off target and not improved.",
}
RAG_SCHEMES = tuple(RAG_SCHEME_RULES)
DEFAULT_RAG_SCHEME = "tolerance"
# A target band overrides the scheme (docs/scoring.md).
BAND_RULE = (
    "Green: inside the target band by more than the tolerance. Amber: inside the band but "
    "within the tolerance of an edge. Red: outside the band."
)

# Which way is better: ``band`` is a target range, ``none`` a context measure never rated.
POLARITIES = ("higher", "lower", "band", "none")
RANK_POLARITIES = ("higher", "lower")  # the ones a published figure can be ranked by
POLARITY_TEXT = {
    "higher": "Bigger is better",
    "lower": "Smaller is better",
    "band": "Within a band",
    "none": "Not a target measure",
}

DIRECTIONS = ("better", "worse", "same")

# What a publish run does with commentary that names a withheld figure (docs/disclosure.md).
COMMENTARY_POLICIES = ("stop", "withhold")


def rank_polarity(polarity: pd.Series, benchmark_polarity: pd.Series | None = None) -> pd.Series:
    """How published figures are ranked: ``benchmark_polarity`` when given, else the polarity when it
    is higher or lower; blank (listed by value, never called best or worst) for a band or context
    measure without one.

    Examples
    --------
    >>> import pandas as pd
    >>> rank_polarity(pd.Series(["lower", "band", "band", "none"]), pd.Series(["", "lower", "", ""])).tolist()
    ['lower', 'lower', '', '']
    """
    polarity = polarity.fillna("").astype(str)
    own = polarity.where(polarity.isin(RANK_POLARITIES), "")
    if benchmark_polarity is None:
        return own
    given = benchmark_polarity.fillna("").astype(str).str.strip().str.lower()
    return given.where(given.isin(RANK_POLARITIES), own)
