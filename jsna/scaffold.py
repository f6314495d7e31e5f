"""``jsna new-plugin NAME``: a working plugin package to start from.

The package has a ``pyproject.toml`` registering one example indicator through the
``jsna.indicators`` entry point and one report block through ``jsna.sections`` (the doors
jsna's own indicators and sections use), the indicator itself (an age-standardised rate of
an events measure at ages 65+), the block (a sentence, a table and a chart of the indicator
over time, returned as contract blocks, not HTML) and tests with hand-worked values.
``pip install -e`` it and ``jsna indicators list`` / ``jsna plugins`` show both. The files
come from ``jsna/plugin_template``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from jsna import __version__
from jsna.errors import UsageError

TEMPLATE_DIR = Path(__file__).resolve().parent / "plugin_template"
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


@dataclass
class ScaffoldResult:
    directory: Path
    distribution: str
    module: str
    indicator_id: str
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "distribution": self.distribution,
            "module": self.module,
            "indicator_id": self.indicator_id,
            "files": self.files,
        }


def plugin_names(name: str) -> dict[str, str]:
    """Distribution, module, entry-point and indicator names for a plugin called ``name``."""
    base = name.strip().lower().replace("_", "-").replace(" ", "-")
    base = base.removeprefix("jsna-")
    if not _NAME.match(base):
        raise UsageError(
            f"plugin name {name!r} must be lower-case words joined by '-', e.g. falls-admissions"
        )
    return {
        "distribution": f"jsna-{base}",
        "module": f"jsna_{base.replace('-', '_')}",
        "entry_name": base,
        "indicator_id": base,
        "title": base.replace("-", " ").capitalize() + ", aged 65 and over",
        "section": "met_needs",
        "measure": "emergency admissions for falls",
        "jsna_minor": ".".join(__version__.split(".")[:2]),
    }


def new_plugin(name: str, directory: Path | None = None) -> ScaffoldResult:
    """Write the plugin package for ``name`` into ``directory`` (default ``./jsna-NAME``).

    Refuses to write into a folder that already has files, so nothing is overwritten.
    """
    names = plugin_names(name)
    target = Path(directory) if directory else Path.cwd() / names["distribution"]
    if target.exists() and any(target.iterdir()):
        raise UsageError(
            f"{target} already exists and is not empty; choose a new folder (--directory)"
        )
    files = []
    for template in sorted(TEMPLATE_DIR.rglob("*.tmpl")):
        relative = template.relative_to(TEMPLATE_DIR).with_suffix("")
        if relative.parts[0] == "src":
            relative = Path("src", names["module"], *relative.parts[1:])
        text = Template(template.read_text(encoding="utf-8")).substitute(names)
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        files.append(relative.as_posix())
    return ScaffoldResult(
        directory=target.resolve(),
        distribution=names["distribution"],
        module=names["module"],
        indicator_id=names["indicator_id"],
        files=files,
    )
