"""Benchmark: scheduled packs against the naive loop, notebook cost against the bare-kernel floor,
re-running an unchanged schedule, and scoring at national scale.

    make bench                       # 4 London authorities, both report notebooks
    .venv/bin/python bench/bench.py --authorities 8 --repeats 7
    .venv/bin/python bench/bench.py --tiny      # seconds; what the tests run

Every figure is measured in this run on this machine; ratios compare figures of the same run.
Nothing here is a pass/fail test: the targets (issue 4) are printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KERNEL = "kpitools"


def _tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def _run(cmd: list[str], **kw) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd[:3])} ... failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return elapsed


def _line(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<58} {value:>14}" + (f"   target: {target}" if target else ""), flush=True)


def _authorities(n: int) -> list[str]:
    from kpitools.core.authorities import select

    london = [a.name for a in select("London") if a.name != "Havering"]
    return (["Havering"] + london)[:n]


# --------------------------------------------------------------------------------------------
# 1-3: the naive loop, kpitools run, and the re-run
# --------------------------------------------------------------------------------------------


def naive_loop(authorities: list[str], notebooks: list[str], work: Path) -> float:
    """For each notebook and authority: the papermill CLI, then the jupyter nbconvert CLI, one after
    another. The notebooks score for themselves (no scored tables given), as a notebook run by hand does."""
    papermill, jupyter = _tool("papermill"), _tool("jupyter")
    total = 0.0
    for la in authorities:
        for nb in notebooks:
            executed = work / f"{la.replace(' ', '_')}_{nb}.ipynb"
            total += _run(
                [
                    papermill,
                    str(ROOT / "notebooks" / "reports" / f"{nb}.ipynb"),
                    str(executed),
                    "-k",
                    KERNEL,
                    "-p",
                    "authority",
                    la,
                    "-p",
                    "period",
                    "latest",
                    "--cwd",
                    str(ROOT / "notebooks" / "reports"),
                ]
            )
            total += _run([jupyter, "nbconvert", "--to", "html", "--no-input", str(executed)])
    return total


def write_schedule(authorities: list[str], notebooks: list[str], outputs: Path, path: Path) -> Path:
    path.write_text(
        json.dumps(
            {
                "authorities": authorities,
                "periods": ["latest"],
                "notebooks": notebooks,
                "outputs": str(outputs),
                "benchmark_only": True,  # only Havering has local figures: the others are benchmark-only packs
            }
        ),
        encoding="utf-8",
    )  # JSON is YAML
    return path


def kpitools_run(schedule: Path, force: bool, workers: int | None) -> float:
    cmd = [_tool("kpitools"), "run", "--schedule", str(schedule), "--no-progress"]
    cmd += ["--force"] if force else []
    cmd += ["--workers", str(workers)] if workers else []
    return _run(cmd)


# --------------------------------------------------------------------------------------------
# 4: one report notebook against the bare-kernel floor, in the same harness
# --------------------------------------------------------------------------------------------


def _trivial_notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python (kpitools)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell("x")]
    nbformat.write(nb, str(path))
    return path


def harness_medians(
    tables_dir: Path, authority: str, period: str, notebook: str, repeats: int, work: Path
) -> tuple[float, float]:
    """Median seconds of (report notebook, trivial notebook), each executed with papermill's API and
    exported in-process: the harness ``kpitools run`` uses for every notebook."""
    from kpitools.publish.export import export_html
    from kpitools.publish.kernels import run_notebook

    trivial = _trivial_notebook(work / "trivial.ipynb")
    report_nb = ROOT / "notebooks" / "reports" / f"{notebook}.ipynb"
    params = {"authority": authority, "period": period, "tables_dir": str(tables_dir)}

    def once(nb: Path, parameters: dict) -> float:
        start = time.perf_counter()
        out = run_notebook(nb, work / f"run_{nb.name}", parameters, KERNEL, cwd=nb.parent)
        export_html(out, work / f"{nb.stem}.html")
        return time.perf_counter() - start

    once(trivial, {"x": 2})  # first kernel start of the process warms caches for both
    report, floor = [], []
    for _ in range(repeats):  # interleaved, so that machine noise falls on both alike
        report.append(once(report_nb, params))
        floor.append(once(trivial, {"x": 2}))
    return statistics.median(report), statistics.median(floor)


# --------------------------------------------------------------------------------------------
# 5: scoring at national scale
# --------------------------------------------------------------------------------------------

SCALE_SCRIPT = textwrap.dedent("""
    import json, resource, sys, time, tracemalloc
    sys.path.insert(0, {bench!r})
    from synthetic import national_set
    from kpitools.score.scoring import score
    n_la, n_ind, n_q = {n_la}, {n_ind}, {n_q}
    values, indicators, targets, authorities, periods = national_set(n_la, n_ind, n_q)
    score(values.head(1000), indicators, targets, authorities[:2], periods[:2])  # warm the code paths
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = []
    for _ in range({repeats}):
        start = time.perf_counter()
        out = score(values, indicators, targets, authorities, periods)
        runs.append(time.perf_counter() - start)
    tracemalloc.start()
    score(values, indicators, targets, authorities, periods)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps(dict(rows=len(out), rated=int(out["status"].eq("rated").sum()), seconds=min(runs),
                          median=sorted(runs)[len(runs) // 2], traced_peak=traced,
                          maxrss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                          maxrss_before=base * 1024, values=len(values))))
