"""The worked example in committee_scorecard.ipynb ("Adding a section of your own") works as written:
copied into the notebook, it builds a pack whose new table and chart are accessible (axe-core, text
alternative, caption, figures as a table), and nothing about it needs a script."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_accessibility import AXE, describe, open_all_details, open_page, run_axe

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "notebooks" / "reports"

pytestmark = [pytest.mark.e2e]


def worked_example() -> str:
    nb = nbformat.read(str(REPORTS / "committee_scorecard.ipynb"), as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "own-section")
    assert cell.cell_type == "markdown" and "remove-cell" in cell.metadata.get("tags", [])
    blocks = re.findall(r"```python\n(.*?)```", cell.source, re.S)
    assert len(blocks) == 1, "the worked example is one python block"
    return blocks[0]


def run_pack_with(notebooks_dir: Path, out: Path, **options) -> subprocess.CompletedProcess:
    """Havering's 2025-26 Q2 pack built by ``run_pack`` in a process of its own, from the report
    notebooks in ``notebooks_dir``; prints the pack's folder, or the error and its exit code."""
    script = (
        "import sys; from pathlib import Path; from kpitools.run.runner import run_pack; "
        "from kpitools.core.errors import KpiError\n"
        "try:\n"
        f"    print(run_pack('Havering', '2025-26 Q2', outputs={str(out)!r}, "
        f"notebooks_dir=Path({str(notebooks_dir)!r}), **{options!r}))\n"
        "except KpiError as e:\n    print(e, file=sys.stderr); sys.exit(e.exit_code)\n"
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=out.parent, timeout=600)


@pytest.fixture(scope="module")
def pack_with_own_section(tmp_path_factory, kpitools_kernel):
    work = tmp_path_factory.mktemp("own-section")
    notebooks = work / "notebooks"
    shutil.copytree(REPORTS, notebooks)
    path = notebooks / "committee_scorecard.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    notes = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and 'id="notes"' in c.source)
    nb.cells.insert(notes, nbformat.v4.new_code_cell(worked_example()))  # "into a new code cell above the Notes"
    nbformat.write(nb, str(path))
    r = run_pack_with(notebooks, work / "out")
    assert r.returncode == 0, r.stderr[-3000:]
    return Path(r.stdout.strip().splitlines()[-1])


def test_the_example_adds_a_described_table_and_chart(pack_with_own_section):
    html = (pack_with_own_section / "committee_scorecard.html").read_text(encoding="utf-8")
    meta = json.loads((pack_with_own_section / "manifest.json").read_text(encoding="utf-8"))
    assert meta
    section = html[html.index('id="red-indicators"') :]
    assert "<caption>Indicators rated Red this period, with their targets</caption>" in section
    assert "% of care proceedings completed within 26 weeks" in section
    figure = re.search(r'<figure class="kpi-figure".*?</figure>', section, re.S).group(0)
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-label="Bar chart of the indicators rated Red: ', figure)
    assert "<figcaption" in figure and "Value of each indicator rated Red" in figure
    assert '<details class="kpi-data">' in figure  # the figures as a table a reader can open
    assert "<script" not in html


@pytest.mark.browser
def test_the_page_with_the_example_has_no_accessibility_violation(pack_with_own_section, offline_page):
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run 'make browser'")
    page, _ = offline_page
    open_page(page, pack_with_own_section / "committee_scorecard.html")
    open_all_details(page)
    result = run_axe(page, AXE)
    assert result["violations"] == [], describe(result["violations"], "the page with a section of one's own")


def test_showing_the_chart_directly_stops_the_export_with_the_way_to_do_it(tmp_path, kpitools_kernel):
    # The same chart displayed as Altair would (a live chart): the pack cannot hold it.
    notebooks = tmp_path / "notebooks"
    shutil.copytree(REPORTS, notebooks)
    path = notebooks / "committee_scorecard.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    code = "import altair as alt\nalt.Chart(alt.Data(values=[{'x': 1}])).mark_point().encode(x='x:Q')"
    nb.cells.insert(3, nbformat.v4.new_code_cell(code))
    nbformat.write(nb, str(path))
    r = run_pack_with(notebooks, tmp_path / "out", notebooks=["committee_scorecard"])
    assert r.returncode == 3, r.stderr[-3000:]
    assert "cell 5 shows an interactive Altair or Vega chart (" in r.stderr
    assert "render.svg_figure(chart, alt_text=" in r.stderr and "Adding a section of your own" in r.stderr
    assert not (tmp_path / "out" / "Havering").exists() or not any((tmp_path / "out" / "Havering").rglob("*.html"))
