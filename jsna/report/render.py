"""Render the report model to one self-contained HTML file, or to PDF through WeasyPrint."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.errors import JsnaError, TemplateError
from jsna.resources import templates_dir

if TYPE_CHECKING:
    from jsna.report.model import Report

TEMPLATE = "report.html.j2"


def _folder_loader(folder: Path):  # type: ignore[no-untyped-def]
    """A loader for one template folder that refuses any template whose real path (symbolic
    links followed) lies outside that folder."""
    from jinja2 import FileSystemLoader
    from jinja2.exceptions import SecurityError

    root = folder.resolve()

    class _ConfinedLoader(FileSystemLoader):
        def get_source(self, environment, template):  # type: ignore[no-untyped-def]
            source, filename, uptodate = super().get_source(environment, template)
            real = Path(filename).resolve()
            if not real.is_relative_to(root):
                raise SecurityError(
                    f"{template} resolves to {real}, outside the template folder {root}"
                )
            return source, filename, uptodate

    return _ConfinedLoader(str(root))


def environment(user_templates: Path | None = None):  # type: ignore[no-untyped-def]
    """Jinja2 environment; a user's templates folder takes precedence over the bundled one.

    One environment per templates folder for the process: its templates are compiled once (a
    batch renders many pages with them) and compiled again when a file changes (Jinja2 checks
    each template's modification time when it is asked for).
    """
    folder = user_templates if user_templates is not None and user_templates.is_dir() else None
    return _environment(None if folder is None else str(folder.resolve()))


@functools.lru_cache(maxsize=8)
def _environment(user_templates: str | None):  # type: ignore[no-untyped-def]
    """:func:`environment` of the folder ``user_templates`` (None: the bundled templates only).

    Templates run in Jinja2's sandbox (no attribute starting with ``_``, no unsafe callables),
    so an override cannot reach Python internals, and ``include``/``extends``/``import`` resolve
    only to files inside the template folders. ``jsna/<name>`` always names the bundled
    template, so a user's ``report.html.j2`` can ``{% extends "jsna/report.html.j2" %}`` and
    reuse it.
    """
    from jinja2 import ChoiceLoader, PrefixLoader, StrictUndefined, select_autoescape
    from jinja2.sandbox import SandboxedEnvironment

    loaders = []
    if user_templates is not None:
        loaders.append(_folder_loader(Path(user_templates)))
    bundled = _folder_loader(templates_dir())
    # "jsna/report.html.j2" is always the bundled template, so an override can extend it
    loaders += [bundled, PrefixLoader({"jsna": bundled})]
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from jsna.report.text import outcome_key

    env.filters["outcome_class"] = lambda o: "outcome-" + outcome_key(o).lower().replace(" ", "-")
    env.tests["too_wide_for_a_page"] = too_wide_for_a_page
    return env


#: the print stylesheet's measures (templates/report.css): the width between an A4 page's 16 mm
#: margins, in points; a data table's type (0.82rem of the root's 15 px) and the padding of a
#: cell's two sides (0.4rem each); the practice and PCN tables' (7.5 pt, 0.25rem each)
PAGE_WIDTH_PT = (210 - 2 * 16) / 25.4 * 72
TABLE_TYPE_PT, TABLE_PADDING_PT = 0.82 * 11.25, 0.8 * 11.25
COMPACT_TYPE_PT, COMPACT_PADDING_PT = 7.5, 0.5 * 11.25
#: the practice and PCN tables, printed in the compact type (the stylesheet's id selectors)
COMPACT_TABLES = re.compile(r"-practice-|-pcn-|-pcns$")


def too_wide_for_a_page(table: Any) -> bool:
    """Whether ``table`` runs past a printed page's margins when none of its figures wraps.

    A figure cell (``numeric``) stays on one line on screen (the page scrolls sideways), so the
    narrowest the table can be printed is, for each column, its widest figure or its longest
    word (headings in bold), plus the cells' padding, measured in the report's typeface (DejaVu
    Sans, the metrics of matplotlib's copy). A table wider than the page gets the class
    ``wide``, and the print stylesheet lets its figures wrap at their spaces ("1.07 (0.98 to
    1.18; …)", "5,162 to 5,460"); a table that fits keeps each figure on one line.
    """
    compact = bool(COMPACT_TABLES.search(table.id))
    size = COMPACT_TYPE_PT if compact else TABLE_TYPE_PT
    columns = [_text_width(str(c), size, bold=True) for c in table.columns]
    for row in table.rows:
        for i, cell in enumerate(row[: len(columns)]):
            width = _text_width(str(cell.text), size, bold=False, whole=cell.numeric)
            columns[i] = max(columns[i], width)
    padding = COMPACT_PADDING_PT if compact else TABLE_PADDING_PT
    return sum(columns) + padding * len(columns) > PAGE_WIDTH_PT


def _text_width(text: str, size: float, *, bold: bool, whole: bool = False) -> float:
    """Points wide ``text`` is at ``size`` points: its longest word, or all of it (``whole``)."""
    words = [text] if whole else text.split()
    return max((_word_width(w, bold) for w in words), default=0.0) * size


@functools.lru_cache(maxsize=65536)
def _word_width(word: str, bold: bool) -> float:
    """The width of ``word`` in DejaVu Sans (bold or not) at 1 pt."""
    font = _font(bold)
    font.set_text(word, 0.0)
    return float(font.get_width_height()[0]) / 64 / 100  # 26.6 fixed point, at 100 pt


@functools.lru_cache(maxsize=2)
def _font(bold: bool) -> Any:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    properties = font_manager.FontProperties(
        family="DejaVu Sans", weight="bold" if bold else "normal"
    )
    font = FT2Font(font_manager.findfont(properties, fallback_to_default=True))
    font.set_size(100, 72)
    return font


def _where(exc: BaseException, fallback: str) -> str:
    """``template (line N)`` of the innermost template frame of ``exc``'s traceback."""
    import traceback

    lineno = getattr(exc, "lineno", None)
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    if lineno is None:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith((".j2", ".html", ".css", ".jinja", ".jinja2")):
                name, lineno = frame.filename, frame.lineno
                break
    label = Path(str(name)).name if name else fallback
    return f"{label} (line {lineno})" if lineno else label


def render_template(env, name: str, **context: object) -> str:  # type: ignore[no-untyped-def]
    """Render template ``name``; any template problem is a :class:`TemplateError` naming the
    template, the line and what is wrong (never a traceback)."""
    from jinja2 import TemplateError as JinjaTemplateError
    from jinja2 import TemplateNotFound, TemplatesNotFound, TemplateSyntaxError
    from jinja2.exceptions import SecurityError, UndefinedError

    folders = " and ".join(
        dict.fromkeys(
            path for loader in env.loader.loaders for path in getattr(loader, "searchpath", [])
        )
    )
    try:
        return str(env.get_template(name).render(**context))
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template {_where(exc, name)}: syntax error: {exc.message}") from exc
    except (TemplateNotFound, TemplatesNotFound) as exc:
        raise TemplateError(
            f"template {_where(exc, name)}: template not found: {exc.message}; templates are "
            f"read only from {folders}"
        ) from exc
    except SecurityError as exc:
        raise TemplateError(
            f"template {_where(exc, name)}: not allowed in a report template: {exc}"
        ) from exc
    except UndefinedError as exc:
        raise TemplateError(f"template {_where(exc, name)}: {exc.message}") from exc
    except RecursionError as exc:
        raise TemplateError(
            f"template {_where(exc, name)}: it extends or includes itself (directly or through "
            f'another template); to build on the bundled one, include or extend "jsna/{name}"'
        ) from exc
    except JinjaTemplateError as exc:
        raise TemplateError(f"template {_where(exc, name)}: {exc}") from exc
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError) as exc:
        raise TemplateError(f"template {_where(exc, name)}: {type(exc).__name__}: {exc}") from exc


def template_source(env, name: str) -> str:  # type: ignore[no-untyped-def]
    """The text of ``name`` (e.g. the stylesheet) from the template folders."""
    from jinja2 import TemplateNotFound

    try:
        return str(env.loader.get_source(env, name)[0])
    except TemplateNotFound as exc:
        raise TemplateError(f"template {name}: not found: {exc.message}") from exc


def render_html(
    report: Report, *, user_templates: Path | None = None, for_pdf: bool = False
) -> str:
    env = environment(user_templates)
    css = template_source(env, "report.css")
    return render_template(env, TEMPLATE, report=report, css=css, for_pdf=for_pdf)


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
