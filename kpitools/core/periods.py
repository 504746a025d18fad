"""Reporting periods: financial-year quarters, financial years and months.

Periods are written ``2017-18 Q1`` (April-June 2017), ``2017-18`` (April 2017-March 2018) and
``2018-08`` (August 2018). Common variants (``Q1 2017/18``, ``2017/18 Q1``, ``2017/2018 Q1``,
``Aug 2018``) are read too. Parsing is vectorised: a whole column at a time.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.errors import PeriodError

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_MONTH_WORDS = "|".join(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sept",
        "sep",
        "oct",
        "nov",
        "dec",
    ]
)

_FY = r"(?P<fy>\d{4})\s*[-/]\s*(?P<fy2>\d{2}|\d{4})"
_PATTERNS = {
    "quarter_after": re.compile(rf"^{_FY}\s*(?:Q|QUARTER\s*)(?P<q>[1-4])$", re.I),
    "quarter_before": re.compile(rf"^(?:Q|QUARTER\s*)(?P<q>[1-4])\s*{_FY}$", re.I),
    "year": re.compile(rf"^(?:FY\s*)?{_FY}$", re.I),
    "month_iso": re.compile(r"^(?P<y>\d{4})\s*[-/]\s*(?P<m>\d{1,2})$"),
    "month_word": re.compile(rf"^(?P<mw>{_MONTH_WORDS})\.?\s*(?P<y>\d{{4}})$", re.I),
}

QUARTER_MONTHS = {1: "April to June", 2: "July to September", 3: "October to December", 4: "January to March"}


def _fy_label(fy: int) -> str:
    return f"{fy}-{(fy + 1) % 100:02d}"


@dataclass(frozen=True, order=True)
class Period:
    """A parsed period. ``ordinal`` orders periods of the same kind.

    Examples
    --------
    >>> p = Period.parse("Q1 2017/18")
    >>> p.label, p.kind, p.end.date().isoformat()
    ('2017-18 Q1', 'quarter', '2017-06-30')
    >>> p.shift(-1).label
    '2016-17 Q4'
    """

    kind: str
    ordinal: int

    @classmethod
    def parse(cls, text: str, prefer_month: bool = False) -> Period:
        parsed = parse_periods(pd.Series([text]), prefer_month=prefer_month)
        if parsed["kind"].isna().iloc[0]:
            raise PeriodError(
                f"cannot read the period {text!r}: expected a financial-year quarter such as "
                "'2025-26 Q2', a financial year such as '2025-26', or a month such as '2025-08'"
            )
        return cls(str(parsed["kind"].iloc[0]), int(parsed["ordinal"].iloc[0]))

    @property
    def fy(self) -> int:
        if self.kind == "quarter":
            return self.ordinal // 4
        if self.kind == "year":
            return self.ordinal
        year, month = divmod(self.ordinal, 12)
        return year if month + 1 >= 4 else year - 1

    @property
    def quarter(self) -> int | None:
        return self.ordinal % 4 + 1 if self.kind == "quarter" else None

    @property
    def label(self) -> str:
        return _labels(self.kind, self.ordinal)

    @property
    def year_label(self) -> str:
        return _fy_label(self.fy)

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(_end_dates(np.array([self.kind]), np.array([self.ordinal]))[0])

    @property
    def start(self) -> pd.Timestamp:
        """The period's first day: ``2025-26 Q2`` starts on 1 July 2025."""
        return self.shift(-1).end + pd.Timedelta(days=1) if self.kind != "year" else pd.Timestamp(self.fy, 4, 1)

    @property
    def long_label(self) -> str:
        """``'July to September 2025 (2025-26 Q2)'`` for a quarter."""
        if self.kind == "quarter":
            q = self.quarter or 1
            year = self.fy + 1 if q == 4 else self.fy
            return f"{QUARTER_MONTHS[q]} {year} ({self.label})"
        if self.kind == "year":
            return f"April {self.fy} to March {self.fy + 1} ({self.label})"
        return pd.Timestamp(self.end).strftime("%B %Y")

    def shift(self, n: int) -> Period:
        return Period(self.kind, self.ordinal + n)

    def __str__(self) -> str:
        return self.label


