"""The `jsna` command line: parse, call one library function, print, set the exit code.

Only this module prints, configures logging, or turns exceptions into exit codes.
"""

# Annotations here are evaluated when each command is defined (no `from __future__ import
# annotations`): typer reads every parameter's annotation to build the command line, and string
# annotations would cost an eval each on every start, `jsna --help` included.

import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from jsna import __version__
from jsna.errors import EXIT_CANNOT_RUN, EXIT_INVALID, InvalidDataError, JsnaError
from jsna.options import YearType

#: what the parsed command line asked for, read by main() when a command fails
_STATE: dict[str, Any] = {"debug": False, "json": False}


def _set_debug(value: bool) -> bool:
    if value:
        _STATE["debug"] = True
    return value


def _set_json(value: bool) -> bool:
    if value:
        _STATE["json"] = True
    return value


app = typer.Typer(
    name="jsna",
    help="Joint Strategic Needs Assessment toolkit: ingest public-health files, compute OHID/Fingertips "
    "indicators and report the 2007 minimum dataset as HTML or PDF.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    epilog="Try it: jsna demo. Docs: README.md and docs/. Developers: the test suite (pytest) also builds "
    "real areas' reports from openly licensed files in ../shared/data/real, or the folder named by "
    "JSNA_REAL_DATA, and skips those tests when neither is there.",
)
indicators_app = typer.Typer(
    help="List and describe the indicators jsna can compute.", no_args_is_help=True
)
app.add_typer(indicators_app, name="indicators")

ProjectOpt = Annotated[
    Path,
    typer.Option(
        "--project",
        "-p",
        help="Project folder (holds jsna.toml and the workspace).",
        file_okay=False,
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print the result (or the error) as JSON.", callback=_set_json),
]
#: every command takes --debug (as the root does), wherever it is put on the line
DebugOpt = Annotated[
    bool,
    typer.Option(
        "--debug", help="Show the full traceback on errors.", callback=_set_debug, is_eager=True
    ),
]


def _set_wait(value: float) -> float:
    import math

    from jsna.errors import UsageError
    from jsna.workspace import set_lock_wait

    if math.isnan(value) or value < 0:
        raise UsageError(f"--wait must be a number of seconds >= 0, got {value:g}")

    def tell(message: str) -> None:
        from rich.markup import escape

        _console(True).print(f"[yellow]…[/yellow] {escape(message)}")

    set_lock_wait(value, tell)
    return value


_WAIT_HELP = "Seconds to wait for a workspace another command is using (0: fail at once)."
WaitOpt = Annotated[
    float,
    typer.Option("--wait", metavar="SECONDS", help=_WAIT_HELP, callback=_set_wait),
]
RunWaitOpt = Annotated[
    float,
    typer.Option(
        "--wait", metavar="SECONDS", help=_WAIT_HELP + " Default 300 s.", callback=_set_wait
    ),
]


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
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback on errors.")
    ] = False,
) -> None:
    # before any command's own --wait: commands without it wait the default time for a busy
    # workspace (set here, not in main, so that --help and --version import no workspace code)
    _set_wait(60.0)
    if debug:
        _STATE["debug"] = True


def _read_option_parameters() -> list[inspect.Parameter]:
    """The options of one input file (:class:`jsna.options.ReadOptions`) as typer parameters."""
    from jsna.options import option_fields

    annotated: Any = Annotated  # built at run time from the model, not written out
    params = []
    for spec in option_fields():
        if spec.type is list:
            info = typer.Option(spec.flag, help=spec.help, metavar=spec.metavar)
            annotation = annotated[list[str] | None, info]
        else:
            info = typer.Option(spec.flag, help=spec.help, min=spec.minimum)
            annotation = annotated[spec.type | None, info]
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        params.append(inspect.Parameter(spec.name, kind, default=None, annotation=annotation))
    return params


def _with_read_options(after: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command every option of :class:`jsna.options.ReadOptions`, after its ``after``
    parameter; the command takes them as ``**read`` and passes them to ``ReadOptions.from_cli``."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
        at = [p.name for p in own].index(after) + 1
        params = [*own[:at], *_read_option_parameters(), *own[at:]]
        command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]  # typer reads the generated signature
        return command

    return decorate


