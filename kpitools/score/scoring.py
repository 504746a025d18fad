"""RAG ratings, statuses and direction of travel, vectorised over authorities x indicators x periods.

The rules (docs/data-contract.md, "Scoring rules"):

- An indicator is rated against the period's target, polarity-aware, by the authority's RAG scheme:
  ``two_state`` (Red off target, Green on target or better), ``tolerance`` (Amber when off by no
  more than the tolerance), ``tolerance_improvement`` (Green on target or within the tolerance,
  default 10%; Amber further off but improved or maintained against the same period last year).
  ``band`` indicators are Green inside the band by more than the tolerance, Amber inside but within
  the tolerance of an edge, Red outside.
- Values are compared at the indicator's displayed precision, so the rating agrees with the figure
  the committee reads (79.96% shown as 80.0% is on an 80% target).
- Instead of a colour, an explicit status: ``not a target measure``, ``not due`` (a biannual
  indicator in Q1), ``suppressed``, ``no data``, ``no target``.
- A year-to-date count with only an annual target is judged against annual x quarters elapsed / 4.
- Direction of travel: better / worse / same by polarity, short term (previous period) and long
  term (same period last year); same = equal at displayed precision.

How :func:`score` works at national scale: the grid (authority x quarter x indicator) is built with
numpy, not cross merges; every lookup (the due observation, the previous one, the one a year
before, the period and annual targets) is one integer key per row, found in a table of row positions,
and the input columns are then taken by row position; statuses, reasons, colours and directions are
small integer codes until the end, when each text column is taken from its few distinct texts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray

from kpitools.core.config import DEFAULT_IMPROVEMENT_TOLERANCE
from kpitools.core.errors import ConfigError, PeriodError
from kpitools.core.numbers import round_half_up as round_half_up  # one rounding rule: the figures' own
from kpitools.core.numbers import round_scaled as _round_scaled
from kpitools.core.periods import Period, end_dates, labels
from kpitools.core.vocabulary import DEFAULT_RAG_SCHEME, RAG_SCHEMES, RAGS, STATUSES

_EPS = 1e-6  # in units of the displayed precision

_RATED, _NO_DATA, _SUPPRESSED, _NO_TARGET, _NOT_DUE, _NOT_A_TARGET = range(len(STATUSES))  # codes of STATUSES
_RAG_TEXT = np.array([*RAGS, ""])  # codes 0-3 of _rag_codes; 3 = not rated
_DIRECTIONS = np.array(["better", "worse", "same", ""], dtype=object)  # codes 0-3 of _direction_codes
_KINDS = ("month", "year", "quarter")  # observation kinds, by code
_FREQUENCY_WORDS = {"biannual": "reported in Q2 and Q4 only", "annual": "reported once a year, in Q4"}
_INDICATOR_COLUMNS = ["indicator_id", "title", "polarity", "unit", "decimals", "frequency", "measure"]
# a key lookup is a dense table while it has at most this many slots per row, plus this many
_DENSE_SLOTS_PER_ROW, _DENSE_SLOTS = 16, 1 << 22


def _direction_codes(
    v: np.ndarray,
    o: np.ndarray,
    higher: np.ndarray,
    lower: np.ndarray,
    band: np.ndarray,
    lo: np.ndarray | None = None,
    up: np.ndarray | None = None,
) -> np.ndarray:
    """Direction of travel as codes into ``_DIRECTIONS`` (0 better, 1 worse, 2 same, 3 blank).

    ``v``, ``o``, ``lo`` and ``up`` are already rounded to the displayed precision (scaled integers);
    ``higher``, ``lower`` and ``band`` are the polarity, one flag each.
    """
    diff = v - o
    score = np.where(higher, diff, np.where(lower, -diff, np.nan))
    if lo is not None and up is not None and band.any():
        # distance from the middle of the band: moving towards it is better, inside the band too (13% to
        # 11% in a 10-16% band is worse: nearer the edge where it turns Amber). NaN propagates: a
        # missing edge or value gives no direction.
        b = np.flatnonzero(band)
        vb, ob, middle = v[b], o[b], (lo[b] + up[b]) / 2.0
        score[b] = np.abs(ob - middle) - np.abs(vb - middle)
    # NaN (no comparison, or no polarity) meets none of the three tests: blank
    return np.where(score > _EPS, 0, np.where(score < -_EPS, 1, np.where(np.abs(score) <= _EPS, 2, 3)))


def direction_of_travel(
    value: pd.Series,
    other: pd.Series,
    polarity: pd.Series,
    decimals: pd.Series,
    lower: pd.Series | None = None,
    upper: pd.Series | None = None,
) -> pd.Series:
    """``better`` / ``worse`` / ``same`` by polarity at displayed precision; blank without a comparison.

    For a band indicator, better means closer to the middle of the band.

    Examples
    --------
    >>> s = lambda *x: pd.Series(x)
    >>> direction_of_travel(s(15.9, 60.9, 14.0), s(14.5, 62.3, 14.04), s("lower", "higher", "lower"), s(1, 1, 1)).tolist()
    ['worse', 'worse', 'same']
    """
    scale = 10.0 ** np.asarray(decimals, dtype="float64")
    pol = polarity.to_numpy()
    lo = up = None
    if lower is not None and upper is not None:
        lo, up = _round_scaled(lower, scale), _round_scaled(upper, scale)
    codes = _direction_codes(
        _round_scaled(value, scale), _round_scaled(other, scale), pol == "higher", pol == "lower", pol == "band", lo, up
    )
    return pd.Series(_DIRECTIONS[codes], index=value.index, dtype="object")


def _rag_codes(
    v: np.ndarray,
    scale: np.ndarray,
    target: np.ndarray,
    higher: np.ndarray,
    lower: np.ndarray,
    band: np.ndarray,
    improvement: np.ndarray,
    tolerance_scheme: np.ndarray,
    tolerance: np.ndarray,
    relative: np.ndarray,
    lo: np.ndarray,
    up: np.ndarray,
    improved: np.ndarray,
    rated: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The rule of :func:`rate` on arrays: codes into ``_RAG_TEXT`` (3 where not rated) and the
    tolerance used, in the indicator's units (NaN where not rated).

    ``v`` is the value rounded to the displayed precision and ``lo``/``up`` the band edges, all scaled
    by ``scale`` (``10 ** decimals``); ``target`` and ``tolerance`` are as given; ``relative`` says the
    tolerance is a fraction; ``improvement``/``tolerance_scheme`` flag the rows' RAG scheme.
    """
    t = target * scale
    # tolerance_improvement without a tolerance of its own: the scheme's default fraction of the target
    default = improvement & np.isnan(tolerance)
    tol_raw = np.nan_to_num(np.where(default, DEFAULT_IMPROVEMENT_TOLERANCE, tolerance), nan=0.0)
    relative = np.where(default, True, relative)
    tol = np.where(relative, tol_raw * np.where(band, up - lo, np.abs(t)), tol_raw * scale)

    gap = np.where(higher, t - v, np.where(lower, v - t, np.nan))  # > 0: off target
    on_target = gap <= _EPS
    within = gap <= tol + _EPS
    rag = np.select(
        [on_target & ~improvement, tolerance_scheme & within & (tol > 0), improvement & within, improvement & improved],
        [0, 1, 0, 1],
        2,
    )
    inside = (v >= lo - _EPS) & (v <= up + _EPS)
    deep = (v > lo + tol + _EPS) & (v < up - tol - _EPS)
    rag = np.where(band, np.where(deep, 0, np.where(inside, 1, 2)), rag)
    return np.where(rated, rag, 3), np.where(rated, tol / scale, np.nan)


