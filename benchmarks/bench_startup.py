"""Time `jsna --help` and list the heavy libraries each command imports (not part of the test run).

    python benchmarks/bench_startup.py [--repeats 15]

Target (issue 19): `jsna --help` under 0.2 s, and no command imports what it does not use.
Prints the best and median wall time of `jsna --help` and `jsna --version` over the repeats,
the same for a bare `python -c pass` (the interpreter's own floor), then, for each command run on
a freshly built demo project, the heavy libraries it had imported when it finished. Prints
numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = (
    "numpy", "pandas", "pyarrow", "duckdb", "scipy", "matplotlib", "geopandas", "shapely",
    "pyogrio", "jinja2", "weasyprint", "openpyxl", "pydantic", "pluggy",
)  # fmt: skip

#: run a command through jsna's entry point, then print which heavy libraries were imported
PROBE = """
import atexit, sys
heavy = {heavy!r}
def show():
    sys.__stderr__.write("IMPORTED " + ",".join(m for m in heavy if m in sys.modules) + "\\n")
atexit.register(show)
from jsna.cli import main
sys.argv = ["jsna", *sys.argv[1:]]
main()
"""


def _wall(args: list[str], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    jsna = str(Path(sys.executable).with_name("jsna"))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, command in (
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("jsna --version", [jsna, "--version"]),
        ("jsna --help", [jsna, "--help"]),
    ):
        best, median = _wall(command, args.repeats)
        print(f"{label:<16} best {best:.3f} s, median {median:.3f} s")

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "demo"
        subprocess.run([jsna, "demo", str(project)], check=True, capture_output=True)
        samples = Path(__file__).resolve().parents[1] / "data" / "samples"
        commands = [
            ["--help"],
            ["inputs"],
            ["indicators", "list"],
            ["plugins"],
            ["validate", "population", str(samples / "population_mye_lad_2020_2024.csv")],
            ["export", "--format", "csv", "--output", str(Path(tmp) / "r.csv")],
            ["compute"],
            ["report", "--format", "html", "--output", str(Path(tmp) / "html")],
            ["report", "--format", "pdf", "--output", str(Path(tmp) / "pdf")],
        ]
        probe = PROBE.format(heavy=HEAVY)
        for command in commands:
            done = subprocess.run(
                [sys.executable, "-c", probe, *command],
                cwd=project,
                capture_output=True,
                text=True,
            )
            imported = next(
                (line[9:] for line in done.stderr.splitlines() if line.startswith("IMPORTED ")),
                "?",
            )
            print(f"jsna {' '.join(command[:2]):<22} exit {done.returncode}: {imported or '-'}")


if __name__ == "__main__":
    main()