def _print_issues(report: Any, limit: int = 50) -> None:
    from rich.table import Table

    console = _console()
    if not report.issues:
        return
    table = Table(
        title=f"{report.file}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)",
        show_lines=False,
    )
    for col in ("", "row", "column", "value", "problem"):
        table.add_column(col)
    for issue in report.issues[:limit]:
        mark = "[red]✗[/red]" if issue.severity == "error" else "[yellow]![/yellow]"
        table.add_row(
            mark,
            str(issue.row or ""),
            str(issue.column or ""),
            str(issue.value or ""),
            issue.message,
        )
    console.print(table)
    if len(report.issues) > limit:
        console.print(f"… and {len(report.issues) - limit} more (use --json for all)")


# -- commands -------------------------------------------------------------------------------
@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
    name: Annotated[str | None, typer.Option(help="Report title.")] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Scaffold a project: jsna.toml, inputs/, narrative/ and .gitignore."""
    from jsna import api

    result = api.init_project(directory, name=name)
    if as_json:
        return _emit_json(result.to_dict())
    _console().print(
        f"Created a jsna project in [bold]{result.directory}[/bold]: {', '.join(result.created)}"
    )
    _console().print("Next: put your files in inputs/ and run [bold]jsna ingest KIND FILE[/bold].")


@app.command()
@_with_read_options(after="project")
def ingest(
    args: Annotated[
        list[str],
        typer.Argument(
            help="KIND FILE… (or just FILE… to detect the kind).", metavar="[KIND] FILE..."
        ),
    ],
    project: ProjectOpt = Path("."),
    skip_invalid_rows: Annotated[
        bool, typer.Option(help="Load the good rows; quarantine the bad ones.")
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Load again a file already loaded (e.g. with other "
            "options), taking its earlier load out.",
        ),
    ] = False,
    wait: WaitOpt = 60.0,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
    **read: Any,
) -> None:
    """Validate files and load them into the workspace (all or nothing per file).

    Kinds: see docs/data-formats.md. Bad rows are refused with their row, column and value;
    --skip-invalid-rows loads the rest and keeps the bad ones (jsna quarantine list). A newer
    file replaces older rows only where it has the same full key (area, period, sex, age,
    cause, variant, ...); each replacement is listed.
    """
    from rich.markup import escape

    from jsna import api
    from jsna.options import ReadOptions

    kind, files = _kind_and_files(args)
    config = api.project_config(project)
    options = ReadOptions.from_cli(read)
    summary = api.ingest(
        config, kind, files, options, skip_invalid_rows=skip_invalid_rows, replace=replace
    )
    if as_json:
        return _emit_json(summary.to_dict())
    console = _console()
    for o in summary.outcomes:
        if o.status == "unchanged":
            console.print(f"[dim]{escape(o.file)}: {escape(o.note)}[/dim]")
            continue
        quarantined = f", {o.rows_quarantined:,} quarantined" if o.rows_quarantined else ""
        console.print(
            f"[green]✓[/green] {o.file}: {o.kind} ({o.layout}), {o.rows_loaded:,} of {o.rows_read:,} rows "
            f"loaded{quarantined}; {o.records:,} records, {o.areas:,} areas, periods {', '.join(o.periods[:6]) or '–'}"
        )
        for d in o.dropped:
            console.print(
                f"  took out its earlier load (input {d.source_id}): {_rows_in_words(d.rows)}"
            )
        for r in o.replaced:
            console.print(f"  {r.describe()}")
        if o.note:
            console.print(f"  {escape(o.note)}")
        if o.report and o.report.warnings:
            _print_issues(o.report, limit=10)
    if summary.results_stale:
        console.print(
            "[yellow]![/yellow] results were computed from rows now taken out: run jsna compute again"
        )


def _rows_in_words(rows: dict[str, int]) -> str:
    return (
        ", ".join(f"{n:,} {table} row{'s' if n != 1 else ''}" for table, n in rows.items())
        or "no rows"
    )


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
@_with_read_options(after="args")
def validate(
    args: Annotated[
        list[str], typer.Argument(help="KIND FILE (or just FILE).", metavar="[KIND] FILE")
    ],
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
    **read: Any,
) -> None:
    """Check a file against its kind's schema and list every problem; loads nothing."""
    from jsna import api
    from jsna.options import ReadOptions

    kind, files = _kind_and_files(args)
    options = ReadOptions.from_cli(read)
    reports = [api.validate(kind, f, options) for f in files]
    if as_json:
        _emit_json({"files": [r.to_dict() for r in reports]})
    else:
        for r in reports:
            _print_issues(r)
            mark = "[green]✓ valid[/green]" if r.ok else "[red]✗ invalid[/red]"
            _console().print(
                f"{mark}: {r.file} ({r.kind}), {r.rows_read:,} rows, {len(r.errors)} error(s), "
                f"{len(r.warnings)} warning(s)"
            )
    if any(not r.ok for r in reports):
        raise typer.Exit(EXIT_INVALID)


