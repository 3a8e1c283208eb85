"""A Jupyter notebook for every article, made from the same run as the page's outputs.

The notebook is not executed separately: its cells are the article's snippets
(section bodies and the code between them, as recorded in each output record)
and its outputs are the outputs those regions printed in the engine's run, so
the notebook and the page cannot disagree.

Order: cells follow the article.  When the article embeds a section, the
snippet's regions up to and including that section are emitted (so set-up code
outside sections runs first); what is left of each snippet (e.g. `VALUES`) is
emitted at the end of the snippet's last use.  A Markdown cell carries each
`##` heading under which code appears.

Figures: a cell whose region drew one shows it as `image/svg+xml` (the SVG the
page shows), after what it printed, as Jupyter's inline backend does; a
notebook with figures starts with a code cell that sets that backend up to
draw them the same way (`FIGURE_SETUP`).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from . import figure_files, figure_svg
from .atomic_files import write_text_atomically
from .figure_files import FigureEntry
from .kept_results import KeptResults
from .layout import Project
from .output_records import CorruptRecord, OutputRecord, read_record, sha256_bytes, sha256_file
from .page_index import PageIndex, PageOutline


class NotebookError(Exception):
    pass


@dataclass(frozen=True)
class Article:
    outline: PageOutline  # of docs/<slug>.md

    @property
    def page(self) -> Path:
        return self.outline.page

    @property
    def slug(self) -> str:
        return self.page.stem

    def notebook_path(self, project: Project) -> Path:
        return project.notebooks_dir / f"{self.slug}.ipynb"


def articles(project: Project, index: PageIndex | None = None) -> list[Article]:
    """English article pages (pages that embed a snippet; home pages are not articles).

    Translations share the English page's notebook.
    """
    index = index or PageIndex(project)
    return [Article(outline) for outline in index.pages() if outline.language is None and outline.is_article]


def _cell_id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:12]


def _markdown_cell(text: str) -> dict:
    return {"cell_type": "markdown", "id": _cell_id("md", text), "metadata": {}, "source": _lines(text)}


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


#: The first code cell of a notebook with figures: Jupyter's inline backend then draws them
#: as the engine does (SVG, text as text, tight bounding box), so a fresh run reproduces them.
FIGURE_SETUP = """\
# Figures as the site shows them: SVG, with text kept as text.
%config InlineBackend.figure_formats = ["svg"]
import matplotlib

matplotlib.rcParams["svg.fonttype"] = "none"
"""


def _figure_setup_cell(count: int) -> dict:
    return {
        "cell_type": "code",
        "execution_count": count,
        "id": _cell_id("figure-setup", FIGURE_SETUP),
        "metadata": {"verified_snippets": "figure-setup"},
        "outputs": [],
        "source": _lines(FIGURE_SETUP.rstrip("\n")),
    }


def _figure_output(svg: str, entry: FigureEntry) -> dict:
    """A figure as Jupyter's inline backend shows it: the SVG, and a text fallback.

    Both carry the alt text in the language the figure is drawn in: as the SVG's
    accessible name (nbconvert gives an SVG output no alt text of its own) and
    as the text a reader of the plain notebook sees.
    """
    drawn = [language for language in entry.alt if language not in entry.text]
    if not drawn:
        return {"data": {"image/svg+xml": _lines(svg), "text/plain": [f"<Figure {entry.name!r}>"]}, "metadata": {}, "output_type": "display_data"}
    alt = entry.alt[drawn[0]]
    return {"data": {"image/svg+xml": _lines(figure_svg.with_label(svg, alt)), "text/plain": [alt]}, "metadata": {}, "output_type": "display_data"}


def _code_cell(snippet: str, chunk: dict, source_lines: list[str], count: int, figures: list[dict] | None = None) -> dict:
    body = source_lines[chunk["first_line"] - 1 : chunk["last_line"]]
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    code = "\n".join(body)
    outputs = []
    if chunk["stdout"]:
        outputs.append({"name": "stdout", "output_type": "stream", "text": _lines(chunk["stdout"])})
    outputs += figures or []  # after the printed text: the inline backend shows figures when the cell ends
    label = f"{snippet}:{chunk['section']}" if chunk["section"] else f"{snippet}:{chunk['first_line']}"
    return {
        "cell_type": "code",
        "execution_count": count,
        "id": _cell_id(label, code),
        "metadata": {"snippet": label},
        "outputs": outputs,
        "source": _lines(code),
    }


def build_notebook(project: Project, article: Article) -> dict:
    title, embeds = article.outline.title, article.outline.embeds
    records: dict[str, OutputRecord] = {}
    sources: dict[str, list[str]] = {}
    for embed in embeds:
        if embed.snippet in records:
            continue
        snippet = project.snippet(embed.snippet)
        try:
            record = read_record(snippet.output_path)
            source = snippet.path.read_bytes()
        except (FileNotFoundError, CorruptRecord) as error:
            raise NotebookError(f"{snippet.display_path}: no usable output ({error}); run the snippets first") from None
        if sha256_bytes(source) != record.source_sha256:
            raise NotebookError(f"{snippet.display_path}: output is stale; run the snippets first")
        records[embed.snippet] = record
        sources[embed.snippet] = source.decode("utf-8").splitlines()

    last_use = {e.snippet: i for i, e in enumerate(embeds)}
    pending = {name: list(record.chunks) for name, record in records.items()}
    environment = next(iter(records.values())).environment if records else {}
    generated = max((r.generated for r in records.values()), default="")[:10]
    cells = [_markdown_cell(
        f"# Notebook: {title or article.slug}\n\n"
        f"The code of the article *{title or article.slug}*, cell by cell. The outputs stored here are the ones the "
        f"site shows: they were produced by `scripts/run_snippets.py` with PyTorch {environment.get('torch', '?').split('+')[0]} "
        f"(Python {environment.get('python', '?')}, {environment.get('device', 'CPU')}) on {generated}. "
        f"Run all cells to reproduce them; numbers may differ in the last printed digit on other CPUs."
    )]
    heading_shown, count = None, 0
    figures = {name: _figure_outputs(project, name, record) for name, record in records.items()}
    if any(figures.values()):
        count += 1
        cells.append(_figure_setup_cell(count))
    for index, embed in enumerate(embeds):
        queue = pending[embed.snippet]
        if embed.section is None:
            take = len(queue)
        else:
            positions = [i for i, c in enumerate(queue) if c["section"] == embed.section]
            take = positions[0] + 1 if positions else 0
        if last_use[embed.snippet] == index:
            take = len(queue)
        chunks, pending[embed.snippet] = queue[:take], queue[take:]
        if not chunks:
            continue
        heading = embed.heading
        if heading and heading != heading_shown:
            cells.append(_markdown_cell(f"## {heading}"))
            heading_shown = heading
        for chunk in chunks:
            count += 1
            cell_figures = figures[embed.snippet].get(chunk["first_line"], [])
            cells.append(_code_cell(embed.snippet, chunk, sources[embed.snippet], count, cell_figures))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "generated_by": "scripts/run_snippets.py",
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _figure_outputs(project: Project, snippet: str, record: OutputRecord) -> dict[int, list[dict]]:
    """The snippet's figures as notebook outputs, by the first line of the region (cell) that drew them."""
    by_cell: dict[int, list[dict]] = {}
    for entry in figure_files.entries(record):
        try:
            svg = figure_files.read_svg(project.snippet(snippet), entry)
        except OSError as error:
            raise NotebookError(f"{project.snippet(snippet).display_path}: figure {entry.file} cannot be read ({error}); run the snippets first") from None
        by_cell.setdefault(entry.region_first_line, []).append(_figure_output(svg, entry))
    return by_cell


