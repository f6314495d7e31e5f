"""The faulty-file corpus (``scripts/make_faulty_corpus.py``): every case through the real
``jsna ingest``/``validate`` command line, with its exit code, the words of its message, no
traceback, and the workspace unchanged unless the file had to load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_main
from tests.reliability.corpus import base_project, corpus_module, workspace_state

#: cases jsna still gets wrong: loaded (coerced) instead of refused, or refused for the wrong
#: reason. strict: the day one is fixed the test says so.
KNOWN: dict[str, str] = {}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    """The corpus written once, a base project holding the sample population file, and its
    workspace's state (row counts and content hashes)."""
    root = tmp_path_factory.mktemp("corpus")
    corpus_module().build(root / "files")
    base = base_project(root / "base")
    return root / "files", base, workspace_state(base / "jsna.duckdb")


def _cases() -> list[Any]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        corpus_module().build(Path(folder))
        cases = json.loads((Path(folder) / "cases.json").read_text(encoding="utf-8"))
    return [
        pytest.param(
            case,
            id=case["name"],
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN[case["name"]])]
            if case["name"] in KNOWN
            else [],
        )
        for case in cases
    ]


CASES = _cases()


def test_the_corpus_is_big_enough_and_seeded(tmp_path: Path) -> None:
    module = corpus_module()
    first = module.build(tmp_path / "a")
    module.build(tmp_path / "b")
    assert len(first) >= 60
    assert len({c.name for c in first}) == len(first)
    for case in first:
        a, b = (tmp_path / d / case.file for d in "ab")
        assert a.read_bytes() == b.read_bytes(), case.name
    kinds = " ".join(c.kind for c in first)
    for word in ("UTF-16", "Windows-1252", "gzip", "cut off", "empty", "85+", "inf"):
        assert word in kinds


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(
    case: dict[str, Any], corpus: tuple[Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    files, base, base_state = corpus
    project = tmp_path / "project"
    shutil.copytree(base, project)
    args: list[object] = [case["command"]]
    if case["source"]:
        args.append(case["source"])
    args += [files / case["file"], *case["options"]]
    code, out, err = run_main(*args, cwd=project)
    text = out + err
    assert "Traceback" not in text and "internal error" not in text, text
    assert code == case["exit_code"], f"{case['kind']}: exit {code}: {text}"
    for word in case["words"]:
        assert word.lower() in text.lower(), f"{word!r} not in: {text}"
    changed = workspace_state(project / "jsna.duckdb") != base_state
    assert changed == case["changes_workspace"], f"{case['kind']}: workspace changed: {changed}"
