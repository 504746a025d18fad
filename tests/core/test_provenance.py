"""What decides whether a pack is rebuilt: every file of the package, at any depth; every file of the
data folder the loaders read, from one walk."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kpitools.core.config import PACKAGE_DIR
from kpitools.core.errors import InputError
from kpitools.core.provenance import code_checksums, code_files, data_files, input_files
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


# -- the one walk of a data folder -----------------------------------------------------------------------


def _folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    for rel in ("settings.yaml", "local/a/x.csv", "local/a/.archive/old.csv", ".hidden/y.csv", "local/~$x.xlsx"):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_text("z\n")
    (raw / "README.md").write_text("notes\n")
    return raw


def test_the_walk_leaves_out_hidden_files_lock_files_and_notes(tmp_path):
    raw = _folder(tmp_path)
    assert [p.relative_to(raw).as_posix() for p in data_files(raw)] == ["local/a/x.csv", "settings.yaml"]
    assert input_files(raw) == data_files(raw)


def test_the_fingerprint_and_the_loaders_take_the_same_walk(tmp_path):
    """Every file the loaders read is fingerprinted: a hidden extract changes neither."""
    from kpitools.ingest.loaders import load_dataset

    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    (raw / "local" / "havering" / ".old").mkdir()
    shutil.copy(raw / "local" / "havering" / "havering_2023-24.csv", raw / "local" / "havering" / ".old" / "x.csv")
    read = {raw / Path(i["path"]).relative_to("raw") for i in load_dataset(raw).inputs}
    assert read <= set(data_files(raw))
    assert [p for p in data_files(raw) if ".old" in p.parts] == []


def test_a_link_out_of_the_data_folder_is_refused_by_name(tmp_path):
    raw = _folder(tmp_path)
    (tmp_path / "secret.csv").write_text("root:x:0:0\n")
    (raw / "local" / "a" / "link.csv").symlink_to(tmp_path / "secret.csv")
    (raw / "local" / "b").symlink_to(tmp_path)
    with pytest.raises(InputError) as exc:
        data_files(raw)
    assert [(p.file, p.row, p.column) for p in exc.value.problems] == [
        ("raw/local/a/link.csv", None, None),
        ("raw/local/b", None, None),
    ]
    assert "root:" not in str(exc.value) and "secret" not in str(exc.value)


def test_links_inside_the_data_folder_are_followed_once(tmp_path):
    raw = _folder(tmp_path)
    (raw / "local" / "c").symlink_to(raw / "local")  # a loop
    (raw / "local" / "a" / "same.csv").symlink_to(raw / "local" / "a" / "x.csv")
    (raw / "local" / "dangling.csv").symlink_to(raw / "nowhere.csv")
    os.mkfifo(raw / "local" / "pipe.csv")
    names = [p.relative_to(raw).as_posix() for p in data_files(raw)]
    assert names == ["local/a/same.csv", "local/a/x.csv", "settings.yaml"]
