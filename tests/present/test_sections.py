"""Sections rendered once per pack (kpitools.present.sections), placed by notebooks whose kernels stay light."""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kpitools.ingest.loaders import load_dataset
from kpitools.pack import PackTables, load_or_build_tables
from kpitools.pack.build import build_tables
from kpitools.present import page, render
from kpitools.present.sections import INDICATOR_KINDS, KINDS, PACK_KINDS, draw, render_sections, section
from kpitools.publish.export import export_html
from kpitools.publish.kernels import run_notebook

ROOT = Path(__file__).resolve().parents[2]


def same_page(html: str) -> str:
    """Markup with what differs from one drawing to the next (element ids, the time) blanked."""
    html = re.sub(r"\b([a-z]+)-[0-9a-f]{8}-\d+", r"\1-ID", html)
    return re.sub(r"\d{1,2} \w+ 20\d\d at \d\d:\d\d( UTC)?", "TIME", html)


@pytest.fixture(scope="module")
def seed_tables() -> PackTables:
    ds = load_dataset(None, write_processed=False)  # the demo data: local figures and DfE's
    return build_tables(ds, "Havering", "latest", ["Barking and Dagenham"])


@pytest.fixture(scope="module")
def stored(seed_tables, tmp_path_factory) -> Path:
    seed_tables.sections = render_sections(seed_tables)
    try:
        return seed_tables.write(tmp_path_factory.mktemp("tables") / "pack")
    finally:
        seed_tables.sections = {}


def test_every_section_is_rendered_once_and_equals_drawing_it_from_the_whole_tables(seed_tables):
    sections = render_sections(seed_tables)
    assert set(sections) == set(KINDS)
    assert all(list(sections[kind]) == [""] for kind in PACK_KINDS)
    ids = seed_tables.meta["indicators"]
    assert list(sections["trend"]) == ids  # every indicator, in the scorecard's order
    assert list(sections["comparison"]) == seed_tables.meta["benchmarked"]
    assert 0 < len(sections["comparison"]) < len(ids)  # the demo has local-only indicators too
    # Rendering cuts each indicator's rows out once; drawing one section from the whole tables
    # must give the same markup.
    for kind in PACK_KINDS:
        assert same_page(sections[kind][""]) == same_page(draw(seed_tables, kind).data), kind
    for kind in INDICATOR_KINDS:
        for ind, html in sections[kind].items():
            assert same_page(html) == same_page(draw(seed_tables, kind, ind).data), (kind, ind)
    assert "<svg" in sections["trend"][ids[0]] and "<table" in sections["scorecard"][""]


def test_section_places_the_stored_html_and_draws_what_is_not_stored(seed_tables, stored):
    tables = PackTables.read(stored)
    ind = tables.meta["benchmarked"][0]
    on_disk = json.loads((stored / "sections.json").read_text(encoding="utf-8"))
    assert section(tables, "comparison", ind).data == on_disk["comparison"][ind]
    assert section(tables, "scorecard").data == on_disk["scorecard"][""]
    # A row works as well as an id (notebooks written before ids were used pass rows).
    row = seed_tables.scorecard.iloc[0]
    assert section(tables, "trend", row).data == on_disk["trend"][row["indicator_id"]]
    # Tables scored by hand (no stored sections) are drawn there and then, to the same markup.
    assert same_page(section(seed_tables, "trend", ind).data) == same_page(on_disk["trend"][ind])
    with pytest.raises(ValueError, match="unknown section kind 'chart'"):
        section(seed_tables, "chart")
    with pytest.raises(ValueError, match="needs the indicator"):
        section(seed_tables, "trend")
    with pytest.raises(ValueError, match="not in this pack's scorecard"):
        section(seed_tables, "trend", "NOPE01")


def test_a_stored_pack_reads_each_table_only_when_it_is_used(stored, seed_tables):
    tables = PackTables.read(stored)
    assert "scorecard" not in vars(tables) and "history" not in vars(tables)
    assert list(tables.scorecard["indicator_id"]) == list(seed_tables.scorecard["indicator_id"])
    assert "scorecard" in vars(tables) and "history" not in vars(tables)
    with pytest.raises(AttributeError):
        _ = tables.no_such_table


