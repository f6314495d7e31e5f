"""The `jsna` command line: parse, call one library function, print, set the exit code.

Only this module prints, configures logging, or turns exceptions into exit codes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from jsna import __version__
from jsna.errors import EXIT_CANNOT_RUN, EXIT_INVALID, InvalidDataError, JsnaError

app = typer.Typer(
    name="jsna",
    help="Joint Strategic Needs Assessment toolkit: ingest public-health files, compute OHID/Fingertips "
         "indicators and report the 2007 minimum dataset as HTML or PDF.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
indicators_app = typer.Typer(help="List and describe the indicators jsna can compute.", no_args_is_help=True)
app.add_typer(indicators_app, name="indicators")

_STATE: dict[str, Any] = {"debug": False}

ProjectOpt = Annotated[Path, typer.Option("--project", "-p", help="Project folder (holds jsna.toml and the workspace).",
                                          file_okay=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON for machines.")]


def _console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def _progress(stderr_console):  # type: ignore[no-untyped-def]
    def step(message: str) -> None:
        stderr_console.print(f"[dim]· {message}[/dim]")

    return step


def _version(value: bool) -> None:
    if value:
        typer.echo(f"jsna {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")] = False,
) -> None:
    _STATE["debug"] = debug


def _options(sheet: str | None, skip_rows: int | None, period: str | None, variant: str | None,
             measure: str | None, mapping: list[str] | None, encoding: str | None = None):  # type: ignore[no-untyped-def]
    from jsna.errors import UsageError
    from jsna.ingest.base import ReadOptions

    column_map = {}
    for item in mapping or []:
        if "=" not in item:
            raise UsageError(f"--map takes SOURCE=CANONICAL, got {item!r}")
        source, canonical = item.split("=", 1)
        column_map[source.strip()] = canonical.strip()
    return ReadOptions(sheet=sheet, skip_rows=skip_rows, period=period, variant=variant, measure=measure,
                       encoding=encoding, column_map=column_map)


def _print_issues(report: Any, limit: int = 50) -> None:
    from rich.table import Table

    console = _console()
    if not report.issues:
        return
    table = Table(title=f"{report.file}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)",
                  show_lines=False)
    for col in ("", "row", "column", "value", "problem"):
        table.add_column(col)
    for issue in report.issues[:limit]:
        mark = "[red]✗[/red]" if issue.severity == "error" else "[yellow]![/yellow]"
        table.add_row(mark, str(issue.row or ""), str(issue.column or ""), str(issue.value or ""), issue.message)
    console.print(table)
    if len(report.issues) > limit:
        console.print(f"… and {len(report.issues) - limit} more (use --json for all)")


# -- commands -------------------------------------------------------------------------------
@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
         name: Annotated[str | None, typer.Option(help="Report title.")] = None,
         as_json: JsonOpt = False) -> None:
    """Scaffold a project: jsna.toml, inputs/, narrative/ and .gitignore."""
    from jsna import api

    result = api.init_project(directory, name=name)
    if as_json:
        return _emit_json(result.to_dict())
    _console().print(f"Created a jsna project in [bold]{result.directory}[/bold]: {', '.join(result.created)}")
    _console().print("Next: put your files in inputs/ and run [bold]jsna ingest KIND FILE[/bold].")


@app.command()
def ingest(
    args: Annotated[list[str], typer.Argument(help="KIND FILE… (or just FILE… to detect the kind).", metavar="[KIND] FILE...")],
    project: ProjectOpt = Path("."),
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name or number.")] = None,
    skip_rows: Annotated[int | None, typer.Option(help="Rows above the header row.")] = None,
    period: Annotated[str | None, typer.Option(help="Period for files that do not say, e.g. 2024.")] = None,
    variant: Annotated[str | None, typer.Option(help="Projection variant for population files.")] = None,
    measure: Annotated[str | None, typer.Option(help="Event measure for files that do not say.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding (detected when omitted).")] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", help="SOURCE=CANONICAL column mapping.")] = None,
    skip_invalid_rows: Annotated[bool, typer.Option(help="Load the good rows; quarantine the bad ones.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate files and load them into the workspace (all or nothing per file)."""
    from jsna import api

    kind, files = _kind_and_files(args)
    config = api.project_config(project)
    summary = api.ingest(config, kind, files, _options(sheet, skip_rows, period, variant, measure, mapping, encoding),
                         skip_invalid_rows=skip_invalid_rows)
    if as_json:
        return _emit_json(summary.to_dict())
    for o in summary.outcomes:
        if o.status == "unchanged":
            _console().print(f"[dim]{o.file}: already loaded (same sha256), nothing to do[/dim]")
            continue
        quarantined = f", {o.rows_quarantined:,} quarantined" if o.rows_quarantined else ""
        _console().print(f"[green]✓[/green] {o.file}: {o.kind} ({o.layout}), {o.rows_loaded:,} of {o.rows_read:,} rows "
                         f"loaded{quarantined}; {o.records:,} records, {o.areas:,} areas, periods {', '.join(o.periods[:6]) or '–'}")
        if o.report and o.report.warnings:
            _print_issues(o.report, limit=10)


