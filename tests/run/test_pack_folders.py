"""Runs and their folders: an authority's packs never land in another's folder, and what a killed
build leaves in data/processed is tidied once its builder is gone (and only then)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kpitools.core.authorities import resolve
from kpitools.run.runner import STALE_WORK_SECONDS, current_pack, recover_interrupted

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "seed000"


def _fake_pack(folder: Path, fingerprint: str, code: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<p>pack</p>", encoding="utf-8")
    manifest = {
        "fingerprint": fingerprint,
        "parameters": {"authority": code},
        "files": [{"path": "index.html", "bytes": (folder / "index.html").stat().st_size}],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_a_skipped_pack_is_looked_for_in_its_own_authoritys_folder(tmp_path):
    old, current = resolve("E10000009"), resolve("E06000059")  # both "Dorset"
    pack = _fake_pack(tmp_path / "Dorset_E10000009" / "2017-18_Q1", "f" * 64, old.code)
    assert current_pack(tmp_path, old, "f" * 64) == (pack, json.loads((pack / "manifest.json").read_text()))
    assert current_pack(tmp_path, current, "f" * 64) is None  # the current Dorset's folder is Dorset/
    _fake_pack(tmp_path / "Dorset" / "2017-18_Q1", "e" * 64, current.code)
    assert current_pack(tmp_path, current, "e" * 64) is not None
    assert current_pack(tmp_path, old, "e" * 64) is None


def test_working_folders_in_processed_are_tidied_only_when_their_builder_is_gone(tmp_path):
    pack = tmp_path / "outputs" / "Havering" / "2017-18_Q1"
    tables, failed = tmp_path / "processed" / "packs" / "Havering", tmp_path / "processed" / "failed" / "Havering"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead_tables = tables / f".2017-18_Q1.tables-{gone.pid}-abc12345"
        dead_notebooks = failed / f".2017-18_Q1.executed-{gone.pid}-abc12345"
        live_tables = tables / f".2017-18_Q1.tables-{running.pid}-abc12345"  # another run, on other outputs
        other_period = tables / f".2017-18_Q2.tables-{gone.pid}-abc12345"
        kept_failure = failed / "2017-18_Q1-20250101T000000Z"  # a failed notebook kept for the analyst
        old_live = failed / f".2017-18_Q1.executed-{running.pid}-old12345"  # a day old: abandoned whatever the pid
        for folder in (dead_tables, dead_notebooks, live_tables, other_period, kept_failure, old_live):
            folder.mkdir(parents=True)
        day_ago = time.time() - STALE_WORK_SECONDS - 60
        os.utime(old_live, (day_ago, day_ago))
        notes = recover_interrupted(pack, [tables, failed])
        assert not dead_tables.exists() and not dead_notebooks.exists() and not old_live.exists()
        assert live_tables.exists() and other_period.exists() and kept_failure.exists()
        assert len(notes) == 3
    finally:
        running.kill()
        running.wait()


@pytest.mark.e2e
def test_the_old_and_the_current_dorset_get_a_pack_each(tmp_path, kpitools_kernel):
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(
        "authorities: [Dorset, E10000009]\nperiods: [2017-18 Q1]\nnotebooks: [committee_scorecard]\n"
        f"data_dir: {SEED}\noutputs: outputs\nbenchmark_only: true\n",  # neither Dorset has local figures
        encoding="utf-8",
    )
    r = subprocess.run(
        [sys.executable, "-m", "kpitools.cli", "run", "--schedule", str(schedule), "--workers", "2", "--no-progress"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "2 packs: 2 done, 0 skipped, 0 failed" in r.stdout
    out = tmp_path / "outputs"
    codes = {
        folder: json.loads((out / folder / "2017-18_Q1" / "manifest.json").read_text())["parameters"]["authority"]
        for folder in ("Dorset", "Dorset_E10000009")
    }
    assert codes == {"Dorset": "E06000059", "Dorset_E10000009": "E10000009"}
    assert sorted(p.name for p in out.iterdir()) == ["Dorset", "Dorset_E10000009", "logs"]
