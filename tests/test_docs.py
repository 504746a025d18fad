"""The project's documents cite only files the repository has, and the README's commands exist."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A path-like mention: a folder of the project followed by a file with an extension, or a markdown link.
MENTION = re.compile(r"`((?:docs|kpitools|notebooks|schedules|scripts|bench|tests|data)/[\w./-]*\.\w+)`")
LINK = re.compile(r"\]\(((?!https?:|#)[^)#\s]+)")


def test_every_file_a_document_names_is_in_the_repository():
    tracked = set(
        subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT, check=True).stdout.split()
    )
    missing = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for target in MENTION.findall(text):
            if "<" in target or "*" in target:
                continue
            if target not in tracked and not any(t.startswith(target.rstrip("/") + "/") for t in tracked):
                missing.append(f"{doc.name}: {target}")
        for link in LINK.findall(text):
            path = (doc.parent / link).resolve()
            if not path.exists():
                missing.append(f"{doc.name}: link {link}")
    assert missing == []


def test_no_document_cites_the_specification_outside_the_repository():
    for path in [*DOCS, *(ROOT / "kpitools").rglob("*.py")]:
        assert "PRODUCT.md" not in path.read_text(encoding="utf-8"), path


def test_the_makefile_has_every_target_the_readme_names():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    named = set(re.findall(r"`?make ([\w-]+)`?", (ROOT / "README.md").read_text(encoding="utf-8")))
    assert {"report", "test", "test-fast", "lint", "hooks", "lab"} <= named <= targets
