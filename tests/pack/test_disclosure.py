"""Disclosure control: a published pack shows no count of 1 to 5, nor a figure derived from one.

The seed 000 data is changed so that new foster carers are 4 this quarter, 3 last quarter and 2 a
year ago, and repeat child protection plans are 2 of 9 (22.2%). The same data is built as a draft
(every figure shown: the test can fail) and with --publish.
"""

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpitools.pack.disclosure import small, withhold_small_numbers
from kpitools.pack.tables import PackTables

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "seed000"
SMALL_COUNT = "S000_FOSTER_CARERS_NEW"
SMALL_DERIVED = "S000_CP_REPEAT"


class _Text(HTMLParser):
    """Every piece of text a person or a screen reader meets: text nodes (SVG <text> too) and the
    aria-label, title and alt attributes."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, _tag, attrs):
        self.parts += [v for k, v in attrs if k in ("aria-label", "title", "alt") and v]

    def handle_data(self, data):
        if data.strip():
            self.parts.append(data.strip())


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "\n".join(parser.parts)


@pytest.fixture(scope="module")
def packs(tmp_path_factory, kpitools_kernel):
    base = tmp_path_factory.mktemp("disclosure")
    data = base / "data"
    shutil.copytree(SEED, data)
    extract = data / "local" / "havering" / "seed000.csv"
    text = extract.read_text(encoding="utf-8")
    for period, value in (("2017-18 Q1", "4"), ("2016-17 Q4", "3"), ("2016-17 Q1", "2")):
        text = re.sub(rf"Havering,{SMALL_COUNT},{period},[^,]*,", f"Havering,{SMALL_COUNT},{period},{value},", text)
    text = re.sub(
        rf"Havering,{SMALL_DERIVED},2017-18 Q1,[^,]*,,", f"Havering,{SMALL_DERIVED},2017-18 Q1,22.2%,2,9", text
    )
    extract.write_text(text, encoding="utf-8")
    out = {}
    for mode in ("--draft", "--publish"):
        dest = base / mode.strip("-")
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
                str(data),
                "--out",
                str(dest),
                mode,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert r.returncode == 0, r.stderr[-3000:]
        out[mode.strip("-")] = dest / "Havering" / "2017-18_Q1"
    return out


@pytest.mark.e2e
def test_draft_shows_the_small_numbers_so_the_search_can_find_them(packs):
    card = pd.read_csv(next(packs["draft"].glob("scorecard_*.csv")))
    row = card.set_index("indicator_id").loc[SMALL_COUNT]
    assert (row["value"], row["previous_value"], row["last_year_value"]) == (4, 3, 2)
    assert "22.2" in page_text(packs["draft"] / "committee_scorecard.html")


@pytest.mark.e2e
def test_published_pack_has_no_small_count_anywhere(packs):
    pack = packs["publish"]
    # CSV and JSON: the rows are withheld, not rated.
    card = pd.read_csv(next(pack.glob("scorecard_*.csv"))).set_index("indicator_id")
    counts = card[card["unit"] == "count"]
    for col in ("value", "previous_value", "last_year_value", "numerator", "denominator"):
        assert not small(counts[col]).any(), col
    assert not small(card["numerator"]).any() and not small(card["denominator"]).any()
    draft = pd.read_csv(next(packs["draft"].glob("scorecard_*.csv"))).set_index("indicator_id")
    for ind in (SMALL_COUNT, SMALL_DERIVED):
        # the figure is withheld, never the rating
        assert pd.isna(card.loc[ind, "value"]) and card.loc[ind, "value_text"] == "withheld"
        assert card.loc[ind, "status"] == draft.loc[ind, "status"] == "rated"
        assert card.loc[ind, "rag"] == draft.loc[ind, "rag"]
    data = json.loads(next(pack.glob("scorecard_*.json")).read_text(encoding="utf-8"))
    rows = {r["indicator_id"]: r for r in data["scorecard"]}
    assert rows[SMALL_COUNT]["value"] is None and rows[SMALL_COUNT]["previous_value"] is None
    assert rows[SMALL_DERIVED]["numerator"] is None and rows[SMALL_DERIVED]["denominator"] is None
    # Every file of the pack: the derived percentage appears nowhere, as text or as data.
    for path in pack.iterdir():
        text = page_text(path) if path.suffix == ".html" else path.read_text(encoding="utf-8")
        assert "22.2" not in text, path.name
    # The pages: the foster carers' figures (4, 3, 2) are not in its scorecard row, sentence, chart or table.
    draft_pages = {p.name: page_text(p) for p in packs["draft"].glob("*.html")}
    for page in pack.glob("*.html"):
        text = page_text(page)
        title = card.loc[SMALL_COUNT, "title"]
        for i in [m.start() for m in re.finditer(re.escape(title), text)]:
            chunk = text[i : i + 900]
            next_title = [
                chunk.find(t, len(title)) for t in card["title"] if t != title and chunk.find(t, len(title)) > 0
            ]
            chunk = chunk[: min(next_title)] if next_title else chunk
            numbers = set(re.findall(r"(?<![\w.\-])(\d+(?:\.\d+)?)(?![\w.%\-])", chunk))
            assert not numbers & {"2", "3", "4"}, (page.name, chunk)
        assert "1,330" in text or page.name != "committee_scorecard.html"  # a large count is still shown
        assert text.count("withheld") >= (1 if page.name == "committee_scorecard.html" else 0)
    assert any(re.search(r"(?<![\w.])4(?![\w.%])", t) for t in draft_pages.values())


def test_withholding_does_not_touch_zero_or_large_counts_and_leaves_its_input_alone():
    card = pd.DataFrame(
        {
            "indicator_id": ["A", "B", "C", "D"],
            "unit": ["count", "count", "percent", "percent"],
            "value": [0.0, 1330.0, 50.0, 22.2],
            "numerator": [np.nan, np.nan, 40, 2],
            "denominator": [np.nan, np.nan, 80, 9],
            "status": ["rated"] * 4,
            "rag": ["Green"] * 4,
        }
    )
    tables = PackTables(
        meta={},
        scorecard=card,
        summary=pd.DataFrame(),
        history=pd.DataFrame(),
        benchmarks=pd.DataFrame(),
        comparison=pd.DataFrame(),
    )
    before = card.copy()
    out = withhold_small_numbers(tables).scorecard
    pd.testing.assert_frame_equal(card, before)
    assert out["value"].tolist()[:3] == [0.0, 1330.0, 50.0] and np.isnan(out["value"].iloc[3])
    assert out["status"].tolist() == ["rated"] * 4 and out["rag"].tolist() == ["Green"] * 4  # ratings kept
