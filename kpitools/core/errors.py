"""The errors kpitools raises, with messages a performance analyst can act on.

Every error the command line reports derives from :class:`KpiError`; the CLI prints its message
(never a traceback) and exits non-zero.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file: where it is and what was expected there.

    ``row`` is the row number as a spreadsheet shows it (the header is row 1), or ``None`` when
    the problem concerns the whole file or a whole column.
    """

    file: str
    row: int | None
    column: str | None
    found: str | None
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        found = "" if self.found is None else f": found {self.found!r}"
        return f"{', '.join(where)}{found}; expected {self.expected}"


class KpiError(Exception):
    """Base of every error kpitools reports to the analyst."""

    exit_code = 1


class InputError(KpiError):
    """One or more input files are not as the data contract requires.

    Holds every problem found, so the analyst can fix them all in one pass.
    """

    exit_code = 2

    def __init__(self, problems: list[Problem], summary: str | None = None) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = summary or f"{n} problem{'s' if n != 1 else ''} in the input data; nothing was scored or written"
        lines = [head + ":"] + [f"  - {p}" for p in self.problems[:200]]
        if n > 200:
            lines.append(f"  ... and {n - 200} more")
        super().__init__("\n".join(lines))


class ConfigError(KpiError):
    """The settings file or a command-line option is not usable."""

    exit_code = 2


class UnknownAuthorityError(ConfigError):
    """An authority name or code that matches no local authority."""


class PeriodError(ConfigError):
    """A period that cannot be read or is not available."""


class NoLocalFiguresError(PeriodError):
    """The authority has no local figures for the period asked for, and a pack of published benchmarks
    only was not asked for (``--benchmark-only``, ``benchmark_only: true``): nothing is written.

    ``periods`` are the quarters with local figures for the authority (labels, oldest first; empty
    when it has none at all)."""

    def __init__(self, message: str, *, authority: str = "", period: str = "", periods: Sequence[str] = ()) -> None:
        self.authority = authority
        self.period = period
        self.periods = list(periods)
        super().__init__(message)


class ReportError(KpiError):
    """A report notebook failed to execute or export; the previous pack is left untouched."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        executed_notebook: Path | None = None,
        *,
        notebook: str | None = None,
        cell: str | None = None,
    ) -> None:
        self.executed_notebook = executed_notebook
        self.detail = message  # without the note on the kept notebook
        self.notebook = notebook  # the failing notebook's name and cell, when one failed
        self.cell = cell
        if executed_notebook is not None:
            message = f"{message}\nThe executed notebook is kept for diagnosis: {executed_notebook}"
        super().__init__(message)


# What the system says only when something is written: a read-only file system, a full disk or
# quota, a file too large. Such an error is the machine's, never a bug, whatever the file.
WRITE_ERRNOS = frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class WriteError(ReportError):
    """A file or folder could not be written: no permission, a read-only file system, a full disk.

    Exit code 3, as for a report that could not be built: the command and its options were valid but
    the output could not be written; what was published before is left as it was.
    """

    @classmethod
    def from_os_error(cls, exc: OSError, what: str, folder: Path | str) -> WriteError:
        """``cannot write <what> in <folder>: <the system's reason> (<the file>)`` and what to check.

        The folder named is the one that refused: ``folder`` when the file the system names is in it
        (a working file there), else the nearest existing folder of that file (a folder that could
        not be made)."""
        reason = exc.strerror or type(exc).__name__
        folder = Path(folder)
        target = Path(exc.filename) if exc.filename else folder
        place = folder if folder in target.parents else target
        while not place.is_dir() and place != place.parent:
            place = place.parent
        also = f" ({target})" if target != place else ""
        return cls(
            f"cannot write {what} in {place}: {reason}{also}. Check that you may write to that folder "
            "and that its disk has room, or choose another folder."
        )


def relative_name(path: Path | str, root: Path | None = None) -> str:
    """A short file name for messages: relative to ``root`` when inside it."""
    p = Path(path)
    if root is not None:
        try:
            return str(p.resolve().relative_to(Path(root).resolve().parent))
        except ValueError:
            pass
    return str(p)
