"""Commentary, titles and names are data: hostile text is shown as text, never run, in a real browser.

A copy of tests/data/seed000 gets hostile text in a commentary, an indicator title (framework/
indicators.csv) and the committee name (settings.yaml): a script element, an image whose onerror
runs script, and a Markdown link to a ``javascript:`` URL. The pack is built with the command line
and every page opened in chromium with JavaScript on, offline: nothing may run, the text must be
visible as written, and no script, event handler or ``javascript:`` link may reach the DOM.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook, new_output

from kpitools.present import render
from kpitools.present.index_page import index_page
from kpitools.publish.export import export_html

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "seed000"

SCRIPT = "<script>window.__pwned = 1</script>"
IMG = '<img src=x onerror="window.__pwned = 2">'
LINK = "[click me](javascript:window.__pwned=3)"
HOSTILE = (SCRIPT, IMG, LINK)
HOSTILE_TEXT = f"{SCRIPT} {IMG} {LINK}"

COMMENTED = "S000_EY_GOOD_OUTSTANDING"  # Green: its highlight is shown
RETITLED = "S000_CARE_LEAVERS_EET"  # Red: title in the scorecard, improvements, trends and notes

# Where each page shows each piece of data.
SHOWN = {
    "index.html": ("committee",),
    "committee_scorecard.html": ("committee", "title", "commentary"),
    "benchmark_comparison.html": ("committee", "title"),
}

_DOM_CHECK = """() => {
    const onAttrs = [], jsUrls = [];
    for (const e of document.querySelectorAll('*')) {
        for (const a of e.attributes) {
            if (a.name.toLowerCase().startsWith('on')) onAttrs.push(`${e.tagName} ${a.name}`);
            if (/^\\s*javascript:/i.test(a.value)) jsUrls.push(`${e.tagName} ${a.name}=${a.value}`);
        }
    }
    return {scripts: document.querySelectorAll('script').length,
            imgOnerror: document.querySelectorAll('img[onerror]').length,
            jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
            onAttrs, jsUrls, pwned: typeof window.__pwned};
}"""


def _rewrite_csv(path: Path, change) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    hit = 0
    for row in rows:
        hit += bool(change(row))
    assert hit, f"nothing to change in {path}"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)


def hostile_data(folder: Path) -> Path:
    data = folder / "data"
    shutil.copytree(SEED, data)

    def commentary(row):
        if row["indicator_id"] == COMMENTED and row["kind"] == "highlight":
            row["text"] = f"Inspections went well. {HOSTILE_TEXT} More to follow."
            return True

    def title(row):
        if row["indicator_id"] == RETITLED:
            row["title"] = f"Care leavers {HOSTILE_TEXT}"
            return True

    _rewrite_csv(data / "commentary" / "seed000_commentary.csv", commentary)
    _rewrite_csv(data / "framework" / "indicators.csv", title)
    settings = yaml.safe_load((data / "settings.yaml").read_text(encoding="utf-8"))
    settings["committee"] = f"Scrutiny {HOSTILE_TEXT}"
    (data / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    # The CSVs are still valid and hold the text exactly.
    with (data / "framework" / "indicators.csv").open(newline="", encoding="utf-8") as f:
        assert any(r["title"] == f"Care leavers {HOSTILE_TEXT}" for r in csv.DictReader(f))
    return data


@pytest.fixture(scope="module")
def hostile_pack(tmp_path_factory, kpitools_kernel) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    data = hostile_data(tmp)
    out = tmp / "out"
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
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    pack = out / "Havering" / "2017-18_Q1"
    assert sorted(p.name for p in pack.glob("*.html")) == sorted(SHOWN)
    return pack


def assert_inert(page, where: str) -> dict:
    found = page.evaluate(_DOM_CHECK)
    assert found["pwned"] == "undefined", f"script ran on {where}: window.__pwned is set"
    assert found["scripts"] == 0 and found["imgOnerror"] == 0 and found["jsLinks"] == 0, (where, found)
    assert found["onAttrs"] == [] and found["jsUrls"] == [], (where, found)
    return found


def click_me_links_do_nothing(page, where: str) -> None:
    links = page.locator("a").filter(has_text=re.compile(r"^\s*click me\s*$"))  # what the Markdown would make
    for i in range(links.count()):
        links.nth(i).click()
        page.wait_for_timeout(100)
        assert page.evaluate("typeof window.__pwned") == "undefined", f"clicking 'click me' ran script on {where}"


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize("name", sorted(SHOWN))
def test_hostile_text_is_shown_as_text_and_never_runs(hostile_pack, offline_page, name):
    page, attempts = offline_page
    assert page.context.browser.browser_type.name == "chromium"
    page.goto((hostile_pack / name).as_uri())
    page.wait_for_load_state("load")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.wait_for_timeout(200)  # an onerror would fire by now
    assert_inert(page, name)
    text = page.inner_text("body")
    for source in SHOWN[name]:
        for bad in HOSTILE:
            assert bad in text, f"{name}: the {source}'s {bad!r} is not shown as text"
    click_me_links_do_nothing(page, name)
    # The page title is plain text too (here it names no hostile data: see the next test for that).
    title = re.search(r"<title>(.*?)</title>", (hostile_pack / name).read_text(encoding="utf-8"), re.S).group(1)
    assert page.title() == html.unescape(title) and "&" not in page.title() and "<" not in page.title()
    assert attempts == []  # the would-be image at src=x never became a request


@pytest.mark.browser
def test_hostile_titles_and_names_in_exported_pages(tmp_path, offline_page):
    """``<title>``, ``<h1>`` and committee escaped by the template, title_block and the index page."""
    page, attempts = offline_page
    meta = {
        "authority_name": f"Havering {SCRIPT}",
        "authority_code": "E09000016",
        "period": "2017-18 Q1",
        "committee": f"Scrutiny {HOSTILE_TEXT}",
        "illustrative": True,
        "illustrative_note": HOSTILE_TEXT,
        "summary_sentence": HOSTILE_TEXT,
        "inputs": [{"path": f"data/{IMG}.csv", "sha256": "a" * 64}],
        "git_revision": "abc",
    }
    fragment = render.title_block(meta, f"Scorecard {IMG}")
    data, md = fragment._repr_mimebundle_()
    nb = new_notebook(cells=[new_code_cell("x", outputs=[new_output("display_data", data=data, metadata=md)])])
    exported = export_html(nb, tmp_path / "page.html")
    index = tmp_path / "index.html"
    index.write_text(
        index_page(
            f"Pack {HOSTILE_TEXT}",
            meta,
            None,
            [("page.html", f"Page {IMG}")],
            [("x.csv", f"x {LINK}")],
            [{"notebook": IMG, "html": "page.html", "notebook_sha256": "b" * 64}],
        ),
        encoding="utf-8",
    )
    expected = {
        exported: (f"Havering {SCRIPT}: Scorecard {IMG}, 2017-18 Q1", f"Havering {SCRIPT}: Scorecard {IMG}"),
        index: (f"Pack {HOSTILE_TEXT}", f"Pack {HOSTILE_TEXT}"),
    }
    for path, (title, h1) in expected.items():
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)
        assert_inert(page, path.name)
        assert page.title() == title
        assert page.inner_text("h1") == h1
        assert page.inner_text(".kpi-committee") == f"Scrutiny {HOSTILE_TEXT}"
        click_me_links_do_nothing(page, path.name)
    text = page.inner_text("body")  # the index page: links, banner, summary and provenance too
    for shown in (f"Page {IMG}", f"x {LINK}", HOSTILE_TEXT, f"data/{IMG}.csv"):
        assert shown in text
    assert attempts == []


@pytest.mark.browser
def test_the_checks_would_catch_unescaped_markup(offline_page):
    """The detector works: the same strings as markup do run in this browser, offline."""
    page, _ = offline_page
    for markup, value in ((SCRIPT, 1), (IMG, 2)):
        page.set_content(
            f"<!DOCTYPE html><html lang='en'><head><title>t</title></head><body><p>{markup}</p></body></html>"
        )
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned") == value
    page.set_content("<!DOCTYPE html><html><body><a href='javascript:window.__pwned=3'>click me</a></body></html>")
    page.locator("a", has_text="click me").click()
    page.wait_for_timeout(100)
    assert page.evaluate("window.__pwned") == 3
