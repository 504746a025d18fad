"""Run report notebooks with papermill on kernels started ahead, and name the failing cell when one fails."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from kpitools.core.config import SOURCE_ROOT
from kpitools.core.errors import ReportError
from kpitools.core.imports import import_jsonschema

_env_lock = threading.Lock()

# --------------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Parameters as papermill can inject them: paths and identifiers as strings, tuples as lists."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def _ensure_kernel_can_import_kpitools() -> None:
    """The kernel inherits this process's environment: put the kpitools checkout on PYTHONPATH so an
    uninstalled source checkout works too (harmless when kpitools is installed)."""
    root = str(SOURCE_ROOT)
    with _env_lock:
        current = os.environ.get("PYTHONPATH", "")
        if root not in current.split(os.pathsep):
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, current) if p)


def _source_cell_number(input_nb: Path, source: str | None, fallback_index: int | None) -> str:
    """The 1-based number of the failing cell in the notebook as written (papermill's index counts
    the cell it injects)."""
    try:
        import nbformat

        nb = nbformat.read(str(input_nb), as_version=4)
        if source is not None:
            for i, cell in enumerate(nb.cells):
                if cell.get("source", "") == source:
                    return str(i + 1)
    except Exception:
        pass
    return str((fallback_index or 0) + 1) if fallback_index is not None else "?"


def _first_line(source: str | None) -> str:
    for line in (source or "").splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= 80 else line[:77] + "..."
    return ""


def _kernel_manager_class() -> Any:
    """On POSIX, kernels talk to us over Unix sockets rather than TCP: nothing listens on the network
    of a shared council machine, parallel packs never race for ports, and ipykernel has nothing to
    warn about. Windows has no IPC transport and keeps TCP on localhost."""
    if os.name != "posix":
        return None
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    class IpcKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _unique_socket_prefix(self) -> str:
            # jupyter_client's default prefix is "kernel-ipc" in the working folder: two kernels
            # started at once there can pick the same socket and fail with "Invalid Signature".
            return os.path.join(tempfile.gettempdir(), f"kpitools-{uuid.uuid4().hex[:16]}-ipc")

    return IpcKernelManager


def run_notebook(
    input_nb: str | Path,
    output_nb: str | Path,
    parameters: Mapping[str, Any],
    kernel_name: str = "kpitools",
    *,
    cwd: str | Path | None = None,
    timeout: float | None = 900,
    km: Any = None,
) -> Path:
    """Execute a parameterised notebook with papermill.

    Parameters
    ----------
    input_nb
        The notebook as written (its first code cell is tagged ``parameters``).
    output_nb
        Where papermill writes the executed notebook (also when a cell fails).
    parameters
        Values for the parameters cell. Paths are passed as strings, tuples as lists; authority
        and period are passed as the strings given.
    kernel_name
        The Jupyter kernel to run in (``make venv`` installs ``kpitools``).
    cwd
        Working directory of the kernel; defaults to the notebook's folder.
    timeout
        Seconds a single cell may run (``None``: no limit).
    km
        A kernel already started (:class:`ReadyKernels`), to be used from the thread that
        started it; its working directory was set when it started, so ``cwd`` is not used. The
        caller shuts it down. By default a new kernel is started and shut down here.

    Returns
    -------
    pathlib.Path
        ``output_nb``.

    Raises
    ------
    ReportError
        Naming the notebook and the failing cell (its number in the notebook as written and its
        first line) with the exception, or a missing kernel, a timeout or a dead kernel. The
        error's ``executed_notebook`` is ``output_nb`` when papermill wrote it.
    """
    import_jsonschema()  # papermill imports nbformat, which imports jsonschema: keep it quick
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    input_nb, output_nb = Path(input_nb), Path(output_nb)
    output_nb.parent.mkdir(parents=True, exist_ok=True)
    _ensure_kernel_can_import_kpitools()
    name = input_nb.name
    if km is not None:
        how: dict[str, Any] = {"km": km}
    else:
        how = {"cwd": str(cwd if cwd is not None else input_nb.parent)}
        if manager := _kernel_manager_class():
            how["kernel_manager_class"] = manager
    try:
        pm.execute_notebook(
            str(input_nb),
            str(output_nb),
            parameters=_plain(dict(parameters)),
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            **how,
        )
    except PapermillExecutionError as exc:
        cell = _source_cell_number(input_nb, getattr(exc, "source", None), getattr(exc, "cell_index", None))
        first = _first_line(getattr(exc, "source", None))
        message = (
            f"notebook {name} failed in cell {cell}"
            + (f" ({first!r})" if first else "")
            + f": {exc.ename}: {exc.evalue}"
        )
        kept = output_nb if output_nb.exists() else None
        raise ReportError(message, executed_notebook=kept, notebook=name, cell=cell) from exc
    except Exception as exc:
        raise _execution_error(exc, name, kernel_name, timeout, output_nb) from exc
    return output_nb


def _execution_error(
    exc: BaseException, name: str, kernel_name: str, timeout: float | None, output_nb: Path | None = None
) -> ReportError:
    """A notebook that could not run, said in words (a missing kernel, a timeout, a dead kernel)."""
    kind = type(exc).__name__
    if kind == "NoSuchKernel":
        message = (
            f"notebook {name} cannot run: the Jupyter kernel {kernel_name!r} is not installed "
            f"(run 'make venv', or 'python -m ipykernel install --sys-prefix --name {kernel_name}')"
        )
    elif kind in ("CellTimeoutError", "TimeoutError"):
        message = f"notebook {name} timed out: a cell ran for more than {timeout} seconds"
    elif kind == "DeadKernelError":
        message = f"notebook {name} failed: the kernel died (out of memory, or the run was stopped): {exc}"
    else:
        message = f"notebook {name} could not be executed: {kind}: {exc}"
    kept = output_nb if output_nb is not None and output_nb.exists() else None
    return ReportError(message, executed_notebook=kept, notebook=name)


class ReadyKernels:
    """Kernels started ahead for a pack's notebooks, one per notebook, each in its own thread.

    Starting a kernel costs about 0.75 s of CPU in the kernel's own process. A pack starts its
    kernels before it draws its sections, so on a free core that time is hidden; the notebooks
    then run at the same time, each in its own kernel. A kernel is only ever used from the thread
    that started it (jupyter_client's asyncio objects belong to that thread's event loop). Leaving
    the ``with`` block shuts every kernel down; leaving it on an error (or a stop) kills them, so
    no notebook runs on.

    Examples
    --------
    >>> with ReadyKernels(["notebooks/a.ipynb", "notebooks/b.ipynb"]) as kernels:   # doctest: +SKIP
    ...     draw_the_charts()                                  # while the kernels start
    ...     executed = [kernels.run(i, nb, f"out/{i}.ipynb", params) for i, nb in enumerate(kernels.notebooks)]
    ...     paths = [future.result() for future in executed]
    """

    def __init__(self, notebooks: Sequence[str | Path], kernel_name: str = "kpitools") -> None:
        from concurrent.futures import ThreadPoolExecutor

        _ensure_kernel_can_import_kpitools()
        self.kernel_name = kernel_name
        self.notebooks = [Path(n).resolve() for n in notebooks]
        self._threads = [ThreadPoolExecutor(1, thread_name_prefix="kpitools-kernel") for _ in self.notebooks]
        self._managers: list[Any] = [None] * len(self.notebooks)
        # Each notebook runs with its own folder as working directory, set as its kernel starts.
        self._started = [
            t.submit(self._start, i, nb.parent) for i, (t, nb) in enumerate(zip(self._threads, self.notebooks))
        ]

    def _start(self, i: int, cwd: Path) -> Any:
        from jupyter_core.utils import run_sync

        manager_class = _kernel_manager_class()
        if manager_class is None:
            from jupyter_client.manager import AsyncKernelManager as manager_class
        km = manager_class(kernel_name=self.kernel_name)
        self._managers[i] = km
        run_sync(km.start_kernel)(cwd=str(cwd))
        return km

    def run(
        self,
        i: int,
        input_nb: str | Path,
        output_nb: str | Path,
        parameters: Mapping[str, Any],
        timeout: float | None = 900,
    ) -> Future[Path]:
        """Run notebook ``i`` in its kernel, in its thread; the future gives ``output_nb`` or raises
        :class:`ReportError`. The kernel is shut down afterwards, in the same thread."""

        def job() -> Path:
            try:
                km = self._started[i].result()
            except Exception as exc:
                raise _execution_error(exc, Path(input_nb).name, self.kernel_name, timeout) from exc
            try:
                return run_notebook(input_nb, output_nb, parameters, self.kernel_name, timeout=timeout, km=km)
            finally:
                # queued behind this job: the caller has the notebook before the kernel has gone
                # (once closed, close() has queued the shut-down already)
                with contextlib.suppress(RuntimeError):
                    self._threads[i].submit(self._shutdown, i, False)

        return self._threads[i].submit(job)

    def _shutdown(self, i: int, now: bool) -> None:
        from jupyter_core.utils import run_sync

        km, self._managers[i] = self._managers[i], None
        if km is None:
            return
        try:
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=now)
            run_sync(km.cleanup_resources)()
        except Exception:  # a kernel already gone: nothing left to shut down
            pass

    def _kill(self) -> None:
        # From the calling thread: a signal to each kernel process, so that a notebook still
        # running in another thread ends at once (nbclient then sees a dead kernel).
        for km in list(self._managers):
            process = getattr(getattr(km, "provisioner", None), "process", None)
            if process is not None and process.poll() is None:
                with contextlib.suppress(OSError):
                    process.kill()

    def close(self, kill: bool = False) -> None:
        """Shut every kernel down and wait for the threads; ``kill`` ends running notebooks at once.
        Calling it again does nothing."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        if kill:
            self._kill()
        for i, t in enumerate(self._threads):
            t.submit(self._shutdown, i, kill)
            t.shutdown(wait=True)

    def __enter__(self) -> ReadyKernels:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.close(kill=exc_type is not None)


# --------------------------------------------------------------------------------------------
