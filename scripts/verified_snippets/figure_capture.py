"""Figures in the child: every matplotlib figure a region leaves open, captured as SVG.

A snippet draws with plain matplotlib and leaves its figure open at the end of
a section, exactly as a notebook cell does for Jupyter's inline backend (which
shows, then closes, every figure open when the cell ends). The engine does
the same at the end of each region (a section, or the code between two), so
the page's sections and the notebook's cells show the same figures, and a
snippet never imports the engine. How the figure is named, described and
translated is plain data at the end of the snippet, like VALUES:

    fig, ax = plt.subplots(num="underflow")     # the figure's name: its label
    ...
    FIGURES = {"underflow": {"alt": {"en": "...", "zh": "..."},
                             "text": {"zh": {"logit gap": "logit 差"}}}}

matplotlib is only touched when the snippet itself imported pyplot: a snippet
without figures pays one dictionary look-up per statement.
"""
from __future__ import annotations

import io
import os
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import figure_svg
from .messages import ErrorKind, RunError
from .source_plan import plan

#: A figure's name (its matplotlib label) names its file and its ids, so it is kept simple.
FIGURE_NAME = re.compile(r"[a-z][-_0-9a-z]*")
#: A language code as the i18n plugin names languages: en, zh, pt-BR, zh_TW.
LANGUAGE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")
FIGURES_KEYS = {"alt", "text"}
#: Drop what changes between runs; the <metadata> element goes in normalise too.
SVG_METADATA = {"Date": None, "Creator": None}


#: Agg, whose show() leaves figures open for the end of the region (figure_backend).
BACKEND = "module://verified_snippets.figure_backend"


def prepare_matplotlib() -> None:
    """Before a snippet runs: the engine's backend (Agg: no display) and matplotlib's own defaults.

    A reader's matplotlibrc must not change the committed figure. MATPLOTLIBRC
    naming an empty file (the null device) makes matplotlib read no other rc
    file when the snippet imports it; a worker that preloaded matplotlib has
    read one already, so its settings are reset here.
    """
    os.environ["MPLBACKEND"] = BACKEND
    os.environ["MATPLOTLIBRC"] = os.devnull
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None:
        matplotlib.rcdefaults()
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.switch_backend(BACKEND)
        else:
            matplotlib.use(BACKEND)


def svg_of(figure: Any) -> str:
    """The figure as matplotlib writes it for Jupyter's inline backend (tight bounding box), in SVG."""
    import matplotlib

    buffer = io.BytesIO()
    # Text as text; ids from a fixed salt (normalise renumbers them in document order anyway).
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "verified-snippets"}):
        figure.canvas.print_figure(
            buffer, format="svg", bbox_inches="tight", dpi=figure.dpi,
            facecolor=figure.get_facecolor(), edgecolor=figure.get_edgecolor(), metadata=SVG_METADATA,
        )
    return buffer.getvalue().decode("utf-8")


@dataclass
class CapturedFigure:
    name: str
    section: str | None  # None: the code between sections, which no page shows
    line: int  # the statement that opened it
    region_first_line: int  # the first line of its region: the notebook cell it belongs to
    svg: str  # normalised (figure_svg.normalise)
    alt: dict[str, str] = field(default_factory=dict)  # language -> alt text
    text: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> {drawn text: translation}

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "section": self.section, "line": self.line, "region_first_line": self.region_first_line,
                "svg": self.svg, "alt": self.alt, "text": self.text}


