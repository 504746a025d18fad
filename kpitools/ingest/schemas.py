"""What each input table must look like, declared once (pandera), and the report of problems.

Every input is read as text and checked column by column; all problems are collected, with the file,
the row as a spreadsheet shows it and the column, before anything is scored.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from kpitools.core.errors import Problem
from kpitools.core.vocabulary import POLARITIES, RANK_POLARITIES

FREQUENCIES = ("monthly", "quarterly", "biannual", "annual")
MEASURES = ("snapshot", "ytd", "rolling12")
COMMENTARY_KINDS = ("highlight", "improvement", "action")
TOLERANCE_TYPES = ("absolute", "relative")

# Other spellings of the two units the tool acts on (percent: 0-100 and a % sign; count: pro-rated
# year-to-date targets); written so, an indicator would silently lose those checks.
UNIT_ALIASES = {
    "%": "percent",
    "pct": "percent",
    "per cent": "percent",
    "percentage": "percent",
    "percentages": "percent",
    "proportion": "percent",
    "number": "count",
    "no": "count",
    "no.": "count",
    "num": "count",
    "#": "count",
    "n": "count",
    "counts": "count",
}

_NUMBER_OR_BLANK = r"^\s*(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*%?)?\s*$"


def _text(required: bool = True, **kw) -> pa.Column:
    checks = (
        [pa.Check(lambda s: s.str.strip().str.len() > 0, error="a value (this cell must not be blank)")]
        if required
        else []
    )
    return pa.Column(
        str, checks=checks + kw.pop("checks", []), nullable=not required, required=kw.pop("present", True), **kw
    )


def _choice(options: tuple[str, ...], required: bool = True) -> pa.Column:
    allowed = list(options) + ([] if required else [""])
    return pa.Column(
        str,
        pa.Check(
            lambda s: s.str.strip().str.lower().isin(allowed),
            error=f"one of {', '.join(options)}" + ("" if required else " or blank"),
        ),
        nullable=not required,
    )


# a count: no sign, no %, UK thousands separators allowed (1,234), blank allowed
_COUNT_OR_BLANK = r"^\s*(?:(?:\d+|[1-9]\d{0,2}(?:,\d{3})+)(?:\.\d+)?)?\s*$"


def _count(present: bool = True) -> pa.Column:
    return pa.Column(
        str,
        pa.Check(
            lambda s: s.str.fullmatch(_COUNT_OR_BLANK),
            error="a count of zero or more (1234 or 1,234, no % sign), or blank",
        ),
        nullable=True,
        required=present,
    )


def _number(required: bool = False, present: bool = True) -> pa.Column:
    return pa.Column(
        str,
        pa.Check(
            lambda s: s.str.fullmatch(_NUMBER_OR_BLANK) & ((s.str.strip() != "") | (not required)),
            error="a number" + ("" if required else " or blank"),
        ),
        nullable=True,
        required=present,
    )


INDICATORS = pa.DataFrameSchema(
    {
        "indicator_id": _text(
            checks=[
                pa.Check(
                    lambda s: s.str.fullmatch(r"[A-Za-z0-9_.\-]+"),
                    error="an id of letters, digits, _ . or - (no spaces)",
                )
            ],
            # unique: checked by the loader, which names both rows of an id given twice
        ),
        "title": _text(),
        "polarity": _choice(POLARITIES),
        "unit": _text(
            checks=[
                pa.Check(
                    lambda s: ~s.str.strip().str.lower().isin(list(UNIT_ALIASES)),
                    error="a unit word: percent for a percentage, count for a number of "
                    "things, or rate, days, weeks...",
                )
            ]
        ),
        "decimals": pa.Column(
            str,
            pa.Check(
                lambda s: s.str.strip().str.fullmatch(r"[0-6]"), error="a whole number of decimal places from 0 to 6"
            ),
        ),
        "frequency": _choice(FREQUENCIES),
        "measure": _choice(MEASURES),
        "definition": _text(required=False, present=False),
        "source": _text(required=False, present=False),
        "benchmark_file": _text(required=False, present=False),
        "benchmark_filter": _text(required=False, present=False),
        "benchmark_column": _text(required=False, present=False),
        # how published figures are ranked when that differs from how the target is judged
        "benchmark_polarity": pa.Column(
            str,
            pa.Check(lambda s: s.str.strip().str.lower().isin(["", *RANK_POLARITIES]), error="higher, lower, or blank"),
            nullable=True,
            required=False,
        ),
        # the published file's count columns behind the figure: where one is suppressed (c), the figure
        # rests on small numbers and is left out of ranks, quartiles and averages
        "benchmark_count_columns": _text(required=False, present=False),
        # the framework over time: the first and last periods the indicator is reported for (blank: open),
        # and why it was added or removed, for the pack's list of changes
        "from_period": _text(required=False, present=False),
        "to_period": _text(required=False, present=False),
        "added_reason": _text(required=False, present=False),
        "removed_reason": _text(required=False, present=False),
    },
    name="indicator framework",
    strict=False,
    unique_column_names=True,
)

TARGETS = pa.DataFrameSchema(
    {
        "authority": _text(),
        "indicator_id": _text(),
        "year": pa.Column(
            str,
            pa.Check(
                lambda s: s.str.strip().str.fullmatch(r"\d{4}\s*[-/]\s*\d{2}(?:\d{2})?"),
                error="a financial year such as 2025-26",
            ),
        ),
        "period": pa.Column(
            str,
            pa.Check(
                lambda s: s.str.strip().str.upper().isin(["", "Q1", "Q2", "Q3", "Q4"]),
                error="Q1, Q2, Q3, Q4, or blank for the annual target",
            ),
            nullable=True,
        ),
        "target": _number(),
        "lower": _number(present=False),
        "upper": _number(present=False),
        "tolerance": _number(present=False),
        "tolerance_type": pa.Column(
            str,
            pa.Check(
                lambda s: s.str.strip().str.lower().isin(["", *TOLERANCE_TYPES]), error="absolute, relative, or blank"
            ),
            nullable=True,
            required=False,
        ),
    },
    name="targets",
    strict=False,
)

LOCAL_VALUES = pa.DataFrameSchema(
    {
        "authority": _text(),
        "indicator_id": _text(),
        "period": _text(),
        "value": pa.Column(str, nullable=True),
        "numerator": _count(present=False),
        "denominator": _count(present=False),
        # why a figure is missing ("not captured in the case system until 2026"), shown in the pack
        "note": _text(required=False, present=False),
    },
    name="local extract",
    strict=False,
)

COMMENTARY = pa.DataFrameSchema(
    {
        "authority": _text(),
        "indicator_id": _text(),
        "period": _text(),
        "kind": _choice(COMMENTARY_KINDS),
        "text": _text(),
    },
    name="commentary",
    strict=False,
)

DFE_REQUIRED = ("time_period", "time_identifier", "geographic_level", "new_la_code", "la_name")
# the geography and time columns of DfE's open data layout; the others are a file's measures and filters
DFE_LAYOUT = DFE_REQUIRED + (
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "lad_code",
    "lad_name",
    "opendata_id",
)


def check(df: pd.DataFrame, schema: pa.DataFrameSchema, file: str, first_row: int = 2) -> list[Problem]:
    """Problems of ``df`` (all columns text) against ``schema``; ``first_row`` is the sheet row of index 0."""
    try:
        schema.validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    problems: list[Problem] = []
    for case in cases.itertuples(index=False):
        check_name = str(case.check)
        if case.column is None or case.schema_context == "DataFrameSchema":
            if check_name == "column_in_dataframe":
                problems.append(
                    Problem(
                        file,
                        first_row - 1,
                        str(case.failure_case),
                        None,
                        f"a column named '{case.failure_case}' in the header row "
                        f"(found: {', '.join(map(str, df.columns))})",
                    )
                )
            else:
                problems.append(Problem(file, None, None, str(case.failure_case), check_name))
            continue
        row = None if pd.isna(case.index) else int(case.index) + first_row
        expected = {
            "not_nullable": "a value (this cell must not be blank)",
            "field_uniqueness": "each value only once in this column",
        }.get(check_name, check_name)
        found = None if pd.isna(case.failure_case) else str(case.failure_case)
        problems.append(Problem(file, row, str(case.column), found, expected))
    return sorted(set(problems), key=lambda p: (p.row or 0, p.column or ""))
