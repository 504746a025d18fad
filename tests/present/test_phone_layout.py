"""The pack on a phone (390 and 320 CSS pixels wide): the scorecard as one card per indicator, each
figure after its column's heading; charts' text still legible; a visible cue on what scrolls sideways.

One pack is built with the command line on the bundled demo data (Havering with a comparator, as
tests/present/test_accessibility.py builds it) and opened offline in Debian's chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 800}
REPORTS = ("committee_scorecard.html", "benchmark_comparison.html")
MIN_CHART_TEXT_PX = 9

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def pack(demo_packs) -> Path:
    """Havering's demo pack, with its comparator (built once for the test process: conftest)."""
    return demo_packs.folders["Havering"]


def open_at(page, path: Path, viewport: dict) -> None:
    page.set_viewport_size(viewport)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")


_CARDS = """() => {
    const vw = document.documentElement.clientWidth;
    const table = document.querySelector('table.kpi-scorecard');
    const rows = [...table.querySelectorAll('tbody tr')];
    const head = table.querySelector('thead').getBoundingClientRect();
    const out = {page: document.documentElement.scrollWidth, vw, rows: rows.length, head: [head.width, head.height],
                 wrapScrolls: table.parentElement.scrollWidth > table.parentElement.clientWidth + 1,
                 notCards: [], labels: [], unlabelled: 0, cells: 0};
    for (const tr of rows) {
        const th = tr.querySelector('th[scope=row]'), r = tr.getBoundingClientRect(), tds = [...tr.querySelectorAll('td')];
        const name = th.textContent.trim().slice(0, 40);
        if (getComputedStyle(tr).display !== 'block' || r.left < 0 || r.right > vw + 0.5)
            out.notCards.push(`${name}: ${getComputedStyle(tr).display}, ${Math.round(r.left)}..${Math.round(r.right)}`);
        // the card's heading is its indicator, above every figure; each figure on its own line
        const top = th.getBoundingClientRect();
        let last = top.bottom - 0.5;
        for (const td of tds) {
            out.cells++;
            const b = td.getBoundingClientRect();
            if (b.top < last || b.right > vw + 0.5) out.notCards.push(`${name}: ${td.dataset.label} not on its own line`);
            last = b.bottom - 0.5;
            const label = td.getAttribute('data-label');
            if (!label) { out.unlabelled++; continue; }
            const shown = getComputedStyle(td, '::before').content;
            if (shown !== JSON.stringify(label)) out.labels.push(`${name}: ${label} shows ${shown}`);
        }
    }
    return out;
}"""


@pytest.mark.parametrize("viewport", [PHONE, NARROW], ids=["390px", "320px"])
def test_the_scorecard_is_one_card_per_indicator_with_labelled_figures(pack, offline_page, viewport):
    page, attempts = offline_page
    open_at(page, pack / "committee_scorecard.html", viewport)
    found = page.evaluate(_CARDS)
    assert found["rows"] >= 10 and found["cells"] == found["rows"] * 10, found
    assert found["page"] <= found["vw"], f"the page scrolls sideways: {found['page']}px in {found['vw']}px"
    assert not found["wrapScrolls"], "the scorecard still scrolls in its box"
    assert found["notCards"] == [], found["notCards"][:10]
    assert found["unlabelled"] == 0 and found["labels"] == [], found["labels"][:10]
    assert found["head"][0] <= 1 and found["head"][1] <= 1, "the column headings are still shown"
    assert attempts == []


def test_the_scorecard_is_still_a_whole_table_on_a_wide_screen(pack, offline_page):
    page, _ = offline_page
    open_at(page, pack / "committee_scorecard.html", {"width": 1280, "height": 900})
    found = page.evaluate("""() => {
        const t = document.querySelector('table.kpi-scorecard');
        return {table: getComputedStyle(t).display, row: getComputedStyle(t.querySelector('tbody tr')).display,
                before: getComputedStyle(t.querySelector('tbody td'), '::before').content,
                head: t.querySelector('thead').getBoundingClientRect().height};
    }""")
    assert found == {"table": "table", "row": "table-row", "before": "none", "head": pytest.approx(found["head"])}
    assert found["head"] > 20
    # and the whole table fits the page: no column (the benchmarks' year) hidden past the box's edge
    box = page.evaluate("""() => { const w = document.querySelector('table.kpi-scorecard').closest('.kpi-table-wrap');
        return [w.scrollWidth, w.clientWidth]; }""")
    assert box[0] <= box[1], f"the scorecard scrolls at 1280 px: {box[0]} px of content in a {box[1]} px box"


