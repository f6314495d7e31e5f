"""Time the report: one area's HTML and PDF (demo), and every English LA's HTML from real files.

    python benchmarks/bench_report.py [--workers 2] [--repeats 3] [--skip-all]

Targets (issue 19): one HTML < 2.5 s after imports, one PDF < 7 s (demo). Each report is timed
``--repeats`` times and the best kept (the machine is shared: the load average is printed with
the numbers); imports are timed apart. ``--profile`` then runs each report once more under
cProfile and prints where its time goes (charts, workspace reads, disclosure control, the
template, WeasyPrint); cProfile slows Python code, so read those as shares, not as timings.
Prints one line per measurement; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

REAL = Path(
    os.environ.get(
        "JSNA_REAL_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
    )
)


def _timed(label: str, func):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func()
    print(f"{label}: {time.perf_counter() - start:.2f} s")
    return result


def _best(label: str, func, repeats: int) -> None:  # type: ignore[no-untyped-def]
    """Wall and CPU seconds of the fastest of ``repeats`` runs. Each starts after a full garbage
    collection (not timed), as a report's own process starts with no earlier report's garbage
    (a report holds back full collections, and the next one frees what it left)."""
    import gc

    runs = []
    for _ in range(repeats):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall, cpu = min(runs)
    print(f"{label}: {wall:.2f} s (CPU {cpu:.2f} s; best of {repeats})")


#: parts of a report, as the functions that do them (file:line(name) of cProfile)
PARTS = {
    "assemble the report": r"report/assemble\.py:\d+\(assemble_report\)",
    "  charts: build the figures (pyplot.subplots)": r"pyplot\.py:\d+\(subplots\)",
    "  charts: lay out (charts.fit, arrange_grid)": r"report/charts\.py:\d+\((fit|arrange_grid)\)",
    "  charts: draw to SVG (savefig)": r"matplotlib/figure\.py:\d+\(savefig\)",
    "  workspace reads": r"jsna/workspace\.py:\d+\((table|analysis_table|analysis_tables|geometry)\)",
    "  disclosure control": r"report/disclosure\.py:\d+\(protect_results\)",
    "render the template (jinja2)": r"report/render\.py:\d+\(render_html\)",
    "WeasyPrint (layout and PDF)": r"weasyprint/__init__\.py:\d+\(write_pdf\)",
}


def _profile(label: str, func) -> None:  # type: ignore[no-untyped-def]
    """Cumulative seconds of each of :data:`PARTS` in one run of ``func`` under cProfile."""
    import cProfile
    import pstats
    import re

    profile = cProfile.Profile()
    profile.enable()
    func()
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = max(row[3] for row in stats.values())
    print(f"{label}, under cProfile: {total:.2f} s")
    for part, pattern in PARTS.items():
        seconds = sum(
            row[3]
            for (file, line, name), row in stats.items()
            if re.search(pattern, f"{file}:{line}({name})")
        )
        if seconds:
            print(f"  {part}: {seconds:.2f} s ({100 * seconds / total:.0f}%)")


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-all", action="store_true")
    parser.add_argument("--profile", action="store_true", help="where each report's time goes")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    print(_load())
    start = time.perf_counter()
    import duckdb  # noqa: F401
    import jinja2  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import pandas  # noqa: F401

    print(f"imports (pandas, duckdb, matplotlib, jinja2): {time.perf_counter() - start:.2f} s")
    from jsna import api

    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        api.demo(demo)
        config = api.project_config(demo)
        _best(
            "one area, HTML (demo), after imports",
            lambda: api.report(config, formats=["html"], output=Path(tmp) / "one"),
            args.repeats,
        )
        start = time.perf_counter()
        import weasyprint  # noqa: F401

        print(f"imports (weasyprint): {time.perf_counter() - start:.2f} s")
        _best(
            "one area, PDF (demo), after imports",
            lambda: api.report(config, formats=["pdf"], output=Path(tmp) / "one"),
            args.repeats,
        )
        print(_load())
        if args.profile:
            for fmt in ("html", "pdf"):
                _profile(
                    f"one area, {fmt.upper()} (demo)",
                    lambda fmt=fmt: api.report(config, formats=[fmt], output=Path(tmp) / "one"),
                )
            print(_load())
        if args.skip_all:
            return
        project = Path(tmp) / "real"
        api.init_project(project)
        config = api.project_config(project)
        mye = next((REAL / "ons_mye2021_lad").glob("*.csv"))
        imd = sorted((REAL / "imd2019_lsoa").glob("*.csv"))[0]
        _timed(
            "ingest MYE 2021 + IMD 2019",
            lambda: (
                api.ingest(config, "population", [mye]),
                api.ingest(config, "deprivation", [imd]),
            ),
        )
        _timed("compute", lambda: api.compute(config))
        batch = _timed(
            f"all areas, HTML, {args.workers} workers",
            lambda: api.report_all_areas(
                config, formats=["html"], output=project / "output", workers=args.workers
            ),
        )
        ok = sum(a.status == "ok" for a in batch.areas)
        print(
            f"areas reported: {ok} of {len(batch.areas)}; per area {batch.seconds / max(len(batch.areas), 1):.2f} s"
        )


if __name__ == "__main__":
    main()