@app.command()
def inputs(
    project: ProjectOpt = Path("."), as_json: JsonOpt = False, debug: DebugOpt = False
) -> None:
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
        table.add_row(
            str(r["source_id"]),
            r["kind"],
            r["file_name"],
            f"{r['rows_loaded']:,}/{r['rows_read']:,}",
            str(r["periods"] or "")[:30],
            str(r["areas"]),
            r["state"],
            str(r["sha256"])[:12],
        )
    console = _console()
    console.print(table)
    for r in listing.rows:
        for x in r["replaced"]:
            console.print(
                f"input {r['source_id']} ({r['file_name']}) replaced {x['rows']:,} {x['table']} rows "
                f"from input {x['source_id']} ({x['file']})"
            )


@app.command()
def remove(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="Input ids (jsna inputs), or the loaded files' paths or names.",
            metavar="FILE|ID...",
        ),
    ],
    project: ProjectOpt = Path("."),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be removed.")
    ] = False,
    wait: WaitOpt = 60.0,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Take loaded files out of the workspace: every row, quarantined row and boundary file (one transaction)."""
    from rich.markup import escape

    from jsna import api

    result = api.remove(api.project_config(project), targets, dry_run=dry_run)
    if as_json:
        return _emit_json(result.to_dict())
    console = _console()
    verb = "would remove" if dry_run else "removed"
    for r in result.removals:
        extra = [f"{r.quarantine_rows:,} quarantined rows"] if r.quarantine_rows else []
        extra += [f"boundary file {g}" for g in r.geometry_files]
        console.print(
            f"{'[dim]–[/dim]' if dry_run else '[green]✓[/green]'} {verb} input {r.source_id} "
            f"({r.kind}, {r.file_name}): {', '.join([_rows_in_words(r.rows), *extra])}"
        )
    for rep in result.lost:
        console.print(
            f"[yellow]![/yellow] {rep.rows:,} {rep.table} rows of {escape(rep.file_name)} (input "
            f"{rep.source_id}) that it had replaced do not come back when it goes; to have them again: "
            f"jsna ingest --replace {rep.kind} "
            f"{escape(rep.file_path or rep.file_name)}"
        )
    if result.results_stale and not dry_run:
        console.print(
            "[yellow]![/yellow] results were computed with these rows: run jsna compute again"
        )


quarantine_app = typer.Typer(
    help="Inspect and export rows held back by ingest --skip-invalid-rows.", no_args_is_help=True
)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(
    file: Annotated[str | None, typer.Option(help="Only rows of this input file (name).")] = None,
    source_id: Annotated[
        int | None, typer.Option("--input", help="Only rows of this input id (jsna inputs).")
    ] = None,
    project: ProjectOpt = Path("."),
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List quarantined rows: input, row, column, value and the problem."""
    from rich.table import Table

    from jsna import api

    listing = api.list_quarantine(api.project_config(project), file=file, source_id=source_id)
    if as_json:
        return _emit_json(listing.to_dict())
    table = Table(title=f"Quarantine: {len(listing.rows)} problem(s)")
    for col in ("input", "file", "row", "column", "value", "problem"):
        table.add_column(col)
    for r in listing.rows:
        table.add_row(
            str(r["source_id"]),
            r["file_name"],
            str(r["row"]),
            str(r["column_name"] or ""),
            str(r["value"] or ""),
            r["problem"],
        )
    _console().print(table)


