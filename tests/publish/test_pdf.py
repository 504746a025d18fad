"""``kpitools report --pdf``: one A4 PDF of the pack, printed by headless Chromium, pages numbered,
no scorecard row cut in two."""

import json
import re
import subprocess
import sys
from pathlib import Path

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


def test_pdf_pages_are_a4_numbered_and_no_scorecard_row_is_cut(pack):
    from pypdf import PdfReader

    reader = PdfReader(str(pack / "Havering_2017-18_Q1_pack.pdf"))
    texts = [p.extract_text() for p in reader.pages]
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2
    footers = [re.search(r"(Contents|scorecard|comparison)[^\n]*?page (\d+) of (\d+)", t, re.I) for t in texts]
    assert all(footers), [t[-120:] for t, f in zip(texts, footers) if not f]
    # Each part numbers its pages 1..n.
    parts: dict[str, list[tuple[int, int]]] = {}
    for f in footers:
        parts.setdefault(f.group(1).lower(), []).append((int(f.group(2)), int(f.group(3))))
    for label, numbers in parts.items():
        n = numbers[0][1]
        assert numbers == [(i, n) for i in range(1, n + 1)], label
    assert len(reader.pages) >= 4 and {"contents", "scorecard", "comparison"} <= set(parts)
    # The scorecard table: each indicator's title and its target are on the same page.
    card = pd.read_csv(next(pack.glob("scorecard_*.csv")))
    scorecard_pages = [t for t, f in zip(texts, footers) if f.group(1).lower() == "scorecard"]
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
