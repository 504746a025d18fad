"""Nothing lost: a scheduled batch stopped part-way (SIGTERM, then SIGKILL) leaves only whole packs.

The notebook used here is the committee scorecard with a 3-second cell added, so that a pack is
still being built when the run is stopped.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from packs_on_disk import assert_whole, snapshot

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "seed000"
AUTHORITIES = ["Havering", "Barking and Dagenham", "Bexley"]
FOLDERS = ["Havering", "Barking_and_Dagenham", "Bexley"]

pytestmark = pytest.mark.e2e


def visible_state(out: Path) -> dict[str, list[str]]:
    return {
        folder: sorted(p.name for p in (out / folder).iterdir() if not p.name.startswith("."))
        for folder in FOLDERS
        if (out / folder).exists()
    }


def leftovers(out: Path) -> list[str]:
    return sorted(
        str(p.relative_to(out)) for p in out.rglob("*") if any(m in p.name for m in (".tmp-", ".old-", ".tables-"))
    )


def wait_for_done_lines(log: Path, n: int, proc: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and sum(line.split()[1:2] == ["done"] for line in log.read_text().splitlines()) >= n:
            return
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.2)
    raise AssertionError(f"no {n} finished pack(s) within {timeout} s")


def start_run(schedule: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kpitools.cli",
            "run",
            "--schedule",
            str(schedule),
            "--workers",
            "1",
            "--no-progress",
            "--log",
            str(log),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run(schedule: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kpitools.cli", "run", "--schedule", str(schedule), "--workers", "1", "--no-progress"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_a_stopped_batch_leaves_only_whole_packs_and_a_rerun_finishes_it(tmp_path, kpitools_kernel):
    data = tmp_path / "data"
    shutil.copytree(SEED, data)
    nb = nbformat.read(str(ROOT / "notebooks" / "reports" / "committee_scorecard.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(3)"))
    nbformat.write(nb, str(tmp_path / "slow_scorecard.ipynb"))
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(
        f"authorities: {json.dumps(AUTHORITIES)}\nperiods: [2017-18 Q1]\n"
        f"notebooks: [slow_scorecard.ipynb]\ndata_dir: data\noutputs: outputs\n"
        "benchmark_only: true\n",  # only Havering has local figures in the seed data
        encoding="utf-8",
    )
    out = tmp_path / "outputs"

    r = run(schedule)
    assert r.returncode == 0, r.stderr[-3000:]
    good = {folder: snapshot(out / folder / "2017-18_Q1") for folder in FOLDERS}
    old_fp = {folder: assert_whole(out / folder / "2017-18_Q1")["fingerprint"] for folder in FOLDERS}

    def change_input(marker: bytes) -> None:
        commentary = data / "commentary" / "seed000_commentary.csv"
        commentary.write_bytes(commentary.read_bytes() + marker)

    # 1. SIGTERM part-way: the run stops itself, cleans up, and says how to finish.
    change_input(b"\n")
    proc = start_run(schedule, tmp_path / "sigterm.log")
    wait_for_done_lines(tmp_path / "sigterm.log", 1, proc)
    time.sleep(1.5)  # the second pack is being built
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired as exc:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the run did not stop within 60 s of SIGTERM") from exc
    assert proc.returncode == 130, stderr[-3000:]
    assert "Run the same command again to finish" in stderr
    assert leftovers(out) == []  # a graceful stop removes its temporary folders
    assert visible_state(out) == {folder: ["2017-18_Q1"] for folder in FOLDERS}
    fps = {folder: assert_whole(out / folder / "2017-18_Q1")["fingerprint"] for folder in FOLDERS}
    finished = [f for f in FOLDERS if fps[f] != old_fp[f]]
    assert len(finished) >= 1 and len(finished) < len(FOLDERS)
    for folder in set(FOLDERS) - set(finished):  # the interrupted one and those not started: as they were
        assert snapshot(out / folder / "2017-18_Q1") == good[folder]

    # 2. SIGKILL part-way (the run and its workers, with no chance to clean up).
    change_input(b"\n")
    proc = start_run(schedule, tmp_path / "sigkill.log")
    wait_for_done_lines(tmp_path / "sigkill.log", 1, proc)
    time.sleep(1.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert visible_state(out) == {folder: ["2017-18_Q1"] for folder in FOLDERS}
    fps2 = {folder: assert_whole(out / folder / "2017-18_Q1")["fingerprint"] for folder in FOLDERS}
    finished2 = [f for f in FOLDERS if fps2[f] != fps[f]]
    assert 1 <= len(finished2) < len(FOLDERS)
    for folder in set(FOLDERS) - set(finished2):
        assert fps2[folder] == fps[folder]

    # 3. The same command again finishes the rest and tidies what the killed run left.
    r = run(schedule)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"{len(FOLDERS)} packs: {len(FOLDERS) - len(finished2)} done, {len(finished2)} skipped, 0 failed" in r.stdout
    assert leftovers(out) == []
    final = {folder: assert_whole(out / folder / "2017-18_Q1")["fingerprint"] for folder in FOLDERS}
    assert len(set(final.values())) == len(FOLDERS)  # one fingerprint per authority, all current
    for folder in finished2:
        assert final[folder] == fps2[folder]  # finished packs were not rebuilt