@quarantine_app.command("export")
def quarantine_export(
    output: Annotated[Path, typer.Argument(help="File to write: .csv, .parquet or .json.")],
    file: Annotated[str | None, typer.Option(help="Only rows of this input file (name).")] = None,
    source_id: Annotated[
        int | None, typer.Option("--input", help="Only rows of this input id (jsna inputs).")
    ] = None,
    project: ProjectOpt = Path("."),
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write quarantined rows (with the raw row as read) to a file for fixing."""
    from jsna import api

    listing = api.export_quarantine(
        api.project_config(project), output, file=file, source_id=source_id
    )
    if as_json:
        return _emit_json(listing.to_dict())
    _console().print(f"Wrote {len(listing.rows)} quarantined problem(s) to {listing.exported_to}")


@app.command()
def compute(
    project: ProjectOpt = Path("."),
    wait: WaitOpt = 60.0,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Run every enabled indicator (built-in and plugins) into the results table."""
    from jsna import api

    result = api.compute(
        api.project_config(project), progress=None if as_json else _progress(_console(True))
    )
    if as_json:
        _emit_json(result.to_dict())
    else:
        _print_compute(result)
    if not result.ok:
        raise typer.Exit(EXIT_INVALID)


def _print_compute(result: Any) -> None:
    console = _console()
    for run in result.runs:
        mark = {
            "computed": "[green]✓[/green]",
            "skipped": "[yellow]–[/yellow]",
            "failed": "[red]✗[/red]",
        }[run.status]
        detail = f"{run.rows:,} rows" if run.status == "computed" else run.reason
        console.print(f"{mark} {run.id}: {detail}")
    for failure in result.plugin_failures:
        console.print(f"[red]✗ plugin {failure.name}[/red]: {failure.reason}")
    console.print(f"{result.rows:,} result rows")


@app.command()
def report(
    project: ProjectOpt = Path("."),
    area: Annotated[
        str | None, typer.Option(help="GSS code of the area (default: project.area).")
    ] = None,
    fmt: Annotated[
        list[str] | None, typer.Option("--format", "-f", help="html or pdf (repeatable).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for the report.")
    ] = None,
    all_areas: Annotated[
        bool, typer.Option("--all-areas", help="One report per area, plus index.html.")
    ] = False,
    areas: Annotated[
        str | None,
        typer.Option(
            "--areas", help="Comma-separated GSS codes: one report each, plus index.html."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes for --all-areas/--areas (default: CPUs).")
    ] = None,
    wait: WaitOpt = 60.0,
    level: Annotated[
        str | None,
        typer.Option(
            help="With --all-areas/--areas: also one page per small area of this level (ward "
            "or msoa) of each area, linked from index.html."
        ),
    ] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Render the minimum-dataset report for one area (or many) as HTML or PDF."""
    from jsna import api
    from jsna.errors import ChecksFailedError, UsageError

    config = api.project_config(project)
    if level and not (all_areas or areas):
        raise UsageError("--level needs --all-areas or --areas")
    if not (all_areas or areas):
        result = api.report(config, area=area, formats=fmt, output=output)
        if as_json:
            return _emit_json(result.to_dict())
        for path in result.outputs:
            _console().print(f"[green]✓[/green] wrote {path}")
        from rich.markup import escape

        for warning in result.warnings:  # "[projections]" is text, not markup
            _console(True).print(f"[yellow]![/yellow] {escape(warning)}")
        return None
    if area or (all_areas and areas):
        raise UsageError("use one of --area, --areas or --all-areas")
    codes = [c.strip() for c in areas.split(",") if c.strip()] if areas else None
    batch = _report_batch(api, config, codes, fmt, output, workers, quiet=as_json, level=level)
    if as_json:
        _emit_json(batch.to_dict())
    else:
        _console().print(
            f"[green]✓[/green] {sum(a.status == 'ok' for a in batch.areas)} of {len(batch.areas)} areas "
            f"reported in {batch.seconds:.0f} s; index: {batch.index}"
        )
        for a in batch.areas:
            if a.status != "ok":
                _console(True).print(
                    f"[yellow]![/yellow] {a.area_code} {a.area_name}: {a.status}: {a.note}"
                )
    if not batch.ok:
        raise ChecksFailedError("some areas failed to render; see the index page")
    return None


def _report_batch(api, config, codes, fmt, output, workers, *, quiet: bool, level=None):  # type: ignore[no-untyped-def]
    """Run api.report_all_areas under a rich progress bar on stderr."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]report[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=_console(True),
        disable=quiet,
        transient=False,
    ) as bar:
        task = bar.add_task("areas", total=None)

        def tick(done: int, total: int, outcome) -> None:  # type: ignore[no-untyped-def]
            bar.update(task, completed=done, total=total, description=f"{outcome.area_code:<10}")

        return api.report_all_areas(
            config,
            areas=codes,
            formats=fmt,
            output=output,
            workers=workers,
            progress=tick,
            level=level,
        )


@app.command()
def run(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="The project's jsna.toml.", dir_okay=False)
    ] = Path("jsna.toml"),
    area: Annotated[str | None, typer.Option(help="Override project.area.")] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Validate config, plugins and inputs only; write nothing."),
    ] = False,
    wait: RunWaitOpt = 300.0,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Ingest the inputs listed in jsna.toml, compute and report: the scheduled path.

    Writes the report, results.csv and run.json to the output folder. Exit codes: 0 ok,
    1 invalid data or a failed indicator/plugin, 2 usage error, 3 could not run.
    """
    from jsna import api

    result = api.run(
        config, area=area, check=check, progress=None if as_json else _progress(_console(True))
    )
    _print_run(result, as_json)
    if not result.ok:
        raise typer.Exit(result.exit_code)


def _print_run(result: Any, as_json: bool) -> None:
    if as_json:
        return _emit_json(result.to_dict())
    console = _console()
    if result.mode == "check":
        for entry in result.ingested:
            mark = "[green]✓[/green]" if entry["status"] == "valid" else "[red]✗[/red]"
            console.print(f"{mark} {entry['file']} ({entry['kind']}): {entry['status']}")
    else:
        comp = result.compute
        console.print(
            f"Inputs: {len(result.ingested)}; indicators computed {len(comp.get('computed', []))}, "
            f"skipped {len(comp.get('skipped', []))}, failed {len(comp.get('failed', []))}"
        )
        if result.comparison:
            counts = ", ".join(f"{k.lower()} {v}" for k, v in result.comparison["counts"].items())
            console.print(f"Since {result.comparison['previous_results']}: {counts}")
        for path in result.outputs:
            console.print(f"[green]✓[/green] wrote {result.absolute(path)}")
    for problem in result.problems:
        _console(True).print(f"[red]✗[/red] {problem}")


@app.command()
def demo(
    directory: Annotated[
        Path | None,
        typer.Argument(help="Folder for the demo project (default: a new temporary folder)."),
    ] = None,
    fmt: Annotated[
        list[str] | None, typer.Option("--format", "-f", help="html or pdf (repeatable).")
    ] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Build a complete report from the bundled synthetic samples."""
    from jsna import api

    result = api.demo(
        directory, progress=None if as_json else _progress(_console(True)), formats=fmt
    )
    _print_run(result, as_json)
    if not as_json:
        _console().print(f"Open the report: [bold]{result.absolute(result.outputs[0])}[/bold]")
    if not result.ok:
        raise typer.Exit(result.exit_code)


