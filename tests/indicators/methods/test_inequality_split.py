"""methods/ is pure, one module per family, with one life table and one source of z.

The inequality measures (inequality.py) and the decomposition of a life-expectancy gap
(decomposition.py) are separate modules; both the gap and life_expectancy read the one
Chiang II life table, checked here against a table worked by hand.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jsna.indicators import methods
from jsna.indicators.methods import decomposition, inequality

METHODS = Path(methods.__file__).resolve().parent
PACKAGE = METHODS.parents[1]


def test_the_gap_and_its_decomposition_live_in_decomposition_not_inequality() -> None:
    for name in ("life_expectancy_gap", "life_expectancy_gap_decomposition"):
        assert name in decomposition.__all__
        assert not hasattr(inequality, name)
        assert getattr(methods, name) is getattr(decomposition, name)
    for name in ("slope_index_of_inequality", "HEAT_MEASURES", "deprivation_quantiles"):
        assert getattr(methods, name) is getattr(inequality, name)
    source = (METHODS / "inequality.py").read_text(encoding="utf-8")
    assert "def _life_table" not in source and "def _arriaga" not in source


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.add("jsna.indicators.methods")
            elif node.module:
                found.add(node.module)
    return found


def test_methods_import_nothing_but_numpy_pandas_scipy_the_vocabulary_and_themselves() -> None:
    allowed_roots = {"numpy", "pandas", "scipy", "__future__"}
    stdlib = set(sys.stdlib_module_names)
    for path in sorted(METHODS.glob("*.py")):
        for module in _imports(path):
            root = module.split(".")[0]
            if root == "jsna":
                assert module.startswith(("jsna.indicators.methods", "jsna.vocabulary")), (
                    path.name,
                    module,
                )
            else:
                assert root in allowed_roots or root in stdlib, (path.name, module)


def test_methods_modules_import_each_other_never_the_package() -> None:
    """A module that imports the package it is part of makes an import cycle."""
    submodules = {p.stem for p in METHODS.glob("*.py")}
    for path in sorted(METHODS.glob("*.py")):
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            package = (node.level == 1 and node.module is None) or (
                node.level == 0 and node.module == "jsna.indicators.methods"
            )
            if package:
                names = {alias.name for alias in node.names}
                assert names <= submodules, (path.name, names - submodules)
            assert not (node.module == "jsna.indicators" and node.level == 0), path.name


def test_every_methods_module_names_its_references() -> None:
    for path in sorted(METHODS.glob("*.py")):
        if path.name == "__init__.py":
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert len(doc.splitlines()) >= 3, path.name
        if path.name != "_validate.py":
            assert "References" in doc, path.name


def test_importing_methods_does_not_import_scipy() -> None:
    code = (
        "import sys, jsna.indicators.methods; "
        "print(sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


_Z_CONSTANTS = (1.96, 1.959964, 1.959963984540054, 1.645, 2.576, 3.09, 3.0902, 3.92)


def _numbers(path: Path) -> list[tuple[int, float]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, float(node.value))
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, float)
        and any(abs(node.value - z) < 5e-4 for z in _Z_CONSTANTS)
    ]


@pytest.mark.parametrize(
    "path",
    [
        *sorted(METHODS.glob("*.py")),
        PACKAGE / "compare.py",
        PACKAGE / "indicators" / "builtin.py",
    ],
    ids=lambda p: p.name,
)
def test_no_hard_coded_z(path: Path) -> None:
    """Every z comes from methods.z_for(confidence), never a literal 1.96 or 3.09."""
    assert _numbers(path) == []


def test_life_table_against_a_table_worked_by_hand() -> None:
    # three bands: <1, 1-4, 5+ (open); a = 0.1 for the first band (one year wide), else 0.5
    deaths = np.array([[10.0, 4.0, 100.0]])
    population = np.array([[1000.0, 4000.0, 5000.0]])
    table = methods.abridged_life_table(deaths, population, np.array([0.0, 1.0, 5.0]))
    m0, m1, m2 = 10 / 1000, 4 / 4000, 100 / 5000
    q0 = 1 * m0 / (1 + 1 * m0 * (1 - 0.1))
    q1 = 4 * m1 / (1 + 4 * m1 * (1 - 0.5))
    l0 = 100_000.0
    l1 = l0 * (1 - q0)
    l2 = l1 * (1 - q1)
    big_l0 = 1 * (l1 + 0.1 * (l0 - l1))
    big_l1 = 4 * (l2 + 0.5 * (l1 - l2))
    big_l2 = l2 / m2
    t2 = big_l2
    t1 = big_l1 + t2
    t0 = big_l0 + t1
    assert table.qx[0] == pytest.approx([q0, q1], rel=1e-12)
    assert table.lx[0] == pytest.approx([l0, l1, l2], rel=1e-12)
    assert table.Lx[0] == pytest.approx([big_l0, big_l1, big_l2], rel=1e-12)
    assert table.Tx[0] == pytest.approx([t0, t1, t2], rel=1e-12)
    assert table.ex[0] == pytest.approx([t0 / l0, t1 / l1, t2 / l2], rel=1e-12)


def _two_band(deaths_young: float, deaths_old: float, group: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": group,
            "age_band": ["0-49", "50+"],
            "deaths": [deaths_young, deaths_old],
            "population": [50_000.0, 20_000.0],
        }
    )


def test_arriaga_against_a_decomposition_worked_by_hand() -> None:
    data = pd.concat(
        [_two_band(100.0, 800.0, "area"), _two_band(50.0, 600.0, "england")], ignore_index=True
    )
    out = methods.life_expectancy_gap_decomposition(
        data,
        deaths="deaths",
        population="population",
        age_band="age_band",
        group="group",
        comparison="area",
        reference="england",
    )

    def table(d_young: float, d_old: float) -> dict[str, float]:
        m0, m1 = d_young / 50_000, d_old / 20_000
        q0 = 50 * m0 / (1 + 50 * m0 * 0.5)
        l1 = 100_000 * (1 - q0)
        big_l0 = 50 * (l1 + 0.5 * (100_000 - l1))
        big_l1 = l1 / m1
        return {"l0": 100_000, "l1": l1, "L0": big_l0, "T0": big_l0 + big_l1, "T1": big_l1}

    one, two = table(100.0, 800.0), table(50.0, 600.0)
    direct = one["l0"] / one["l0"] * (two["L0"] / two["l0"] - one["L0"] / one["l0"])
    indirect = two["T1"] / one["l0"] * (one["l0"] / two["l0"] - one["l1"] / two["l1"])
    open_band = one["l1"] / one["l0"] * (two["T1"] / two["l1"] - one["T1"] / one["l1"])
    gap = two["T0"] / two["l0"] - one["T0"] / one["l0"]
    assert out["contribution"].tolist() == pytest.approx([direct + indirect, open_band], rel=1e-12)
    assert out["gap"].iloc[0] == pytest.approx(gap, rel=1e-12)
    assert out["contribution"].sum() == pytest.approx(gap, rel=1e-12)


def test_life_expectancy_and_the_gap_read_age_bands_the_same_way() -> None:
    # "5-9" and "5+" both start at 5: one reader of band labels says so for both methods
    data = pd.concat(
        [
            pd.DataFrame(
                {
                    "group": g,
                    "age_band": ["0-4", "5-9", "5+"],
                    "deaths": [1.0, 1.0, 50.0],
                    "population": [3000.0, 3000.0, 3000.0],
                }
            )
            for g in ("a", "b")
        ],
        ignore_index=True,
    )
    message = r"age bands '5-9' and '5\+' both start at 5 \(column 'age_band'\)"
    with pytest.raises(ValueError, match=message):
        methods.life_expectancy(
            data, deaths="deaths", population="population", age_band="age_band", by="group"
        )
    with pytest.raises(ValueError, match=message):
        methods.life_expectancy_gap_decomposition(
            data,
            deaths="deaths",
            population="population",
            age_band="age_band",
            group="group",
            comparison="a",
            reference="b",
        )
