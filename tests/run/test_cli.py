"""The kpitools command as an analyst and a scheduler use it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "seed000"
KPITOOLS = [sys.executable, "-m", "kpitools.cli"]

REQUIRED = [
    "indicator_id",
    "title",
    "period",
    "value",
    "target",
    "status",
    "rag",
    "dot_short",
    "dot_long",
    "benchmark_year",
    "london",
    "england",
    "sn_mean",
    "sn_count",
    "national_rank",
    "national_count",
    "quartile",
]


def run(*args, cwd=ROOT):
    return subprocess.run(KPITOOLS + list(args), capture_output=True, text=True, cwd=cwd)


def test_score_writes_the_seed_scorecard_as_csv(tmp_path):
    out = tmp_path / "seed.csv"
    r = run("score", "--authority", "311", "--period", "Q1 2017/18", "--data-dir", str(SEED), "--out", str(out))
    assert r.returncode == 0, r.stderr
    card = pd.read_csv(out)
    assert set(REQUIRED) <= set(card.columns)
    assert len(card) == 16
    assert card["rag"].value_counts().to_dict() == {"Red": 9, "Green": 3}
    assert "12 of the 16" in r.stdout


def test_score_writes_json_with_benchmarks(tmp_path):
    out = tmp_path / "card.json"
    r = run(
        "score",
        "--authority",
        "E09000016",
        "--period",
        "2025-26 Q2",
        "--comparators",
        "Barking and Dagenham",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    rows = {row["indicator_id"]: row for row in data["scorecard"]}
    assert rows["CP_REPEAT"]["england"] == 24.5 and rows["CP_REPEAT"]["london"] == 19.2
    assert data["meta"]["comparators"] == ["Barking and Dagenham"]
    assert set(REQUIRED) <= set(rows["CP_REPEAT"])


def test_bad_input_exits_non_zero_with_a_message_and_writes_nothing(tmp_path):
    data = tmp_path / "raw"
    shutil.copytree(SEED, data)
    f = data / "local" / "havering" / "seed000.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("60.9", "sixty", 1), encoding="utf-8")
    out = tmp_path / "card.csv"
    r = run("score", "--authority", "Havering", "--period", "2017-18 Q1", "--data-dir", str(data), "--out", str(out))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "seed000.csv" in r.stderr and "column 'value'" in r.stderr and "sixty" in r.stderr
    assert not out.exists() and list(tmp_path.glob(".card.csv*")) == []


@pytest.mark.parametrize(
    "args,message",
    [
        (["--authority", "Narnia"], "not a local authority"),
        (["--authority", "Havering", "--period", "2017-18 Q9"], "cannot read the period"),
        (["--authority", "Havering", "--period", "2017-18"], "is a whole year"),
    ],
)
def test_bad_options_give_a_readable_message(tmp_path, args, message):
    r = run("score", *args, "--data-dir", str(SEED), "--out", str(tmp_path / "x.csv"))
    assert r.returncode != 0
    assert message in r.stderr and "Traceback" not in r.stderr
