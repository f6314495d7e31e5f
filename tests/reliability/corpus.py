"""Running the faulty-file corpus (``scripts/make_faulty_corpus.py``) through the real command line."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

from tests.conftest import SAMPLES, run_main

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "make_faulty_corpus.py"
BASE_FILE = SAMPLES / "population_mye_lad_2020_2024.csv"


def corpus_module() -> Any:
    spec = importlib.util.spec_from_file_location("make_faulty_corpus", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_faulty_corpus"] = module
    spec.loader.exec_module(module)
    return module


def workspace_state(path: Path) -> dict[str, Any]:
    """Row count and a content hash of every table of a workspace (stored analyses included)."""
    from jsna.workspace import Workspace

    if not path.exists():
        return {}
    state: dict[str, Any] = {}
    with Workspace.open(path, read_only=True) as ws:
        tables = [
            r[0]
            for r in ws.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
            ).fetchall()
        ]
        for table in tables:
            rows = ws.con.execute(f'SELECT * FROM "{table}"').fetchall()
            lines = sorted(repr(r) for r in rows)
            state[table] = (len(rows), hashlib.sha256("\n".join(lines).encode()).hexdigest())
    return state


def base_project(folder: Path) -> Path:
    """A project whose workspace holds the sample population file."""
    from jsna import api

    api.init_project(folder)
    code, out, err = run_main("ingest", "population", BASE_FILE, cwd=folder)
    assert code == 0, out + err
    return folder


def run_case(case: dict[str, Any], corpus: Path, base: Path, work: Path) -> dict[str, Any]:
    """Run one case in a private copy of ``base``: exit code, text, state before and after."""
    project = work / case["name"]
    shutil.copytree(base, project)
    before = workspace_state(project / "jsna.duckdb")
    args = [case["command"]]
    if case["source"]:
        args.append(case["source"])
    args += [corpus / case["file"], *case["options"]]
    try:
        code, out, err = run_main(*args, cwd=project)
        crashed = None
    except BaseException as exc:  # a traceback through main: reported as such
        code, out, err, crashed = -1, "", "", f"{type(exc).__name__}: {exc}"
    after = workspace_state(project / "jsna.duckdb")
    return {
        "code": code,
        "text": out + err,
        "crashed": crashed,
        "changed": before != after,
    }
