"""``kpitools report --pdf``: one A4 PDF of the pack, printed by headless Chromium, pages numbered,
no scorecard row cut in two."""

import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import chromium_path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "seed000"
A4 = (595.0, 842.0)  # points

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def pack(tmp_path_factory, kpitools_kernel):
    if chromium_path() is None:
        pytest.skip("chromium not found: run 'make browser'")
    out = tmp_path_factory.mktemp("pdf")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpitools.cli",
            "report",
            "--authority",
            "Havering",
            "--period",
            "2017-18 Q1",
            "--data-dir",
            str(SEED),
            "--out",
            str(out),
            "--pdf",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return out / "Havering" / "2017-18_Q1"


def test_pdf_is_in_the_pack_linked_and_listed(pack):
    pdf = pack / "Havering_2017-18_Q1_pack.pdf"
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    manifest = json.loads((pack / "manifest.json").read_text())
    assert pdf.name in {f["path"] for f in manifest["files"]}
    assert f'href="{pdf.name}"' in (pack / "index.html").read_text(encoding="utf-8")


PDF = "Havering_2017-18_Q1_pack.pdf"
FOOTER = re.compile(r"^(.*?) \u00b7 page (\d+) of (\d+)$", re.M)


@pytest.fixture(scope="module")
def pdf(pack):
    from pypdf import PdfReader

    reader = PdfReader(str(pack / PDF))
    texts = [p.extract_text() for p in reader.pages]
    footers = [FOOTER.search(t) for t in texts]
    assert all(footers), [t[-120:] for t, f in zip(texts, footers) if not f]
    return SimpleNamespace(
        reader=reader,
        texts=texts,
        labels=[f.group(1).strip() for f in footers],
        numbers=[(int(f.group(2)), int(f.group(3))) for f in footers],
    )


def test_pdf_is_tagged_with_an_outline(pdf):
    """Printed once by Chromium, not joined: the structure tree (headings, tables, figures) survives."""
    root = pdf.reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, sorted(root.keys())
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert str(root.get("/Lang", "")).lower().startswith("en")
    kinds = [k for _, k, _ in structure(pdf.reader)]
    for kind in ("/H1", "/H2", "/Table", "/TH", "/TD", "/Figure", "/Caption"):
        assert kind in kinds, kind
    assert kinds.count("/H1") >= 4  # the index, each report and the appendix
    assert "/Outlines" in root  # bookmarks from the headings
    assert pdf.reader.metadata.title


def test_pdf_pages_are_a4_and_numbered_through_the_whole_pack(pdf):
    for page in pdf.reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2
    n = len(pdf.reader.pages)
    assert pdf.numbers == [(i, n) for i in range(1, n + 1)]  # "page N of M": one M, no restart
    assert 8 <= n <= 150
    # Each footer names its part; the parts in the pack's order, each once, the appendix last.
    parts = [label for i, label in enumerate(pdf.labels) if i == 0 or label != pdf.labels[i - 1]]
    assert len(parts) == len(set(parts)) == 4, parts
    assert parts[0] == "Contents" and "scorecard" in parts[1].lower() and "comparison" in parts[2].lower()
    assert parts[3].startswith("Appendix")


def test_the_checksums_are_in_an_appendix_after_the_content(pack, pdf):
    flat = [re.sub(r"\s+", "", t) for t in pdf.texts]
    manifest = json.loads((pack / "manifest.json").read_text())
    checksums = [i["sha256"] for i in manifest["inputs"]] + [nb["notebook_sha256"] for nb in manifest["notebooks"]]
    where = {c: [i for i, t in enumerate(flat) if c in t] for c in checksums}
    assert all(where.values()), [c for c, pages in where.items() if not pages]
    appendix = [i for i, label in enumerate(pdf.labels) if label.startswith("Appendix")]
    assert appendix and appendix == list(range(appendix[0], len(flat)))  # the last pages
    assert {i for pages in where.values() for i in pages} <= set(appendix)
    assert len(appendix) <= 6
    # The content comes first: the pack's title, then its reports, no checksum before the appendix.
    assert "Havering" in pdf.texts[0] and "SHA-256" not in "".join(pdf.texts[: appendix[0]])


def test_no_scorecard_row_is_cut(pack, pdf):
    """The scorecard table: each indicator's title and its target are on the same page."""
    card = pd.read_csv(next(pack.glob("scorecard_*.csv")))
    scorecard_pages = [t for t, label in zip(pdf.texts, pdf.labels) if "scorecard" in label.lower()]
    flat = [re.sub(r"\s+", " ", t) for t in scorecard_pages]
    checked = 0
    for _, row in card.iterrows():
        start = re.sub(r"\s+", " ", str(row["title"]))[:28]
        pages = [i for i, t in enumerate(flat) if start in t]
        if not pages or pd.isna(row["target_text"]):
            continue
        assert str(row["target_text"]) in flat[pages[0]], (row["indicator_id"], pages[0])
        checked += 1
    assert checked >= 8


def structure(reader) -> list[tuple[int, str, int | None]]:
    """The PDF's structure tree in reading order: ``(depth, type, page of its content or None)``."""
    pages = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    out: list[tuple[int, str, int | None]] = []

    def walk(node, depth: int, page: int | None) -> None:
        node = node.get_object()
        if not isinstance(node, dict) or "/S" not in node:
            return
        pg = node.get("/Pg")
        page = pages.get(pg.idnum, page) if pg is not None else page
        out.append((depth, str(node["/S"]), page if pg is not None else None))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid, depth + 1, page)

    walk(pdf_root_struct(reader), 0, None)
    return out


def pdf_root_struct(reader):
    return reader.trailer["/Root"]["/StructTreeRoot"].get_object()["/K"]


def test_no_heading_is_left_at_the_foot_of_a_page(pdf):
    """Each heading's text is on the page where what follows it starts (from the structure tree)."""
    tree = structure(pdf.reader)
    alone = []
    for i, (depth, kind, _) in enumerate(tree):
        if kind not in ("/H2", "/H3", "/H4", "/Caption"):
            continue
        k = next((j for j in range(i + 1, len(tree)) if tree[j][0] <= depth), len(tree))  # end of its subtree
        page = next((p for _, _, p in tree[i:k] if p is not None), None)
        after = next((p for _, _, p in tree[k:] if p is not None), None)
        if kind == "/Caption" and (k == len(tree) or tree[k][1] not in ("/TR", "/THead", "/TBody")):
            continue  # a figure's caption follows its figure; a table's caption comes before its rows
        if page is not None and after is not None and after != page:
            alone.append((kind, page + 1))
    assert alone == [], f"headings alone at the foot of a page (kind, page): {alone}"


def test_pdf_without_chromium_is_a_clear_error(tmp_path, kpitools_kernel):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpitools.cli",
            "report",
            "--authority",
            "Havering",
            "--period",
            "2017-18 Q1",
            "--data-dir",
            str(SEED),
            "--out",
            str(tmp_path),
            "--pdf",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**__import__("os").environ, "KPITOOLS_CHROMIUM": str(tmp_path / "no-chromium")},
    )
    assert r.returncode == 3
    assert "KPITOOLS_CHROMIUM names" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "Havering" / "2017-18_Q1").exists()  # nothing published half-way
