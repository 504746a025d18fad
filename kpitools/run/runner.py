"""Build quarterly packs: load and validate once, score, draw the charts, execute the notebooks, publish.

One pack is built by :func:`build_one` from a :class:`PackRequest`. ``kpitools report`` builds one
(:func:`run_pack`); ``kpitools run --schedule`` builds many on a process pool
(:mod:`kpitools.run.schedule`), each worker holding the loaded dataset and the national ranks once.

Every pack records a *fingerprint* in its manifest: a SHA-256 over what was asked (authority,
period as asked, comparators, indicators, notebooks), the input files' checksums, the notebooks,
the kpitools code and report template, and the package versions. A schedule skips a pack whose
published manifest carries the same fingerprint; it is computed without loading any data, so
re-running an unchanged schedule costs a few file checksums.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpitools.core.authorities import Authority, resolve
from kpitools.core.config import REPORT_NOTEBOOKS, Paths
from kpitools.core.errors import WRITE_ERRNOS, ConfigError, ReportError, WriteError
from kpitools.core.files import sha256_file, temp_dir
from kpitools.core.periods import is_latest
from kpitools.core.provenance import source_checksums

if TYPE_CHECKING:
    import pandas as pd

    from kpitools.ingest.loaders import Dataset

LOCK_TIMEOUT_SECONDS = 3600.0
STALE_WORK_SECONDS = 24 * 3600.0  # a working folder in data/processed this old is an interrupted run's


@dataclass(frozen=True)
class PackRequest:
    """One pack a user or a schedule asks for: an authority, a period (``latest`` allowed), options."""

    authority: Authority
    period: str = "latest"
    comparators: tuple[Authority, ...] = ()
    indicators: tuple[str, ...] = ()
    notebooks: tuple[str, ...] = REPORT_NOTEBOOKS
    publish: bool = False
    pdf: bool = False
    benchmark_only: bool = False  # allow a pack of published benchmarks only (no local figures for the period)

    @property
    def label(self) -> str:
        return f"{self.authority.name} {self.period}"

    def as_dict(self) -> dict[str, Any]:
        period = self.period.strip()
        return {
            "authority": self.authority.code,
            "period": period.lower() if is_latest(period) else period,
            "comparators": [c.code for c in self.comparators],
            "indicators": list(self.indicators),
            "notebooks": list(self.notebooks),
            "publish": self.publish,
            "pdf": self.pdf,
            "benchmark_only": self.benchmark_only,
        }


@dataclass
class BuildOutcome:
    """What happened to one pack: ``done``, ``skipped`` or ``failed``."""

    request: PackRequest
    status: str
    seconds: float = 0.0
    path: Path | None = None
    period: str | None = None
    message: str = ""
    stages: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Fingerprints: what a pack is made of, computed without loading the data
# --------------------------------------------------------------------------------------------


def notebook_path(notebook: str, notebooks_dir: Path) -> Path:
    """A report notebook named as a schedule names it: ``committee_scorecard`` is in the project's
    ``notebooks/``; a path ending ``.ipynb`` is a notebook of the analyst's own."""
    if notebook.endswith(".ipynb") or "/" in notebook or os.sep in notebook:
        return Path(notebook)
    return notebooks_dir / f"{notebook}.ipynb"


def report_parameters(
    request: PackRequest, meta: Mapping[str, Any], tables_dir: Path, data_dir: Path
) -> dict[str, Any]:
    """What every report notebook's ``parameters`` cell is given (papermill replaces those values).

    The report notebooks declare exactly these names (a test checks them with papermill's own
    inspection): the authority's code, the period's label, the comparators' codes, the indicator
    ids asked for, and where the scored tables and the data are.
    """
    return {
        "authority": request.authority.code,
        "period": str(meta["period"]),
        "comparators": list(meta["comparator_codes"]),
        "indicators": list(request.indicators),
        "tables_dir": str(tables_dir),
        "data_dir": str(data_dir),
    }


def environment_digest(paths: Paths, notebooks_dir: Path | None = None) -> dict[str, Any]:
    """:func:`source_checksums` and the notebooks' folder: computed once per run."""
    return {
        **source_checksums(paths),
        "notebooks_dir": notebooks_dir or paths.notebooks,
        "notebook_sha256": {},
    }  # filled as requests name notebooks


