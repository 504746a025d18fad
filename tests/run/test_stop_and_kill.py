"""Stopping and killing, with real processes and real signals.

- A run killed with SIGKILL (only the run, as the out-of-memory killer or a scheduler's timeout does)
  takes its workers with it: they stop building, tidy up and leave; no worker, no kernel is left.
- ``kpitools report`` stopped with SIGTERM stops as ``kpitools run`` does: it cleans up, says so and
  exits 130, leaving the previous pack as it was.
- Two runs started in the same second write two logs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from packs_on_disk import assert_whole, snapshot

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "seed000"
AUTHORITIES = ["Havering", "Barking and Dagenham", "Bexley"]
FOLDERS = ["Havering", "Barking_and_Dagenham", "Bexley"]

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


# --------------------------------------------------------------------------------------------
# Processes, from /proc
# --------------------------------------------------------------------------------------------


def _state(pid: int) -> str | None:
    """The process's state letter (``Z`` for a zombie), or ``None`` when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def alive(pid: int) -> bool:
    """The process is there and not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _state(pid) not in (None, "Z")


def children(pid: int) -> list[int]:
    """The process's children, from ``/proc/<pid>/task/*/children``, else from every process's ppid."""
    found: list[int] = []
    readable = False
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
            readable = True
    if not readable:  # a kernel built without /proc/<pid>/task/<tid>/children
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(stat.parent.name))
    return sorted(set(found))


def descendants(pid: int) -> list[int]:
    out: list[int] = []
    for child in children(pid):
        out += [child, *descendants(child)]
    return out


def wait_until(condition: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"the command ended (exit {proc.returncode}) before {what}: {proc.stderr and proc.stderr.read()}"
            )
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


# --------------------------------------------------------------------------------------------
# Packs on disk
# --------------------------------------------------------------------------------------------


def working_folders(*roots: Path) -> list[str]:
    """Whatever is not a published pack: build, tables and notebook working folders, packs set aside."""
    marks = (".tmp-", ".old-", ".tables-", ".executed-")
    return sorted(str(p) for root in roots if root.exists() for p in root.rglob("*") if any(m in p.name for m in marks))


def slow_copy(source: Path, dest: Path) -> Path:
    """The notebook with a last cell that sleeps for ``KPITOOLS_TEST_SLEEP`` seconds (the kernel
    inherits the environment), so that a pack is still being built when it is stopped."""
    nb = nbformat.read(str(source), as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell("import os, time\ntime.sleep(float(os.environ.get('KPITOOLS_TEST_SLEEP', '0')))")
    )
    nbformat.write(nb, str(dest))
    return dest


def kpitools_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "kpitools.cli", *args]


# --------------------------------------------------------------------------------------------
# 1. The run is killed: its workers die with it
# --------------------------------------------------------------------------------------------


@linux_only
@pytest.mark.e2e
def test_workers_do_not_outlive_a_killed_run(tmp_path, kpitools_kernel):
    data = tmp_path / "data"
    shutil.copytree(SEED, data)
    slow_copy(ROOT / "notebooks" / "reports" / "committee_scorecard.ipynb", tmp_path / "slow_scorecard.ipynb")
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(
        f"authorities: {json.dumps(AUTHORITIES)}\nperiods: [2017-18 Q1]\n"
        "notebooks: [slow_scorecard.ipynb]\ndata_dir: data\noutputs: outputs\n"
        "benchmark_only: true\n",  # only Havering has local figures in the seed data
        encoding="utf-8",
    )
    out, processed = tmp_path / "outputs", tmp_path / "processed"
    env = {**os.environ, "KPITOOLS_PROCESSED": str(processed), "KPITOOLS_TEST_SLEEP": "30"}
    proc = subprocess.Popen(
        kpitools_cmd("run", "--schedule", str(schedule), "--workers", "2", "--no-progress"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    everyone: list[int] = []
    try:
        # Both workers are building a pack (its folder is being filled) and running its notebook.
        wait_until(lambda: len(list(out.glob("*/.2017-18_Q1.tmp-*"))) == 2, 240, "two packs being built", proc)
        workers = children(proc.pid)
        assert len(workers) == 2, workers
        wait_until(lambda: all(children(w) for w in workers), 120, "a kernel in each worker", proc)
        everyone = descendants(proc.pid)  # the workers and their notebooks' kernels

        os.kill(proc.pid, signal.SIGKILL)  # the run only: not its process group
        proc.wait(timeout=30)

        wait_until(lambda: not any(alive(p) for p in everyone), 20, "every worker and kernel gone")
    finally:  # whatever happened, leave no process behind (they would hold the pipes open)
        for pid in [proc.pid, *descendants(proc.pid), *everyone]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=30)

    # Nothing was published half-written: no pack folder but whole ones (here: none had finished),
    # and the workers removed their working folders on the way out.
    for pack in out.glob("*/2017-18_Q1"):
        assert_whole(pack)
    assert working_folders(out, processed) == []
    log = next((out / "logs").glob("run-*.log")).read_text(encoding="utf-8").splitlines()
    stopped = [line for line in log if line.split()[1] == "stopped"]
    assert len(stopped) == 2 and all(f"the run (pid {proc.pid}) was killed" in line for line in stopped)

    # The same command again builds all three.
    r = subprocess.run(
        kpitools_cmd("run", "--schedule", str(schedule), "--workers", "2", "--no-progress"),
        cwd=ROOT,
        env={**env, "KPITOOLS_TEST_SLEEP": "0"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "3 packs: 3 done, 0 skipped, 0 failed" in r.stdout
    for folder in FOLDERS:
        assert_whole(out / folder / "2017-18_Q1")
    assert working_folders(out, processed) == []


# --------------------------------------------------------------------------------------------
# 2. kpitools report stopped with SIGTERM
# --------------------------------------------------------------------------------------------


@linux_only
@pytest.mark.e2e
def test_report_stops_on_sigterm_cleans_up_and_keeps_the_previous_pack(tmp_path, kpitools_kernel):
    home = tmp_path / "home"  # KPITOOLS_HOME: the report notebooks are the slow copies
    (home / "notebooks" / "reports").mkdir(parents=True)
    for name in ("committee_scorecard", "benchmark_comparison"):
        slow_copy(ROOT / "notebooks" / "reports" / f"{name}.ipynb", home / "notebooks" / "reports" / f"{name}.ipynb")
    out, processed = tmp_path / "outputs", tmp_path / "processed"
    # The kernels' sockets and connection files go in TMPDIR: a short one of the test's own (a Unix
    # socket's path must fit in 107 characters, which tmp_path under pytest-xdist may not).
    tmp = Path(tempfile.mkdtemp(prefix="kt-"))
    try:
        _report_stops_on_sigterm(home, out, processed, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _report_stops_on_sigterm(home: Path, out: Path, processed: Path, tmp: Path) -> None:
    env = {
        **os.environ,
        "KPITOOLS_HOME": str(home),
        "KPITOOLS_PROCESSED": str(processed),
        "TMPDIR": str(tmp),
        "KPITOOLS_TEST_SLEEP": "0",
    }
    cmd = kpitools_cmd(
        "report", "--authority", "Havering", "--period", "2017-18 Q1", "--data-dir", str(SEED), "--out", str(out)
    )
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    pack = out / "Havering" / "2017-18_Q1"
    before = snapshot(pack)
    tmp_before = sorted(p.name for p in tmp.iterdir())

    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**env, "KPITOOLS_TEST_SLEEP": "60", "PYTHONFAULTHANDLER": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    kernels: list[int] = []
    try:
        wait_until(lambda: list(pack.parent.glob(".2017-18_Q1.tmp-*")), 240, "the pack being built", proc)
        wait_until(lambda: len(children(proc.pid)) >= 2, 120, "both notebooks' kernels started", proc)
        kernels = descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)  # as a scheduler stops a job
        try:
            _, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER: every thread's stack, to see where it hung
            _, stderr = proc.communicate(timeout=30)
            raise AssertionError(f"kpitools report did not stop within 60 s of SIGTERM:\n{stderr[-8000:]}") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        for pid in kernels:  # checked below; never left running
            if alive(pid):
                os.kill(pid, signal.SIGKILL)

    assert proc.returncode == 130, stderr[-3000:]
    assert "kpitools: the report was stopped" in stderr and "Traceback" not in stderr
    assert snapshot(pack) == before  # the previous pack, byte for byte
    assert_whole(pack)
    assert working_folders(out, processed) == []
    assert not any(alive(p) for p in kernels)  # shut down before the command ended
    assert sorted(p.name for p in tmp.iterdir()) == tmp_before  # no kernel socket or connection file left


# --------------------------------------------------------------------------------------------
# 3. Two runs in the same second
# --------------------------------------------------------------------------------------------

FROZEN_CLOCK = """
import datetime, sys
import kpitools.run.schedule as schedule

