"""Time the report: one area's HTML and PDF (demo), and every English LA's HTML from real files.

    python benchmarks/bench_report.py [--workers 2] [--skip-all]

Targets (issue 7): one HTML < 5 s, one PDF < 15 s, all 309 English LAs' HTML (ONS MYE 2021 +
IMD 2019) < 10 minutes on 2 cores. Prints one line per measurement; asserts nothing.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-all", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    from jsna import api

    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        api.demo(demo)
        config = api.project_config(demo)
        _timed(
            "one area, HTML (demo)",
            lambda: api.report(config, formats=["html"], output=Path(tmp) / "one"),
        )
        _timed(
            "one area, PDF (demo)",
            lambda: api.report(config, formats=["pdf"], output=Path(tmp) / "one"),
        )
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
