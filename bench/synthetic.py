"""A synthetic national set for the scoring benchmark: every authority x indicator x quarter.

The mix of polarities, units, frequencies and measures follows the demo framework; values are
random but reproducible (seeded), with a few suppressed and missing, as in real extracts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools.core.periods import Period, labels


def national_set(n_authorities: int = 153, n_indicators: int = 60, n_quarters: int = 40, seed: int = 2026):
    """``(values, indicators, targets, authorities, periods)`` ready for :func:`kpitools.score.scoring.score`."""
    rng = np.random.default_rng(seed)
    ids = [f"K{i:03d}" for i in range(n_indicators)]
    frequency = np.where(
        np.arange(n_indicators) % 6 == 4, "biannual", np.where(np.arange(n_indicators) % 6 == 5, "annual", "quarterly")
    )
    indicators = pd.DataFrame(
        {
            "indicator_id": ids,
            "title": [f"Synthetic indicator {i}" for i in range(n_indicators)],
            "polarity": rng.choice(["higher", "lower", "band", "none"], n_indicators, p=[0.4, 0.4, 0.1, 0.1]),
            "unit": rng.choice(["percent", "count", "rate", "days"], n_indicators),
            "decimals": rng.integers(0, 2, n_indicators),
            "frequency": frequency,
            "measure": rng.choice(["snapshot", "ytd", "rolling12"], n_indicators),
        }
    )
    authorities = [f"E{90000000 + i:08d}" for i in range(n_authorities)]
    last = Period.parse("2025-26 Q2").ordinal
    quarters = np.arange(last - n_quarters + 1, last + 1)
    periods = [Period("quarter", int(q)) for q in quarters]

    # quarterly and biannual indicators: one observation a quarter; annual: one a year
    q_ind = indicators[indicators["frequency"] != "annual"]["indicator_id"].to_numpy()
    a_ind = indicators[indicators["frequency"] == "annual"]["indicator_id"].to_numpy()
    years = np.unique(quarters // 4)
    parts = []
    for ind_ids, kind, ordinals in ((q_ind, "quarter", quarters), (a_ind, "year", years)):
        la, ind, o = np.meshgrid(np.arange(n_authorities), np.arange(len(ind_ids)), ordinals, indexing="ij")
        parts.append(
            pd.DataFrame(
                {
                    "authority": np.asarray(authorities)[la.ravel()],
                    "indicator_id": ind_ids[ind.ravel()],
                    "kind": kind,
                    "ordinal": o.ravel(),
                }
            )
        )
    values = pd.concat(parts, ignore_index=True)
    n = len(values)
    status = rng.choice(["ok", "suppressed", "missing"], n, p=[0.94, 0.03, 0.03])
    values["period"] = labels(values["kind"], values["ordinal"])
    values["value"] = np.where(status == "ok", rng.uniform(0, 100, n).round(1), np.nan)
    values["value_status"] = status
    values["reason"] = np.where(status == "suppressed", "suppressed in the source (c)", "")
    values["symbol"] = np.where(status == "suppressed", "c", "")
    values["numerator"] = np.nan
    values["denominator"] = np.nan

    fys = np.unique(quarters // 4)
    la, ind, fy = np.meshgrid(np.arange(n_authorities), np.arange(n_indicators), fys, indexing="ij")
    targets = pd.DataFrame(
        {
            "authority": np.asarray(authorities)[la.ravel()],
            "indicator_id": np.asarray(ids)[ind.ravel()],
            "fy": fy.ravel(),
            "quarter": 0,
        }
    )
    m = len(targets)
    band = indicators.set_index("indicator_id").loc[targets["indicator_id"], "polarity"].to_numpy() == "band"
    centre = rng.uniform(20, 80, m).round(1)
    targets["target"] = np.where(band, np.nan, centre)
    targets["lower"] = np.where(band, centre - 10, np.nan)
    targets["upper"] = np.where(band, centre + 10, np.nan)
    targets["tolerance"] = rng.choice([np.nan, 2.0, 5.0], m)
    targets["tolerance_type"] = "absolute"
    return values, indicators, targets, authorities, periods
