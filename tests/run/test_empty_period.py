"""No empty pack by accident: a period with no local figures stops, unless benchmark-only is asked for.

``score``, ``report`` and ``run`` for an authority with no local figures for the period (a value, or one
suppressed in the extract) stop with exit 2, list the periods that have them and write nothing: no
pack, no ``--out`` folder, no file in ``data/processed``. ``--benchmark-only`` (``benchmark_only: true``
in a schedule) builds a pack of published benchmarks only for such an authority, and says so in its
meta; an authority with local figures for the period still gets its full pack. The real command line,
as a scheduler runs it, on the bundled demo data (Havering's figures: 2022-23 Q1 to 2025-26 Q2).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HAVERING_PERIODS = "2022-23 Q1 to 2025-26 Q2 (14 quarters)"


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    """A data/processed of the module's own, with the dataset cache and validated tables already in it
    (a good run writes them), so that a refused run can be seen to write nothing there."""
    folder = tmp_path_factory.mktemp("processed")
    r = kpitools(
        "score",
        "--authority",
        "Havering",
        "--period",
        "2025-26 Q2",
        "--out",
        str(tmp_path_factory.mktemp("warm") / "card.csv"),
        processed=folder,
    )
    assert r.returncode == 0, r.stderr
    return folder


def kpitools(*args: str, processed: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kpitools.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "KPITOOLS_PROCESSED": str(processed)},
    )


def files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# score and report
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["2030-31 Q1", "2019-20 Q1"])
@pytest.mark.parametrize("command", ["score", "report"])
def test_a_period_without_local_figures_stops_and_writes_nothing(tmp_path, processed, command, period):
    before = files(processed)
    out = tmp_path / "out"
    target = out / "card.csv" if command == "score" else out
    r = kpitools(command, "--authority", "Havering", "--period", period, "--out", str(target), processed=processed)
    assert r.returncode == 2, (r.stdout, r.stderr[-3000:])
    assert "Traceback" not in r.stderr
    assert f"Havering has no local figures for {period}: nothing was written." in r.stderr
    assert f"Periods with local figures for Havering: {HAVERING_PERIODS}." in r.stderr
    assert "--benchmark-only" in r.stderr
    assert not out.exists()
    assert files(processed) == before  # no validated tables rewritten, no scored tables, no failed notebook


def test_an_authority_without_local_figures_needs_benchmark_only(tmp_path, processed, kpitools_kernel):
    before = files(processed)
    out = tmp_path / "outputs"
    r = kpitools("report", "--authority", "Barnet", "--period", "latest", "--out", str(out), processed=processed)
    assert r.returncode == 2, (r.stdout, r.stderr[-3000:])
    assert "Barnet has no local figures for any quarter" in r.stderr and "nothing was written" in r.stderr
    assert "Periods with local figures for Barnet: none." in r.stderr
    assert "add --benchmark-only" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() and files(processed) == before

    r = kpitools(
        "report",
        "--authority",
        "Barnet",
        "--period",
        "latest",
        "--out",
        str(out),
        "--benchmark-only",
        processed=processed,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    pack = out / "Barnet" / "2025-26_Q2"
    assert (pack / "index.html").is_file() and (pack / "committee_scorecard.html").is_file()
    scorecard = json.loads((pack / "scorecard_barnet_2025-26_Q2.json").read_text(encoding="utf-8"))
    assert scorecard["meta"]["benchmark_only"] is True
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    meta = json.loads((Path(manifest["parameters"]["tables_dir"]) / "meta.json").read_text(encoding="utf-8"))
    assert meta["benchmark_only"] is True and meta["has_local_data"] is False


def test_benchmark_only_leaves_an_authority_with_local_figures_its_full_scorecard(tmp_path, processed):
    for authority, period, benchmark_only in [
        ("Havering", "2025-26 Q2", False),
        ("Barnet", "2025-26 Q2", True),
    ]:
        out = tmp_path / f"{authority}.json"
        r = kpitools(
            "score",
            "--authority",
            authority,
            "--period",
            period,
            "--out",
            str(out),
            "--benchmark-only",
            processed=processed,
        )
        assert r.returncode == 0, r.stderr
        card = json.loads(out.read_text(encoding="utf-8"))
        assert card["meta"]["benchmark_only"] is benchmark_only and card["meta"]["period"] == period
    # a named quarter, not only latest, stops without the flag
    r = kpitools(
        "score",
        "--authority",
        "Barnet",
        "--period",
        "2025-26 Q2",
        "--out",
        str(tmp_path / "b.csv"),
        processed=processed,
    )
    assert r.returncode == 2 and "Barnet has no local figures for 2025-26 Q2: nothing was written." in r.stderr
    assert not (tmp_path / "b.csv").exists()


# --------------------------------------------------------------------------------------------
# Schedules
# --------------------------------------------------------------------------------------------

SCHEDULE = (
    "authorities: [Havering, Barnet, Camden]\nperiods: [latest]\nnotebooks: [committee_scorecard]\noutputs: outputs\n"
)


def _log(out: Path) -> list[str]:
    return sorted((out / "logs").glob("run-*.log"))[-1].read_text(encoding="utf-8").splitlines()


@pytest.mark.e2e
def test_a_schedule_without_benchmark_only_fails_the_packs_without_local_figures(tmp_path, processed, kpitools_kernel):
    schedule = write(tmp_path / "schedule.yaml", SCHEDULE)
    out = tmp_path / "outputs"
    refused = [processed / sub / name for sub in ("packs", "failed") for name in ("Barnet", "Camden")]
    before = {str(p): files(p) if p.exists() else None for p in refused}
    r = kpitools("run", "--schedule", str(schedule), "--workers", "1", "--no-progress", processed=processed)
    assert r.returncode == 3, r.stderr[-3000:]
    assert "3 packs: 1 done, 0 skipped, 2 failed" in r.stdout
    assert "failed: Barnet latest: Barnet has no local figures for any quarter" in r.stderr
    assert "failed: Camden latest: Camden has no local figures for any quarter" in r.stderr
    assert (out / "Havering" / "2025-26_Q2" / "index.html").is_file()
    assert not (out / "Barnet").exists() and not (out / "Camden").exists()
    assert {str(p): files(p) if p.exists() else None for p in refused} == before  # nothing written for them
    failed = [line for line in _log(out) if line.split()[1] == "failed"]
    assert len(failed) == 2 and all("Periods with local figures for" in line and ": none." in line for line in failed)


@pytest.mark.e2e
def test_a_schedule_with_benchmark_only_builds_every_pack(tmp_path, processed, kpitools_kernel):
    schedule = write(tmp_path / "schedule.yaml", SCHEDULE + "benchmark_only: true\n")
    out = tmp_path / "outputs"
    r = kpitools("run", "--schedule", str(schedule), "--workers", "2", "--no-progress", processed=processed)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "3 packs: 3 done, 0 skipped, 0 failed" in r.stdout
    for folder, benchmark_only in [("Havering", False), ("Barnet", True), ("Camden", True)]:
        pack = out / folder / "2025-26_Q2"
        card = json.loads(next(pack.glob("scorecard_*.json")).read_text(encoding="utf-8"))
        assert card["meta"]["benchmark_only"] is benchmark_only, folder
    # unchanged: skipped, as any pack
    r = kpitools("run", "--schedule", str(schedule), "--no-progress", processed=processed)
    assert r.returncode == 0 and "3 packs: 0 done, 3 skipped, 0 failed" in r.stdout


def test_the_london_example_asks_for_benchmark_only_packs():
    from kpitools.run.schedule import load_schedule

    schedule = load_schedule(ROOT / "schedules" / "london_latest.yaml")
    assert len(schedule.requests) == 33 and all(r.benchmark_only for r in schedule.requests)


@pytest.mark.parametrize("value", ['"maybe"', "maybe", "1", '"yes"'])
def test_benchmark_only_must_be_true_or_false(tmp_path, processed, value):
    schedule = write(tmp_path / "schedule.yaml", SCHEDULE + f"benchmark_only: {value}\n")
    r = kpitools("run", "--schedule", str(schedule), "--no-progress", processed=processed)
    assert r.returncode == 2, r.stderr[-3000:]
    assert f"schedule {schedule}" in r.stderr and "benchmark_only:" in r.stderr
    assert "is neither true nor false: write benchmark_only: true or benchmark_only: false" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "outputs").exists()
