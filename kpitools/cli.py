"""The ``kpitools`` command: score a scorecard, build a quarterly pack, run a schedule."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .errors import ConfigError, KpiError
from .pack import write_scorecard


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


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
            if os.environ.get("KPITOOLS_DEBUG"):
                raise
            click.echo(f"kpitools: internal error ({type(exc).__name__}: {exc}). "
                       "Set KPITOOLS_DEBUG=1 to see the details and report it.", err=True)
            sys.exit(70)


@click.group(cls=_Group)
@click.version_option(package_name="kpitools")
def main() -> None:
    """Children's services KPI scrutiny: scorecards, benchmarks and quarterly packs."""


@main.command("score")
@click.option("--authority", required=True, help="Name, new code (E09000016) or old LA code (311).")
@click.option("--period", default="latest", show_default=True, help="A quarter such as '2025-26 Q2', or latest.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A folder laid out like data/raw (default: the project's data/raw).")
@click.option("--comparators", default="", help="Comma-separated authorities to compare with.")
@click.option("--indicators", default="", help="Comma-separated indicator ids (default: all).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Scorecard file to write: .csv or .json.")
def score_command(authority: str, period: str, data_dir: Path | None, comparators: str, indicators: str,
                  out: Path) -> None:
    """Score one authority for one period and write the scorecard."""
    from .loaders import load_dataset
    from .pack import build_tables

    if out.suffix.lower() not in (".csv", ".json"):
        raise ConfigError(f"--out {out}: the file name must end in .csv or .json")
    ds = load_dataset(data_dir, write_processed=data_dir is None)
    tables = build_tables(ds, authority, period, _split(comparators), _split(indicators))
    write_scorecard(tables.scorecard, tables.meta, out)
    click.echo(f"{tables.meta['authority_name']} {tables.meta['period']}: {tables.meta['summary_sentence']} "
               f"Scorecard written to {out}")


@main.command("report")
@click.option("--authority", default=None, help="Name, new code or old LA code (default: the demo authority).")
@click.option("--period", default="latest", show_default=True, help="A quarter such as '2025-26 Q2', or latest.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--comparators", default="", help="Comma-separated authorities to compare with.")
@click.option("--indicators", default="", help="Comma-separated indicator ids (default: all).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: outputs/).")
def report_command(authority: str | None, period: str, data_dir: Path | None, comparators: str, indicators: str,
                   out: Path | None) -> None:
    """Execute the report notebooks and write the HTML pack to outputs/<authority>/<period>/."""
    from .runner import run_pack

    result = run_pack(authority=authority, period=period, data_dir=data_dir, comparators=_split(comparators),
                      indicators=_split(indicators), outputs=out)
    click.echo(f"Pack written: {result}")


if __name__ == "__main__":
    main()