def _kind_and_files(args: list[str]) -> tuple[str | None, list[Path]]:
    from jsna import api
    from jsna.errors import UsageError

    known = api.kinds()
    if args and args[0] in known:
        kind, files = args[0], args[1:]
    elif args and not Path(args[0]).exists() and len(args) > 1:
        raise UsageError(f"unknown kind {args[0]!r}; kinds are: {', '.join(known)}")
    else:
        kind, files = None, args
    if not files:
        raise UsageError("give at least one FILE")
    return kind, [Path(f) for f in files]


@app.command()
def validate(
    args: Annotated[list[str], typer.Argument(help="KIND FILE (or just FILE).", metavar="[KIND] FILE")],
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name or number.")] = None,
    skip_rows: Annotated[int | None, typer.Option(help="Rows above the header row.")] = None,
    period: Annotated[str | None, typer.Option(help="Period for files that do not say.")] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", help="SOURCE=CANONICAL column mapping.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a file against its kind's schema and list every problem; loads nothing."""
    from jsna import api

    kind, files = _kind_and_files(args)
    reports = [api.validate(kind, f, _options(sheet, skip_rows, period, None, None, mapping)) for f in files]
    if as_json:
        _emit_json({"files": [r.to_dict() for r in reports]})
    else:
        for r in reports:
            _print_issues(r)
            mark = "[green]✓ valid[/green]" if r.ok else "[red]✗ invalid[/red]"
            _console().print(f"{mark}: {r.file} ({r.kind}), {r.rows_read:,} rows, {len(r.errors)} error(s), "
                             f"{len(r.warnings)} warning(s)")
    if any(not r.ok for r in reports):
        raise typer.Exit(EXIT_INVALID)


@app.command()
def inputs(project: ProjectOpt = Path("."), as_json: JsonOpt = False) -> None:
    """List the files loaded into the workspace, with their sha256."""
    from rich.table import Table

    from jsna import api

    listing = api.list_inputs(api.project_config(project))
    if as_json:
        return _emit_json(listing.to_dict())
    table = Table(title="Inputs")
    for col in ("id", "kind", "file", "rows", "periods", "areas", "status", "sha256"):
        table.add_column(col)
    for r in listing.rows:
        table.add_row(str(r["source_id"]), r["kind"], r["file_name"], f"{r['rows_loaded']:,}/{r['rows_read']:,}",
                      str(r["periods"] or "")[:30], str(r["areas"]), r["status"], str(r["sha256"])[:12])
    _console().print(table)


@app.command()
def compute(project: ProjectOpt = Path("."), as_json: JsonOpt = False) -> None:
    """Run every enabled indicator (built-in and plugins) into the results table."""
    from jsna import api

    result = api.compute(api.project_config(project), progress=None if as_json else _progress(_console(True)))
    if as_json:
        _emit_json(result.to_dict())
    else:
        _print_compute(result)
    if not result.ok:
        raise typer.Exit(EXIT_INVALID)


def _print_compute(result: Any) -> None:
    console = _console()
    for run in result.runs:
        mark = {"computed": "[green]✓[/green]", "skipped": "[yellow]–[/yellow]", "failed": "[red]✗[/red]"}[run.status]
        detail = f"{run.rows:,} rows" if run.status == "computed" else run.reason
        console.print(f"{mark} {run.id}: {detail}")
    for failure in result.plugin_failures:
        console.print(f"[red]✗ plugin {failure.name}[/red]: {failure.reason}")
    console.print(f"{result.rows:,} result rows")


@app.command()
def report(
    project: ProjectOpt = Path("."),
    area: Annotated[str | None, typer.Option(help="GSS code of the area (default: project.area).")] = None,
    fmt: Annotated[list[str] | None, typer.Option("--format", "-f", help="html or pdf (repeatable).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Folder for the report.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Render the minimum-dataset report for one area as HTML or PDF."""
    from jsna import api

    result = api.report(api.project_config(project), area=area, formats=fmt, output=output)
    if as_json:
        return _emit_json(result.to_dict())
    for path in result.outputs:
        _console().print(f"[green]✓[/green] wrote {path}")


@app.command()
def run(
    config: Annotated[Path, typer.Option("--config", "-c", help="The project's jsna.toml.", dir_okay=False)] = Path("jsna.toml"),
    area: Annotated[str | None, typer.Option(help="Override project.area.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest the inputs listed in jsna.toml, compute and report: the scheduled path."""
    from jsna import api

    result = api.run(config, area=area, progress=_progress(_console(True)))
    _print_run(result, as_json)


def _print_run(result: Any, as_json: bool) -> None:
    if as_json:
        return _emit_json(result.to_dict())
    console = _console()
    comp = result.compute
    console.print(f"Inputs: {len(result.ingested)}; indicators computed {len(comp.get('computed', []))}, "
                  f"skipped {len(comp.get('skipped', []))}, failed {len(comp.get('failed', []))}")
    for path in result.outputs:
        console.print(f"[green]✓[/green] wrote {path}")


@app.command()
def demo(
    directory: Annotated[Path | None, typer.Argument(help="Folder for the demo project (default: a new temporary folder).")] = None,
    fmt: Annotated[list[str] | None, typer.Option("--format", "-f", help="html or pdf (repeatable).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build a complete report from the bundled synthetic samples."""
    from jsna import api

    result = api.demo(directory, progress=_progress(_console(True)), formats=fmt)
    _print_run(result, as_json)
    if not as_json:
        _console().print(f"Open the report: [bold]{result.outputs[0]}[/bold]")


@indicators_app.command("list")
def indicators_list(as_json: JsonOpt = False) -> None:
    """List every registered indicator (built-in and plugins)."""
    from rich.table import Table

    from jsna.indicators.registry import IndicatorRegistry

    registry = IndicatorRegistry.from_entry_points()
    if as_json:
        return _emit_json({"indicators": [dict(i.describe(), origin=registry.origin[i.id]) for i in registry],
                           "failures": [f.to_dict() for f in registry.failures]})
    table = Table(title="Indicators")
    for col in ("id", "title", "section", "unit", "polarity", "from"):
        table.add_column(col)
    for ind in registry:
        table.add_row(ind.id, ind.title, ind.section, ind.unit, ind.polarity, registry.origin[ind.id])
    _console().print(table)
    for failure in registry.failures:
        _console().print(f"[red]✗ plugin {failure.name}[/red]: {failure.reason}")


@indicators_app.command("show")
def indicators_show(indicator_id: Annotated[str, typer.Argument(help="Indicator id.")], as_json: JsonOpt = False) -> None:
    """Show one indicator's declaration: definition, method, inputs it needs."""
    from jsna.indicators.registry import IndicatorRegistry

    registry = IndicatorRegistry.from_entry_points()
    info = dict(registry.get(indicator_id).describe(), origin=registry.origin[indicator_id])
    if as_json:
        return _emit_json(info)
    for key, value in info.items():
        _console().print(f"[bold]{key}[/bold]: {value}")


# -- entry point ----------------------------------------------------------------------------------
def main() -> None:
    """Console-script entry point: maps exceptions to exit codes and one red line each.

    Usage errors (unknown option, missing argument) are handled by typer and exit 2.
    """
    try:
        app()
    except JsnaError as exc:
        if _STATE["debug"]:
            raise
        _report_error(exc)
        sys.exit(exc.exit_code)
    except (FileNotFoundError, PermissionError, IsADirectoryError, UnicodeDecodeError) as exc:
        if _STATE["debug"]:
            raise
        from rich.markup import escape

        _console(True).print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(EXIT_CANNOT_RUN)


def _report_error(exc: JsnaError) -> None:
    console = _console(True)
    if "--json" in sys.argv:
        sys.stdout.write(json.dumps(exc.to_dict(), indent=2, default=str) + "\n")
    from rich.markup import escape

    for line in str(exc).splitlines() or [type(exc).__name__]:
        console.print(f"[red]error:[/red] {escape(line)}")
    if isinstance(exc, InvalidDataError):
        for issue in exc.issues[:30]:
            console.print(f"  [red]✗[/red] {escape(str(issue))}")
        if len(exc.issues) > 30:
            console.print(f"  … and {len(exc.issues) - 30} more (jsna validate KIND FILE --json lists all)")


if __name__ == "__main__":
    main()