_CHART_TEXT = """() => {
    const out = [];
    for (const svg of document.querySelectorAll('.kpi-chart-wrap svg.kpi-chart')) {
        for (const t of svg.querySelectorAll('text')) {
            if (!t.textContent.trim()) continue;
            const h = t.getBoundingClientRect().height;
            if (h) out.push({text: t.textContent.trim().slice(0, 30), h});
        }
    }
    return out;
}"""


@pytest.mark.parametrize("viewport", [PHONE, NARROW], ids=["390px", "320px"])
@pytest.mark.parametrize("name", REPORTS)
def test_chart_text_stays_legible_on_a_phone(pack, offline_page, name, viewport):
    page, _ = offline_page
    open_at(page, pack / name, viewport)
    texts = page.evaluate(_CHART_TEXT)
    assert len(texts) > 20, "no chart text found"
    small = [t for t in texts if t["h"] < MIN_CHART_TEXT_PX]
    assert small == [], f"{len(small)} of {len(texts)} chart texts under {MIN_CHART_TEXT_PX}px: {small[:8]}"
    # and the page itself does not scroll sideways: the charts scroll in their own box
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


_CUE = """() => {
    const out = [];
    for (const box of document.querySelectorAll('.kpi-table-wrap, .kpi-chart-wrap')) {
        if (!box.checkVisibility() || box.scrollWidth <= box.clientWidth + 1) continue;  // does not scroll
        box.dataset.kpiScrolls = '1';
        const cs = getComputedStyle(box);
        const gradients = (cs.backgroundImage.match(/gradient\\(/g) || []).length;
        out.push({what: box.className + ': ' + (box.getAttribute('aria-label') || box.textContent).trim().slice(0, 40),
                  gradients, attachment: cs.backgroundAttachment});
    }
    return out;
}"""


def _edge_darkness(page, box) -> tuple[float, float]:
    """The mean brightness (0-255) of the 6 pixels at the right edge of ``box`` against the middle:
    the shadow that says there is more to the right."""
    import struct
    import zlib

    png = box.screenshot()
    # decode the PNG (RGBA or RGB, 8 bits, no interlace) without an imaging library
    pos, chunks, width, height, kind = 8, [], 0, 0, 0
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        tag = png[pos + 4 : pos + 8]
        data = png[pos + 8 : pos + 8 + length]
        if tag == b"IHDR":
            width, height, _, kind = struct.unpack(">IIBB", data[:10])
        elif tag == b"IDAT":
            chunks.append(data)
        pos += 12 + length
    bpp = 4 if kind == 6 else 3
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line

    def mean(x0: int, x1: int) -> float:
        vals = [sum(r[x * bpp : x * bpp + 3]) / 3 for r in rows for x in range(x0, x1)]
        return sum(vals) / len(vals)

    return mean(width - 6, width), mean(width // 2 - 3, width // 2 + 3)


@pytest.mark.parametrize("name", REPORTS)
def test_what_scrolls_sideways_shows_a_cue(pack, offline_page, name):
    page, _ = offline_page
    open_at(page, pack / name, PHONE)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    boxes = page.evaluate(_CUE)
    assert any("kpi-table-wrap" in b["what"] for b in boxes), "no table scrolls sideways at 390px"
    bare = [b for b in boxes if b["gradients"] < 2 or "local" not in b["attachment"]]
    assert bare == [], f"boxes that scroll with no cue: {bare[:5]}"
    assert any("kpi-chart-wrap" in b["what"] for b in boxes), "no chart scrolls sideways at 390px"
    # The cue is seen: the right edge of a scrolling box is darker than the white page around it.
    for selector in (".kpi-table-wrap", ".kpi-chart-wrap"):
        box = page.locator(f"{selector}[data-kpi-scrolls]").first
        box.scroll_into_view_if_needed()
        edge, middle = _edge_darkness(page, box)
        assert edge < 235, (
            f"the right edge of a scrolling {selector} is not shaded ({edge:.0f} of 255; middle {middle:.0f})"
        )