@indicators_app.command("list")
def indicators_list(
    project: ProjectOpt = Path("."), as_json: JsonOpt = False, debug: DebugOpt = False
) -> None:
    """List every registered indicator (built-in and plugins) and whether its inputs are loaded."""
    from rich.table import Table

    from jsna import api
    from jsna.indicators.registry import list_indicators

    listing = list_indicators(api.project_config(project).workspace_path)
    if as_json:
        return _emit_json(listing.to_dict())
    table = Table(title="Indicators")
    for col in ("id", "title", "section", "unit", "polarity", "from", "inputs"):
        table.add_column(col)
    for ind in listing.indicators:
        table.add_row(
            ind["id"],
            ind["title"],
            ind["section"],
            ind["unit"],
            ind["polarity"],
            ind["origin"],
            _inputs_cell(ind, listing.workspace),
        )
    _console().print(table)
    for failure in listing.failures:
        _console(True).print(f"[red]✗ plugin {failure.label}[/red]: {failure.reason}")


def _inputs_cell(ind: dict[str, Any], workspace: str | None) -> str:
    if workspace is None:
        return ", ".join(i["table"] for i in ind["inputs"]) + " (no workspace)"
    return ", ".join(f"{'✓' if i['present'] else '✗'} {i['table']}" for i in ind["inputs"])


