"""What a pack or a cached dataset is made from: input and code checksums, package versions, the
git revision of the code. A pack's fingerprint and the dataset cache's key both start here, so
anything that can change a figure or a page must be listed by :func:`code_files` or
:func:`input_files`."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import Any

from kpitools import __version__
from kpitools.core.config import PACKAGE_DIR, SOURCE_ROOT, Paths
from kpitools.core.files import sha256_file

__all__ = ["PACKAGES", "code_files", "input_files", "source_checksums", "package_versions", "git_revision"]

# The packages whose versions a pack records: a new version can change a page.
PACKAGES = ("pandas", "altair", "papermill", "nbconvert", "vl-convert-python", "nbformat", "nbclient", "ipykernel")


def code_files(package_dir: Path | None = None) -> list[Path]:
    """Every file of the kpitools package, in every sub-package at any depth: code, report
    templates and reference tables. Compiled caches aside.

    >>> any(p.name == "scoring.py" and p.parent.name == "score" for p in code_files())
    True
    """
    here = package_dir or PACKAGE_DIR
    return sorted(
        p for p in here.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )


def input_files(raw: Path) -> list[Path]:
    """Every file under a data folder that can change a pack (hidden files and ``*.md`` notes aside)."""
    out = []
    for p in sorted(raw.rglob("*")):
        rel = p.relative_to(raw)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts) and p.suffix.lower() != ".md":
            out.append(p)
    return out


def code_checksums(package_dir: Path | None = None) -> list[list[str]]:
    """``[relative path, SHA-256]`` for each of :func:`code_files`."""
    here = package_dir or PACKAGE_DIR
    return [[p.relative_to(here).as_posix(), sha256_file(p)] for p in code_files(here)]


def source_checksums(paths: Paths) -> dict[str, Any]:
    """Every input file's and the code's checksum, and the package versions."""
    return {
        "inputs": [[str(p.relative_to(paths.raw)), sha256_file(p)] for p in input_files(paths.raw)],
        "code": code_checksums(),
        "versions": package_versions(),
    }


def package_versions() -> dict[str, str | None]:
    """Versions of Python, kpitools and the packages a pack depends on (``None`` when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {"python": platform.python_version(), "kpitools": __version__}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def git_revision(path: str | Path | None = None) -> str | None:
    """The git commit of the kpitools checkout (``+dirty`` when it has local changes), else ``None``."""
    where = Path(path) if path is not None else SOURCE_ROOT
    try:
        rev = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        # Dirty when the code or the notebooks differ from the commit (new files included).
        dirty = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--", "kpitools", "notebooks", "pyproject.toml"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not rev:
        return None
    return rev + ("+dirty" if dirty else "")
