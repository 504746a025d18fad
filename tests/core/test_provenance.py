"""What decides whether a pack is rebuilt: every file of the package, at any depth."""

import shutil
import subprocess
from pathlib import Path

from kpitools.core.config import PACKAGE_DIR
from kpitools.core.provenance import code_checksums, code_files
from kpitools.publish.packs import pack_fingerprint

ROOT = Path(__file__).resolve().parents[2]


def test_every_tracked_file_of_the_package_is_fingerprinted():
    tracked = subprocess.run(
        ["git", "ls-files", "kpitools"], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.split()
    covered = {p.relative_to(ROOT).as_posix() for p in code_files()}
    assert tracked and set(tracked) <= covered
    # modules of the sub-packages, not only the top folder
    assert {
        "kpitools/score/scoring.py",
        "kpitools/present/templates/kpitools_report/kpitools.css",
        "kpitools/core/reference/authorities.csv",
    } <= covered


def test_a_change_to_a_module_in_a_nested_sub_package_changes_the_code_checksums(tmp_path):
    pkg = tmp_path / "kpitools"
    shutil.copytree(PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    nested = pkg / "present" / "kinds"
    nested.mkdir()
    (nested / "__init__.py").write_text("")
    (nested / "funnel.py").write_text("WIDTH = 1\n")
    before = code_checksums(pkg)
    assert "present/kinds/funnel.py" in {path for path, _ in before}
    (nested / "funnel.py").write_text("WIDTH = 2\n")
    assert code_checksums(pkg) != before
    # compiled caches are not code
    (nested / "__pycache__").mkdir()
    (nested / "__pycache__" / "funnel.cpython-311.pyc").write_bytes(b"\0")
    assert not any("__pycache__" in path for path, _ in code_checksums(pkg))


def test_a_pack_is_stale_after_a_change_to_any_module_at_any_depth(tmp_path, monkeypatch):
    """The fingerprint a schedule compares with the published pack's manifest."""
    import kpitools.core.provenance as provenance

    pkg = tmp_path / "kpitools"
    shutil.copytree(PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_DIR", pkg)
    nb = tmp_path / "n.ipynb"
    nb.write_text("{}")
    fingerprints = {pack_fingerprint([nb], {"authority": "Havering"})}
    for module in ("present/charts/trend.py", "score/scoring.py", "present/templates/kpitools_report/kpitools.css"):
        (pkg / module).write_text((pkg / module).read_text() + "\n# changed\n")
        fingerprints.add(pack_fingerprint([nb], {"authority": "Havering"}))
    assert len(fingerprints) == 4
