"""The exported pack works with no network, has no code, and is published atomically."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from conftest import sample_tables
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from kpitools.core.errors import ReportError
from kpitools.core.files import sha256_file
from kpitools.present import charts, render
from kpitools.publish import packs
from kpitools.publish.export import export_html

SECRET = "secret_source_code_marker = 42"


def output_of(fragment) -> dict:
    data, metadata = fragment._repr_mimebundle_()
    return new_output("display_data", data=data, metadata=metadata)


def sample_notebook() -> nbformat.NotebookNode:
    """An executed notebook, made here without a kernel, showing what the report notebooks show."""
    t = sample_tables()
    meta, card = t.meta, t.scorecard
    row = card.iloc[0].to_dict()
    fig = render.svg_figure(
        charts.trend_chart(t.history, t.benchmarks, row, authority_name="Havering"),
        charts.describe_trend(t.history, t.benchmarks, row, authority_name="Havering"),
        "Re-referrals: figures by period against the target",
        charts.trend_tables(t.history, t.benchmarks, row, authority_name="Havering"),
    )
    frags = [
        render.title_block(meta, "Committee scorecard"),
        render.banner(meta["illustrative_note"]),
        render.heading("Summary", 2, id="summary"),
        render.summary_block(t.summary, meta["summary_sentence"]),
        render.heading("Scorecard", 2),
        render.scorecard_table(card, meta=meta),
        render.heading("Trends", 2),
        fig,
        render.comparison_section(card.iloc[0], t.comparison, t.benchmarks, authority_name="Havering"),
        render.provenance_block(meta),
    ]
    cells = [new_markdown_cell("Analyst notes", metadata={"tags": ["remove-cell"]})]
    cells.append(new_code_cell(SECRET, metadata={"tags": ["parameters"]}))
    for i, frag in enumerate(frags):
        cells.append(
            new_code_cell(f"display(fragment_{i})  # {SECRET}", execution_count=i + 1, outputs=[output_of(frag)])
        )
    cells.append(new_code_cell("import warnings", outputs=[new_output("stream", name="stderr", text="Warning!\n")]))
    return new_notebook(
        cells=cells,
        metadata={
            "title": "Committee scorecard",
            "kernelspec": {"name": "kpitools", "display_name": "kpitools", "language": "python"},
        },
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    nb_path = folder / "sample.ipynb"
    nbformat.write(sample_notebook(), str(nb_path))
    return export_html(nb_path, folder / "sample.html")


def test_export_is_offline_and_has_no_code(exported):
    html = exported.read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in html
    assert "<title>Havering: Committee scorecard, 2025-26 Q2</title>" in html
    assert not re.search(r"<script\b", html, re.I)  # no require.js, MathJax, mermaid, widgets: no script at all
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?(?:https?:)?//", html, re.I)
    assert not re.search(r"@import\s+(?:url\()?\s*[\"']?(?:https?:)?//", html, re.I)
    assert not re.search(r"\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html, re.I)
    assert SECRET not in html and "jp-InputArea" not in html and "In&nbsp;[" not in html
    assert "Analyst notes" not in html  # cells tagged remove-cell are dropped
    assert "Warning!" not in html  # stderr is for the analyst, not the committee
    assert '<div class="kpi-cell">\n</div>' not in html  # no empty wrappers for cells with nothing shown
    assert "No description has been provided for this image" not in html
    assert "jp-OutputArea" not in html and "jp-Cell" not in html  # none of JupyterLab's wrappers or CSS
    assert "@page" in html and "size: A4" in html and "thead { display: table-header-group; }" in html


def test_export_keeps_the_accessible_structure(exported):
    html = exported.read_text(encoding="utf-8")
    assert html.count("<h1>") == 1 and "<h2" in html
    assert '<main id="content">' in html and 'class="kpi-skip"' in html
    assert re.search(r'<svg[^>]*\brole="img"', html) and re.search(r'<svg[^>]*\baria-label="Line chart: ', html)
    assert re.search(r'<figure[^>]*\brole="group"', html) and "<figcaption" in html and "<details" in html
    # nbconvert's focusable output divs are gone with the JupyterLab wrappers: the only elements given
    # focus are the tables' and charts' scrolling boxes, named regions a keyboard user can scroll
    # (render.table_wrap, render.svg_figure: a chart scrolls sideways on a phone).
    focusable = re.findall(r'<[^>]*\btabindex="0"[^>]*>', html)
    assert focusable and all(
        f.startswith("<div ")
        and ('class="kpi-table-wrap"' in f or 'class="kpi-chart-wrap"' in f)
        and 'role="region"' in f
        and re.search(r'\baria-(?:label=(?:"[^"]+"|\'[^\']+\')|labelledby="[^"]+")', f)
        for f in focusable
    ), focusable
    assert any('class="kpi-chart-wrap"' in f for f in focusable)


def test_export_uses_the_given_title_over_the_notebook(tmp_path):
    out = export_html(sample_notebook(), tmp_path / "x.html", title="A <b> title")
    assert "<title>A &lt;b&gt; title</title>" in out.read_text(encoding="utf-8")


def test_export_refuses_an_image_without_a_text_alternative(tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell(
                "plot()",
                outputs=[new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})],
            )
        ]
    )
    with pytest.raises(ReportError, match="cell 1 shows an image"):
        export_html(nb, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_export_gives_images_their_text_alternative(tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell(
                "plot()",
                outputs=[
                    new_output(
                        "display_data",
                        data={"image/png": "iVBORw0KGgo="},
                        metadata={"image/png": {"alt": "A chart of <things>"}},
                    )
                ],
            )
        ]
    )
    html = export_html(nb, tmp_path / "x.html").read_text(encoding="utf-8")
    assert 'alt="A chart of &lt;things&gt;"' in html


@pytest.mark.parametrize(
    "bad",
    [
        '<script src="https://cdn.example/vega.js"></script>',
        '<link rel="stylesheet" href="https://fonts.example/x.css">',
        "<style>@import url(https://fonts.example/x.css);</style>",
    ],
)
def test_export_refuses_scripts_and_remote_resources(tmp_path, bad):
    nb = new_notebook(cells=[new_code_cell("x", outputs=[new_output("display_data", data={"text/html": bad})])])
    with pytest.raises(ReportError, match="offline"):
        export_html(nb, tmp_path / "x.html")


def test_the_notebook_styling_of_each_block_stays_out_of_the_pack(exported):
    # In a notebook every block carries the pack's stylesheet (scoped to it); the page has it once.
    nb = sample_notebook()
    shown = [o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert shown and all(h.startswith('<div class="kpi-nb" data-kpitools-notebook="1">') for h in shown)
    html = exported.read_text(encoding="utf-8")
    assert html.count("<style") == 1
    assert "data-kpitools-notebook" not in html and "kpi-nb" not in html
    assert '<header class="kpi-title">' in html


def test_export_leaves_the_callers_notebook_as_it_was(tmp_path):
    nb = sample_notebook()
    before = nbformat.writes(nb)
    export_html(nb, tmp_path / "x.html")
    assert nbformat.writes(nb) == before


@pytest.mark.parametrize(
    ("mime", "what"),
    [
        ("application/vnd.vegalite.v6+json", "an interactive Altair or Vega chart"),
        ("application/vnd.vegalite.v5+json", "an interactive Altair or Vega chart"),
        ("application/vnd.vega.v5+json", "an interactive Altair or Vega chart"),
        ("application/javascript", "JavaScript"),
        ("application/vnd.jupyter.widget-view+json", "an interactive widget"),
    ],
)
def test_export_refuses_a_live_chart_and_names_the_supported_way(tmp_path, mime, what):
    # An Altair chart displayed in a report notebook: the message says what to do instead.
    payload = "console.log(1)" if mime == "application/javascript" else {"$schema": "x"}
    chart_output = new_output("display_data", data={mime: payload, "text/plain": "alt.Chart(...)"})
    nb = new_notebook(
        cells=[
            new_code_cell("display(page.heading('x'))", outputs=[output_of(render.heading("Trends", 2))]),
            new_code_cell("chart", outputs=[chart_output]),
        ]
    )
    with pytest.raises(ReportError) as caught:
        export_html(nb, tmp_path / "x.html")
    message = str(caught.value)
    assert f"cell 2 shows {what} ({mime})" in message
    assert "render.svg_figure(chart, alt_text=" in message and "render.data_table(frame, caption=" in message
    assert "Adding a section of your own" in message and "committee_scorecard.ipynb" in message
    assert not (tmp_path / "x.html").exists()


@pytest.mark.browser
def test_page_renders_offline_in_chromium(exported, offline_page, tmp_path):
    page, attempts = offline_page
    page.goto(exported.as_uri())
    page.wait_for_load_state("load")
    boxes = page.eval_on_selector_all(
        "figure svg", "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert boxes and all(w > 0 and h > 0 for w, h in boxes)
    assert attempts == []  # not one network request was even attempted
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    assert page.title() == "Havering: Committee scorecard, 2025-26 Q2"
    # The data behind a chart opens from its <details>.
    page.click("figure details summary")
    assert page.is_visible("figure details table")
    shot = tmp_path / "sample-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    # Print to A4 works offline too.
    pdf = tmp_path / "sample-page.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes()[:4] == b"%PDF"
    assert attempts == []


# --------------------------------------------------------------------------------------------
# build_pack: execution with papermill, atomic publication
# --------------------------------------------------------------------------------------------


def dummy_notebook(path: Path, fail: bool = False) -> Path:
    cells = [
        new_code_cell('authority = "Nowhere"\nperiod = "latest"', metadata={"tags": ["parameters"]}),
        new_code_cell(
            "from IPython.display import HTML, display\ndisplay(HTML('<h1>' + authority + ': ' + period + '</h1>'))"
        ),
    ]
    if fail:
        cells.append(new_code_cell('raise ValueError("boom: the figures do not add up")'))
    cells.append(new_code_cell("display(HTML('<p>done</p>'))"))
    nb = new_notebook(
        cells=cells,
        metadata={
            "title": path.stem,
            "kernelspec": {"name": "kpitools", "display_name": "Python (kpitools)", "language": "python"},
        },
    )
    nbformat.write(nb, str(path))
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    """Working folders left beside a pack (none: a pack that fails early does not even make its folder)."""
    return [p.name for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name] if parent.exists() else []


@pytest.fixture
def pack_setup(tmp_path, kpitools_kernel):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    good = dummy_notebook(nbs / "good.ipynb")
    bad = dummy_notebook(nbs / "bad.ipynb", fail=True)
    attach = tmp_path / "scorecard.csv"
    attach.write_text("indicator_id,value\nCS01,21.3\n", encoding="utf-8")
    meta = dict(sample_tables().meta, authority_name="Nowhere")
    return tmp_path, good, bad, attach, meta


def test_build_pack_publishes_reports_index_manifest_and_attachments(pack_setup):
    tmp_path, good, _, attach, meta = pack_setup
    dest = packs.pack_path(tmp_path / "outputs", "Nowhere", "2025-26 Q2")
    assert dest == tmp_path / "outputs" / "Nowhere" / "2025-26_Q2"
    result = packs.build_pack(
        dest,
        [good],
        {"authority": "Nowhere", "period": "2025-26 Q2"},
        meta=meta,
        summary=sample_tables().summary,
        attachments=[attach],
    )
    assert result.path == dest.resolve()
    names = sorted(p.name for p in dest.iterdir())
    assert names == ["good.html", "index.html", "manifest.json", "scorecard.csv"]
    assert "<h1>Nowhere: 2025-26 Q2</h1>" in (dest / "good.html").read_text(encoding="utf-8")
    index = (dest / "index.html").read_text(encoding="utf-8")
    assert '<a href="good.html">' in index and '<a href="scorecard.csv">' in index and "Provenance" in index
    assert '<html lang="en-GB">' in index and "<script" not in index
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"] == {"authority": "Nowhere", "period": "2025-26 Q2"}
    assert manifest["notebooks"][0]["notebook_sha256"] == sha256_file(good)
    assert manifest["inputs"] and all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    for key in ("kpitools", "pandas", "altair", "papermill", "nbconvert", "vl-convert-python"):
        assert key in manifest["versions"]
    assert manifest["started_at"] <= manifest["finished_at"] and "git_revision" in manifest
    files = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert files["good.html"] == sha256_file(dest / "good.html")
    assert packs.pack_is_current(dest, manifest["fingerprint"])
    assert leftovers(dest.parent) == []


@pytest.mark.parametrize("where", ["given", "default"])
def test_a_failed_notebook_leaves_the_previous_pack_untouched(pack_setup, monkeypatch, where):
    tmp_path, good, bad, attach, meta = pack_setup
    processed = tmp_path / "processed"
    monkeypatch.setenv("KPITOOLS_PROCESSED", str(processed))
    failed_dir = processed / "failed" / "Nowhere"
    options = {"failed_dir": failed_dir} if where == "given" else {}  # the default: data/processed/failed/<authority>
    dest = tmp_path / "outputs" / "Nowhere" / "2025-26_Q2"
    packs.build_pack(dest, [good], {"authority": "Nowhere"}, meta=meta, attachments=[attach], **options)
    before = snapshot(dest)

    with pytest.raises(ReportError) as info:
        packs.build_pack(
            dest,
            [good, bad],
            {"authority": "Nowhere", "period": "2025-26 Q2"},
            meta=meta,
            attachments=[attach],
            **options,
        )
    message = str(info.value)
    assert "bad.ipynb" in message and "cell 3" in message
    assert "raise ValueError" in message and "boom: the figures do not add up" in message
    assert snapshot(dest) == before  # byte-identical
    kept = info.value.executed_notebook
    assert kept is not None and kept.exists() and kept.name == "bad.ipynb"
    assert f"The executed notebook is kept for diagnosis: {kept}" in message
    # kept out of outputs/ (a web server may publish it), in data/processed/failed/<authority>/<period>-<time>/
    assert kept.parent.parent == failed_dir and kept.parent.name.startswith("2025-26_Q2-")
    executed = nbformat.read(str(kept), as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
    assert leftovers(dest.parent) == []
    # nothing but the published pack under outputs/ (the lock file aside), no working folder left in processed
    assert sorted(p.name for p in (tmp_path / "outputs").rglob("*") if p.is_dir()) == ["2025-26_Q2", "Nowhere"]
    assert [p.name for p in dest.parent.iterdir() if p.name.startswith(".")] == []
    assert [p.name for p in failed_dir.iterdir()] == [kept.parent.name]


def test_a_missing_attachment_fails_before_anything_runs(pack_setup):
    tmp_path, good, _, _, meta = pack_setup
    dest = tmp_path / "outputs" / "Nowhere" / "p"
    with pytest.raises(ReportError, match="not found"):
        packs.build_pack(dest, [good], {}, meta=meta, attachments=[tmp_path / "missing.csv"])
    assert not dest.exists() and leftovers(dest.parent) == []


def test_an_unknown_kernel_is_a_clear_error(pack_setup):
    tmp_path, good, _, _, meta = pack_setup
    dest = tmp_path / "outputs" / "Nowhere" / "p"
    with pytest.raises(ReportError, match="kernel 'no-such-kernel' is not installed"):
        packs.build_pack(dest, [good], {}, meta=meta, kernel_name="no-such-kernel")
    assert not dest.exists() and leftovers(dest.parent) == []


# --------------------------------------------------------------------------------------------
# The real report notebooks on the bundled demo data (slow: two kernels, ~50 charts)
# --------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_real_pack_on_the_demo_data(tmp_path, kpitools_kernel):
    from kpitools.pack.load import load_or_build_tables

    root = Path(__file__).resolve().parents[2]
    tables = load_or_build_tables(authority="Havering", period="latest", comparators=["Barking and Dagenham"])
    tables_dir = tables.write(tmp_path / "tables")
    csv = tmp_path / "scorecard.csv"
    tables.scorecard.to_csv(csv, index=False)
    dest = tmp_path / "outputs" / "Havering" / "pack"
    result = packs.build_pack(
        dest,
        [
            root / "notebooks" / "reports" / "committee_scorecard.ipynb",
            root / "notebooks" / "reports" / "benchmark_comparison.ipynb",
        ],
        {
            "authority": "Havering",
            "period": tables.meta["period"],
            "comparators": ["Barking and Dagenham"],
            "indicators": [],
            "tables_dir": tables_dir,
            "data_dir": "",
        },
        meta=tables.meta,
        summary=tables.summary,
        attachments=[csv],
    )
    for page in result.reports:
        html = page.read_text(encoding="utf-8")
        assert '<html lang="en-GB">' in html and "<script" not in html.lower()
        assert not re.search(r"\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html, re.I)
        assert "Traceback" not in html and 'class="kpi-error"' not in html
        assert "Contains public sector information licensed under the Open Government Licence v3.0" in html
    committee = result.reports[0].read_text(encoding="utf-8")
    for heading in ("Summary", "Scorecard", "Highlights", "Improvements required", "Trends", "Notes", "Provenance"):
        assert re.search(rf"<h2[^>]*>{heading}</h2>", committee)
    assert committee.count('role="img"') >= 10
