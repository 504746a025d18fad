"""End to end: the real notebooks run by papermill on small data (seed 000), exported by nbconvert."""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "data" / "seed000"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def seed_pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
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
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask: colleagues and a web server may read
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return out / "Havering" / "2017-18_Q1"


def test_pack_folders_and_files_have_the_permissions_the_umask_gives(seed_pack):
    """tempfile makes 0700 folders and 0600 files whatever the umask: a pack nobody else could read."""
    modes = {
        str(p.relative_to(seed_pack.parent)): stat.S_IMODE(p.stat().st_mode)
        for p in [seed_pack.parent, seed_pack, *seed_pack.rglob("*")]
    }
    assert modes["."] == 0o755 and modes["2017-18_Q1"] == 0o755
    files = {name: mode for name, mode in modes.items() if name.startswith("2017-18_Q1/")}
    assert len(files) >= 5 and set(files.values()) == {0o644}, files


def test_pack_has_every_file(seed_pack):
    names = sorted(p.name for p in seed_pack.iterdir())
    assert names == [
        "benchmark_comparison.html",
        "committee_scorecard.html",
        "index.html",
        "manifest.json",
        "scorecard_havering_2017-18_Q1.csv",
        "scorecard_havering_2017-18_Q1.json",
    ]
    manifest = json.loads((seed_pack / "manifest.json").read_text())
    assert manifest["parameters"]["authority"] == "E09000016"  # identifiers stay strings
    assert manifest["parameters"]["period"] == "2017-18 Q1"
    paths = [i["path"] for i in manifest["inputs"]]
    assert any(p.endswith("seed000.csv") for p in paths)
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])


def test_scorecard_html_shows_the_published_ratings_in_words_and_arrows(seed_pack):
    html = (seed_pack / "committee_scorecard.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Performance data is available for 12 of the 16 indicators." in text
    assert re.search(r"3\s*\(25%\)", text) and re.search(r"9\s*\(75%\)", text)
    assert len(re.findall(r">\s*Red\s*<", html)) >= 9 and len(re.findall(r">\s*Green\s*<", html)) >= 3
    assert "\u2193 worse" in text and "\u2191 better" in text and "\u2192 same" in text
    assert "is below target and worse than the previous quarter and the same time last year" in text


def test_html_needs_no_network_and_shows_no_code(seed_pack):
    for page in seed_pack.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=", html, re.I), page.name
        assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", html, re.I), page.name
        assert not re.search(r"@import", html, re.I), page.name
        assert not re.search(r"src=[\"']?(https?:)?//", html, re.I), page.name
        assert "jp-InputArea" not in html and "load_or_build_tables" not in html, page.name
        assert "No description has been provided" not in html
        assert '<html lang="en-GB"' in html or "<html lang='en-GB'" in html


def test_provenance_is_in_the_report(seed_pack):
    html = (seed_pack / "committee_scorecard.html").read_text(encoding="utf-8")
    assert "seed000.csv" in html
    assert re.search(r"[0-9a-f]{64}", html)
    assert "2017-18 Q1" in html


def test_failed_notebook_keeps_the_previous_pack(seed_pack, tmp_path):
    # a second run whose notebook raises: exit non-zero, name the cell, leave the good pack as it was
    before = {p.name: p.read_bytes() for p in seed_pack.iterdir()}
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks" / "reports", notebooks)
    nb = json.loads((notebooks / "committee_scorecard.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[2]["source"] = ["raise RuntimeError('deliberate failure for the test')\n"]
    (notebooks / "committee_scorecard.ipynb").write_text(json.dumps(nb))
    script = (
        "import sys; from pathlib import Path; from kpitools.run.runner import run_pack; "
        "from kpitools.core.errors import KpiError\n"
        "try:\n"
        f"    run_pack('Havering', '2017-18 Q1', data_dir={str(SEED)!r}, outputs={str(seed_pack.parent.parent)!r}, "
        f"notebooks_dir=Path({str(notebooks)!r}))\n"
        "except KpiError as e:\n    print(e, file=sys.stderr); sys.exit(e.exit_code)\n"
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 3, r.stderr[-2000:]
    assert "committee_scorecard" in r.stderr and "deliberate failure" in r.stderr
    assert {p.name: p.read_bytes() for p in seed_pack.iterdir()} == before
    assert not [p for p in seed_pack.parent.iterdir() if p.name.startswith(".") and "tmp" in p.name]
