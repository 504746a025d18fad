"""A folder that cannot be written (no permission, a read-only or full disk) is said plainly, with the
folder's name, and ends in exit 3 like any output that could not be made: never exit 70 "internal
error", never a traceback, and a pack published before is left as it was.

The tests run the real command. Root ignores permissions, so when the tests run as root the command
runs without the two capabilities that let it (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH); where that is
not possible the permission tests are skipped.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "seed000"
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _without_override() -> None:
    """In the child, before exec: a root process loses the power to ignore permissions."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def kpitools(*args: str, env: dict[str, str] | None = None, preexec=_without_override) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kpitools.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        preexec_fn=preexec,
        timeout=600,
    )


@pytest.fixture
def read_only(tmp_path):
    """Makes a folder read-only for the command (``chmod a-w``); skips where that cannot be done."""
    made: list[Path] = []

    def make(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o555)
        made.append(folder)
        try:
            probe = subprocess.run(
                [sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
                capture_output=True,
                preexec_fn=_without_override,
            )
        except subprocess.SubprocessError:
            pytest.skip("cannot run a process that respects permissions here")
        if probe.returncode == 0:
            (folder / "probe").unlink()
            pytest.skip("this process cannot make a folder read-only (root with every capability)")
        return folder

    yield make
    for folder in made:
        folder.chmod(0o755)


def assert_clear(r: subprocess.CompletedProcess, *phrases: str) -> None:
    assert r.returncode == 3, (r.returncode, r.stderr[-3000:])
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr[-3000:]
    for phrase in phrases:
        assert phrase in r.stderr, (phrase, r.stderr[-3000:])


SEED_REPORT = ["report", "--authority", "Havering", "--period", "2017-18 Q1", "--data-dir", str(SEED)]
SEED_SCORE = ["score", "--authority", "Havering", "--period", "2017-18 Q1", "--data-dir", str(SEED)]


# --------------------------------------------------------------------------------------------
# kpitools report
# --------------------------------------------------------------------------------------------


def test_report_into_a_read_only_outputs_folder(tmp_path, read_only):
    out = read_only(tmp_path / "outputs")
    r = kpitools(*SEED_REPORT, "--out", str(out), env={"KPITOOLS_PROCESSED": str(tmp_path / "processed")})
    assert_clear(r, f"cannot write the pack in {out}: Permission denied")
    assert list(out.iterdir()) == []


@pytest.mark.e2e
def test_report_over_a_pack_whose_folder_became_read_only_keeps_it(tmp_path, read_only, kpitools_kernel):
    out = tmp_path / "outputs"
    env = {"KPITOOLS_PROCESSED": str(tmp_path / "processed")}
    r = kpitools(*SEED_REPORT, "--out", str(out), env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    pack = out / "Havering" / "2017-18_Q1"
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in pack.iterdir()}
    read_only(out / "Havering")
    r = kpitools(*SEED_REPORT, "--out", str(out), env=env)
    assert_clear(r, f"cannot write the pack in {out / 'Havering'}: Permission denied")
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in pack.iterdir()} == before
    assert sorted(p.name for p in (out / "Havering").iterdir()) == [".2017-18_Q1.lock", "2017-18_Q1"]


def test_report_with_a_read_only_processed_folder(tmp_path, read_only):
    processed = read_only(tmp_path / "processed")
    r = kpitools(*SEED_REPORT, "--out", str(tmp_path / "outputs"), env={"KPITOOLS_PROCESSED": str(processed)})
    assert_clear(r, f"cannot write the scored tables in {processed}: Permission denied")
    assert not (tmp_path / "outputs" / "Havering" / "2017-18_Q1").exists()


# --------------------------------------------------------------------------------------------
# kpitools run
# --------------------------------------------------------------------------------------------


def _schedule(tmp_path: Path) -> Path:
    path = tmp_path / "schedule.yaml"
    path.write_text(
        f"authorities: [Havering]\nperiods: [2017-18 Q1]\nnotebooks: [committee_scorecard]\n"
        f"data_dir: {SEED}\noutputs: outputs\n",
        encoding="utf-8",
    )
    return path


