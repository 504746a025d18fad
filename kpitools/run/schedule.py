"""Scheduled runs: many packs at once, unattended, in parallel, skipping what has not changed.

A schedule is a YAML file::

    # schedules/london_latest.yaml
    authorities: London           # all | a region (London, Outer London, North East...) | a list
    periods: [latest]             # quarters such as "2025-26 Q2", months such as "2025-08" (a monthly
                                  # pack), latest (quarter) or "latest month"
    comparators: []               # authorities every pack also compares with
    notebooks: [committee_scorecard, benchmark_comparison]   # or paths to your own .ipynb
    indicators: []                # indicator ids; empty means the whole framework
    publish: null                 # true: withhold counts of 1-5 (default: publication.publish in settings)
    pdf: false                    # true: also print each pack to one A4 PDF (headless Chromium)
    benchmark_only: false         # true: an authority with no local figures for the period gets a pack of
                                  # published benchmarks only (false: its pack fails, saying which periods have them)
    data_dir: null                # default: the project's data/raw (relative paths: to this file)
    outputs: null                 # default: the project's outputs/

:func:`run_schedule` plans every (authority, period) pack, skips each whose published manifest
already carries its fingerprint (see :mod:`kpitools.run.runner`) unless forced, then builds the rest on a
process pool. Each worker loads the dataset and the national ranks once. One failing pack never
stops the others; the outcome of each is a line in the run log and the summary counts them. A pack
for an authority with no local figures for the period fails at once, before any worker starts on it
and with nothing written, unless the schedule says ``benchmark_only: true``
(:func:`kpitools.run.runner.check_request`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kpitools.core.authorities import Authority, select
from kpitools.core.config import REPORT_NOTEBOOKS, Paths, load_yaml
from kpitools.core.errors import WRITE_ERRNOS, ConfigError, KpiError, UnknownAuthorityError, WriteError
from kpitools.run.runner import (
    BuildOutcome,
    PackRequest,
    check_request,
    current_pack,
    environment_digest,
    load_data,
    make_request,
    notebook_path,
    request_fingerprint,
)


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value


class ScheduleFile(BaseModel):
    """What a schedule file may say (unknown keys are refused: a misspelt key must not be ignored)."""

    model_config = ConfigDict(extra="forbid")

    authorities: str | list[str] = Field(description="all, a region such as London, or a list of authorities")
    periods: list[str] = Field(default_factory=lambda: ["latest"])
    comparators: list[str] = Field(default_factory=list)
    notebooks: list[str] = Field(default_factory=lambda: list(REPORT_NOTEBOOKS))
    indicators: list[str] = Field(default_factory=list)
    publish: bool | None = None
    pdf: bool = False
    benchmark_only: bool = Field(
        default=False,
        description="true: a pack of published benchmarks only for an authority with no local figures for the period",
    )
    data_dir: str | None = None
    outputs: str | None = None

    @field_validator("benchmark_only", mode="before")
    @classmethod
    def _benchmark_only(cls, value: Any) -> Any:
        # true or false as YAML writes them, never a word that might mean either ("maybe", "1", "yes please")
        if value is None:
            return False
        if not isinstance(value, bool):
            raise ValueError(
                f"{value!r} is neither true nor false: write benchmark_only: true or benchmark_only: false"
            )
        return value

    @field_validator("periods", "comparators", "notebooks", "indicators", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("periods")
    @classmethod
    def _periods(cls, value: list[str]) -> list[str]:
        from kpitools.core.errors import PeriodError
        from kpitools.core.periods import is_latest, pack_period

        if not value:
            raise ValueError("name at least one period, e.g. latest or 2025-26 Q2")
        for p in value:
            if not is_latest(str(p)):
                try:
                    pack_period(str(p))
                except PeriodError:
                    raise ValueError(
                        f"{p!r} is not a quarter or a month: write it like 2025-26 Q2 or 2025-08, "
                        "or latest (latest month for monthly packs)"
                    ) from None
        return [str(p).strip() for p in value]

    @field_validator("notebooks")
    @classmethod
    def _notebooks(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one notebook")
        return [str(n).strip() for n in value]


@dataclass
class Schedule:
    """A schedule file read and resolved: the packs it asks for and where they go."""

    source: Path
    requests: list[PackRequest]
    paths: Paths
    notebooks_dir: Path | None = None


def load_schedule(path: str | Path, notebooks_dir: Path | None = None) -> Schedule:
    """Read and check a schedule file; every problem is reported at once.

    Raises
    ------
    ConfigError
        The file is missing, not YAML, or a key, authority, region, period or notebook is wrong.
    """
    path = Path(path)
    try:
        data = load_yaml(path, label=f"schedule {path}")
    except OSError as exc:
        raise ConfigError(f"schedule {path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"schedule {path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"schedule {path}: expected 'key: value' lines such as 'authorities: London'")
    try:
        spec = ScheduleFile.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"]) or "(file)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown key; the keys are {', '.join(ScheduleFile.model_fields)}"
            lines.append(f"{where}: {msg}")
        raise ConfigError(f"schedule {path}:\n  - " + "\n  - ".join(lines)) from None

    base = path.resolve().parent
    data_dir = (base / spec.data_dir).resolve() if spec.data_dir else None
    outputs = (base / spec.outputs).resolve() if spec.outputs else None
    paths = Paths.from_data_dir(data_dir, outputs)
    problems = []
    try:
        authorities = select(spec.authorities)
    except UnknownAuthorityError as exc:
        problems.append(f"authorities: {exc}")
        authorities = []
    comparators: list[Authority] = []
    for c in spec.comparators:
        try:
            comparators.append(make_request(c).authority)
        except UnknownAuthorityError as exc:
            problems.append(f"comparators: {exc}")
    nb_dir = notebooks_dir or paths.notebooks
    notebooks = []
    for n in spec.notebooks:
        nb_path = notebook_path(n, nb_dir)
        if not nb_path.is_absolute():
            nb_path = (base / nb_path).resolve()
        if not nb_path.is_file():
            problems.append(
                f"notebooks: {n} is not a notebook in {nb_dir}"
                if nb_path.parent == nb_dir
                else f"notebooks: {nb_path} does not exist"
            )
        notebooks.append(n if nb_path.parent == nb_dir and not n.endswith(".ipynb") else str(nb_path))
    if not authorities and not problems:
        problems.append(f"authorities: {spec.authorities!r} names no authority")
    if problems:
        raise ConfigError(f"schedule {path}:\n  - " + "\n  - ".join(problems))
    from kpitools.core.config import load_settings

    publish = spec.publish if spec.publish is not None else load_settings(paths.settings_file).publish
    requests = [
        make_request(la, p, comparators, spec.indicators, notebooks, publish, spec.pdf, spec.benchmark_only)
        for la in authorities
        for p in spec.periods
    ]
    return Schedule(source=path, requests=requests, paths=paths, notebooks_dir=notebooks_dir)


# --------------------------------------------------------------------------------------------
# Workers
# --------------------------------------------------------------------------------------------

# A worker's state: what it builds with, the run (its parent) and the run log, and whether it is
# stopping. A worker never outlives its run: a stop (SIGTERM from the run), or the run's death
# (SIGKILL, out of memory: SIGTERM from the kernel on Linux, else the watch on the parent's pid)
# ends the pack it is building through Python, so that build_pack removes its temporary folders and
# kills the notebooks' kernels; the pack being built is not published, and the worker exits rather
# than take the next pack from the queue.
_WORKER: dict[str, Any] = {}
_STOPPING: dict[str, bool] = {"now": False}  # a plain flag: the SIGTERM handler takes no lock
PARENT_POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 60.0  # a stopped worker still there after this is ended at once
_PR_SET_PDEATHSIG = 1


def _worker_init(
    ds: Any,
    ranks: Any,
    paths: Paths,
    notebooks_dir: Path | None,
    parent_pid: int | None = None,
    log: Path | None = None,
) -> None:
    signal.signal(signal.SIGTERM, _worker_stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent_pid = parent_pid or os.getppid()
    _WORKER.update(ds=ds, ranks=ranks, paths=paths, notebooks_dir=notebooks_dir, parent=parent_pid, log=log)
    _die_with_parent(parent_pid)


def _worker_stop(_signum: int, _frame: Any) -> None:
    """SIGTERM in a worker: leave the pack being built through Python (its clean-up runs); a second
    SIGTERM while cleaning up is ignored, so the clean-up is not cut short."""
    if _STOPPING["now"]:
        return
    _STOPPING["now"] = True
    sys.exit(143)


def _die_with_parent(parent_pid: int) -> None:
    """Make sure this worker stops when the run that started it dies, however it dies."""
    if sys.platform.startswith("linux"):
        try:  # the kernel sends SIGTERM the moment the parent dies
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    # Everywhere (and in case the parent died before prctl): watch the parent's pid.
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="kpitools-parent-watch", daemon=True).start()


def _parent_gone(parent_pid: int) -> bool:
    return os.getppid() != parent_pid


def _watch_parent(parent_pid: int) -> None:
    while not _parent_gone(parent_pid):
        time.sleep(PARENT_POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)  # through the handler, in the main thread: clean up
    time.sleep(STOP_GRACE_SECONDS)
    os._exit(143)


def _orphaned_note(request: PackRequest, seconds: float) -> None:
    """The run log's line for a pack a killed run's worker stopped building (the run cannot write it)."""
    log = _WORKER.get("log")
    if log is None:
        return
    o = BuildOutcome(
        request,
        "stopped",
        seconds,
        message=(
            f"the run (pid {_WORKER['parent']}) was killed, so worker {os.getpid()} stopped building this pack: "
            "it was not published and its previous pack (if any) is unchanged; run the same command again to finish"
        ),
    )
    try:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(_log_line(o) + "\n")
    except OSError:
        pass


def _worker_build(request: PackRequest, fingerprint: str, force: bool) -> BuildOutcome:
    start = time.perf_counter()
    try:
        if _parent_gone(_WORKER["parent"]):
            _STOPPING["now"] = True  # never start a pack for a run that has gone
        if not _STOPPING["now"]:
            return _build_here(request, fingerprint, force)
        raise SystemExit(143)
    finally:
        if _STOPPING["now"]:
            # Stopped: build_one has cleaned up on the way here. Leave now, rather than hand a result
            # to a run that has gone and take its next pack (the pool's loop would catch SystemExit).
            if _parent_gone(_WORKER["parent"]):
                _orphaned_note(request, time.perf_counter() - start)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(143)


def _build_here(request: PackRequest, fingerprint: str, force: bool) -> BuildOutcome:
    from kpitools.run.runner import build_one

    start = time.perf_counter()
    try:
        return build_one(
            request,
            _WORKER["ds"],
            _WORKER["paths"],
            ranks=_WORKER["ranks"],
            fingerprint=fingerprint,
            notebooks_dir=_WORKER["notebooks_dir"],
            force=force,
        )
    except KpiError as exc:
        return BuildOutcome(request, "failed", time.perf_counter() - start, message=str(exc))
    except Exception as exc:  # a bug in one pack must not stop the others: say what it was
        return BuildOutcome(
            request, "failed", time.perf_counter() - start, message=f"internal error ({type(exc).__name__}: {exc})"
        )


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    """The outcome of a scheduled run."""

    outcomes: list[BuildOutcome] = field(default_factory=list)
    seconds: float = 0.0
    log: Path | None = None

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0

    def text(self) -> str:
        total = len(self.outcomes)
        return (
            f"{total} pack{'s' if total != 1 else ''}: {self.count('done')} done, {self.count('skipped')} skipped, "
            f"{self.count('failed')} failed in {_duration(self.seconds)}"
        )


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _log_line(o: BuildOutcome) -> str:
    period = o.period or o.request.period
    where = f"  {o.path}" if o.path else ""
    message = ("  " + o.message.replace("\n", " | ")) if o.message else ""
    stages = ("  (" + ", ".join(f"{k} {v:.1f} s" for k, v in o.stages.items()) + ")") if o.stages else ""
    return (
        f"{_now()}  {o.status:<7}  {o.request.authority.name} ({o.request.authority.code})  {period}  "
        f"{o.seconds:.1f} s{stages}{where}{message}"
    )


class _Stop(Exception):
    """The run was asked to stop (SIGTERM or Ctrl-C)."""


def default_workers() -> int:
    """The cores this process may use (a container or ``taskset`` may allow fewer than the machine has)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_schedule(
    schedule: Schedule,
    *,
    workers: int | None = None,
    force: bool = False,
    progress: bool | None = None,
    log: Path | None = None,
) -> RunSummary:
    """Build every pack a schedule asks for; skip unchanged ones unless ``force``.

    Parameters
    ----------
    schedule
        From :func:`load_schedule`.
    workers
        Processes building packs at once; default the number of cores.
    force
        Rebuild packs even when their published manifest says they are current.
    progress
        Show a progress bar (default: only when writing to a terminal).
    log
        The run log; default ``outputs/logs/run-<UTC time>-<pid>.log``, a new file for each run (two
        runs started in the same second never share one). One line per pack.

    Returns
    -------
    RunSummary
        One outcome per pack (``done``, ``skipped``, ``failed``) and the time taken.

    Raises
    ------
    InputError
        The data cannot be loaded: no pack is built and nothing is written.
    WriteError
        The run log cannot be written (no permission, a read-only or full disk): nothing is built.
    """
    start = time.perf_counter()
    paths = schedule.paths
    try:
        log = _open_log(log, paths.outputs / "logs")
    except OSError as exc:
        raise WriteError.from_os_error(exc, "the run log", log.parent if log else paths.outputs / "logs") from None
    summary = RunSummary(log=log)

    def stop(_signum: int, _frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second SIGTERM must not cut the clean-up short
        raise _Stop()

    # A scheduler stops a run with SIGTERM: stop the workers cleanly and say so (exit 130 in the CLI).
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return _run(schedule, paths, log, summary, start, workers, force, progress)
    except (_Stop, KeyboardInterrupt):
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as fh:
            fh.write(
                f"{_now()}  stopped  the run was stopped; finished packs are published, unfinished ones were "
                "not (their previous packs are unchanged)\n"
            )
        raise KeyboardInterrupt from None
    except OSError as exc:
        # The log stopped taking lines (a full or read-only disk): say so, naming it, as exit 3.
        if exc.errno in WRITE_ERRNOS or (exc.filename and Path(exc.filename) == log):
            raise WriteError.from_os_error(exc, f"the run log {log.name}", log.parent) from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def _open_log(log: Path | None, folder: Path) -> Path:
    """The run log: ``log`` if given (appended to), else a new ``run-<UTC time>-<pid>.log`` in
    ``folder``, created exclusively so that no two runs ever share one."""
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8"):
            pass
        return log
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"run-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{os.getpid()}"
    n = 1
    while True:
        path = folder / (f"{stem}.log" if n == 1 else f"{stem}-{n}.log")
        try:
            with open(path, "x", encoding="utf-8"):
                return path
        except FileExistsError:
            n += 1


def _run(
    schedule: Schedule,
    paths: Paths,
    log: Path,
    summary: RunSummary,
    start: float,
    workers: int | None,
    force: bool,
    progress: bool | None,
) -> RunSummary:
    digest = environment_digest(paths, schedule.notebooks_dir)
    todo: list[tuple[PackRequest, str]] = []
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(
            f"{_now()}  start    schedule {schedule.source}  {len(schedule.requests)} packs  "
            f"data {paths.raw}  outputs {paths.outputs}{'  (forced)' if force else ''}\n"
        )
        for req in schedule.requests:
            fp = request_fingerprint(req, digest)
            hit = None if force else current_pack(paths.outputs, req.authority, fp)
            if hit:
                o = BuildOutcome(
                    req,
                    "skipped",
                    0.0,
                    hit[0],
                    hit[1].get("period"),
                    f"unchanged since {hit[1].get('finished_at', 'its last run')}",
                )
                summary.outcomes.append(o)
                fh.write(_log_line(o) + "\n")
            else:
                todo.append((req, fp))
        fh.flush()
        if todo:
            try:
                _build(todo, schedule, paths, workers or default_workers(), force, progress, fh, summary, log)
            except KpiError as exc:  # bad input: no pack is built; the log says why for the scheduler
                fh.write(f"{_now()}  error    no pack was built: " + str(exc).replace("\n", " | ") + "\n")
                raise
        summary.seconds = time.perf_counter() - start
        fh.write(f"{_now()}  end      {summary.text()}\n")
    return summary


def _build(
    todo: list[tuple[PackRequest, str]],
    schedule: Schedule,
    paths: Paths,
    workers: int,
    force: bool,
    progress: bool | None,
    fh: Any,
    summary: RunSummary,
    log: Path | None = None,
) -> None:
    from tqdm import tqdm

    from kpitools.pack.build import framework_ranks

    own_data = paths.raw == Paths.from_data_dir().raw
    ds = load_data(paths, write_processed=own_data)  # InputError: nothing built, nothing written
    bar = tqdm(
        total=len(todo),
        unit="pack",
        desc="packs",
        disable=(not progress) if progress is not None else None,
        file=sys.stderr,
    )

    def record(o: BuildOutcome) -> None:
        summary.outcomes.append(o)
        fh.write(_log_line(o) + "\n")
        fh.flush()
        if o.status == "failed":
            bar.write(f"FAILED {o.request.label}: {o.message}", file=sys.stderr)
        bar.update(1)

    # A pack that would have no local figures (and is not asked to be benchmark-only) fails here, at
    # the cost of one filter of the local values, before a worker starts on it.
    queue = []
    for req, fp in todo:
        try:
            check_request(req, ds)
        except KpiError as exc:
            record(BuildOutcome(req, "failed", message=str(exc)))
        else:
            queue.append((req, fp))
    if not queue:
        bar.close()
        return
    ranks = framework_ranks(ds)
    workers = max(1, min(workers, len(queue)))
    retried: set[str] = set()
    try:
        while queue:
            pool = ProcessPoolExecutor(
                max_workers=workers,
                initializer=_worker_init,
                initargs=(ds, ranks, paths, schedule.notebooks_dir, os.getpid(), log),
            )
            futures: dict[Future, tuple[PackRequest, str]] = {
                pool.submit(_worker_build, req, fp, force): (req, fp) for req, fp in queue
            }
            queue = []
            try:
                pending = set(futures)
                while pending:
                    # in slices: a SIGTERM handed to another thread is acted on within a second
                    finished, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                    for f in finished:
                        req, fp = futures[f]
                        try:
                            record(f.result())
                        except BrokenProcessPool:
                            # A worker died (killed, out of memory): every unfinished pack of that pool
                            # is tried once more in a new pool; a pack that breaks two pools fails.
                            if fp in retried:
                                record(BuildOutcome(req, "failed", message="the worker process building it died"))
                            else:
                                retried.add(fp)
                                queue.append((req, fp))
            except (_Stop, KeyboardInterrupt):
                _terminate(pool)
                raise
            pool.shutdown(wait=True)
    finally:
        bar.close()


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now: each leaves through its SIGTERM handler, so builds clean up after themselves."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + 20
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
