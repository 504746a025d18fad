"""Running and exporting a notebook never pays for jsonschema's IRI grammar (kpitools.core.imports)."""

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "KPITOOLS_KEEP_RFC3987"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.e2e
def test_a_notebook_run_and_exported_in_process_never_imports_the_rfc3987_grammar(tmp_path, kpitools_kernel):
    code = f"""
        import sys
        from pathlib import Path
        from kpitools.publish.export import export_html
        from kpitools.publish.kernels import run_notebook
        work = Path({str(tmp_path)!r})
        import json
        nb = {{"cells": [{{"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {{}}, "outputs": [],
                          "source": "1 + 1"}}],
              "metadata": {{"kernelspec": {{"name": {kpitools_kernel!r}, "display_name": "k", "language": "python"}}}},
              "nbformat": 4, "nbformat_minor": 5}}
        (work / "t.ipynb").write_text(json.dumps(nb))
        out = run_notebook(work / "t.ipynb", work / "run.ipynb", {{}}, {kpitools_kernel!r})
        export_html(out, work / "t.html")
        import jsonschema
        print("rfc3987_syntax" in sys.modules, "iri" in jsonschema.FormatChecker.checkers, "jsonschema" in sys.modules)
    """
    r = run(code)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split()[-3:] == ["False", "False", "True"]
    assert (tmp_path / "t.html").stat().st_size > 1000
    if importlib.util.find_spec("rfc3987_syntax") is None:
        pytest.skip("rfc3987_syntax is not installed, so keeping it cannot be checked")
    kept = run(code, KPITOOLS_KEEP_RFC3987="1")
    assert kept.returncode == 0, kept.stderr[-3000:]
    assert kept.stdout.split()[-3:] == ["True", "True", "True"]