@indicators_app.command("show")
def indicators_show(
    indicator_id: Annotated[str, typer.Argument(help="Indicator id.")],
    project: ProjectOpt = Path("."),
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Show one indicator's declaration: definition, method, and which inputs are loaded."""
    from jsna import api
    from jsna.indicators.registry import list_indicators

    listing = list_indicators(api.project_config(project).workspace_path, indicator_id=indicator_id)
    info = listing.indicators[0]
    if as_json:
        return _emit_json(dict(info, workspace=listing.workspace))
    console = _console()
    for key, value in info.items():
        if key not in {"inputs", "missing", "ready"}:
            console.print(f"[bold]{key}[/bold]: {value}")
    console.print(
        "[bold]inputs[/bold]:" + ("" if listing.workspace else " (no workspace yet: jsna ingest …)")
    )
    for i in info["inputs"]:
        state = f"{i['rows']:,} rows" if i["present"] else f"missing: {i['hint']}"
        console.print(
            f"  {'✓' if i['present'] else '✗'} {i['table']} ({i['what']}): {state}"
            if listing.workspace
            else f"  {i['table']} ({i['what']}): {i['hint'] or 'load it with jsna ingest'}"
        )
    from rich.markup import escape

    if info["missing"]:
        console.print("[bold]still missing[/bold]:")
        for what in info["missing"]:
            console.print(f"  ✗ {escape(what)}")
    else:
        console.print("[bold]still missing[/bold]: nothing; jsna compute will calculate it")


@app.command()
def plugins(as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """List installed packages that add indicators, ingest kinds or report blocks."""
    from rich.table import Table

    from jsna.plugins import list_plugins

    listing = list_plugins()
    if as_json:
        _emit_json(listing.to_dict())
    else:
        table = Table(title="Plugins")
        for col in ("package", "version", "indicators", "ingest kinds", "report blocks"):
            table.add_column(col)
        for p in listing.plugins:
            table.add_row(
                p.name,
                p.version or "?",
                _listed(p.indicators),
                _listed(p.sources),
                _listed(p.sections),
            )
        _console().print(table)
        for failure in listing.failures:
            _console(True).print(
                f"[red]✗ {failure.label}[/red] ({failure.group}): {failure.reason}"
            )
    if not listing.ok:
        raise typer.Exit(EXIT_INVALID)


def _listed(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" … (+{len(items) - limit})" if len(items) > limit else "") if items else "–"


@app.command()
def export(
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="csv (Fingertips column order), json, parquet or xlsx."
        ),
    ] = "csv",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: output/results.FORMAT)."),
    ] = None,
    area: Annotated[
        list[str] | None, typer.Option("--area", help="Only these areas (repeatable).")
    ] = None,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", help="Only these indicators (repeatable).")
    ] = None,
    project: ProjectOpt = Path("."),
    wait: WaitOpt = 60.0,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Export the results table: CSV in Fingertips column order, JSON, Parquet or an Excel workbook."""
    from jsna import api
    from jsna.export import export as export_results

    result = export_results(
        api.project_config(project), fmt, output=output, areas=area, indicators=indicator
    )
    if as_json:
        return _emit_json(result.to_dict())
    _console().print(
        f"[green]✓[/green] wrote {result.path}: {result.rows:,} rows, {result.indicators} indicators, "
        f"{result.areas} areas ({result.format}; counts are not disclosure-controlled)"
    )
    if result.analyses:
        where = f" in {result.analyses_dir}" if result.analyses_dir else ""
        _console().print(
            f"[green]✓[/green] and {len(result.analyses)} tables of stored analyses (the funnel plot, sections 7-10){where}"
        )


@app.command("new-plugin")
def new_plugin(
    name: Annotated[
        str,
        typer.Argument(help="Plugin name, e.g. falls-admissions (becomes jsna-falls-admissions)."),
    ],
    directory: Annotated[
        Path | None,
        typer.Option("--directory", "-d", help="Folder to create (default: ./jsna-NAME)."),
    ] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Scaffold a plugin package: pyproject with the entry point, an example indicator and a test."""
    from jsna.scaffold import new_plugin as scaffold

    result = scaffold(name, directory)
    if as_json:
        return _emit_json(result.to_dict())
    _console().print(
        f"Created {result.distribution} in [bold]{result.directory}[/bold]: {', '.join(result.files)}"
    )
    _console().print(
        f"Next: [bold]pip install -e {result.directory}[/bold], then [bold]jsna indicators list[/bold] "
        f"shows {result.indicator_id}."
    )


# -- analyses (sections 7-10) -----------------------------------------------------------------------
AreaOpt = Annotated[str | None, typer.Option(help="GSS code of the area (default: project.area).")]


