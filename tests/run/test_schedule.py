"""Scheduled runs: the schedule file, idempotent re-runs, --force, failures isolated, the run log."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kpitools.core.authorities import select
from kpitools.core.errors import ConfigError
from kpitools.run.schedule import load_schedule

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "seed000"


def kpitools(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kpitools.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# The schedule file
# --------------------------------------------------------------------------------------------


def test_example_schedule_names_all_33_london_boroughs():
    schedule = load_schedule(ROOT / "schedules" / "london_latest.yaml")
    names = [r.authority.name for r in schedule.requests]
    assert len(names) == 33 and len(set(names)) == 33
    assert {"Havering", "City of London", "Westminster", "Barking and Dagenham"} <= set(names)
    assert {r.period for r in schedule.requests} == {"latest"}
    assert schedule.requests[0].notebooks == ("committee_scorecard", "benchmark_comparison")


def test_all_means_every_current_authority_in_the_dfe_files(tmp_path):
    schedule = load_schedule(write(tmp_path / "s.yaml", "authorities: all\nperiods: [latest, 2025-26 Q1]\n"))
    assert len(schedule.requests) == 2 * 153
    assert len({r.authority.code for r in schedule.requests}) == len(select("all")) == 153


def test_a_schedule_can_ask_for_monthly_packs(tmp_path):
    schedule = load_schedule(
        write(tmp_path / "s.yaml", "authorities: [Havering]\nperiods: [2025-08, latest month, 2025-26 Q2]\n")
    )
    assert [r.period for r in schedule.requests] == ["2025-08", "latest month", "2025-26 Q2"]
    with pytest.raises(ConfigError, match="'2025-26' is not a quarter or a month"):
        load_schedule(write(tmp_path / "y.yaml", "authorities: [Havering]\nperiods: [2025-26]\n"))


def test_every_problem_in_a_schedule_is_reported_at_once(tmp_path):
    bad = write(tmp_path / "s.yaml", "authorities: London\nperiods: [2025-26 Q5, latest]\nnotebook: [x]\nworkers: 4\n")
    with pytest.raises(ConfigError) as err:
        load_schedule(bad)
    text = str(err.value)
    assert str(bad) in text
    assert "periods: '2025-26 Q5' is not a quarter" in text
    assert "notebook: unknown key" in text and "workers: unknown key" in text


def test_unknown_authority_and_missing_notebook_are_named(tmp_path):
    bad = write(
        tmp_path / "s.yaml",
        "authorities: [Havering, Gotham]\nnotebooks: [committee_scorecard, "
        "no_such_notebook]\ncomparators: [Metropolis]\n",
    )
    r = kpitools("run", "--schedule", str(bad))
    assert r.returncode == 2
    assert "Gotham" in r.stderr and "Metropolis" in r.stderr
    assert "no_such_notebook is not a notebook" in r.stderr
    assert f"schedule {bad.resolve()}:" in r.stderr or f"schedule {bad}:" in r.stderr  # the file, not a notebook
    assert "Traceback" not in r.stderr


def test_missing_schedule_file_is_a_clear_error(tmp_path):
    r = kpitools("run", "--schedule", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2 and "cannot be read" in r.stderr and "Traceback" not in r.stderr


# --------------------------------------------------------------------------------------------
# Runs, on the seed 000 data (16 indicators, Havering's figures, no published files)
# --------------------------------------------------------------------------------------------


def _failing_copy(tmp_path: Path, authority_code: str) -> Path:
    """The committee scorecard with one more cell that fails for one authority."""
    nb = nbformat.read(str(ROOT / "notebooks" / "reports" / "committee_scorecard.ipynb"), as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            f"if authority == {authority_code!r}:\n    raise ValueError('deliberate failure for the test')"
        )
    )
    path = tmp_path / "fails_for_one.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def seed_schedule(tmp_path, kpitools_kernel):
    data = tmp_path / "data"
    shutil.copytree(SEED, data)
    out = tmp_path / "outputs"
    path = write(
        tmp_path / "schedule.yaml",
        "authorities: [Havering, Barking and Dagenham]\n"
        "periods: [2017-18 Q1]\nnotebooks: [committee_scorecard]\n"
        "data_dir: data\noutputs: outputs\n"
        "benchmark_only: true\n",  # Barking and Dagenham has no local figures in the seed data
    )
    return path, data, out


def _log_lines(out: Path) -> list[str]:
    logs = sorted((out / "logs").glob("run-*.log"))
    return logs[-1].read_text(encoding="utf-8").splitlines()


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "logs" not in p.parts
    }


@pytest.mark.e2e
def test_run_builds_then_skips_unchanged_then_forces_then_rebuilds_changed(seed_schedule):
    path, data, out = seed_schedule
    r = kpitools("run", "--schedule", str(path), "--workers", "2")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "2 packs: 2 done, 0 skipped, 0 failed" in r.stdout
    packs = [out / "Havering" / "2017-18_Q1", out / "Barking_and_Dagenham" / "2017-18_Q1"]
    for pack in packs:
        manifest = json.loads((pack / "manifest.json").read_text())
        assert len(manifest["fingerprint"]) == 64
        assert (pack / "committee_scorecard.html").stat().st_size > 10_000
        # tables scored from another data folder: a working folder of the build's own, never the
        # project's data/processed tables nor beside the pack under outputs/, and removed afterwards
        tables_dir = Path(manifest["parameters"]["tables_dir"])
        assert ROOT / "data" / "processed" not in tables_dir.parents and not tables_dir.exists()
        assert out not in tables_dir.parents
    lines = _log_lines(out)
    assert lines[0].split()[1] == "start" and lines[-1].split()[1] == "end"
    assert lines[0].split()[3] == str(path)  # the schedule file, not its last notebook
    done = [line for line in lines if line.split()[1] == "done"]
    assert len(done) == 2 and any("Havering (E09000016)  2017-18 Q1" in line for line in done)
    # The benchmark-only pack says what it is: no local figures.
    html = (packs[1] / "committee_scorecard.html").read_text(encoding="utf-8")
    assert "Barking and Dagenham" in html

    before = _files(out)
    r = kpitools("run", "--schedule", str(path))
    assert r.returncode == 0 and "2 packs: 0 done, 2 skipped, 0 failed" in r.stdout
    assert _files(out) == before  # not one byte rewritten
    assert sum(line.split()[1] == "skipped" for line in _log_lines(out)) == 2

    r = kpitools("run", "--schedule", str(path), "--force")
    assert r.returncode == 0 and "2 packs: 2 done, 0 skipped, 0 failed" in r.stdout
    assert _files(out) != before

    # A changed input file makes both packs out of date (here: a blank line added to the commentary).
    commentary = data / "commentary" / "seed000_commentary.csv"
    commentary.write_bytes(commentary.read_bytes() + b"\n")
    r = kpitools("run", "--schedule", str(path))
    assert r.returncode == 0 and "2 packs: 2 done, 0 skipped, 0 failed" in r.stdout


@pytest.mark.e2e
def test_one_failing_pack_does_not_stop_the_others(seed_schedule, tmp_path):
    path, data, out = seed_schedule
    failing = _failing_copy(tmp_path, "E09000002")  # Barking and Dagenham
    path.write_text(path.read_text().replace("notebooks: [committee_scorecard]", f"notebooks: [{failing}]"))
    processed = tmp_path / "processed"
    env = {"KPITOOLS_PROCESSED": str(processed)}
    r = kpitools("run", "--schedule", str(path), "--workers", "1", env=env)
    assert r.returncode == 3, r.stderr[-3000:]
    assert "2 packs: 1 done, 0 skipped, 1 failed" in r.stdout
    assert "Barking and Dagenham" in r.stderr and "deliberate failure for the test" in r.stderr
    assert "fails_for_one.ipynb failed in cell" in r.stderr
    assert (out / "Havering" / "2017-18_Q1" / "index.html").is_file()
    assert not (out / "Barking_and_Dagenham" / "2017-18_Q1").exists()
    # The executed notebook is kept for the analyst, in data/processed (private), never under outputs/
    # where a web server publishing the packs would serve it; the log says where.
    kept = list((processed / "failed" / "Barking_and_Dagenham").glob("2017-18_Q1-*/fails_for_one.ipynb"))
    assert len(kept) == 1
    assert [p for p in out.rglob("*") if p.name.startswith(".") and not p.name.endswith(".lock")] == []
    assert list(out.rglob("*.ipynb")) == []
    failed = [line for line in _log_lines(out) if line.split()[1] == "failed"]
    assert len(failed) == 1 and "Barking and Dagenham (E09000002)" in failed[0]
    assert f"The executed notebook is kept for diagnosis: {kept[0]}" in failed[0]
    # Only the failed pack is tried again.
    r = kpitools("run", "--schedule", str(path), env=env)
    assert "2 packs: 0 done, 1 skipped, 1 failed" in r.stdout


def test_bad_input_stops_the_run_before_any_pack_is_built(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SEED, data)
    targets = data / "framework" / "targets.csv"
    lines = targets.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[0], "NO_SUCH_INDICATOR", 1)
    targets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = write(
        tmp_path / "s.yaml", "authorities: [Havering]\nperiods: [2017-18 Q1]\ndata_dir: data\noutputs: outputs\n"
    )
    r = kpitools("run", "--schedule", str(path))
    assert r.returncode == 2
    assert "targets.csv" in r.stderr and "NO_SUCH_INDICATOR" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "outputs" / "Havering").exists()


def test_parallel_kernels_never_share_a_socket(tmp_path):
    """Kernels talk over Unix sockets; two started at once in the same folder once picked the same
    socket ("Invalid Signature"). Each kernel manager now has its own socket prefix."""
    import os

    from kpitools.publish.kernels import _kernel_manager_class

    manager = _kernel_manager_class()
    if manager is None:
        pytest.skip("TCP transport on this platform")
    a, b = manager(kernel_name="kpitools"), manager(kernel_name="kpitools")
    assert a.transport == b.transport == "ipc"
    assert a.ip != b.ip and os.path.isabs(a.ip) and os.path.isabs(b.ip)
