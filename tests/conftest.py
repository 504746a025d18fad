"""Shared fixtures: small hand-made PackTables frames, a headless offline chromium, a kernel check."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------------------------
# Tests write only to temporary folders: the project's data/processed and outputs are left alone
# (subprocesses and notebook kernels inherit these), and a run that writes there anyway fails.
# --------------------------------------------------------------------------------------------

_SCRATCH = Path(tempfile.mkdtemp(prefix="kpitools-tests-"))
os.environ["KPITOOLS_PROCESSED"] = str(_SCRATCH / "processed")
os.environ["KPITOOLS_OUTPUTS"] = str(_SCRATCH / "outputs")
_PROJECT_OUTPUTS = (ROOT / "data" / "processed", ROOT / "outputs")


def _listing() -> dict[str, float]:
    return {
        str(p.relative_to(ROOT)): p.stat().st_mtime
        for folder in _PROJECT_OUTPUTS
        for p in folder.rglob("*")
        if p.is_file()
    }


def pytest_configure(config):
    config._kpitools_listing = _listing()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SCRATCH, ignore_errors=True)
    before = getattr(session.config, "_kpitools_listing", None)
    if before is None or hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller checks once for all
    written = sorted(p for p, mtime in _listing().items() if before.get(p) != mtime)
    if written:
        session.config.get_terminal_writer().line(
            f"tests wrote to the project's own folders (use tmp_path): {', '.join(written[:10])}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --------------------------------------------------------------------------------------------
# Small PackTables-shaped frames (columns as in docs/DESIGN.md), hand-made for the report tests
# --------------------------------------------------------------------------------------------

PERIODS = ["2024-25 Q1", "2024-25 Q2", "2024-25 Q3", "2024-25 Q4", "2025-26 Q1", "2025-26 Q2"]
PERIOD_ENDS = pd.to_datetime(["2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30"])


def walk(obj):
    """Every dict in a Vega-Lite spec, at any depth (the tests look for marks, encodings, params)."""
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v)


def sample_meta(**overrides) -> dict:
    meta = {
        "authority_code": "E09000016",
        "authority_name": "Havering",
        "period": "2025-26 Q2",
        "period_label": "July to September 2025",
        "committee": "Children and Learning Overview and Scrutiny Sub-Committee",
        "illustrative": True,
        "illustrative_note": "These figures are made up for a demonstration; they are not the council's data.",
        "generated_at": "2025-11-03T09:15:00+00:00",
        "kpitools_version": "0.1.0",
        "rag_scheme": "tolerance",
        "comparators": ["Barking and Dagenham"],
        "inputs": [
            {"path": "data/raw/local/Havering/extract.csv", "sha256": "a" * 64},
            {"path": "data/raw/framework/indicators.csv", "sha256": "b" * 64},
        ],
        "summary_sentence": "Performance data is available for 3 of the 4 indicators.",
    }
    meta.update(overrides)
    return meta


def sample_scorecard() -> pd.DataFrame:
    base = {
        "period": "2025-26 Q2",
        "frequency": "quarterly",
        "measure": "snapshot",
        "lower": float("nan"),
        "upper": float("nan"),
        "benchmark_year": 2025,
        "published_value": float("nan"),
        "sn_count": 10,
        "comparator_mean": float("nan"),
        "national_count": 153,
        "small_number": False,
        "highlight": "",
        "improvement": "",
        "action": "",
        "source": "Local case management system",
    }
    rows = [
        dict(
            base,
            indicator_id="CS01",
            title="Re-referrals to children's social care within 12 months",
            polarity="lower",
            polarity_text="Smaller is better",
            unit="percent",
            decimals=1,
            value=21.3,
            value_text="21.3%",
            target=20.0,
            target_text="20.0%",
            status="rated",
            status_reason="",
            rag="Red",
            dot_short="worse",
            dot_long="better",
            previous_value=19.8,
            last_year_value=23.0,
            london=20.1,
            england=22.6,
            sn_mean=21.9,
            national_rank=70,
            quartile="B",
            sentence="is above target and worse than the previous quarter but better than the same time last year.",
            improvement="Re-referrals rose after a change to the front door.",
            action="Audit of closed cases <script>alert('x')</script> by the head of service.",
            definition="Referrals within 12 months of a previous referral, as a percentage of all referrals.",
        ),
        dict(
            base,
            indicator_id="CS02",
            title="Children on a child protection plan for a second or subsequent time",
            polarity="band",
            polarity_text="Within a band",
            unit="percent",
            decimals=1,
            value=15.2,
            value_text="15.2%",
            target=float("nan"),
            lower=12.0,
            upper=18.0,
            target_text="12.0% to 18.0%",
            status="rated",
            status_reason="",
            rag="Green",
            dot_short="same",
            dot_long="",
            previous_value=15.2,
            last_year_value=float("nan"),
            london=17.0,
            england=23.8,
            sn_mean=20.4,
            national_rank=12,
            quartile="A",
            sentence="is within the target band and the same as the previous quarter.",
            highlight="Plans are reviewed <img src=x onerror=alert(1)> at every conference.",
            definition="Children who became the subject of a plan for a second or subsequent time.",
        ),
        dict(
            base,
            indicator_id="CS03",
            title="Care leavers aged 19 to 21 in education, employment or training",
            polarity="higher",
            polarity_text="Bigger is better",
            unit="percent",
            decimals=0,
            value=58.0,
            value_text="58%",
            target=60.0,
            target_text="60%",
            status="rated",
            status_reason="",
            rag="Amber",
            dot_short="better",
            dot_long="worse",
            previous_value=55.0,
            last_year_value=61.0,
            london=62.0,
            england=56.0,
            sn_mean=57.0,
            national_rank=60,
            quartile="B",
            sentence="is below target but within the tolerance, and better than the previous quarter.",
            definition="Care leavers aged 19 to 21 in education, employment or training.",
        ),
        dict(
            base,
            indicator_id="CS04",
            title="Average days from entering care to moving in with an adoptive family",
            polarity="lower",
            polarity_text="Smaller is better",
            unit="days",
            decimals=0,
            value=float("nan"),
            value_text="",
            target=426.0,
            target_text="426",
            status="not due",
            status_reason="Reported in Q2 and Q4 only",
            rag="",
            dot_short="",
            dot_long="",
            previous_value=float("nan"),
            last_year_value=float("nan"),
            london=float("nan"),
            england=float("nan"),
            sn_mean=float("nan"),
            sn_count=0,
            national_rank=float("nan"),
            quartile="",
            sentence="is not due this period.",
            definition="Adoption scorecard A1, three-year average.",
        ),
    ]
    return pd.DataFrame(rows)


def sample_history() -> pd.DataFrame:
    rows = []
    vals = {
        "CS01": [23.0, 22.1, 20.5, 19.0, 19.8, 21.3],
        "CS02": [14.0, 16.1, 19.0, 13.2, 15.2, 15.2],
        "CS03": [61.0, 59.0, 57.0, 56.0, 55.0, 58.0],
    }
    targets = {"CS01": [21.0] * 4 + [20.0] * 2, "CS02": [float("nan")] * 6, "CS03": [62.0] * 4 + [60.0] * 2}
    rags = {
        "CS01": ["Red", "Red", "Green", "Green", "Green", "Red"],
        "CS02": ["Green", "Green", "Red", "Green", "Green", "Green"],
        "CS03": ["Amber", "Amber", "Red", "Red", "Red", "Amber"],
    }
    for ind, vs in vals.items():
        for p, e, v, t, r in zip(PERIODS, PERIOD_ENDS, vs, targets[ind], rags[ind]):
            rows.append(
                {
                    "indicator_id": ind,
                    "period": p,
                    "period_end": e,
                    "value": v,
                    "target": t,
                    "lower": 12.0 if ind == "CS02" else float("nan"),
                    "upper": 18.0 if ind == "CS02" else float("nan"),
                    "rag": r,
                    "status": "rated",
                }
            )
    return pd.DataFrame(rows)


def sample_benchmarks() -> pd.DataFrame:
    rows = []
    series = {
        "CS01": {
            "Havering": [22.0, 21.5, 22.4],
            "London": [19.5, 20.0, 20.1],
            "England": [21.5, 22.4, 22.6],
            "Statistical neighbours": [21.0, 21.8, 21.9],
        },
        "CS02": {
            "Havering": [16.0, 14.5, 15.0],
            "London": [16.5, 16.8, 17.0],
            "England": [22.1, 23.3, 23.8],
            "Statistical neighbours": [19.9, 20.1, 20.4],
            "Comparators": [18.0, 18.5, 19.0],
        },
        "CS03": {
            "Havering": [60.0, 61.0, 58.0],
            "London": [60.0, 61.0, 62.0],
            "England": [55.0, 56.0, 56.0],
            "Statistical neighbours": [56.0, 57.0, 57.0],
        },
    }
    for ind, ss in series.items():
        for s, vs in ss.items():
            for year, v in zip([2023, 2024, 2025], vs):
                rows.append(
                    {
                        "indicator_id": ind,
                        "benchmark_year": year,
                        "year_end": pd.Timestamp(f"{year}-03-31"),
                        "series": s,
                        "value": v,
                    }
                )
    return pd.DataFrame(rows)


def sample_comparison() -> pd.DataFrame:
    las = [
        ("E09000016", "Havering", "selected", 21.3, 70),
        ("E09000002", "Barking and Dagenham", "comparator", 24.0, 110),
        ("E06000034", "Thurrock", "statistical neighbour", 19.0, 40),
        ("E09000004", "Bexley", "statistical neighbour", 18.2, 30),
        ("E10000012", "Essex <b>bold</b>", "statistical neighbour", float("nan"), float("nan")),
        ("E09000006", "Bromley", "statistical neighbour", 25.5, 130),
        ("E12000007", "London", "London", 20.1, float("nan")),
        ("E92000001", "England", "England", 22.6, float("nan")),
    ]
    return pd.DataFrame(
        [
            {
                "indicator_id": "CS01",
                "benchmark_year": 2025,
                "la_code": c,
                "la_name": n,
                "value": v,
                "role": r,
                "rank": k,
            }
            for c, n, r, v, k in las
        ]
    )


def sample_summary() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"group": "rag", "category": "Green", "count": 1, "percent": 34},
            {"group": "rag", "category": "Amber", "count": 1, "percent": 33},
            {"group": "rag", "category": "Red", "count": 1, "percent": 33},
            {"group": "status", "category": "rated", "count": 3, "percent": 75},
            {"group": "status", "category": "not due", "count": 1, "percent": 25},
        ]
    )


def sample_tables() -> SimpleNamespace:
    """A stand-in for ``kpitools.pack.tables.PackTables`` with the same attributes."""
    return SimpleNamespace(
        meta=sample_meta(),
        scorecard=sample_scorecard(),
        summary=sample_summary(),
        history=sample_history(),
        benchmarks=sample_benchmarks(),
        comparison=sample_comparison(),
    )


@pytest.fixture
def tables() -> SimpleNamespace:
    return sample_tables()


# --------------------------------------------------------------------------------------------
# Kernel and browser
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kpitools_kernel() -> str:
    """The name of the Jupyter kernel the report notebooks run in; skips when it is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager

    if "kpitools" not in KernelSpecManager().find_kernel_specs():
        pytest.skip(
            "the 'kpitools' Jupyter kernel is not installed: run "
            "'python -m ipykernel install --sys-prefix --name kpitools' (make venv does)"
        )
    root = str(Path(__file__).resolve().parents[1])
    if root not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        # The kernel inherits the environment: make an uninstalled checkout importable there too.
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in [root, os.environ.get("PYTHONPATH", "")] if p)
    return "kpitools"


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's chromium, or the binary named by ``KPITOOLS_CHROMIUM``."""
    path = os.environ.get("KPITOOLS_CHROMIUM") or "/usr/bin/chromium"
    if os.path.exists(path):
        return path
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_browser():
    """A headless chromium driven by the Python playwright package (no browser download)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    path = chromium_path()
    if path is None:
        pytest.skip("chromium not found: run 'make browser' or set KPITOOLS_CHROMIUM")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def offline_page(chromium_browser):
    """A page in an offline context that aborts and counts every request not for a file: URL.

    Yields ``(page, attempts)``: ``attempts`` lists the URLs of the network requests that were tried.
    """
    context = chromium_browser.new_context(viewport={"width": 1100, "height": 900}, offline=True)
    context.set_offline(True)
    attempts: list[str] = []

    def route(route, request):
        if request.url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            attempts.append(request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    try:
        yield page, attempts
    finally:
        context.close()


# --------------------------------------------------------------------------------------------
# The demo packs as the command line builds them: shared by the browser tests (accessibility,
# phone layout, benchmark-only), built once per test process rather than once per module
# --------------------------------------------------------------------------------------------

DEMO_PACKS = {
    "Havering": ["--authority", "Havering", "--period", "latest", "--comparators", "Barking and Dagenham"],
    # no local data: published benchmarks only, asked for (without it the command stops)
    "Barnet": ["--authority", "Barnet", "--period", "latest", "--benchmark-only"],
    # a monthly pack: monthly indicators at the month, the others as at the latest period reported
    "Havering-monthly": ["--authority", "Havering", "--period", "2025-08"],
}


def checksums(folder: Path) -> dict[str, str]:
    import hashlib

    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def demo_packs(tmp_path_factory, kpitools_kernel) -> SimpleNamespace:
    """The demo packs (:data:`DEMO_PACKS`) built by ``python -m kpitools.cli report``, and data/raw's
    checksums before and after building them.

    One after the other: kernels started at the same moment from the same folder can pick the same
    IPC socket names (jupyter_client's ipc transport numbers them kernel-ipc-1, -2, ... in the
    working folder), so the builds are not run in parallel.
    """
    import subprocess
    import sys

    raw = ROOT / "data" / "raw"
    out = tmp_path_factory.mktemp("demo-packs")
    before = checksums(raw)
    folders = {}
    for name, args in DEMO_PACKS.items():
        r = subprocess.run(
            [sys.executable, "-m", "kpitools.cli", "report", *args, "--out", str(out / name)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert r.returncode == 0, f"kpitools report for {name} failed:\n{r.stderr[-3000:]}"
        written = [line.split(":", 1)[1].strip() for line in r.stdout.splitlines() if line.startswith("Pack written:")]
        assert written, r.stdout
        folders[name] = Path(written[-1])
    return SimpleNamespace(folders=folders, raw_before=before, raw_after=checksums(raw))


def text_of(fragment_html: str) -> str:
    """The text a reader sees in an HTML fragment: tags dropped, entities read, spaces collapsed."""
    import html
    import re

    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment_html))).strip()


def table_rows(fragment_html: str, caption_start: str) -> list[list[str]]:
    """The body rows (as text) of the table whose caption starts with ``caption_start``."""
    import html
    import re

    for table in re.findall(r"<table\b.*?</table>", fragment_html, re.S):
        caption = re.search(r"<caption>(.*?)</caption>", table, re.S)
        if caption and html.unescape(caption.group(1)).startswith(caption_start):
            body = re.search(r"<tbody[^>]*>(.*?)</tbody>", table, re.S).group(1)
            return [
                [text_of(c) for c in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", tr, re.S)]
                for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
            ]
    raise AssertionError(f"no table captioned {caption_start!r}")