def rate(frame: pd.DataFrame, scheme: pd.Series) -> pd.DataFrame:
    """RAG for rows with ``value, target, lower, upper, tolerance, tolerance_type, polarity,
    decimals, dot_long, status``; returns ``rag`` (blank where not rated) and ``tolerance_used``.

    ``scheme`` holds each row's scheme (``two_state``, ``tolerance``, ``tolerance_improvement``).
    """
    scale = 10.0 ** frame["decimals"].to_numpy(dtype="float64")
    pol = frame["polarity"].to_numpy()
    sch = scheme.to_numpy()
    codes, used = _rag_codes(
        _round_scaled(frame["value"], scale),
        scale,
        frame["target"].to_numpy(dtype="float64"),
        pol == "higher",
        pol == "lower",
        pol == "band",
        sch == "tolerance_improvement",
        sch == "tolerance",
        frame["tolerance"].to_numpy(dtype="float64"),
        frame["tolerance_type"].fillna("absolute").to_numpy() == "relative",
        frame["lower"].to_numpy(dtype="float64") * scale,
        frame["upper"].to_numpy(dtype="float64") * scale,
        frame["dot_long"].isin(["better", "same"]).to_numpy(),
        frame["status"].eq("rated").to_numpy(),
    )
    return pd.DataFrame({"rag": _RAG_TEXT[codes], "tolerance_used": used}, index=frame.index)