def _labels(kind: str, ordinal: int) -> str:
    if kind == "quarter":
        fy, q = divmod(ordinal, 4)
        return f"{_fy_label(fy)} Q{q + 1}"
    if kind == "year":
        return _fy_label(ordinal)
    y, m = divmod(ordinal, 12)
    return f"{y}-{m + 1:02d}"


def labels(kind: pd.Series, ordinal: pd.Series) -> pd.Series:
    """Canonical labels for columns of kinds and ordinals (vectorised)."""
    k = kind.astype("object")
    o = pd.to_numeric(ordinal, errors="coerce")
    out = pd.Series(pd.NA, index=kind.index, dtype="object")
    fy_q, q = np.divmod(o.fillna(0).astype("int64"), 4)
    y_m, m = np.divmod(o.fillna(0).astype("int64"), 12)
    fy_str = lambda fy: fy.astype(str) + "-" + ((fy + 1) % 100).astype(str).str.zfill(2)  # noqa: E731
    is_q, is_y, is_m = (k == "quarter") & o.notna(), (k == "year") & o.notna(), (k == "month") & o.notna()
    out.loc[is_q] = (fy_str(fy_q) + " Q" + (q + 1).astype(str))[is_q]
    out.loc[is_y] = fy_str(o.fillna(0).astype("int64"))[is_y]
    out.loc[is_m] = (y_m.astype(str) + "-" + (m + 1).astype(str).str.zfill(2))[is_m]
    return out