def test_run_whose_log_cannot_be_written(tmp_path, read_only):
    out = read_only(tmp_path / "outputs")
    r = kpitools("run", "--schedule", str(_schedule(tmp_path)), "--no-progress")
    assert_clear(r, f"cannot write the run log in {out}: Permission denied")


def test_run_into_a_read_only_outputs_folder_fails_the_pack_and_says_why(tmp_path, read_only):
    out = read_only(tmp_path / "outputs")
    log = tmp_path / "run.log"
    r = kpitools("run", "--schedule", str(_schedule(tmp_path)), "--no-progress", "--log", str(log))
    assert_clear(r, f"failed: Havering 2017-18 Q1: cannot write the pack in {out}: Permission denied")
    assert "1 pack: 0 done, 0 skipped, 1 failed" in r.stdout
    failed = [line for line in log.read_text(encoding="utf-8").splitlines() if line.split()[1] == "failed"]
    assert len(failed) == 1 and f"cannot write the pack in {out}" in failed[0]


# --------------------------------------------------------------------------------------------
# kpitools score
# --------------------------------------------------------------------------------------------


def test_score_into_a_read_only_folder(tmp_path, read_only):
    folder = read_only(tmp_path / "cards")
    r = kpitools(*SEED_SCORE, "--out", str(folder / "card.csv"))
    assert_clear(r, f"cannot write the scorecard (--out {folder / 'card.csv'}) in {folder}: Permission denied")
    r = kpitools(*SEED_SCORE, "--out", str(folder / "q1" / "card.csv"))  # a folder that cannot be made
    assert_clear(r, f"in {folder}: Permission denied ({folder / 'q1'})")
    assert list(folder.iterdir()) == []


def test_score_into_a_missing_folder_makes_it(tmp_path):
    out = tmp_path / "new" / "folder" / "card.json"
    r = kpitools(*SEED_SCORE, "--out", str(out), preexec=None)
    assert r.returncode == 0, r.stderr[-3000:]
    assert out.is_file()


def test_score_onto_a_full_disk(tmp_path):
    """A full disk, as the system says it when a file may not grow (RLIMIT_FSIZE): exit 3, not 70."""

    r = kpitools(*SEED_SCORE, "--out", str(tmp_path / "card.csv"), preexec=_no_room)
    assert_clear(r, f"cannot write the scorecard (--out {tmp_path / 'card.csv'}) in {tmp_path}: File too large")
    assert list(tmp_path.iterdir()) == []


def test_score_with_a_read_only_processed_folder(tmp_path, read_only):
    """The project's own data is also written to data/processed as Parquet."""
    processed = read_only(tmp_path / "processed")
    r = kpitools(
        "score",
        "--authority",
        "Havering",
        "--out",
        str(tmp_path / "card.csv"),
        env={"KPITOOLS_PROCESSED": str(processed)},
    )
    assert_clear(r, f"cannot write the validated tables in {processed}: Permission denied")


def test_a_file_where_the_outputs_folder_should_be(tmp_path):
    blocker = tmp_path / "outputs"
    blocker.write_text("not a folder", encoding="utf-8")
    r = kpitools(*SEED_REPORT, "--out", str(blocker / "packs"), preexec=None)
    assert_clear(r, f"cannot write the pack in {tmp_path}: Not a directory")


def _no_room() -> None:
    """In the child: a file may not grow (RLIMIT_FSIZE), as on a full disk; the write fails (EFBIG)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_run_whose_log_stops_taking_lines(tmp_path):
    r = kpitools("run", "--schedule", str(_schedule(tmp_path)), "--no-progress", preexec=_no_room)
    assert_clear(r, "cannot write the run log run-", f"in {tmp_path / 'outputs' / 'logs'}: File too large")


def test_a_full_disk_no_command_expected_is_still_not_an_internal_error():
    """The net under the commands: an error only a write can cause is exit 3, not 70."""
    import errno

    import click
    from click.testing import CliRunner

    from kpitools.cli import _Group

    @click.group(cls=_Group)
    def cli() -> None:
        pass

    @cli.command()
    def write() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    result = CliRunner().invoke(cli, ["write"])
    assert result.exit_code == 3 and "internal error" not in result.output
    assert "a file could not be written: No space left on device" in result.output