class Frozen(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls(2025, 11, 3, 9, 15, 0, tzinfo=tz)

schedule.datetime = Frozen
from kpitools.cli import main
main(sys.argv[1:], prog_name="kpitools")
"""


def test_two_runs_started_in_the_same_second_write_two_logs(tmp_path):
    """Both runs see the same clock (frozen), start together and write to the same outputs folder."""
    script = tmp_path / "frozen_clock.py"
    script.write_text(FROZEN_CLOCK, encoding="utf-8")
    data = tmp_path / "data"
    shutil.copytree(SEED, data)
    targets = data / "framework" / "targets.csv"  # bad input: each run logs its start and its error
    lines = targets.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[0], "NO_SUCH_INDICATOR", 1)
    targets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    schedules = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(
            "authorities: [Havering]\nperiods: [2017-18 Q1]\ndata_dir: data\noutputs: outputs\n", encoding="utf-8"
        )
        schedules.append(path)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), "run", "--schedule", str(s), "--no-progress"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in schedules
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [2, 2], [err[-2000:] for _, err in results]
    logs = sorted((tmp_path / "outputs" / "logs").glob("run-*.log"))
    assert len(logs) == 2, logs
    assert all(log.name.startswith("run-20251103T091500Z-") for log in logs)
    starts = {}
    for log in logs:
        text = log.read_text(encoding="utf-8").splitlines()
        assert [line.split()[1] for line in text] == ["start", "error"], text
        starts[log.name] = text[0].split()[3]
    assert sorted(starts.values()) == sorted(str(s) for s in schedules)  # one run, one log
    # the log names its run's process: a scheduler can tell them apart
    assert {log.stem.rsplit("-", 1)[1] for log in logs} == {str(p.pid) for p in procs}