class FigureCapture:
    """Follows one snippet's statements in the child; see the module's docstring."""

    def __init__(self, snippet: str, source: str, display_path: str, size_limit: int):
        self.id_prefix = "fig-" + re.sub(r"[^-\w]", "-", snippet.removesuffix(".py"))
        self.source, self.display_path, self.size_limit = source, display_path, size_limit
        self.region_ends: dict[int, tuple[str | None, int]] | None = None  # last statement's line -> (section, first line)
        self.opened_at: dict[Any, int] = {}  # figure number -> line of the statement that opened it
        self.captured: list[CapturedFigure] = []

    def after_statement(self, first_line: int) -> RunError | None:
        """Called after each top-level statement ran without error."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return None
        for number in pyplot.get_fignums():
            self.opened_at.setdefault(number, first_line)
        region = self._region_ending_at(first_line)
        if region is None:
            return None
        return self._capture_open_figures(pyplot, *region)

    def _region_ending_at(self, line: int) -> tuple[str | None, int] | None:
        if self.region_ends is None:
            source_plan = plan(self.source, self.display_path)
            ends: dict[int, tuple[str | None, int]] = {}
            for region in source_plan.regions(len(self.source.splitlines())):
                firsts = [first for first, _last in source_plan.statements if region.first_line <= first <= region.last_line]
                if firsts:
                    ends[max(firsts)] = (region.section, region.first_line)
            self.region_ends = ends
        return self.region_ends.get(line)

    def _capture_open_figures(self, pyplot: Any, section: str | None, region_first_line: int) -> RunError | None:
        for number in pyplot.get_fignums():
            figure = pyplot.figure(number)
            line = self.opened_at.pop(number, region_first_line)
            name = figure.get_label() or f"figure-{number}"
            if not FIGURE_NAME.fullmatch(name):
                return RunError(ErrorKind.EXCEPTION, line, f"figure label {name!r} cannot name a file: use lowercase letters, digits, '-' and '_', e.g. plt.subplots(num=\"loss-curve\")")
            if any(c.name == name for c in self.captured):
                return RunError(ErrorKind.EXCEPTION, line, f"a second figure named {name!r}; give each figure its own label (plt.subplots(num=...))")
            try:
                svg = figure_svg.normalise(svg_of(figure), f"{self.id_prefix}-{name}")
            except Exception as error:  # the snippet's figure: report it as the snippet's error
                text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
                return RunError(ErrorKind.EXCEPTION, line, f"figure {name!r} could not be drawn: {type(error).__name__}: {error}", text)
            finally:
                pyplot.close(figure)
            if len(svg.encode("utf-8")) > self.size_limit:
                return RunError(ErrorKind.OUTPUT_LIMIT, line, f"figure {name!r} is {len(svg.encode('utf-8')):,} bytes of SVG, more than the limit of {self.size_limit:,}; plot fewer points")
            self.captured.append(CapturedFigure(name, section, line, region_first_line, svg))
        return None

    def finish(self, namespace: dict[str, Any], figures_line: int | None) -> tuple[list[dict[str, Any]], RunError | None]:
        """The captured figures with their alt texts and translations from FIGURES, or what is wrong with FIGURES."""
        given = namespace.get("FIGURES", {})
        problem = self._apply(given)
        if problem:
            return [], RunError(ErrorKind.BAD_VALUES, figures_line, problem)
        return [figure.to_json() for figure in self.captured], None

    def _apply(self, given: object) -> str | None:
        if not isinstance(given, dict):
            return f"FIGURES must be a dict (figure name -> {{'alt': ..., 'text': ...}}), not {type(given).__name__}"
        by_name = {figure.name: figure for figure in self.captured}
        for name, entry in given.items():
            if name not in by_name:
                known = ", ".join(by_name) or "none"
                return f"FIGURES names {name!r}, but no figure of that name was open at the end of a section (figures: {known})"
            problem = _check_entry(name, entry)
            if problem:
                return problem
            by_name[name].alt = dict(entry.get("alt", {}))
            by_name[name].text = {language: dict(table) for language, table in entry.get("text", {}).items()}
        return None


def _check_entry(name: str, entry: object) -> str | None:
    where = f"FIGURES[{name!r}]"
    if not isinstance(entry, dict) or not set(entry) <= FIGURES_KEYS:
        return f"{where} must be a dict with 'alt' ({{language: text}}) and optionally 'text' ({{language: {{drawn text: translation}}}})"
    return _check_by_language(
        f"{where}['alt']", entry.get("alt", {}), lambda text: isinstance(text, str) and bool(text.strip()),
        "must be a non-empty string: what the figure shows",
    ) or _check_by_language(
        f"{where}['text']", entry.get("text", {}), lambda table: isinstance(table, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()),
        "must map each drawn text (a string) to its translation (a string)",
    )


def _check_by_language(where: str, mapping: object, valid: Callable[[object], bool], requirement: str) -> str | None:
    if not isinstance(mapping, dict):
        return f"{where} must map a language code such as 'en' or 'zh' to its value"
    for language, value in mapping.items():
        if not isinstance(language, str) or not LANGUAGE.fullmatch(language):
            return f"{where} has {language!r}, which is not a language code such as 'en' or 'zh'"
        if not valid(value):
            return f"{where}[{language!r}] {requirement}"
    return None