def _print_analysis(result: Any, as_json: bool, limit: int = 25) -> None:
    from rich.table import Table

    if as_json:
        return _emit_json(result.to_dict())
    console = _console()
    for note in result.notes:
        console.print(f"[dim]{note}[/dim]")
    for name, frame in result.tables.items():
        table = Table(title=f"{name} ({len(frame):,} rows)")
        cols = [
            c for c in frame.columns if c not in {"method", "note", "source", "basis", "measure_id"}
        ][:10]
        for col in cols:
            table.add_column(str(col), overflow="fold")
        for _, row in frame.head(limit).iterrows():
            table.add_row(*[f"{v:,.3f}" if isinstance(v, float) else str(v) for v in row[cols]])
        console.print(table)


@app.command()
def inequality(
    project: ProjectOpt = Path("."),
    area: AreaOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Inequalities: life expectancy by deprivation, the gap and its decomposition, SII and HEAT measures."""
    from jsna import api

    _print_analysis(api.inequality(api.project_config(project), area=area), as_json)


@app.command("project")
def project_command(
    project: ProjectOpt = Path("."),
    area: AreaOpt = None,
    horizon: Annotated[
        int | None, typer.Option(help="Years ahead (default: projections.horizon).")
    ] = None,
    year_type: Annotated[
        YearType | None,
        typer.Option(help="calendar or financial (default: projections.year_type)."),
    ] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Projections: population, service use and outcomes with intervals and scenarios."""
    from jsna import api

    _print_analysis(
        api.project(api.project_config(project), area=area, horizon=horizon, year_type=year_type),
        as_json,
    )


@app.command()
def vfm(
    project: ProjectOpt = Path("."),
    area: AreaOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Value for money: spend against outcome, return on investment, personal health budgets."""
    from jsna import api

    _print_analysis(api.vfm(api.project_config(project), area=area), as_json)


@app.command()
def allocation(
    project: ProjectOpt = Path("."),
    area: AreaOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Resource allocation: price per point, budgets against RAS points, £ per point by area and group."""
    from jsna import api

    _print_analysis(api.allocation(api.project_config(project), area=area), as_json, limit=100)


# -- entry point ----------------------------------------------------------------------------------
def main() -> None:
    """Console-script entry point: every failure ends as one red line (or JSON) and an exit code.

    A :class:`JsnaError` is a user's mistake or a file that cannot be used: its message and its
    exit code. An ``OSError`` (a folder that cannot be written, a disk that is full) could not
    run: exit code 3. Anything else is a bug in jsna: a one-line "internal error" and exit code
    3. ``--debug`` adds the traceback; ``--json`` (as parsed) prints the error as JSON on stdout
    too. Usage errors of the command line itself (unknown option, missing argument) are typer's:
    exit code 2.
    """
    _STATE.update(debug=False, json=False)
    try:
        app()
    except JsnaError as exc:
        _fail(exc.exit_code, exc.to_dict(), str(exc), exc)
    except KeyboardInterrupt:
        _console(True).print("[red]error:[/red] interrupted")
        sys.exit(130)
    except OSError as exc:
        data = {"error": type(exc).__name__, "message": str(exc), "exit_code": EXIT_CANNOT_RUN}
        _fail(EXIT_CANNOT_RUN, data, str(exc), exc)
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}"
        message = (
            f"internal error in jsna {__version__}, please report it "
            f"(run again with --debug for the traceback): {text}"
        )
        data = {"error": "InternalError", "message": message, "exit_code": EXIT_CANNOT_RUN}
        _fail(EXIT_CANNOT_RUN, data, message, exc)


def _fail(code: int, data: dict[str, Any], message: str, exc: BaseException) -> None:
    """Print an error the way the parsed command line asked, then exit with ``code``."""
    from rich.markup import escape

    console = _console(True)
    if _STATE["debug"]:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    if _STATE["json"]:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    for line in message.splitlines() or [type(exc).__name__]:
        console.print(f"[red]error:[/red] {escape(line)}")
    if isinstance(exc, InvalidDataError):
        for issue in exc.issues[:30]:
            console.print(f"  [red]✗[/red] {escape(str(issue))}")
        if len(exc.issues) > 30:
            console.print(
                f"  … and {len(exc.issues) - 30} more (jsna validate KIND FILE --json lists all)"
            )
    sys.exit(code)


if __name__ == "__main__":
    main()
