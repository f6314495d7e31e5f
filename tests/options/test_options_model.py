"""One options model: the options of `jsna ingest` and `jsna validate`, `ReadOptions` and the
`[[inputs]]` table of jsna.toml are all made from the fields of `jsna.options.ReadOptions`."""

from __future__ import annotations

import dataclasses
import shlex
from pathlib import Path
from typing import Any

import pytest

from jsna.errors import ConfigError, UsageError
from jsna.options import ReadOptions, option_fields


def _command_options(name: str) -> dict[str, Any]:
    """Option flag -> click parameter of one jsna command."""
    import typer

    from jsna.cli import app

    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    return {opt: param for param in command.params for opt in getattr(param, "opts", [])}


def test_every_option_is_in_the_cli_of_ingest_and_validate_and_in_inputs() -> None:
    from jsna.config import InputSpec

    specs = option_fields()
    assert [s.name for s in specs] == [f.name for f in dataclasses.fields(ReadOptions)]
    assert len(specs) == 16
    ingest, validate = _command_options("ingest"), _command_options("validate")
    for spec in specs:
        assert spec.flag in ingest and spec.flag in validate, spec.flag
        assert ingest[spec.flag].help == validate[spec.flag].help == spec.help
        assert spec.name in InputSpec.model_fields
        assert InputSpec.model_fields[spec.name].description == spec.help
    assert {"kind", "path"} | {s.name for s in specs} == set(InputSpec.model_fields)
    # the flags and keys that exist today keep their names
    assert {s.flag for s in specs} == {
        "--sheet",
        "--xlsx-max-mb",
        "--xlsx-max-rows",
        "--skip-rows",
        "--encoding",
        "--period",
        "--variant",
        "--measure",
        "--vintage",
        "--area",
        "--cause",
        "--sex-codes",
        "--decimal",
        "--engine",
        "--spark-remote",
        "--map",
    }
    assert {s.key for s in specs} - {s.name for s in specs} == {"map"}


def test_validate_takes_variant_cause_and_vintage(
    cli: Any, samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsna import api
    from jsna.vocabulary.issues import ValidationReport

    seen: list[ReadOptions | None] = []

    def fake_validate(kind: str | None, file: Path, options: ReadOptions | None = None) -> Any:
        seen.append(options)
        return ValidationReport(file=str(file), kind=kind or "?")

    monkeypatch.setattr(api, "validate", fake_validate)
    code, _, _ = cli(
        "validate",
        "deaths",
        samples / "deaths_lad_2020_2024.csv",
        "--variant",
        "high migration",
        "--cause",
        "Drug poisoning",
        "--vintage",
        "2021",
        "--map",
        "Deaths=count",
    )
    assert code == 0
    assert seen == [
        ReadOptions(
            variant="high migration",
            cause="Drug poisoning",
            vintage="2021",
            column_map={"Deaths": "count"},
        )
    ]


def test_validate_passes_the_cause_to_the_file_it_checks(cli: Any, tmp_path: Path) -> None:
    import json

    deaths = tmp_path / "drug_deaths.csv"
    deaths.write_text(
        "area_code,area_name,period,sex,age,deaths\nE08000009,Trafford,2023,Persons,40-44,12\n",
        encoding="utf-8",
    )
    code, out, _ = cli("validate", "deaths", deaths, "--json")
    assert code == 0
    assert [i["code"] for i in json.loads(out)["files"][0]["issues"]] == ["no-cause"]
    code, out, _ = cli("validate", "deaths", deaths, "--cause", "Drug poisoning", "--json")
    assert code == 0
    assert json.loads(out)["files"][0]["issues"] == []


def test_the_described_options_parse_back_to_the_same_options(
    cli: Any, samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsna import api
    from jsna.vocabulary.issues import ValidationReport

    given = ReadOptions(
        sheet="Table 2",
        xlsx_max_mb=64,
        xlsx_max_rows=5000,
        skip_rows=3,
        encoding="cp1252",
        period="2023/24",
        variant="principal",
        measure="admissions",
        vintage="IMD2019",
        area="E08000009",
        cause="Drug poisoning",
        sex_codes="1=Female,2=Male",
        decimal=",",
        engine="spark",
        spark_remote="sc://localhost:15002",
        column_map={"Area Code": "area_code", "Deaths": "count"},
    )
    assert all(getattr(given, s.name) not in (None, {}) for s in option_fields())
    seen: list[ReadOptions | None] = []
    monkeypatch.setattr(
        api,
        "validate",
        lambda kind, file, options=None: (
            seen.append(options) or ValidationReport(file=str(file), kind="deaths")
        ),
    )
    code, _, _ = cli(
        "validate", "deaths", samples / "deaths_lad_2020_2024.csv", *shlex.split(given.describe())
    )
    assert code == 0
    assert seen == [given]


def test_inputs_table_takes_the_same_options_as_the_command_line(tmp_path: Path) -> None:
    from jsna.config import load_config

    path = tmp_path / "jsna.toml"
    path.write_text(
        "[[inputs]]\n"
        'kind = "deaths"\npath = "deaths.csv"\nskip_rows = 2\ncause = "Drug poisoning"\n'
        'sex_codes = "1=Female,2=Male"\nmap = { "Deaths" = "count" }\n',
        encoding="utf-8",
    )
    spec = load_config(path).inputs[0]
    assert spec.read_options() == ReadOptions(
        skip_rows=2,
        cause="Drug poisoning",
        sex_codes="1=Female,2=Male",
        column_map={"Deaths": "count"},
    )
    assert ReadOptions.from_dict(spec.options()) == spec.read_options()
    # a JSNA_* override validates the whole config again: the inputs keep their options
    with_env = load_config(path)
    from jsna.config import apply_env

    overridden = apply_env(with_env, {"JSNA_AREA": "E08000009"})
    assert overridden.project.area == "E08000009"
    assert overridden.inputs[0].read_options() == spec.read_options()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "skip_rows = -1",
            "jsna.toml (line 4): inputs[0].skip_rows: Input should be greater than or equal to 0",
        ),
        (
            'encoding = "no-such-codec"',
            "jsna.toml (line 4): inputs[0].encoding: must be a text encoding",
        ),
        (
            'sex_codes = "1=Woman"',
            "jsna.toml (line 4): inputs[0].sex_codes: --sex-codes takes CODE=SEX",
        ),
        ("mapp = { a = 'b' }", "unknown key 'mapp'; did you mean 'map'?"),
    ],
)
def test_a_bad_option_in_jsna_toml_names_its_line(tmp_path: Path, toml: str, message: str) -> None:
    from jsna.config import load_config

    path = tmp_path / "jsna.toml"
    path.write_text(f'[[inputs]]\nkind = "deaths"\npath = "d.csv"\n{toml}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"encoding": "no-such-codec"}, "--encoding: must be a text encoding"),
        ({"sex_codes": "1=Woman"}, "--sex-codes takes CODE=SEX pairs"),
        ({"column_map": ["Deaths"]}, "--map takes SOURCE=CANONICAL, got 'Deaths'"),
        ({"skip_rows": -2}, "--skip-rows: must be a whole number >= 0, got -2"),
    ],
)
def test_a_bad_option_on_the_command_line_is_a_usage_error_naming_the_flag(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        ReadOptions.from_cli(values)
    assert str(caught.value).startswith(message)
    with pytest.raises(ValueError):  # and from Python, where the options are made
        ReadOptions(**{k: v for k, v in values.items()})
