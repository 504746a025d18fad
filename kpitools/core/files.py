"""Files written all or nothing, with the permissions the user's umask asks for.

Every file kpitools writes goes through :func:`atomic_path` and every folder it builds in the dark
through :func:`temp_dir`: a reader sees the old file or the new one, never half of one, and a pack
is readable by colleagues and a web server when the umask says so (``tempfile`` alone makes files
``0600`` and folders ``0700`` whatever the umask).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["sha256_file", "umask", "atomic_path", "temp_dir", "publish_permissions"]

_umask_lock = threading.Lock()


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"; _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:12]
    'ba7816bf8f01'
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:  # no way to read it but to set it: put it back at once
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def publish_permissions(path: str | Path) -> None:
    """Give ``path`` the mode a plain ``open()`` or ``mkdir()`` would have: 0644/0755 under umask 022."""
    p = Path(path)
    p.chmod((0o777 if p.is_dir() else 0o666) & ~umask())


@contextlib.contextmanager
def atomic_path(out: str | Path) -> Iterator[Path]:
    """A temporary path beside ``out`` to write to; on success it replaces ``out`` in one step.

    On an error the temporary file is removed and ``out`` is left as it was.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "scorecard.csv"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("indicator_id\\n")
    >>> out.read_text()
    'indicator_id\\n'
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        publish_permissions(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def temp_dir(prefix: str, parent: str | Path) -> Path:
    """A new hidden working folder under ``parent`` (created if need be), with umask permissions,
    to be renamed into place when complete."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    publish_permissions(folder)
    return folder
