"""Time a whole batch: a synthetic project of N local authorities, ingested, computed and reported.

    python benchmarks/bench_batch.py [--areas 309] [--workers 2] [--keep DIR]

Builds the project with the seeded sample generator, scaled (``scripts/make_samples.py --lads
N``: the demo's ten fictional authorities and N - 10 more, in nine regions sized like England's),
then runs it as a user would: ``jsna run`` (ingest every ``[[inputs]]`` file of the demo's
``jsna.toml`` and the authority -> region lookup, compute, the project area's report) and
``jsna report --all-areas --format html --workers W``. Prints the ingest, compute and batch
times, the time per area, and each report worker's peak resident memory (``VmHWM`` sampled from
``/proc``; the largest child's ``ru_maxrss`` elsewhere). Target (issue 19): 309 areas under 10
minutes on 2 cores, per-area time flat as the project grows. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the authority -> region lookup ``make_samples.py --lads N`` writes (N > 10)
REGION_LOOKUP = "lookup_lad24_rgn24.csv"


def _jsna() -> list[str]:
    found = shutil.which("jsna", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "jsna"]


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (Linux ``/proc``)."""
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                kids = {int(k) for k in task.read_text().split()}
            except OSError:
                continue
            todo.extend(kids - out)
            out |= kids
    return out


def _peak_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _run_sampled(cmd: list[str], cwd: Path) -> tuple[float, str, dict[int, int]]:
    """Run ``cmd``; return (seconds, stdout, peak RSS in KiB of it and each descendant)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL, text=True)
        peaks: dict[int, int] = {}
        while proc.poll() is None:
            if Path("/proc").is_dir():
                for child in {proc.pid, *_children(proc.pid)}:
                    kib = _peak_kib(child)
                    if kib is not None:
                        key = -1 if child == proc.pid else child
                        peaks[key] = max(kib, peaks.get(key, 0))
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        out.seek(0)
        text = out.read()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{text[-2000:]}")
    return seconds, text, peaks


def build_project(folder: Path, areas: int) -> float:
    """The scaled sample project in ``folder`` with the demo's jsna.toml; seconds taken."""
    start = time.perf_counter()
    script = str(ROOT / "scripts" / "make_samples.py")
    subprocess.run(
        [sys.executable, script, "--lads", str(areas), "--out", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.copy(ROOT / "data" / "samples" / "jsna.toml", folder / "jsna.toml")
    # the authority -> region lookup of a project of more than the demo's ten, not in its toml
    if (folder / REGION_LOOKUP).exists():
        with (folder / "jsna.toml").open("a", encoding="utf-8") as toml:
            toml.write(f'\n[[inputs]]\nkind = "lookup"\npath = "{REGION_LOOKUP}"\n')
    shutil.rmtree(folder / "bad", ignore_errors=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--areas", type=int, default=309)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--keep", type=Path, default=None, help="build the project here and keep it"
    )
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "project"
        if folder.exists():
            shutil.rmtree(folder)
        print(f"areas: {args.areas}, workers: {args.workers}, load: {os.getloadavg()[0]:.2f}")
        print(f"generate samples: {build_project(folder, args.areas):.1f} s")
        seconds, _, _ = _run_sampled([*_jsna(), "run", "--config", "jsna.toml"], folder)
        timings = json.loads((folder / "output" / "run.json").read_text())["timings"]
        print(f"jsna run: {seconds:.1f} s")
        for step in ("ingest", "compute", "report"):
            print(f"  {step}: {timings.get(step, float('nan')):.1f} s")
        cmd = [*_jsna(), "report", "--all-areas", "--format", "html", "--json"]
        seconds, text, peaks = _run_sampled([*cmd, "--workers", str(args.workers)], folder)
        batch = json.loads(text)
        done = batch["areas"]
        ok = sum(a["status"] == "ok" for a in done)
        per_area = sorted(a["seconds"] for a in done)
        print(f"report --all-areas: {seconds:.1f} s for {len(done)} areas ({ok} ok)")
        print(f"  per area (wall / areas x workers): {seconds / len(done) * args.workers:.2f} s")
        if per_area:
            print(
                f"  per area in worker: median {per_area[len(per_area) // 2]:.2f} s, "
                f"max {per_area[-1]:.2f} s"
            )
        main_kib = peaks.pop(-1, None)
        workers = sorted(peaks.values(), reverse=True)[: args.workers]
        if main_kib:
            print(f"  peak RSS of the jsna process: {main_kib / 1024:.0f} MiB")
        if workers and args.workers > 1:
            print("  peak RSS per worker: " + ", ".join(f"{k / 1024:.0f} MiB" for k in workers))
        else:
            kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            print(f"  peak RSS of the largest process: {kib / 1024:.0f} MiB")
        print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