# -- score's building blocks -------------------------------------------------------------------------


def _flags(column: pd.Series, value: str) -> np.ndarray:
    """``column == value`` as a numpy bool array; missing entries are False."""
    return column.eq(value).to_numpy(dtype=bool, na_value=False)


def _take(column: pd.Series, rows: np.ndarray) -> np.ndarray | ExtensionArray:
    """``column`` at the row positions ``rows`` as a left merge gives it: missing (NaN, and integers
    widened to float) where ``rows`` is -1, the column's own dtype otherwise."""
    if column.dtype == np.float64 or column.dtype == object:
        return np.append(column.to_numpy(), np.nan)[rows]  # the common case: the appended NaN answers -1
    arr = column.to_numpy() if isinstance(column.dtype, np.dtype) else column.array
    return pd.api.extensions.take(arr, rows, allow_fill=True)


def _text(categories: Sequence[str] | np.ndarray, codes: np.ndarray, as_object: bool = False) -> ExtensionArray:
    """``categories[codes]`` as a text column: strings are built once per distinct text, not per row."""
    return pd.Series([str(c) for c in categories], dtype=object if as_object else None).array.take(codes)


def _codes(column: pd.Series, uniques: pd.Index) -> np.ndarray:
    """Position of each entry of ``column`` in ``uniques`` (an object index), -1 where absent.

    Matched by equality as a merge matches keys, whatever the string dtypes. Arrow strings are looked
    up in arrow; other columns are factorised first, so that only their distinct entries are looked up.
    """
    if (
        isinstance(column.dtype, pd.StringDtype)
        and column.dtype.storage == "pyarrow"
        and all(isinstance(u, str) for u in uniques)
    ):
        # arrow strings (pandas' default): look them up in arrow, without a trip through Python objects
        arr = pa.array(column.array)
        found = pc.index_in(arr, value_set=pa.array(list(uniques), type=arr.type))
        return pc.fill_null(found, -1).to_numpy().astype(np.intp)
    codes, found = pd.factorize(column, use_na_sentinel=False)
    return uniques.get_indexer(pd.Index(np.asarray(found, dtype=object), dtype=object))[codes]


def _merged_as_object(dtype: object, n_rows: int, others: Sequence[tuple[int, object]]) -> bool:
    """Whether the merge-based scorer left a text key column as object: pandas casts both sides of a
    merge key to object when their dtypes differ (``str`` and object), unless exactly one side is
    empty. ``others`` holds the (row count, key dtype) of each frame the column was merged with."""
    return any((n_rows > 0) == (n > 0) and other != dtype for n, other in others)