def request_fingerprint(request: PackRequest, digest: dict[str, Any]) -> str:
    """The SHA-256 that says whether a published pack is current for ``request``."""
    notebooks = {}
    for n in request.notebooks:
        path = notebook_path(n, digest["notebooks_dir"])
        if path not in digest["notebook_sha256"]:
            digest["notebook_sha256"][path] = sha256_file(path) if path.is_file() else None
        notebooks[n] = digest["notebook_sha256"][path]
    payload = {
        "request": request.as_dict(),
        "inputs": digest["inputs"],
        "notebooks": notebooks,
        "code": digest["code"],
        "versions": digest["versions"],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _pack_is_complete(pack_dir: Path, manifest: dict[str, Any]) -> bool:
    files = manifest.get("files") or []
    return bool(files) and all(
        (pack_dir / f["path"]).is_file() and (pack_dir / f["path"]).stat().st_size == f["bytes"] for f in files
    )


def current_pack(outputs: Path, authority: Authority, fingerprint: str) -> tuple[Path, dict[str, Any]] | None:
    """The authority's published pack built from exactly this fingerprint, if it is there and whole."""
    from kpitools.publish.packs import MANIFEST, authority_folder

    folder = outputs / authority_folder(authority)
    if not folder.is_dir():
        return None
    for manifest_path in folder.glob(f"*/{MANIFEST}"):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("fingerprint") == fingerprint and _pack_is_complete(manifest_path.parent, manifest):
            return manifest_path.parent, manifest
    return None


# --------------------------------------------------------------------------------------------
# Building one pack
# --------------------------------------------------------------------------------------------


def recover_interrupted(pack_dir: Path, work_dirs: Sequence[Path] = ()) -> list[str]:
    """Tidy what an interrupted build left next to ``pack_dir`` (call while holding its lock).

    A build killed between moving the old pack aside and moving the new one in leaves only
    ``.<period>.old-*``: it is put back. Temporary folders of killed builds are deleted.

    ``work_dirs`` are the pack's working folders in ``data/processed`` (scored tables, executed
    notebooks), which runs on other outputs folders share, so the lock does not cover them: a
    ``.<period>.<kind>-<pid>-*`` folder there is deleted only when its process is gone, or after a day.
    """
    notes: list[str] = []
    parent = pack_dir.parent
    if parent.is_dir():
        olds = sorted(parent.glob(f".{pack_dir.name}.old-*"), key=lambda p: p.stat().st_mtime, reverse=True)
        if olds and not pack_dir.exists():
            os.rename(olds[0], pack_dir)
            notes.append(f"restored the previous pack {pack_dir} left aside by an interrupted run")
            olds = olds[1:]
        for p in [*olds, *parent.glob(f".{pack_dir.name}.tmp-*"), *parent.glob(f".{pack_dir.name}.tables-*")]:
            shutil.rmtree(p, ignore_errors=True)
            notes.append(f"removed {p.name}, left by an interrupted run")
    for folder in work_dirs:
        for p in [*folder.glob(f".{pack_dir.name}.tables-*"), *folder.glob(f".{pack_dir.name}.executed-*")]:
            if _work_is_abandoned(p):
                shutil.rmtree(p, ignore_errors=True)
                notes.append(f"removed {p}, left by an interrupted run")
    return notes


def _work_is_abandoned(folder: Path) -> bool:
    """A working folder whose builder (the process id in its name) is gone, or that is a day old."""
    import time

    try:
        if time.time() - folder.stat().st_mtime > STALE_WORK_SECONDS:
            return True
        pid = int(folder.name.rsplit("-", 2)[-2])
    except (OSError, ValueError, IndexError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # there, but another user's
        return False
    return False


def build_one(
    request: PackRequest,
    ds: Dataset,
    paths: Paths,
    *,
    ranks: pd.DataFrame | None = None,
    fingerprint: str | None = None,
    notebooks_dir: Path | None = None,
    force: bool = True,
    timings: dict[str, float] | None = None,
) -> BuildOutcome:
    """Score, draw and publish one pack; the previous pack stays in place until the new one is whole.

    Two runs building the same pack wait for each other (a lock file beside the pack); the second
    skips it if the first built exactly the same thing (``force=False``).

    Raises
    ------
    InputError, ConfigError
        Bad input or request: nothing is written.
    ReportError
        A notebook failed: the previous pack is untouched; the failed notebook is kept.
    """
    import time

    from filelock import FileLock, Timeout

    from kpitools.pack.build import build_tables, write_scorecard
    from kpitools.present.sections import render_sections
    from kpitools.publish.kernels import ReadyKernels
    from kpitools.publish.packs import authority_folder, build_pack, pack_path, safe_name, work_prefix

    clock = time.perf_counter()
    stages = timings if timings is not None else {}
    if request.pdf:  # before any work: a missing Chromium should not cost a whole pack's run
        from kpitools.publish.pdf import find_chromium

        find_chromium()
    tables = build_tables(
        ds,
        request.authority.code,
        request.period,
        [c.code for c in request.comparators],
        list(request.indicators),
        ranks=ranks,
        benchmark_only=request.benchmark_only,
    )
    if request.publish:
        from kpitools.pack.disclosure import withhold_small_numbers

        tables = withhold_small_numbers(
            tables, ds.settings.suppress_counts_below, ds.settings.commentary_with_withheld_figures
        )
    period_label = tables.meta["period"]
    stages["score"] = time.perf_counter() - clock
    final = pack_path(paths.outputs, request.authority, period_label)
    # Nothing but the published pack under outputs/: the scored tables and the executed notebooks
    # (kept there when one fails) are in data/processed, private and disposable.
    tables_parent = paths.processed / "packs" / authority_folder(request.authority)
    failed_dir = paths.processed / "failed" / authority_folder(request.authority)
    lock = FileLock(str(final.parent / f".{final.name}.lock"))
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=LOCK_TIMEOUT_SECONDS)
    except Timeout:
        raise ReportError(
            f"{final} has been locked by another run for over {LOCK_TIMEOUT_SECONDS:.0f} s; "
            f"if no run is going on, delete {lock.lock_file}"
        ) from None
    except OSError as exc:  # no permission, a read-only or full disk
        raise WriteError.from_os_error(exc, "the pack", final.parent) from None
    cleanup: list[tuple[Path, Any]] = []
    try:
        recover_interrupted(final, [tables_parent, failed_dir])
        if not force and fingerprint and current_pack(paths.outputs, request.authority, fingerprint):
            return BuildOutcome(
                request,
                "skipped",
                time.perf_counter() - clock,
                final,
                period_label,
                "built by another run meanwhile",
                stages,
            )
        notebooks = [notebook_path(n, notebooks_dir or paths.notebooks) for n in request.notebooks]
        # The kernels start (in their own processes) while this one draws the sections.
        with ReadyKernels(notebooks) as kernels:
            t = time.perf_counter()
            tables.sections = render_sections(tables)
            stages["charts"] = time.perf_counter() - t
            try:
                if paths.raw == Paths.from_data_dir().raw:
                    # The project's own data: keep the tables in data/processed (the exploration notebook
                    # reads them). Another run with other outputs may build the same pack: lock them too.
                    tables_dir = tables_parent / safe_name(period_label)
                    tables_dir.parent.mkdir(parents=True, exist_ok=True)
                    tables_lock = FileLock(str(tables_dir.parent / f".{tables_dir.name}.lock"))
                else:
                    # Another data folder: its tables must never mix with the project's, nor with those of
                    # another run on other data: a working folder of this build's own, removed after it.
                    tables_dir = temp_dir(work_prefix(final.name, "tables"), tables_parent)
                    tables_lock = None
                if tables_lock is not None:
                    tables_lock.acquire(timeout=LOCK_TIMEOUT_SECONDS)
                cleanup.append((tables_dir, tables_lock))
                tables.write(tables_dir)
                stem = f"scorecard_{request.authority.slug}_{safe_name(period_label)}"
                csv = write_scorecard(tables.scorecard, tables.meta, tables_dir / f"{stem}.csv")
                json_file = write_scorecard(tables.scorecard, tables.meta, tables_dir / f"{stem}.json")
            except OSError as exc:
                raise WriteError.from_os_error(exc, "the scored tables", tables_parent) from None
            parameters = report_parameters(request, tables.meta, tables_dir, paths.raw)
            t = time.perf_counter()
            result = build_pack(
                final,
                notebooks,
                parameters,
                meta=tables.meta,
                summary=tables.summary,
                attachments=[csv, json_file],
                fingerprint=fingerprint,
                summary_html=tables.sections["summary"][""],
                pdf=request.pdf,
                kernels=kernels,
                failed_dir=failed_dir,
            )
            stages["notebooks"] = time.perf_counter() - t
    finally:
        for folder, folder_lock in cleanup:
            if folder_lock is None:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                folder_lock.release()
        lock.release()
    return BuildOutcome(request, "done", time.perf_counter() - clock, result.path, period_label, "", stages)


def load_data(paths: Paths, write_processed: bool = False) -> Dataset:
    """:func:`kpitools.ingest.loaders.load_dataset` for ``paths.raw``; a ``data/processed`` that
    cannot be written (no permission, a read-only or full disk) is a :class:`WriteError` naming it."""
    from kpitools.ingest.loaders import load_dataset

    with _processed_errors(paths):
        return load_dataset(paths.raw, write_processed=write_processed)


def save_processed(ds: Dataset, paths: Paths) -> None:
    """Write the validated tables to ``data/processed`` (:func:`load_data` with ``write_processed``,
    later: once the request is known to be good, so that a refused one writes nothing)."""
    from kpitools.ingest.loaders import write_processed_tables

    with _processed_errors(paths):
        write_processed_tables(ds)


@contextlib.contextmanager
def _processed_errors(paths: Paths) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        target = Path(exc.filename).resolve() if exc.filename else None
        if (target is None and exc.errno in WRITE_ERRNOS) or (
            target is not None and (target == paths.processed or paths.processed in target.parents)
        ):
            raise WriteError.from_os_error(exc, "the validated tables", paths.processed) from None
        raise


def check_request(request: PackRequest, ds: Dataset) -> None:
    """Stop a request that would build a pack by accident, before anything is written: an authority
    with no local figures for the period, unless the request asks for a benchmark-only pack
    (:func:`kpitools.pack.build.check_local_figures`; a bad period is stopped too)."""
    from kpitools.pack.build import check_local_figures

    check_local_figures(ds, request.authority, request.period, request.benchmark_only)


def make_request(
    authority: str | Authority,
    period: str = "latest",
    comparators: Sequence[str | Authority] = (),
    indicators: Sequence[str] = (),
    notebooks: Sequence[str] = REPORT_NOTEBOOKS,
    publish: bool = False,
    pdf: bool = False,
    benchmark_only: bool = False,
) -> PackRequest:
    """A :class:`PackRequest` from names or codes as a user writes them."""
    la = authority if isinstance(authority, Authority) else resolve(authority)
    comps = tuple(c if isinstance(c, Authority) else resolve(c) for c in comparators if str(c).strip())
    comps = tuple(c for c in dict.fromkeys(comps) if c.code != la.code)
    return PackRequest(
        la,
        str(period).strip() or "latest",
        comps,
        tuple(indicators),
        tuple(notebooks),
        bool(publish),
        bool(pdf),
        bool(benchmark_only),
    )


def run_pack(
    authority: str | None = None,
    period: str = "latest",
    data_dir: str | Path | None = None,
    comparators: Sequence[str] = (),
    indicators: Sequence[str] = (),
    outputs: str | Path | None = None,
    dataset: Dataset | None = None,
    notebooks: Sequence[str] = REPORT_NOTEBOOKS,
    notebooks_dir: Path | None = None,
    publish: bool | None = None,
    pdf: bool = False,
    benchmark_only: bool = False,
) -> Path:
    """Build one authority's pack for one period and return the published folder.

    ``publish`` withholds small numbers (:mod:`kpitools.pack.disclosure`); ``None`` follows the
    ``publication.publish`` setting. ``benchmark_only`` allows a pack of published benchmarks only
    when the authority has no local figures for the period; without it such a request stops.

    Raises
    ------
    InputError
        Bad input: nothing is written.
    NoLocalFiguresError
        No local figures for the period and ``benchmark_only`` not asked: nothing is written.
    ReportError
        A notebook failed: the previous pack is untouched; the failed notebook is kept.
    WriteError
        The pack, its working folders or ``data/processed`` cannot be written.
    """
    paths = Paths.from_data_dir(data_dir, outputs)
    # processed tables are the project's own data/raw's: a --data-dir elsewhere must not overwrite them
    ds = dataset or load_data(paths)
    authority = authority or ds.settings.demo_authority
    if not authority:
        raise ConfigError("name the authority (--authority), or set demo_authority in settings.yaml")
    publish = ds.settings.publish if publish is None else publish
    request = make_request(authority, period, comparators, indicators, notebooks, publish, pdf, benchmark_only)
    check_request(request, ds)  # before anything is written: no pack of "No data" rows by accident
    if dataset is None and data_dir is None:
        save_processed(ds, paths)
    fingerprint = request_fingerprint(request, environment_digest(paths, notebooks_dir))
    outcome = build_one(request, ds, paths, fingerprint=fingerprint, notebooks_dir=notebooks_dir)
    assert outcome.path is not None
    return outcome.path
