"""WCAG 2.2 AA in a real browser: axe-core on every page of three real packs, the keyboard, print.

The Public Sector Bodies (Websites and Mobile Applications) Accessibility Regulations 2018 ask for
WCAG 2.2 AA. Three packs are built with the command line on the bundled demo data (Havering with a
comparator; Barnet, which has published benchmarks only; Havering's monthly pack for August 2025),
then every HTML page of each is opened offline in Debian's chromium and:

- audited with axe-core (pinned in package-lock.json, installed by ``scripts/install-axe.sh``), with
  every WCAG 2.0/2.1/2.2 A and AA rule and nothing excluded: as loaded, and at 320 CSS pixels wide
  (400% zoom, WCAG 1.4.10) with every ``<details>`` open (the data tables behind the charts);
- checked for the contrast of the charts' text, which axe cannot compute inside an SVG;
- checked to reflow at 320 CSS pixels (only tables and charts may scroll, inside their own box);
- walked with the Tab key: every focusable element is reached, in document order, with a visible
  focus indicator, and Enter and Space open and close each ``<summary>``;
- printed (print media): table rows, headers and cells do not break across pages.

The builds read ``data/raw`` only: its files' SHA-256 checksums are the same before and after.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DEMO_PACKS

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

PACKS = DEMO_PACKS
PAGES = ("index.html", "committee_scorecard.html", "benchmark_comparison.html")
NARROW = {"width": 320, "height": 800}

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def packs(demo_packs):
    """The demo packs (built once for the test process: ``demo_packs`` in conftest), and data/raw's
    checksums before and after building them."""
    return demo_packs


@pytest.fixture(scope="session")
def axe_path() -> Path:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run 'make browser' (scripts/install-axe.sh runs npm ci)")
    return AXE


def pinned_axe_version() -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["node_modules/axe-core"]["version"]


def page_file(packs, pack: str, name: str) -> Path:
    path = packs.folders[pack] / name
    assert path.is_file(), f"{pack}'s pack has no {name}: {sorted(p.name for p in packs.folders[pack].iterdir())}"
    return path


def open_page(page, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_load_state("load")


def open_all_details(page) -> int:
    return page.evaluate(
        "() => { const ds = [...document.querySelectorAll('details')]; "
        "ds.forEach(d => d.open = true); return ds.length; }"
    )


def run_axe(page, axe: Path) -> dict:
    page.add_script_tag(path=str(axe))
    return page.evaluate(
        "opts => axe.run(document, opts).then(r => ({version: axe.version, violations: r.violations}))",
        {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )


def describe(violations: list[dict], where: str) -> str:
    lines = [f"{len(violations)} axe-core rule(s) violated on {where}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} - {len(v['nodes'])} element(s); {v['helpUrl']}")
        for node in v["nodes"][:4]:
            target = " ".join(" >> ".join(t) if isinstance(t, list) else str(t) for t in node["target"])
            lines.append(f"    at {target[-200:]}")
            lines.append(f"       {node['html'][:240]}")
            why = (node.get("failureSummary") or "").replace("\n", " ")
            if why:
                lines.append(f"       {why[:300]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# data/raw is never written
# --------------------------------------------------------------------------------------------


def test_building_the_packs_never_writes_data_raw(packs):
    assert packs.raw_before, "data/raw holds no files to check"
    changed = sorted(
        k for k in packs.raw_before.keys() | packs.raw_after.keys() if packs.raw_before.get(k) != packs.raw_after.get(k)
    )
    assert changed == [], f"data/raw changed while building the packs: {changed}"


def test_every_page_of_every_pack_is_audited(packs):
    for pack, folder in packs.folders.items():
        assert sorted(p.name for p in folder.glob("*.html")) == sorted(PAGES), pack


def test_the_pinned_axe_core_is_the_one_installed(axe_path, offline_page):
    page, _ = offline_page
    page.set_content("<!DOCTYPE html><html lang='en'><head><title>t</title></head><body></body></html>")
    page.add_script_tag(path=str(axe_path))
    assert page.evaluate("axe.version") == pinned_axe_version(), "node_modules is stale: run scripts/install-axe.sh"


# --------------------------------------------------------------------------------------------
# axe-core, WCAG 2.2 A and AA
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["as loaded", "details open, 320px wide"])
@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("pack", PACKS)
def test_axe_finds_no_wcag_violation(packs, axe_path, offline_page, pack, name, state):
    """As loaded (1100px wide), then with every data table shown on a 320px screen (400% zoom), where
    wide tables scroll in their own box. Every element is audited (charts' text included: its
    contrast is reported as "needs review" by axe, and is checked in test_chart_text_contrast)."""
    page, attempts = offline_page
    if state != "as loaded":
        page.set_viewport_size(NARROW)
    open_page(page, page_file(packs, pack, name))
    if state != "as loaded":
        open_all_details(page)
    result = run_axe(page, axe_path)
    where = f"{pack}/{name} ({state}), axe-core {result['version']}"
    assert result["violations"] == [], describe(result["violations"], where)
    assert attempts == []


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("pack", PACKS)
def test_pages_reflow_at_320_css_pixels(packs, offline_page, pack, name):
    """WCAG 1.4.10: nothing but a table or a chart (each in its own scrolling box) is wider than the
    screen at 320 CSS pixels, so text never needs scrolling in two directions."""
    page, _ = offline_page
    page.set_viewport_size(NARROW)
    open_page(page, page_file(packs, pack, name))
    open_all_details(page)
    wide = page.evaluate("""() => {
        const limit = document.documentElement.clientWidth + 1, out = [];
        for (const e of document.querySelectorAll('body *')) {
            // A scrolling box may be wider inside; what is absolutely positioned may escape it.
            const box = e.parentElement && e.parentElement.closest('.kpi-table-wrap, .kpi-chart-wrap');
            if (box && (!['absolute', 'fixed'].includes(getComputedStyle(e).position)
                        || (e.offsetParent && box.contains(e.offsetParent)))) continue;
            const r = e.getBoundingClientRect();
            if (r.width && r.right > limit) out.push(`${e.tagName.toLowerCase()}.${e.getAttribute('class') || ''}`
                + ` (right edge ${Math.round(r.right)}px): ${(e.textContent || '').trim().slice(0, 60)}`);
        }
        return {scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth,
                wide: out.slice(0, 10)};
    }""")
    assert wide["wide"] == [] and wide["scroll"] <= wide["width"], wide


# --------------------------------------------------------------------------------------------
# Keyboard
# --------------------------------------------------------------------------------------------

_TAG_FOCUSABLE = """() => {
    const sel = 'a[href], area[href], button, input, select, textarea, iframe, [tabindex], [contenteditable], '
              + 'details > summary:first-of-type';
    const els = [...document.querySelectorAll(sel)].filter(e =>
        !e.disabled && e.tabIndex >= 0 && e.getAttribute('tabindex') !== '-1' && e.checkVisibility());
    els.forEach((e, i) => e.dataset.kpiTab = String(i));
    return els.map(e => `${e.tagName.toLowerCase()}: ${(e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 60)}`);
}"""

_FOCUSED = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const cs = getComputedStyle(e), r = e.getBoundingClientRect();
    const d = e.tagName === 'SUMMARY' ? e.parentElement : null;
    return {index: e.dataset.kpiTab === undefined ? null : Number(e.dataset.kpiTab),
            what: `${e.tagName.toLowerCase()}: ${(e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 60)}`,
            outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0,
            shadow: cs.boxShadow !== 'none',
            onScreen: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
            summary: !!d, open: d ? d.open : null,
            inDetails: !!e.closest('details') && e.tagName !== 'SUMMARY'};
}"""


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("pack", PACKS)
def test_keyboard_reaches_everything_with_visible_focus_and_opens_summaries(packs, offline_page, pack, name):
    page, _ = offline_page
    open_page(page, page_file(packs, pack, name))
    focusable = page.evaluate(_TAG_FOCUSABLE)
    assert focusable, "nothing on the page takes focus (not even the skip link)"
    reached: list[int] = []
    problems: list[str] = []
    summaries = 0
    for _ in range(len(focusable) + 5):
        page.keyboard.press("Tab")
        f = page.evaluate(_FOCUSED)
        if f is None or f["index"] is None:
            if len(reached) == len(focusable):
                break  # past the last element: focus has left the page
            problems.append(f"Tab went to something not expected to take focus: {f}")
            break
        reached.append(f["index"])
        if not (f["outline"] or f["shadow"]):
            problems.append(f"no visible focus indicator on {f['what']}")
        if not f["onScreen"]:
            problems.append(f"focused but not scrolled into view: {f['what']}")
        if f["summary"]:
            summaries += 1
            assert f["open"] is False, f
            for key in ("Enter", "Space"):
                page.keyboard.press(key)
                opened = page.evaluate(_FOCUSED)
                if not (opened and opened["summary"] and opened["open"]):
                    problems.append(f"{key} did not open the <details> of {f['what']}")
                    continue
                # The table inside is now reachable with Tab, and Shift+Tab comes back.
                page.keyboard.press("Tab")
                inside = page.evaluate(_FOCUSED)
                if not (inside and inside["inDetails"] and (inside["outline"] or inside["shadow"])):
                    problems.append(f"after {key} on {f['what']}, Tab did not reach the table inside: {inside}")
                page.keyboard.press("Shift+Tab")
                page.keyboard.press(key)
                closed = page.evaluate(_FOCUSED)
                if not (closed and closed["summary"] and closed["open"] is False):
                    problems.append(f"{key} again did not close the <details> of {f['what']}: {closed}")
                    break
    assert problems == [], "\n".join(problems[:20])
    assert reached == list(range(len(focusable))), (
        "Tab did not reach every focusable element in document order; never reached: "
        + "; ".join(focusable[i] for i in range(len(focusable)) if i not in reached)[:2000]
    )
    if name != "index.html" and not (pack == "Barnet" and name == "committee_scorecard.html"):
        assert summaries >= 1  # every report page with charts has their data behind a <summary>


