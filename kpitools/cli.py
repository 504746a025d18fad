"""The ``kpitools`` command: score a scorecard, build a quarterly pack, run a schedule."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from kpitools.core.errors import WRITE_ERRNOS, ConfigError, KpiError, WriteError


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


@contextlib.contextmanager
def _sigterm_stops() -> Iterator[None]:
    """SIGTERM (a scheduler stopping the command, ``kill``) stops it as Ctrl-C does: the work in hand
    unwinds through Python, so temporary folders are removed and kernels shut down, and the command
    says so and exits 130. A second SIGTERM while that clean-up runs is ignored."""

    def stop(_signum: int, _frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KpiError as exc:
            click.echo(f"kpitools: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly; the traceback only on request
            if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
                # A read-only or full disk that no command named the folder of: the machine's, not a
                # bug; exit 3 as for a pack that could not be built. (Each command converts the errors
                # of the folders it writes, permission included, naming the folder.)
                where = f" ({exc.filename})" if exc.filename else ""
                click.echo(
                    f"kpitools: a file could not be written: {exc.strerror}{where}. Check that the disk "
                    "has room and may be written to.",
                    err=True,
                )
                sys.exit(WriteError.exit_code)
            if os.environ.get("KPITOOLS_DEBUG"):
                raise
            click.echo(
                f"kpitools: internal error ({type(exc).__name__}: {exc}). "
                "Set KPITOOLS_DEBUG=1 to see the details and report it.",
                err=True,
            )
            sys.exit(70)


@click.group(cls=_Group)
@click.version_option(package_name="kpitools")
def main() -> None:
    """Children's services KPI scrutiny: scorecards, benchmarks and quarterly packs."""


_PERIOD_HELP = (
    "A quarter such as '2025-26 Q2', a month such as '2025-08' (a monthly pack: monthly indicators at the "
    "month, the others at the latest quarter ended), latest (the latest quarter) or 'latest month'."
)
_BENCHMARK_ONLY_HELP = (
    "When the authority has no local figures for the period, build a pack of published benchmarks only "
    "(without it, such a request stops with exit 2 and writes nothing). An authority with local figures "
    "for the period still gets its full pack."
)


@main.command("score")
@click.option("--authority", required=True, help="Name, new code (E09000016) or old LA code (311).")
@click.option("--period", default="latest", show_default=True, help=_PERIOD_HELP)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A folder laid out like data/raw (default: the project's data/raw).",
)
@click.option("--comparators", default="", help="Comma-separated authorities to compare with.")
@click.option("--indicators", default="", help="Comma-separated indicator ids (default: all).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Scorecard file to write: .csv or .json.",
)
@click.option("--benchmark-only", is_flag=True, help=_BENCHMARK_ONLY_HELP)
def score_command(
    authority: str,
    period: str,
    data_dir: Path | None,
    comparators: str,
    indicators: str,
    out: Path,
    benchmark_only: bool,
) -> None:
    """Score one authority for one period and write the scorecard.

    Exit code 0 when written, 2 for bad input or a bad option (or no local figures for the period
    without --benchmark-only: nothing is written), 3 when the scorecard (or data/processed) cannot
    be written.
    """
    from kpitools.core.config import Paths
    from kpitools.pack.build import build_tables, write_scorecard
    from kpitools.run.runner import load_data, save_processed

    if out.suffix.lower() not in (".csv", ".json"):
        raise ConfigError(f"--out {out}: the file name must end in .csv or .json")
    paths = Paths.from_data_dir(data_dir)
    ds = load_data(paths)
    tables = build_tables(
        ds, authority, period, _split(comparators), _split(indicators), benchmark_only=benchmark_only
    )  # a period with no local figures stops here, before anything is written
    if data_dir is None:
        save_processed(ds, paths)
    try:
        write_scorecard(tables.scorecard, tables.meta, out)
    except OSError as exc:
        raise WriteError.from_os_error(exc, f"the scorecard (--out {out})", out.parent) from None
    click.echo(
        f"{tables.meta['authority_name']} {tables.meta['period']}: {tables.meta['summary_sentence']} "
        f"Scorecard written to {out}"
    )


