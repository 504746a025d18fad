"""Rebuild kpitools/reference/authorities.csv from DfE published files.

The reference list lets the tool resolve an authority named by new code (E09000016), old LA code
(311) or name (Havering) even for a data folder without published files. Source: DfE published
statistics (Open Government Licence v3.0). Run: python scripts/build_authorities.py data/raw/published
"""

import sys
from pathlib import Path

import pandas as pd

COLUMNS = ["new_la_code", "old_la_code", "la_name", "region_code", "region_name"]


def main(published: Path) -> None:
    frames = []
    for f in sorted(published.glob("*.csv")):
        head = pd.read_csv(f, nrows=0, encoding="utf-8-sig")
        if not {"geographic_level", *COLUMNS} <= set(head.columns):
            continue
        df = pd.read_csv(f, dtype=str, encoding="utf-8-sig", usecols=["time_period", "geographic_level", *COLUMNS])
        df = df[df["geographic_level"] == "Local authority"]
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    df["time_period"] = df["time_period"].str[:4].astype(int)
    latest = df.sort_values(["time_period", "new_la_code"]).groupby("new_la_code").tail(1)
    # Current authorities are those of DfE's latest statistical neighbour model (one row each);
    # combined rows such as "E09000021 / E09000027" (a shared workforce return) are kept but not current.
    sn = pd.read_csv(published / "sn_model_2025_wide.csv", dtype=str, encoding="utf-8-sig")
    newest_for_old_code = latest.sort_values(["time_period", "new_la_code"]).groupby("old_la_code").tail(1).index
    latest = latest.assign(
        current=latest["old_la_code"].isin(sn["old_la_code"]) & latest.index.isin(newest_for_old_code)
    )
    out = latest.sort_values("new_la_code")[COLUMNS + ["current"]]
    target = Path(__file__).resolve().parent.parent / "kpitools" / "reference" / "authorities.csv"
    out.to_csv(target, index=False)
    print(f"{len(out)} authorities ({out['current'].sum()} current) -> {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "data/raw/published"))