def test_the_skip_link_is_first_and_shown_on_focus(packs, offline_page):
    page, _ = offline_page
    open_page(page, page_file(packs, "Havering", "committee_scorecard.html"))
    page.keyboard.press("Tab")
    skip = page.evaluate(
        "() => { const e = document.activeElement, r = e.getBoundingClientRect(); "
        "return {cls: e.className, href: e.getAttribute('href'), left: r.left, width: r.width}; }"
    )
    assert skip["cls"] == "kpi-skip" and skip["href"] == "#content" and skip["left"] >= 0 and skip["width"] > 0
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"


# --------------------------------------------------------------------------------------------
# Contrast of the charts' text (axe-core leaves SVG text as "needs review")
# --------------------------------------------------------------------------------------------

# Every text of every chart: its colour blended over what is drawn beneath it (a bar, else the white
# chart background), its size and weight, and the WCAG 1.4.3 ratio it needs (3:1 when large).
_CHART_TEXT_CONTRAST = r"""
    () => {
      const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
        const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
      const lum = ({r, g, b}) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
      const blend = (fg, a, bg) => ({r: fg.r * a + bg.r * (1 - a), g: fg.g * a + bg.g * (1 - a), b: fg.b * a + bg.b * (1 - a)});
      const opacity = e => { let o = 1; for (let n = e; n && n.nodeType === 1; n = n.parentElement) o *= parseFloat(getComputedStyle(n).opacity); return o; };
      const hex = c => '#' + [c.r, c.g, c.b].map(v => Math.round(v).toString(16).padStart(2, '0')).join('').toUpperCase();
      const white = {r: 255, g: 255, b: 255};
      const out = [];
      for (const t of document.querySelectorAll('svg.kpi-chart text')) {
        const text = t.textContent.trim();
        if (!text) continue;
        t.scrollIntoView({block: 'center', inline: 'center'});
        const box = t.getBoundingClientRect();
        if (!box.width) continue;
        const cs = getComputedStyle(t);
        const fill = parse(cs.fill);
        if (!fill) continue;
        // A halo: the same words in white, outlined in white, under the label drawn over them (so a
        // line the label crosses cannot hide it). The label itself is checked.
        const isWhite = c => c && c.r === 255 && c.g === 255 && c.b === 255;
        const twins = [...t.parentElement.parentElement.querySelectorAll('text')].filter(o => o !== t
          && o.textContent.trim() === text);
        const isHalo = o => { const c = getComputedStyle(o); return isWhite(parse(c.fill)) && isWhite(parse(c.stroke)); };
        if (isHalo(t) && twins.some(o => !isHalo(o))) continue;
        // A label over its halo stands on white, whatever line the halo covers.
        const haloed = twins.some(isHalo);
        let bg = white;
        for (const e of haloed ? [] : document.elementsFromPoint(box.left + box.width / 2, box.top + box.height / 2)) {
          if (e === t || e.tagName === 'text' || e.tagName === 'tspan') continue;
          if (e.tagName === 'svg' || !(e instanceof SVGGeometryElement)) break;
          const f = parse(getComputedStyle(e).fill); const fo = parseFloat(getComputedStyle(e).fillOpacity) * opacity(e);
          if (f && f.a > 0 && fo > 0) { bg = blend(f, fo * f.a, white); break; }
        }
        const fg = blend(fill, parseFloat(cs.fillOpacity) * opacity(t) * fill.a, bg);
        const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
        const ratio = (l1 + 0.05) / (l2 + 0.05);
        const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight) >= 700;
        const large = size >= 24 || (bold && size >= 18.66);
        out.push({text: text.slice(0, 40), fg: hex(fg), bg: hex(bg), ratio: Math.round(ratio * 100) / 100, size, bold,
                  need: large ? 3 : 4.5});
      }
      window.scrollTo(0, 0);
      return out;
    }
"""


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("pack", PACKS)
def test_chart_text_contrast(packs, offline_page, pack, name):
    page, _ = offline_page
    open_page(page, page_file(packs, pack, name))
    texts = page.evaluate(_CHART_TEXT_CONTRAST)
    if pack == "Barnet" and name != "benchmark_comparison.html":
        # a benchmark-only pack's scorecard and index have no chart: no rating chart of zeros
        assert texts == [], texts[:5]
        return
    assert texts, "no chart text found"
    bad = [t for t in texts if t["ratio"] < t["need"]]
    assert bad == [], f"{len(bad)} chart text(s) below WCAG 1.4.3 contrast: {bad[:10]}"


# --------------------------------------------------------------------------------------------
# Print
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("pack", PACKS)
def test_print_keeps_table_rows_whole(packs, offline_page, pack, name):
    page, _ = offline_page
    open_page(page, page_file(packs, pack, name))
    page.emulate_media(media="print")
    found = page.evaluate("""() => {
        const rows = [...document.querySelectorAll('table tr')];
        const cells = [...document.querySelectorAll('table th, table td')];
        const bad = [...rows, ...cells].filter(e => getComputedStyle(e).breakInside !== 'avoid')
                    .map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 40));
        const heads = [...document.querySelectorAll('table thead')]
                    .filter(e => getComputedStyle(e).display !== 'table-header-group').length;
        return {rows: rows.length, bad: bad.slice(0, 10), heads};
    }""")
    assert found["rows"] > 0
    assert found["bad"] == [], found
    assert found["heads"] == 0  # headers repeat on every printed page
    # Back on screen, rows break normally: the rule is for print only.
    page.emulate_media(media="screen")
    assert page.evaluate("getComputedStyle(document.querySelector('table tr')).breakInside") == "auto"