@main.command("report")
@click.option("--authority", default=None, help="Name, new code or old LA code (default: the demo authority).")
@click.option("--period", default="latest", show_default=True, help=_PERIOD_HELP)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--comparators", default="", help="Comma-separated authorities to compare with.")
@click.option("--indicators", default="", help="Comma-separated indicator ids (default: all).")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder (default: outputs/)."
)
@click.option(
    "--publish/--draft",
    default=None,
    help="--publish withholds counts of 1 to 5 and the figures derived from them, everywhere in the "
    "pack (default: publication.publish in settings.yaml, else --draft).",
)
@click.option("--pdf", is_flag=True, help="Also print the pack to one A4 PDF with headless Chromium.")
@click.option("--benchmark-only", is_flag=True, help=_BENCHMARK_ONLY_HELP)
def report_command(
    authority: str | None,
    period: str,
    data_dir: Path | None,
    comparators: str,
    indicators: str,
    out: Path | None,
    publish: bool | None,
    pdf: bool,
    benchmark_only: bool,
) -> None:
    """Execute the report notebooks and write the HTML pack to outputs/<authority>/<period>/.

    Exit code 0 when written, 2 for bad input or a bad option (or no local figures for the period
    without --benchmark-only: nothing is written), 3 when a notebook fails or the pack cannot be
    written (the previous pack is unchanged), 130 when stopped (SIGTERM or Ctrl-C).
    """
    from kpitools.run.runner import run_pack

    try:
        with _sigterm_stops():
            result = run_pack(
                authority=authority,
                period=period,
                data_dir=data_dir,
                comparators=_split(comparators),
                indicators=_split(indicators),
                outputs=out,
                publish=publish,
                pdf=pdf,
                benchmark_only=benchmark_only,
            )
    except KeyboardInterrupt:
        click.echo(
            "kpitools: the report was stopped. Nothing was published: the previous pack (if any) is "
            "unchanged and the temporary folders are removed. Run the same command again to build it.",
            err=True,
        )
        sys.exit(130)
    click.echo(f"Pack written: {result}")


@main.command("run")
@click.option(
    "--schedule",
    "schedule_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A schedule YAML file (see schedules/london_latest.yaml).",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=None, help="Packs built at once (default: the number of cores)."
)
@click.option("--force", is_flag=True, help="Rebuild packs even if nothing they are made from has changed.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: only on a terminal).")
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Run log to append to (default: outputs/logs/run-<time>.log).",
)
def run_command(
    schedule_file: Path, workers: int | None, force: bool, progress: bool | None, log_file: Path | None
) -> None:
    """Build every pack a schedule names, in parallel; skip the unchanged ones.

    Exit code 0 when every pack was built or skipped, 3 when any failed (the others are still
    published; an authority with no local figures for the period fails, writing nothing, unless the
    schedule says benchmark_only: true) or the run log cannot be written, 2 for a bad schedule or bad
    input, 130 when stopped.
    """
    from kpitools.run.schedule import load_schedule, run_schedule

    try:
        with _sigterm_stops():
            schedule = load_schedule(schedule_file)
            summary = run_schedule(schedule, workers=workers, force=force, progress=progress, log=log_file)
    except KeyboardInterrupt:
        click.echo(
            "kpitools: the run was stopped. Finished packs are published; the others keep their "
            "previous pack. Run the same command again to finish.",
            err=True,
        )
        sys.exit(130)
    click.echo(summary.text())
    click.echo(f"Run log: {summary.log}")
    if not summary.ok:
        for o in summary.outcomes:
            if o.status == "failed":
                click.echo(f"  failed: {o.request.label}: {o.message.splitlines()[0] if o.message else ''}", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
