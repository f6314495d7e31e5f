"""Render the report model to one self-contained HTML file, or to PDF through WeasyPrint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jsna.errors import JsnaError
from jsna.resources import templates_dir

if TYPE_CHECKING:
    from jsna.report.model import Report

TEMPLATE = "report.html.j2"


def environment(user_templates: Path | None = None):  # type: ignore[no-untyped-def]
    """Jinja2 environment; a user's templates folder takes precedence over the bundled one."""
    from jinja2 import (
        ChoiceLoader,
        Environment,
        FileSystemLoader,
        StrictUndefined,
        select_autoescape,
    )

    loaders = []
    if user_templates is not None and user_templates.is_dir():
        loaders.append(FileSystemLoader(str(user_templates)))
    loaders.append(FileSystemLoader(str(templates_dir())))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from jsna.report.text import outcome_key

    env.filters["outcome_class"] = lambda o: "outcome-" + outcome_key(o).lower().replace(" ", "-")
    return env


def render_html(
    report: Report, *, user_templates: Path | None = None, for_pdf: bool = False
) -> str:
    env = environment(user_templates)
    css = env.loader.get_source(env, "report.css")[0]  # type: ignore[union-attr]
    template = env.get_template(TEMPLATE)
    return template.render(report=report, css=css, for_pdf=for_pdf)


def write_html(report: Report, path: Path, *, user_templates: Path | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(report, user_templates=user_templates)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path


def write_pdf(report: Report, path: Path, *, user_templates: Path | None = None) -> Path:
    try:
        from weasyprint import HTML
    except ImportError as exc:  # optional dependency
        raise JsnaError("PDF output needs WeasyPrint: pip install 'jsna[pdf]'") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(report, user_templates=user_templates, for_pdf=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    HTML(string=html, base_url=str(path.parent)).write_pdf(
        str(tmp), pdf_variant="pdf/ua-1", uncompressed_pdf=False
    )
    tmp.replace(path)
    return path
