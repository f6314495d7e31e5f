"""``[indicators]`` settings that name an unknown indicator stop compute and run, naming the id,
the closest known one and every known one (a typo would otherwise go unnoticed)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from jsna.indicators.registry import unknown_indicator_settings
from tests.conftest import run_main
from tests.reliability.corpus import base_project

KNOWN = ("mortality-all-causes-crude-rate", "population-total")


def test_every_setting_with_unknown_ids_is_named() -> None:
    settings = SimpleNamespace(
        disabled=["population-total", "no-such-thing"],
        options={"mortality-all-cause-crude-rate": {}, "population-total": {}},
    )
    found = dict(unknown_indicator_settings(settings, KNOWN))
    assert list(found) == ["disabled", "options"]
    assert "'no-such-thing'" in found["disabled"] and "did you mean" not in found["disabled"]
    assert (
        "'mortality-all-cause-crude-rate' (did you mean 'mortality-all-causes-crude-rate'?)"
        in found["options"]
    )
    assert found["options"].endswith(
        "the indicators are: mortality-all-causes-crude-rate, population-total "
        "(jsna indicators list)"
    )
    assert unknown_indicator_settings(SimpleNamespace(disabled=[], options={}), KNOWN) == []


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = base_project(tmp_path_factory.mktemp("options") / "project")
    with (folder / "jsna.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[indicators.options.mortality-all-cause-crude-rate]\nrag_confidence = 99.8\n")
    return folder


@pytest.mark.parametrize(("command", "exit_code"), [("compute", 2), ("run", 3)])
def test_an_unknown_id_in_indicators_options_stops_the_command(
    project: Path, command: str, exit_code: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JSNA_AREA", "E06999001")
    code, out, err = run_main(command, cwd=project)
    text = out + err
    assert code == exit_code, text
    assert "indicators.options names unknown indicator(s) 'mortality-all-cause-crude-rate'" in text
    assert "did you mean 'mortality-all-causes-crude-rate'" in text
    assert "total-population, ward-spread (jsna indicators list)" in text  # the known ones
    assert "Traceback" not in text
    if command == "run":
        assert "jsna.toml (line" in text