def _end_dates(kind: np.ndarray, ordinal: np.ndarray) -> np.ndarray:
    """Last day of each period as datetime64[D]."""
    ordinal = ordinal.astype("int64")
    # month index (calendar) of the period's last month, counted from year 0
    last_month = np.where(
        kind == "quarter",
        (ordinal // 4) * 12 + 3 + (ordinal % 4) * 3 + 2,
        np.where(kind == "year", ordinal * 12 + 3 + 11, ordinal),
    )
    first_of_next = (np.datetime64("0000-01", "M") + (last_month + 1).astype("timedelta64[M]")).astype("datetime64[D]")
    return first_of_next - np.timedelta64(1, "D")


def end_dates(kind: pd.Series, ordinal: pd.Series) -> pd.Series:
    """Last day of each period (vectorised); NaT where the period is unknown."""
    ok = kind.notna() & ordinal.notna()
    out = pd.Series(pd.NaT, index=kind.index, dtype="datetime64[s]")
    if ok.any():
        vals = _end_dates(kind[ok].to_numpy(dtype=object).astype(str), ordinal[ok].to_numpy(dtype="int64"))
        out.loc[ok] = pd.to_datetime(vals).as_unit("s")
    return out


def parse_periods(text: pd.Series, prefer_month: pd.Series | bool = False) -> pd.DataFrame:
    """Parse a column of period texts.

    ``2011-12`` could be a financial year or December 2011: it is read as a month where
    ``prefer_month`` is true (monthly indicators), else as a financial year.

    Returns a frame with ``kind`` (``quarter``/``year``/``month`` or missing when unreadable),
    ``ordinal`` (quarters: fy*4+q-1, years: fy, months: year*12+month-1), ``label`` and ``end``.

    Examples
    --------
    >>> parse_periods(pd.Series(["2017/18 Q1", "2018-08", "2017-18", "bad"]))["label"].tolist()
    ['2017-18 Q1', '2018-08', '2017-18', <NA>]
    """
    s = text.astype("object").where(text.notna(), "").astype(str).str.strip()
    s = s.str.translate({ord(c): "-" for c in _DASHES}).str.replace(r"\s+", " ", regex=True)
    if isinstance(prefer_month, bool):
        prefer_month = pd.Series(prefer_month, index=text.index)
    kind = pd.Series(pd.NA, index=text.index, dtype="object")
    ordinal = pd.Series(pd.NA, index=text.index, dtype="Int64")

    for name in ("quarter_after", "quarter_before"):
        m = s.str.extract(_PATTERNS[name])
        fy = pd.to_numeric(m["fy"], errors="coerce")
        ok = _next_year_mask(fy, m["fy2"]) & kind.isna()
        ordinal.loc[ok] = (fy[ok] * 4 + pd.to_numeric(m["q"][ok]) - 1).astype("Int64")
        kind.loc[ok] = "quarter"

    my = s.str.extract(_PATTERNS["year"])
    fy = pd.to_numeric(my["fy"], errors="coerce")
    is_year = _next_year_mask(fy, my["fy2"])
    mi = s.str.extract(_PATTERNS["month_iso"])
    mnum = pd.to_numeric(mi["m"], errors="coerce")
    is_month = mnum.between(1, 12) & kind.isna()
    year_ok = is_year & kind.isna() & ~(is_month & prefer_month.fillna(False).astype(bool))
    ordinal.loc[year_ok] = fy[year_ok].astype("Int64")
    kind.loc[year_ok] = "year"
    month_ok = is_month & kind.isna()
    ordinal.loc[month_ok] = (pd.to_numeric(mi["y"][month_ok]) * 12 + mnum[month_ok] - 1).astype("Int64")
    kind.loc[month_ok] = "month"

    mw = s.str.extract(_PATTERNS["month_word"])
    word_ok = mw["mw"].notna() & kind.isna()
    if word_ok.any():
        months = mw["mw"][word_ok].str.lower().str[:3].map(_MONTHS)
        ordinal.loc[word_ok] = (pd.to_numeric(mw["y"][word_ok]) * 12 + months - 1).astype("Int64")
        kind.loc[word_ok] = "month"

    out = pd.DataFrame({"kind": kind, "ordinal": ordinal}, index=text.index)
    out["label"] = labels(out["kind"], out["ordinal"])
    out["end"] = end_dates(out["kind"], out["ordinal"])
    return out


def containing_quarter(period: Period) -> Period:
    """The financial-year quarter a month (or quarter) falls in.

    Raises
    ------
    PeriodError
        For a whole financial year.

    Examples
    --------
    >>> containing_quarter(Period.parse("Sept 2025")).label
    '2025-26 Q2'
    """
    if period.kind == "quarter":
        return period
    if period.kind == "year":
        raise PeriodError(f"{period.label} is a whole financial year, not in one quarter")
    year, month = divmod(period.ordinal, 12)
    return Period("quarter", period.fy * 4 + ((month + 1 - 4) % 12) // 3)


@functools.lru_cache(maxsize=1024)
def _parsed(label: str) -> Period | None:
    try:
        return Period.parse(label)
    except PeriodError:
        return None


def parse_or_none(label: Any) -> Period | None:
    """The period a label names, or ``None`` (blank, missing or unreadable): for labels the tool
    wrote itself, where an unreadable one means "no period", not bad input.

    Examples
    --------
    >>> parse_or_none("2025-08").kind, parse_or_none(""), parse_or_none(None), parse_or_none("soon")
    ('month', None, None, None)
    """
    if not isinstance(label, str) or not label.strip():
        return None
    return _parsed(label.strip())


def period_words(label: Any) -> str:
    """A period as a reader says it: a quarter or year as labelled (``2025-26 Q1``), a month in
    words (``July 2025``); ``""`` for none.

    Examples
    --------
    >>> period_words("2025-26 Q1"), period_words("2025-07"), period_words(None)
    ('2025-26 Q1', 'July 2025', '')
    """
    p = parse_or_none(label)
    if p is not None and p.kind == "month":
        return p.long_label
    return label.strip() if isinstance(label, str) else ""


def pack_period(text: str) -> Period:
    """The period a pack is asked for by name: a quarter (``2025-26 Q2``) or a month (``2025-08``).

    Raises
    ------
    PeriodError
        The period cannot be read, or is a whole year.

    Examples
    --------
    >>> pack_period("2025-08").label, pack_period("Q2 2025/26").label
    ('2025-08', '2025-26 Q2')
    """
    p = Period.parse(text, prefer_month=True)
    if p.kind not in ("quarter", "month"):
        raise PeriodError(
            f"the period {text!r} is a whole year: a pack is for a quarter (2025-26 Q2) or a month (2025-08)"
        )
    return p


def latest_quarter_ended(period: Period) -> Period:
    """The latest financial-year quarter that has ended by the end of ``period``: the quarter itself,
    or for a month the quarter it ends (June, September, December, March) or else the one before.

    A monthly pack reports its quarterly indicators at this quarter.

    Examples
    --------
    >>> latest_quarter_ended(Period.parse("2025-08")).label, latest_quarter_ended(Period.parse("2025-09")).label
    ('2025-26 Q1', '2025-26 Q2')
    >>> latest_quarter_ended(Period.parse("2025-26")).label
    '2025-26 Q4'
    """
    if period.kind == "quarter":
        return period
    if period.kind == "year":
        return Period("quarter", period.fy * 4 + 3)
    q = containing_quarter(period)
    return q if q.end == period.end else q.shift(-1)


def is_latest(period: str) -> bool:
    """``latest`` (the latest quarter) or ``latest month`` (the latest month), in any case.

    Examples
    --------
    >>> is_latest("Latest"), is_latest("latest month"), is_latest("latest-month"), is_latest("2025-08")
    (True, True, True, False)
    """
    return latest_kind(period) is not None


def latest_kind(period: str) -> str | None:
    """``quarter`` for ``latest``, ``month`` for ``latest month``; ``None`` for a named period."""
    words = " ".join(str(period).strip().lower().replace("-", " ").replace("_", " ").split())
    return {"latest": "quarter", "latest quarter": "quarter", "latest month": "month"}.get(words)


def period_hint(text: str) -> str:
    """Why a period that cannot be read was probably written as it was, in words; ``""`` if unknown.

    Examples
    --------
    >>> period_hint("45870")
    '45870 looks like an Excel date serial number (1 August 2025): format the period column as text'
    >>> period_hint("2025 Q2")
    "'2025 Q2' does not say which financial year: write the financial year and its quarter, e.g. 2025-26 Q1 for April to June 2025"
    """
    t = str(text).strip()
    if re.fullmatch(r"\d{5}(?:\.0+)?", t) and 20000 <= float(t) <= 80000:
        day = pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(float(t)))
        return f"{t} looks like an Excel date serial number ({day.day} {day:%B %Y}): format the period column as text"
    if re.fullmatch(r"(?:\d{4}\s*Q\s*\d|Q\s*\d\s*\d{4})", t, re.I):
        return (
            f"'{t}' does not say which financial year: write the financial year and its quarter, "
            "e.g. 2025-26 Q1 for April to June 2025"
        )
    if re.fullmatch(r"(?:Q|quarter\s*)[1-4]", t, re.I):
        return f"'{t}' has no year: write it like 2025-26 Q2"
    if re.search(r"(?:^|\s)Q(?:uarter\s*)?(?:0|[5-9]|\d\d+)\s*$|^Q(?:0|[5-9])\b", t, re.I):
        return "a financial year has four quarters, Q1 (April to June) to Q4 (January to March)"
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}", t):
        return "a date: write the period it belongs to, e.g. 2025-26 Q2, or 2025-09 for a month"
    m = re.match(r"^(\d{4})\s*[-/]\s*(\d{2,4})\b", t)
    if m and int(m.group(2)) % 100 != (int(m.group(1)) + 1) % 100:
        return f"a financial year runs over two consecutive years, e.g. {m.group(1)}-{(int(m.group(1)) + 1) % 100:02d}"
    return ""


def _next_year_mask(fy: pd.Series, fy2: pd.Series) -> pd.Series:
    """True where ``fy2`` is the year after ``fy`` (``2017-18``, ``2017/2018``)."""
    second = pd.to_numeric(fy2, errors="coerce")
    four_digits = fy2.str.len() == 4
    ok = (second % 100 == (fy + 1) % 100) & (~four_digits | (second == fy + 1))
    return ok.fillna(False).astype(bool)


def financial_year_of_month(month_ordinal: pd.Series) -> pd.Series:
    """The financial year (April start) a calendar month falls in."""
    y, m = np.divmod(month_ordinal.astype("int64"), 12)
    return pd.Series(np.where(m + 1 >= 4, y, y - 1), index=month_ordinal.index)