class _RowFinder:
    """Rows of ``frame`` found by an integer key: ``keys[j]`` in ``[0, size)`` is the key of row
    ``rows[j]``; :meth:`find` answers -1 where no row has the key (and for the key -1).

    A small key space is a dense table (one gather per lookup), a large one a hash index. Two rows with
    one key would make the rating ambiguous (a merge would have doubled the grid row), so they raise a
    ValueError naming the first such key; the loaders report duplicates before scoring.
    """

    def __init__(
        self, keys: np.ndarray, rows: np.ndarray, size: int, frame: pd.DataFrame, columns: list[str], what: str
    ) -> None:
        self._table: np.ndarray | None = None
        self._index: pd.Index | None = None
        if size <= _DENSE_SLOTS_PER_ROW * len(keys) + _DENSE_SLOTS:
            table = np.full(size + 1, -1, dtype=np.int64)  # the extra last slot answers the key -1
            table[keys] = rows
            unique = bool((table[keys] == rows).all())  # with a repeated key, only the last row is kept
            self._table = table
        else:
            self._index = pd.Index(keys)
            unique = self._index.is_unique
            self._rows = np.append(rows, -1)
        if not unique:
            repeated = keys[pd.Index(keys).duplicated()][0]
            where = rows[keys == repeated]
            first = frame.iloc[where[0]]
            described = ", ".join(f"{c} {first[c]}" for c in columns)
            raise ValueError(
                f"{what} for {described} (rows {', '.join(map(str, frame.index[where]))}); keep one before scoring"
            )

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The row of each key, -1 where none."""
        if self._table is not None:
            return self._table[keys]
        assert self._index is not None  # built with one of the two
        return self._rows[self._index.get_indexer(keys)]


def _observation_keys(kind: np.ndarray, ordinal: np.ndarray, frequency: pd.Series) -> dict[str, np.ndarray]:
    """For each reporting period (rows: a quarter, or a month) and indicator (columns): which
    observation is due, which are the previous period and the same period last year, by the
    indicator's frequency, and the financial year, quarter and share of the year the target is for.

    A quarter reports a monthly indicator at its last month, a biannual one in Q2 and Q4 and an annual
    one in Q4 (else not due). A month reports a monthly indicator at that month and every other
    indicator at its latest figure due by the month's end: the latest quarter ended (a biannual one at
    the latest Q2 or Q4, an annual one at the latest year ended), so a monthly pack is never "not due".
    """
    shape = (len(ordinal), len(frequency))
    is_m, is_b, is_a = (
        np.broadcast_to(_flags(frequency, f)[None, :], shape) for f in ("monthly", "biannual", "annual")
    )
    month_row = np.broadcast_to((kind == "month")[:, None], shape)
    month = np.broadcast_to(ordinal[:, None], shape)
    # the quarter each row reports non-monthly indicators at: the quarter itself, or for a month the
    # latest quarter ended by its end
    year, month0 = np.divmod(ordinal, 12)
    month_fy = np.where(month0 + 1 >= 4, year, year - 1)
    containing = month_fy * 4 + ((month0 + 1 - 4) % 12) // 3
    ends_quarter = (month0 + 1) % 3 == 0  # June, September, December, March
    q_row = np.where(kind == "month", np.where(ends_quarter, containing, containing - 1), ordinal)
    q = np.broadcast_to(q_row[:, None], shape)
    fy, qn = q // 4, q % 4 + 1
    quarter_month_end = fy * 12 + 3 + (qn - 1) * 3 + 2
    # a month's biannual and annual indicators: the latest Q2 or Q4 ended, the latest year ended
    half = np.where(np.isin(qn, (2, 4)), q, q - 1)
    year_ended = np.where(qn == 4, fy, fy - 1)
    b_obs = np.where(month_row, half, q)
    a_obs = np.where(month_row, year_ended, fy)
    m_obs = np.where(month_row, month, quarter_month_end)
    step = np.where(month_row, 1, 3)  # a monthly indicator's previous period: the month, or quarter, before
    obs = np.where(is_m, m_obs, np.where(is_a, a_obs, np.where(is_b, b_obs, q)))
    # the target's year and quarter: a monthly indicator's month's quarter; otherwise the observation's
    month_q = np.broadcast_to(np.where(kind == "month", containing, q_row)[:, None], shape)
    target_q = np.where(is_m, month_q, np.where(is_a & month_row, a_obs * 4 + 3, np.where(is_b, b_obs, q)))
    month_in_fy = np.broadcast_to(((month0 + 1 - 4) % 12 + 1)[:, None], shape)
    elapsed = np.where(is_m & month_row, month_in_fy / 12, (target_q % 4 + 1) / 4)
    return {
        "kind": np.where(is_m, 0, np.where(is_a, 1, 2)),  # codes of _KINDS
        "obs": obs,
        "prev": np.where(is_m, m_obs - step, np.where(is_a, obs - 1, np.where(is_b, obs - 2, obs - 1))),
        "ly": np.where(is_m, m_obs - 12, np.where(is_a, obs - 1, obs - 4)),
        "due": month_row | np.where(is_b, np.isin(qn, (2, 4)), np.where(is_a, qn == 4, True)),
        "target_fy": target_q // 4,
        "target_quarter": target_q % 4 + 1,
        "elapsed": elapsed,
    }


def score(
    values: pd.DataFrame,
    indicators: pd.DataFrame,
    targets: pd.DataFrame,
    authorities: Sequence[str],
    periods: Sequence[Period | str],
    schemes: Mapping[str, str] | str = DEFAULT_RAG_SCHEME,
) -> pd.DataFrame:
    """Score every indicator of the framework for each authority and reporting period (a quarter, or
    a month: see :func:`_observation_keys` for which figure each reports).

    Parameters
    ----------
    values
        Local observations: ``authority, indicator_id, kind, ordinal, period, value, value_status,
        reason, symbol, numerator, denominator`` (as :func:`kpitools.ingest.loaders.load_local_values` gives).
    indicators
        The framework: ``indicator_id, title, polarity, unit, decimals, frequency, measure``.
    targets
        ``authority, indicator_id, fy, quarter (0 = annual), target, lower, upper, tolerance,
        tolerance_type``.
    authorities
        New codes of the authorities to score.
    periods
        Reporting quarters or months (``Period`` or text such as ``"2025-26 Q2"``, ``"2025-08"``).
    schemes
        One RAG scheme for all, or a mapping of authority code to scheme.

    Returns
    -------
    pandas.DataFrame
        One row per authority x indicator x period (authority-major, then period, then indicator in
        the framework's order); the inputs are not modified.

    Raises
    ------
    PeriodError
        A period that is not a financial-year quarter or a month.
    ConfigError
        An unknown RAG scheme.
    ValueError
        Two observations for the same authority, indicator and period, or two targets for the same
        authority, indicator, year and quarter, among the authorities and indicators scored (the
        loaders reject both; the rating would be ambiguous).

    Examples
    --------
    >>> ind = pd.DataFrame({"indicator_id": ["A"], "title": ["Re-referrals"], "polarity": ["lower"],
    ...     "unit": ["percent"], "decimals": [1], "frequency": ["quarterly"], "measure": ["ytd"]})
    >>> vals = pd.DataFrame({"authority": ["E1"], "indicator_id": ["A"], "kind": ["quarter"],
    ...     "ordinal": [Period.parse("2025-26 Q1").ordinal], "period": ["2025-26 Q1"], "value": [21.0],
    ...     "value_status": ["ok"], "reason": [""], "symbol": [""], "numerator": [np.nan], "denominator": [np.nan]})
    >>> tg = pd.DataFrame({"authority": ["E1"], "indicator_id": ["A"], "fy": [2025], "quarter": [0],
    ...     "target": [20.0], "lower": [np.nan], "upper": [np.nan], "tolerance": [2.0], "tolerance_type": ["absolute"]})
    >>> score(vals, ind, tg, ["E1"], ["2025-26 Q1"])[["status", "rag"]].values.tolist()
    [['rated', 'Amber']]
    """
    quarters = [p if isinstance(p, Period) else Period.parse(p) for p in periods]
    if any(p.kind not in ("quarter", "month") for p in quarters):
        raise PeriodError(
            "a scorecard period must be a financial-year quarter such as 2025-26 Q2, or a month such as 2025-08"
        )
    ind = indicators[_INDICATOR_COLUMNS]
    auth = pd.Series(list(authorities), dtype=object)
    q_ordinal = np.array([p.ordinal for p in quarters], dtype="int64")
    q_kind = np.array([p.kind for p in quarters], dtype=object)
    n_a, n_q, n_i = len(auth), len(q_ordinal), len(ind)
    n = n_a * n_q * n_i
    # the grid, in the order the cross merges gave: authority-major, then quarter, then indicator
    a_row = np.repeat(np.arange(n_a), n_q * n_i)
    q_row = np.tile(np.repeat(np.arange(n_q), n_i), n_a)
    i_row = np.tile(np.arange(n_i), n_a * n_q)
    keys = _observation_keys(q_kind, q_ordinal, ind["frequency"])  # (period, indicator) arrays

    # authorities and indicators as small integers, shared by the observation and target keys
    a_code, a_uniques = pd.factorize(auth, use_na_sentinel=False)
    i_code, i_uniques = pd.factorize(ind["indicator_id"].astype(object), use_na_sentinel=False)
    a_index = pd.Index(np.asarray(a_uniques, dtype=object), dtype=object)
    i_index = pd.Index(np.asarray(i_uniques, dtype=object), dtype=object)
    n_ui = len(i_index)
    n_pairs = len(a_index) * n_ui
    pair = a_code[:, None] * n_ui + i_code[None, :]  # (authority, indicator), below n_pairs

    # observations: key = ((authority, indicator), kind, ordinal); the ordinals are factorised so that
    # the key stays below n_a * n_i * 3 * len(values), far from overflowing int64
    ordinal = values["ordinal"].astype("int64").to_numpy()  # raises on a missing ordinal, as before
    v_a, v_i = _codes(values["authority"], a_index), _codes(values["indicator_id"], i_index)
    v_k = _codes(values["kind"], pd.Index(_KINDS, dtype=object))
    v_rows = np.flatnonzero((v_a >= 0) & (v_i >= 0) & (v_k >= 0))
    o_code, o_uniques = pd.factorize(ordinal[v_rows])
    span = max(len(o_uniques), 1)
    v_finder = _RowFinder(
        ((v_a[v_rows] * n_ui + v_i[v_rows]) * 3 + v_k[v_rows]) * span + o_code,
        v_rows,
        n_pairs * 3 * span,
        values,
        ["authority", "indicator_id", "kind", "ordinal", "period"],
        "values hold more than one observation",
    )
    o_index = pd.Index(o_uniques)

    def observation_rows(which: str) -> np.ndarray:
        oc = o_index.get_indexer(keys[which].ravel()).reshape(keys[which].shape)
        part = np.where(oc >= 0, keys["kind"] * span + oc, -1)  # -1: no observation has the ordinal
        return v_finder.find(
            np.where(part[None, :, :] >= 0, pair[:, None, :] * (3 * span) + part[None, :, :], -1).ravel()
        )

    ok = np.append(_flags(values["value_status"], "ok"), False)  # the appended False answers row -1
    suppressed = np.append(_flags(values["value_status"], "suppressed"), False)
    obs = observation_rows("obs")
    prev, ly = observation_rows("prev"), observation_rows("ly")
    prev, ly = np.where(ok[prev], prev, -1), np.where(ok[ly], ly, -1)  # only ok values are compared
    obs_ok, obs_suppressed = ok[obs], suppressed[obs]

    # targets: key = ((authority, indicator), financial year, quarter 0-4), 0 being the annual target
    t_fy = targets["fy"].to_numpy(dtype="float64", na_value=np.nan)
    t_quarter = targets["quarter"].to_numpy(dtype="float64", na_value=np.nan)
    t_a, t_i = _codes(targets["authority"], a_index), _codes(targets["indicator_id"], i_index)
    # rows that a merge on the int64 fy and quarter could match
    t_rows = np.flatnonzero(
        (t_a >= 0) & (t_i >= 0) & np.isfinite(t_fy) & (t_fy == np.floor(t_fy)) & np.isin(t_quarter, (0, 1, 2, 3, 4))
    )
    f_code, f_uniques = pd.factorize(t_fy[t_rows].astype("int64"))
    n_fy = max(len(f_uniques), 1)
    t_finder = _RowFinder(
        ((t_a[t_rows] * n_ui + t_i[t_rows]) * n_fy + f_code) * 5 + t_quarter[t_rows].astype("int64"),
        t_rows,
        n_pairs * n_fy * 5,
        targets,
        ["authority", "indicator_id", "fy", "quarter"],
        "targets hold more than one target",
    )
    fc = pd.Index(f_uniques).get_indexer(keys["target_fy"].ravel()).reshape(keys["target_fy"].shape)

    def target_rows(quarter: np.ndarray) -> np.ndarray:
        part = np.where(fc >= 0, fc * 5 + quarter, -1)  # (period, indicator)
        return t_finder.find(
            np.where(part[None, :, :] >= 0, pair[:, None, :] * (n_fy * 5) + part[None, :, :], -1).ravel()
        )

    per, ann = target_rows(keys["target_quarter"]), target_rows(np.zeros_like(keys["target_quarter"]))
    # a period target counts when it sets a target or a band; otherwise the annual target, all of it
    sets_target = np.append(targets[["target", "lower", "upper"]].notna().any(axis=1).to_numpy(), False)
    has_period = sets_target[per]
    tg = np.where(has_period, per, ann)
    target_annual = _take(targets["target"], ann)
    prorate = (
        ~has_period
        & _flags(ind["measure"], "ytd")[i_row]
        & _flags(ind["unit"], "count")[i_row]
        & pd.notna(target_annual)
        & ~_flags(ind["frequency"], "annual")[i_row]
    )
    # integer targets widen to float where a period or an annual target is missing (as the merges
    # did), and where one is pro-rated (a fraction)
    widen = bool((per < 0).any() or (ann < 0).any() or prorate.any())
    target, lower, upper, tolerance = (
        col.astype("float64") if widen and col.dtype.kind in "iu" else col
        for col in (_take(targets[c], tg) for c in ("target", "lower", "upper", "tolerance"))
    )
    tolerance_type = _take(targets["tolerance_type"], tg)
    quarter = np.tile(keys["target_quarter"].ravel(), n_a)
    elapsed = np.tile(keys["elapsed"].ravel(), n_a)
    target[prorate] = target_annual[prorate] * elapsed[prorate]
    relative = np.append(_flags(targets["tolerance_type"], "relative"), False)[tg]  # missing: absolute

    # statuses, highest precedence last
    higher, lower_better, band, context = (
        _flags(ind["polarity"], p)[i_row] for p in ("higher", "lower", "band", "none")
    )
    target_f, lower_f, upper_f = (np.asarray(x, dtype="float64") for x in (target, lower, upper))
    due = np.tile(keys["due"].ravel(), n_a)
    no_target = np.where(band, np.isnan(lower_f) | np.isnan(upper_f), np.isnan(target_f))
    status = np.where(no_target, _NO_TARGET, _RATED)
    status[~obs_ok] = _NO_DATA
    status[obs_suppressed] = _SUPPRESSED
    status[~due] = _NOT_DUE
    # a context measure has no rating, but a missing or suppressed figure is still said to be missing
    status[context & (status != _NO_DATA) & (status != _SUPPRESSED)] = _NOT_A_TARGET

    # status reasons: each distinct text built once
    texts = [
        "",
        "shown for context: no target is set for this measure",
        "no data: no value in the extract for this period",
        "no target set for this period",
    ]
    reason_code = np.zeros(n, dtype="int64")
    reason_code[status == _NOT_A_TARGET] = 1
    reason_code[status == _NO_TARGET] = 3
    not_due = status == _NOT_DUE
    reason_code[not_due] = len(texts) + i_row[not_due]
    texts += ("not due this period (" + ind["frequency"].map(_FREQUENCY_WORDS).fillna("") + ")").tolist()
    with_reason = np.flatnonzero((status == _SUPPRESSED) | (status == _NO_DATA))
    given, given_texts = pd.factorize(pd.Series(_take(values["reason"], obs[with_reason])).fillna(""))
    given_texts = list(given_texts)
    reason_code[with_reason] = given + np.where(
        status[with_reason] == _SUPPRESSED, len(texts), len(texts) + len(given_texts)
    )
    texts += ["value suppressed: " + r for r in given_texts]
    texts += ["no data: " + r if r != "" else texts[2] for r in given_texts]

    # direction of travel, at displayed precision; blank where the value is not shown
    value = _take(values["value"], obs)
    previous_value, last_year_value = _take(values["value"], prev), _take(values["value"], ly)
    scale = (10.0 ** ind["decimals"].to_numpy(dtype="float64"))[i_row]
    v = _round_scaled(value, scale)
    lo, up = np.full(n, np.nan), np.full(n, np.nan)  # the rounded band, only read for band indicators
    b = np.flatnonzero(band)
    lo[b], up[b] = _round_scaled(lower_f[b], scale[b]), _round_scaled(upper_f[b], scale[b])
    not_shown = ~due | ~obs_ok
    dot_short = np.where(
        not_shown, 3, _direction_codes(v, _round_scaled(previous_value, scale), higher, lower_better, band, lo, up)
    )
    dot_long = np.where(
        not_shown, 3, _direction_codes(v, _round_scaled(last_year_value, scale), higher, lower_better, band, lo, up)
    )

    # the key columns keep the dtypes the merges gave them: all values, the ok values twice, then the
    # period and the annual targets
    n_ok, n_per, n_ann = int(ok.sum()), int(np.sum(t_quarter > 0)), int(np.sum(t_quarter == 0))

    def merged_as_object(dtype: object, column: str, on_targets: bool = True) -> bool:
        merges = [(len(values), values[column].dtype)] + [(n_ok, values[column].dtype)] * 2
        if on_targets:
            merges += [(n_per, targets[column].dtype), (n_ann, targets[column].dtype)]
        return _merged_as_object(dtype, n, merges)

    auth_out = pd.Series(list(authorities))  # the dtype the grid's first frame had
    if merged_as_object(auth_out.dtype, "authority"):
        auth_out = auth_out.astype(object)
    ids = ind["indicator_id"]
    if merged_as_object(ids.dtype, "indicator_id"):
        ids = ids.astype(object)
    kinds_as_object = merged_as_object(pd.Series(list(_KINDS)).dtype, "kind", on_targets=False)

    # RAG scheme per authority, then the colour
    if isinstance(schemes, str):
        scheme = pd.Series([schemes] * n_a)
    else:
        scheme = auth_out.map(dict(schemes)).fillna(DEFAULT_RAG_SCHEME)
    unknown = set(scheme.unique()) - set(RAG_SCHEMES) if n else set()
    if unknown:
        raise ConfigError(f"unknown RAG scheme {sorted(unknown)}; expected one of {', '.join(RAG_SCHEMES)}")
    improvement = scheme.eq("tolerance_improvement").to_numpy(dtype=bool)[a_row]
    rag, tolerance_used = _rag_codes(
        v,
        scale,
        target_f,
        higher,
        lower_better,
        band,
        improvement,
        scheme.eq("tolerance").to_numpy(dtype=bool)[a_row],
        np.asarray(tolerance, dtype="float64"),
        relative,
        lower_f * scale,
        upper_f * scale,
        (dot_long == 0) | (dot_long == 2),
        status == _RATED,
    )

    period_kind = pd.Series(q_kind, index=range(n_q))
    period_label = labels(period_kind, pd.Series(q_ordinal)).to_numpy()
    period_end = end_dates(period_kind, pd.Series(q_ordinal)).to_numpy()
    grid = {
        "authority": _take(auth_out, a_row),
        "q_ordinal": q_ordinal[q_row],
        "indicator_id": _take(ids, i_row),
        **{c: _take(ind[c], i_row) for c in _INDICATOR_COLUMNS[1:]},
        "obs_kind": _text(_KINDS, np.tile(keys["kind"].ravel(), n_a), as_object=kinds_as_object),
        **{f"{k}_ordinal": np.tile(keys[k].ravel(), n_a) for k in ("obs", "prev", "ly")},
        "due": due,
        "fy": np.tile(keys["target_fy"].ravel(), n_a),
        "quarter": quarter,
        "value": value,
        **{c: _take(values[c], obs) for c in ("value_status", "reason", "symbol", "numerator", "denominator")},
        "target": target,
        "lower": lower,
        "upper": upper,
        "tolerance": tolerance,
        "tolerance_type": tolerance_type,
        "target_annual": target_annual,
        "target_prorated": prorate,
        "status": _text(STATUSES, status),
        "status_reason": _text(texts, reason_code),
        "dot_short": _DIRECTIONS[dot_short],
        "dot_long": _DIRECTIONS[dot_long],
        "rag_scheme": scheme.array.take(a_row),
        "rag": _text(_RAG_TEXT, rag),
        "tolerance_used": tolerance_used,
        "period": period_label[q_row],
        "period_end": period_end[q_row],
        "previous_value": previous_value,
        "last_year_value": last_year_value,
        "observation_period": _take(values["period"], obs),
        "observation_end": (_take(values["period_end"], obs) if "period_end" in values.columns else np.full(n, np.nan)),
    }
    # object columns stay object (a frame built from arrays would infer str for them)
    return pd.DataFrame(
        {
            name: pd.Series(col, dtype=object, copy=False) if pd.api.types.is_object_dtype(col.dtype) else col
            for name, col in grid.items()
        },
        copy=False,
    )