def notebook_text(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def stale_notebooks(project: Project) -> list[tuple[Path, str]]:
    """Notebooks that are missing or differ from what the current outputs make."""
    stale = []
    for article in articles(project):
        path = article.notebook_path(project)
        try:
            wanted = notebook_text(build_notebook(project, article))
        except NotebookError as error:
            stale.append((path, str(error)))
            continue
        if not path.exists():
            stale.append((path, "missing"))
        elif path.read_text(encoding="utf-8") != wanted:
            stale.append((path, "differs from the article and its outputs"))
    return stale


def write_notebooks(project: Project) -> tuple[list[Path], list[str]]:
    """Write every article's notebook whose content changed; returns (written, errors).

    A notebook is built again only when what it is made from changed (see
    `_inputs_digest`) or the file on disk is not the one last written: a run
    with nothing new reads the inputs' bytes, not 50 records parsed and dumped.
    """
    written, errors = [], []
    # By notebook and the digest of its inputs: the hash of the text last written from them.
    made: KeptResults[str] = KeptResults(project.cache_dir / "notebook_inputs.pickle", str)
    made.start_build()
    builder = Path(__file__).read_bytes()  # this module: a change to how notebooks are made rebuilds them all
    for article in articles(project):
        path = article.notebook_path(project)
        key = f"{path}\0{_inputs_digest(project, article, builder)}"
        written_hash = made.get(key)
        if written_hash is not None and path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == written_hash:
            continue  # not edited or replaced since
        try:
            text = notebook_text(build_notebook(project, article))
        except NotebookError as error:
            errors.append(f"{project.display(path)}: not written: {error}")
            continue
        if not (path.exists() and path.read_text(encoding="utf-8") == text):
            write_text_atomically(path, text)
            written.append(path)
        made.put(key, hashlib.sha256(text.encode("utf-8")).hexdigest())
    made.save()
    return written, errors


def _inputs_digest(project: Project, article: Article, builder: bytes) -> str:
    """Every byte a notebook is made from: the module that makes it, its page, and each shown snippet's source and outputs (record, figures)."""
    digest = hashlib.sha256(builder)
    digest.update(_content_hash(article.page))
    # One listing per outputs folder, not a glob per snippet: this runs for every article on every run-snippets.
    listed: dict[Path, list[str]] = {}
    for name in sorted({embed.snippet for embed in article.outline.embeds}):
        snippet = project.snippet(name)
        outputs = snippet.output_path.parent
        if outputs not in listed:
            listed[outputs] = sorted(os.listdir(outputs)) if outputs.is_dir() else []
        prefix = snippet.output_path.stem + "."
        for path in [snippet.path, *(outputs / n for n in listed[outputs] if n.startswith(prefix))]:
            digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + _content_hash(path))
    return digest.hexdigest()


def _content_hash(path: Path) -> bytes:
    return (sha256_file(path) or "missing").encode()
