"""A small project on the synthetic samples, for the run, export and plugin tests.

The inputs are four of the files in ``data/samples/`` (made by the seeded
``scripts/make_samples.py``); each test copies them into its own project folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

INPUTS = (
    ("population", "population_mye_lad_2020_2024.csv"),
    ("deaths", "deaths_lad_2020_2024.csv"),
    ("fingertips", "fingertips_export.csv"),
    ("boundaries", "boundaries_lad.geojson"),
)

CONFIG = """\
[project]
name = "Ambridge Vale JSNA"
area = "E06999001"
benchmark = "E92000001"
run_date = 2025-03-31

[organisation]
name = "Ambridge Vale Council (fictional)"
{inputs}
[report]
formats = ["html"]
output_dir = "output"
"""


def make_project(
    inputs: Path, target: Path, *, extra: str = "", kinds: tuple[str, ...] | None = None
) -> Path:
    """A project folder with the inputs under inputs/ and a jsna.toml listing them; returns the
    config. ``kinds`` keeps only those inputs (a smaller, faster project for a test that needs
    only one part of the run)."""
    (target / "inputs").mkdir(parents=True, exist_ok=True)
    blocks = ""
    for kind, name in INPUTS:
        if kinds is not None and kind not in kinds:
            continue
        shutil.copy(inputs / name, target / "inputs" / name)
        blocks += f'\n[[inputs]]\nkind = "{kind}"\npath = "inputs/{name}"\n'
    config = target / "jsna.toml"
    config.write_text(CONFIG.format(inputs=blocks) + extra, encoding="utf-8")
    return config


# -- fixtures (imported by tests/conftest.py, shared by the runner, export and plugin tests) ------
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def sample_inputs() -> Path:
    """data/samples, or skip when the files these tests use are not there."""
    samples = REPO / "data" / "samples"
    missing = [name for _, name in INPUTS if not (samples / name).exists()]
    if missing:
        pytest.skip(f"sample inputs {missing} are absent: run python scripts/make_samples.py")
    return samples


@pytest.fixture(scope="session")
def ran_project(sample_inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four-input project run once per session by ``api.run``, in a build shared by every
    xdist worker (``tests/shared_builds.py``); tests must not change it (``ran_copy`` gives a
    private copy). Returns its jsna.toml."""
    from tests.shared_builds import shared_build

    return shared_build(tmp_path_factory.getbasetemp(), "sample-run") / "project" / "jsna.toml"


@pytest.fixture()
def ran_copy(ran_project: Path, tmp_path: Path) -> Path:
    """A private copy of ``ran_project``'s folder, inputs, workspace and output, that a test may
    change; returns its jsna.toml."""
    target = tmp_path / "ran"
    shutil.copytree(ran_project.parent, target)
    return target / "jsna.toml"


@pytest.fixture(scope="session")
def population_run(sample_inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of the population input alone, run once per session by ``api.run`` (shared, read
    only, like ``ran_project``): the smallest project that has a report. Returns its jsna.toml."""
    from tests.shared_builds import shared_build

    return shared_build(tmp_path_factory.getbasetemp(), "population-run") / "project" / "jsna.toml"


@pytest.fixture()
def population_copy(population_run: Path, tmp_path: Path) -> Path:
    """A private copy of ``population_run``'s folder that a test may change; returns its
    jsna.toml."""
    target = tmp_path / "population"
    shutil.copytree(population_run.parent, target)
    return target / "jsna.toml"
