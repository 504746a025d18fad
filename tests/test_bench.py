"""The benchmark script runs on a tiny input and prints every figure the issue asks for.

Speed itself is not asserted here (shared, noisy machines): ``make bench`` prints the figures.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.e2e
def test_bench_runs_on_a_tiny_input_and_prints_its_figures(kpitools_kernel):
    r = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench.py"), "--tiny"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr[-3000:] + r.stdout[-3000:]
    out = r.stdout

    def figure(label: str) -> float:
        m = re.search(re.escape(label) + r".*?\s([\d,.]+)\s*(?:s|x|MiB|rows/s)?(?:\s|$)", out)
        assert m, f"{label!r} not printed:\n{out}"
        return float(m.group(1).replace(",", ""))

    assert figure("naive: papermill CLI + jupyter nbconvert CLI") > 0
    assert figure("kpitools run --force") > 0
    assert figure("speed-up (naive / kpitools run)") > 0
    assert figure("kpitools run (every pack skipped)") > 0
    assert figure("median trivial one-cell notebook") > 0
    assert figure("ratio (report / floor)") > 0
    # 3 authorities x 5 indicators x 4 quarters: every row of the grid is scored
    assert figure("rows scored (authority x indicator x quarter)") == 60
    assert figure("peak resident memory of the scoring process") > 0
    assert figure("build_tables, 2025-08 (monthly") > 0
    assert figure("ratio (monthly / quarterly)") > 0