""")


def national_scoring(n_la: int, n_ind: int, n_q: int, repeats: int) -> dict:
    """Score a synthetic national set in a fresh process; its peak memory is that process's."""
    code = SCALE_SCRIPT.format(bench=str(Path(__file__).parent), n_la=n_la, n_ind=n_ind, n_q=n_q, repeats=repeats)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench: national scoring failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def pack_tables_medians(repeats: int) -> tuple[float, float]:
    """Median seconds of ``build_tables`` for a quarterly and a monthly pack of the demo data, in turn."""
    from kpitools.ingest.loaders import load_dataset
    from kpitools.pack.build import build_tables, framework_ranks

    ds = load_dataset()
    ranks = framework_ranks(ds)
    times: dict[str, list[float]] = {"2025-26 Q2": [], "2025-08": []}
    for _ in range(repeats):
        for period, seconds in times.items():
            start = time.perf_counter()
            build_tables(ds, "Havering", period, ranks=ranks, benchmark_only=False)
            seconds.append(time.perf_counter() - start)
    return statistics.median(times["2025-26 Q2"]), statistics.median(times["2025-08"])


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--authorities", type=int, default=4, help="Havering and the first N-1 other London boroughs")
    ap.add_argument("--notebooks", default="committee_scorecard,benchmark_comparison")
    ap.add_argument("--repeats", type=int, default=5, help="runs of each notebook for the medians")
    ap.add_argument("--workers", type=int, default=None, help="kpitools run --workers (default: the cores)")
    ap.add_argument("--scale", default="153x60x40", help="authorities x indicators x quarters to score")
    ap.add_argument("--tiny", action="store_true", help="one authority, one notebook, one repeat, a small scale")
    ap.add_argument("--keep", action="store_true", help="keep the working folder")
    args = ap.parse_args(argv)
    if args.tiny:
        args.authorities, args.notebooks, args.repeats, args.scale = 1, "committee_scorecard", 1, "3x5x4"
    notebooks = [n.strip() for n in args.notebooks.split(",") if n.strip()]
    authorities = _authorities(args.authorities)
    n_la, n_ind, n_q = (int(x) for x in args.scale.lower().split("x"))
    work = Path(tempfile.mkdtemp(prefix="kpitools-bench-"))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"kpitools benchmark: {len(authorities)} authorities x {len(notebooks)} notebooks "
        f"({', '.join(notebooks)}), {cores} cores, Python {sys.version.split()[0]}",
        flush=True,
    )
    print(f"authorities: {', '.join(authorities)}", flush=True)
    try:
        print("\n1. Packs: naive loop against kpitools run (same notebooks, same authorities)", flush=True)
        (work / "naive").mkdir()
        naive = naive_loop(authorities, notebooks, work / "naive")
        _line("naive: papermill CLI + jupyter nbconvert CLI, one by one", f"{naive:.1f} s")
        schedule = write_schedule(authorities, notebooks, work / "outputs", work / "schedule.yaml")
        ran = kpitools_run(schedule, force=True, workers=args.workers)
        _line("kpitools run --force (score once, charts once, pool)", f"{ran:.1f} s")
        _line("speed-up (naive / kpitools run)", f"{naive / ran:.1f}x", ">= 5x (aim 8x)")

        print("\n2. Re-run of the unchanged schedule", flush=True)
        rerun = kpitools_run(schedule, force=False, workers=args.workers)
        _line("kpitools run (every pack skipped), whole command", f"{rerun:.2f} s", "< 3 s")

        print("\n3. One report notebook against the bare-kernel floor (papermill API + in-process export)", flush=True)
        from kpitools.core.authorities import resolve
        from kpitools.publish.packs import read_manifest, safe_name

        la = resolve(authorities[0])
        packs = sorted((work / "outputs" / safe_name(la.name)).glob("*/manifest.json"))
        manifest = read_manifest(packs[-1].parent)
        tables_dir = Path(manifest["parameters"]["tables_dir"])
        report, floor = harness_medians(tables_dir, la.code, manifest["period"], notebooks[0], args.repeats, work)
        _line(f"median {notebooks[0]} ({la.name}), {args.repeats} runs", f"{report:.2f} s")
        _line("median trivial one-cell notebook (the floor)", f"{floor:.2f} s")
        _line("ratio (report / floor)", f"{report / floor:.2f}x", "<= 2x")

        print(f"\n4. Scoring at national scale ({n_la} authorities x {n_ind} indicators x {n_q} quarters)", flush=True)
        s = national_scoring(n_la, n_ind, n_q, repeats=3 if not args.tiny else 1)
        _line("observations in", f"{s['values']:,}")
        _line("rows scored (authority x indicator x quarter)", f"{s['rows']:,}")
        _line("score(), best of runs", f"{s['seconds']:.3f} s", "< 1 s")
        _line("throughput", f"{s['rows'] / s['seconds']:,.0f} rows/s")
        _line("peak memory traced during one score()", f"{s['traced_peak'] / 2**20:.0f} MiB", "< 1 GiB")
        _line("peak resident memory of the scoring process", f"{s['maxrss'] / 2**20:.0f} MiB", "< 1 GiB")

        print("\n5. A monthly pack's tables against a quarterly pack's (Havering, the bundled data)", flush=True)
        quarter, month = pack_tables_medians(repeats=max(args.repeats, 3))
        _line("build_tables, 2025-26 Q2 (quarterly), median", f"{quarter:.3f} s")
        _line("build_tables, 2025-08 (monthly: months and quarters scored), median", f"{month:.3f} s")
        _line("ratio (monthly / quarterly)", f"{month / quarter:.2f}x")
    finally:
        if args.keep:
            print(f"\nworking folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