def test_the_report_notebooks_kernel_imports_no_pandas_altair_or_vl_convert(stored):
    """What a report notebook's first cells do, in a fresh interpreter: no heavy import."""
    code = textwrap.dedent(f"""
        import sys
        from kpitools.present import page
        from kpitools.present.sections import section
        from kpitools.pack.load import load_or_build_tables
        tables = load_or_build_tables(tables_dir={str(stored)!r}, indicators=[])
        meta = tables.meta
        page.title_block(meta, "Scorecard"); page.provenance_block(meta)
        for kind in ("summary", "scorecard", "highlights", "improvements", "notes"):
            assert section(tables, kind).data
        for ind in meta["indicators"]:
            assert section(tables, "trend", ind).data
        for ind in meta["benchmarked"]:
            assert section(tables, "comparison", ind).data
        heavy = sorted(m for m in ("pandas", "numpy", "pyarrow", "altair", "vl_convert", "kpitools.present.render",
                                   "kpitools.present.charts") if m in sys.modules)
        print(",".join(heavy) or "none")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "none"


def test_asking_for_fewer_indicators_cuts_tables_counts_and_sections(stored, seed_tables):
    ids = seed_tables.meta["indicators"]
    keep = [ids[-1], ids[0]]
    tables = load_or_build_tables(tables_dir=stored, indicators=keep)
    assert tables.meta["indicators"] == [ids[0], ids[-1]]  # the pack's order, not the order asked
    assert set(tables.scorecard["indicator_id"]) == set(keep)
    assert int(tables.summary.loc[tables.summary["group"] == "status", "count"].sum()) == 2
    assert set(tables.sections) <= set(INDICATOR_KINDS)  # whole-pack sections are drawn again
    assert set(tables.sections["trend"]) == set(keep)
    assert "of the 2 indicators" in tables.meta["summary_sentence"]
    # Asking for every indicator (or more) reads the stored pack as it is, with no table read.
    whole = load_or_build_tables(tables_dir=stored, indicators=ids + ["OTHER"])
    assert whole.sections == json.loads((stored / "sections.json").read_text(encoding="utf-8"))
    assert "scorecard" not in vars(whole)


def test_page_blocks_escape_and_match_render():
    assert render.title_block is page.title_block and render.esc is page.esc
    meta = {"authority_name": "<b>Havering</b>", "period": "2025-26 Q2", "generated_at": "2025-11-03T09:15:00Z"}
    html = page.title_block(meta, "Scorecard").data
    assert "&lt;b&gt;Havering&lt;/b&gt;" in html and "<b>" not in html
    assert page.format_timestamp("2025-11-03T09:15:00Z") == "3 November 2025 at 09:15 UTC"
    assert page.format_timestamp("2025-11-03T10:15:00+01:00") == "3 November 2025 at 09:15 UTC"
    assert page.format_timestamp("not a time") == "not a time"


@pytest.mark.e2e
def test_a_notebook_run_by_hand_shows_what_the_stored_sections_show(tmp_path, kpitools_kernel, stored, seed_tables):
    """The same page whether the sections were rendered by the pack build or drawn in the kernel."""
    pages = {}
    for route, params in {"stored": {"tables_dir": str(stored)}, "by hand": {"data_dir": ""}}.items():
        params = {
            "authority": "Havering",
            "period": seed_tables.meta["period"],
            "comparators": ["Barking and Dagenham"],
            **params,
        }
        out = run_notebook(
            ROOT / "notebooks" / "reports" / "committee_scorecard.ipynb",
            tmp_path / f"{route}.ipynb",
            params,
            kpitools_kernel,
            cwd=ROOT / "notebooks" / "reports",
        )
        html = export_html(out, tmp_path / f"{route}.html").read_text(encoding="utf-8")
        html = re.sub(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[^\"<]*", "ISO", html)
        pages[route] = same_page(html)
    assert pages["stored"] == pages["by hand"]
    # a trend for each indicator with figures to chart (CP_FAMILY_GROUPS has none yet), and the summary
    charted = [i for i, html in render_sections(seed_tables)["trend"].items() if "<svg" in html]
    assert 0 < len(charted) < len(seed_tables.meta["indicators"])
    assert pages["stored"].count("<svg") == len(charted) + 1


def test_a_pack_without_local_figures_draws_its_published_trends_once(monkeypatch):
    """City of London has no local extract: each published trend is on both pages, drawn once."""
    import vl_convert

    ds = load_dataset(None, write_processed=False)
    tables = build_tables(ds, "City of London", "latest")
    assert not tables.meta["has_local_data"] and tables.meta["benchmarked"]
    drawn: list[str] = []
    real = vl_convert.vegalite_to_svg

    def counting(spec, **kwargs):
        drawn.append(json.dumps(spec, sort_keys=True))
        return real(spec, **kwargs)

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", counting)
    render._SVG_DRAWN.clear()
    sections = render_sections(tables)
    benchmarked = len(tables.meta["benchmarked"])
    # per benchmarked indicator its ranked bars and its published trend (shared by the trend section
    # and the comparison's "trend by year"); no rating chart: a benchmark-only pack has no ratings
    assert len(drawn) == len(set(drawn)) == 2 * benchmarked
    ind = tables.meta["benchmarked"][0]
    trend_svg = re.search(r"<svg.*?</svg>", sections["trend"][ind], re.S).group(0)
    by_year_svg = re.findall(r"<svg.*?</svg>", sections["comparison"][ind], re.S)[-1]
    # the same drawing (the text alternatives differ: each says what its page needs)
    assert same_page(trend_svg.split("</desc>")[1]) == same_page(by_year_svg.split("</desc>")[1])


@pytest.mark.e2e
def test_the_workbench_notebook_reads_a_stored_pack(tmp_path, kpitools_kernel, stored, seed_tables):
    """The analysts' workbench uses the tables themselves: a stored pack reads them when asked."""
    pick = seed_tables.meta["indicators"][0]
    params = {"authority": "Havering", "period": seed_tables.meta["period"], "tables_dir": str(stored), "pick": pick}
    out = run_notebook(
        ROOT / "notebooks" / "explore" / "workbench.ipynb",
        tmp_path / "workbench.ipynb",
        params,
        kpitools_kernel,
        cwd=ROOT / "notebooks" / "explore",
    )
    cells = json.loads(out.read_text(encoding="utf-8"))["cells"]
    text = json.dumps(cells)
    for ind in seed_tables.meta["indicators"]:
        assert ind in text
    live = [o for c in cells for o in c.get("outputs", []) if "application/vnd.vega.v5+json" in o.get("data", {})]
    assert len(live) >= 2  # the picked indicator's trend and the explorer, drawn live
