"""What the stop-and-kill tests check of packs on disk: whole, unchanged, listed by their manifest."""

import hashlib
import json
from pathlib import Path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(pack: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(pack.iterdir()) if p.is_file()}


def assert_whole(pack: Path) -> dict:
    """The pack's manifest lists every file it holds, with matching sizes and checksums."""
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.name for p in pack.iterdir() if p.is_file()}
    assert on_disk == set(listed) | {"manifest.json"}, pack
    for name, f in listed.items():
        assert (pack / name).stat().st_size == f["bytes"] and sha256(pack / name) == f["sha256"], (pack, name)
    return manifest
