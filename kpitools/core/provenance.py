"""What a pack or a cached dataset is made from: input and code checksums, package versions, the
git revision of the code. A pack's fingerprint and the dataset cache's key both start here, so
anything that can change a figure or a page must be listed by :func:`code_files` or
:func:`input_files`.

:func:`data_files` is the one walk of a data folder: the loaders read only files it lists and the
fingerprint covers every file it lists, so what is read is what is fingerprinted.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from kpitools import __version__
from kpitools.core.config import PACKAGE_DIR, SOURCE_ROOT, Paths, is_inside
from kpitools.core.errors import InputError, Problem
from kpitools.core.files import sha256_file

__all__ = [
    "PACKAGES",
    "code_files",
    "data_files",
    "input_files",
    "source_checksums",
    "package_versions",
    "git_revision",
]

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


# An analyst's draft (``havering_2025-26_q2_commentary.draft.csv``): never read until it is renamed.
DRAFT_MARK = ".draft."


def _skipped(name: str) -> bool:
    """Not an input: hidden (``.archive/``, ``.DS_Store``), an Excel lock file (``~$extract.xlsx``), a
    draft (``*.draft.csv``)."""
    return name.startswith((".", "~$")) or DRAFT_MARK in name.lower()


def data_files(raw: Path) -> list[Path]:
    """Every file of a data folder, at any depth, that can be read: the one walk both the loaders
    and the fingerprint (:func:`input_files`) use.

    Hidden files and folders (a name starting with ``.``), Excel's lock files (``~$...``), drafts
    (``*.draft.csv``) and ``*.md`` notes are left out: never read, never fingerprinted. A link (file or folder) to anything outside
    the data folder is refused, never followed; a link inside it is followed (once).

    Raises
    ------
    InputError
        Naming every link that points outside the data folder (nothing is read).
    """
    root = Path(os.path.realpath(raw))
    files: list[Path] = []
    outside: list[Path] = []
    seen = {root}

    def walk(folder: Path) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:  # not a folder, or not readable: the loaders say what is missing
            return
        for entry in entries:
            if _skipped(entry.name):
                continue
            path = folder / entry.name
            if entry.is_symlink() and not is_inside(path, root):
                outside.append(path)
                continue
            if entry.is_dir():
                real = Path(os.path.realpath(path))
                if real not in seen:  # a link back to a folder already walked is walked once
                    seen.add(real)
                    walk(path)
            elif entry.is_file() and not entry.name.lower().endswith(".md"):
                files.append(path)

    walk(Path(raw))
    if outside:
        raise InputError(
            [
                Problem(
                    shown_path(p, raw),
                    None,
                    None,
                    None,
                    "a file inside the data folder: this is a link to something outside it, which is "
                    "not read; copy the file itself into the data folder",
                )
                for p in outside
            ],
            summary=f"{len(outside)} link{'s' if len(outside) != 1 else ''} out of the data folder {raw}; "
            "nothing was read, scored or written",
        )
    return sorted(files)


def shown_path(path: Path, raw: Path) -> str:
    """``raw/local/x.csv``: a path under the data folder as every message shows it (links not
    followed, so the name is the one the analyst sees in the folder); a path elsewhere in full."""
    try:
        return str(Path(Path(raw).name) / Path(path).relative_to(raw))
    except ValueError:
        return str(path)


def input_files(raw: Path) -> list[Path]:
    """Every file under a data folder that can change a pack: :func:`data_files`."""
    return data_files(raw)


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
