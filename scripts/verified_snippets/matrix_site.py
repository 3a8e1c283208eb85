"""The environment matrix during one `mkdocs build`: its warnings, its page, and every article's link to its rows.

Kept apart from the plugin (which only forwards events here and logs what
comes back) so that it is tested without MkDocs.
"""
from __future__ import annotations

import hashlib
import posixpath
from pathlib import Path

from markdown.extensions.toc import slugify as toc_slugify  # type: ignore[import-untyped]  # Python-Markdown ships no types

from .atomic_files import ContentHashes
from .layout import Project
from .matrix_page import Group, Slugify, article_link, groups, render
from .matrix_state import ComparisonMemo, Matrix, load_matrix
from .page_structure import insert_after_title
from .settings import MatrixSettings


class MatrixSite:
    def __init__(self, project: Project, settings: MatrixSettings, slugify: Slugify = toc_slugify, *, content_hashes: ContentHashes | None = None):
        """`slugify`: the toc extension's, as mkdocs.yml configures it: the article links to its
        rows' heading by the id that heading gets in the page's language. `content_hashes`: the
        engine's (SiteState's), which digests the same snippets folder, so each file version is read once."""
        self.project, self.settings, self.slugify = project, settings, slugify
        self.matrix: Matrix | None = None
        self.groups: list[Group] = []
        self.rendered: set[str] = set()  # languages whose matrix page was rendered
        # What the matrix was read from: `mkdocs serve` reads it again only when that changed.
        self.inputs_digest = ""
        self.content_hashes = content_hashes or ContentHashes()
        self.dependencies: list[Path] = []
        # The matrix page as last rendered, per language, by what it is made from: under `mkdocs
        # serve` a prose edit elsewhere renders it again from the same matrix (0.05 s a language).
        self.page_memo: dict[str, tuple[tuple[str, str, str], str]] = {}
        self.comparisons = ComparisonMemo(self.content_hashes)  # a snippet edit compares again only that snippet's cells

    def prepare(self) -> list[str]:
        """Before a build: read the matrix; the warnings a stale matrix or a missing page gives."""
        digest = self._inputs_digest()
        if self.matrix is None or digest != self.inputs_digest:
            self.matrix = load_matrix(self.project, self.settings.environments, self.settings.ulp, memo=self.comparisons)
            dependencies = _dependencies(self.project, self.matrix)
            if dependencies != self.dependencies:  # the digest covers them too
                self.dependencies = dependencies
                digest = self._inputs_digest()
            self.inputs_digest = digest
        self.groups = groups(self.project, [info.snippet.name for info in self.matrix.snippets])
        self.rendered = set()
        warnings = list(self.matrix.warnings())
        page = self.project.docs_dir / self.settings.page
        if not self.settings.page:
            warnings.append("environment matrix: mkdocs.yml lists its environments but names no page for it (verified-snippets option matrix.page)")
        elif not page.is_file():
            warnings.append(f"environment matrix: its page {self.project.display(page)} does not exist (verified-snippets option matrix.page)")
        return warnings

    def _inputs_digest(self) -> str:
        """Every file under the snippets folder (sources, records, cells) and every other file the runs read, by content."""
        digest = hashlib.sha256()
        files = sorted(p for p in self.project.snippets_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files + self.dependencies:
            digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + self.content_hashes.of(path))
        return digest.hexdigest()

    def render(self, markdown: str, src_uri: str, language: str) -> tuple[str, list[str]]:
        """A page's Markdown with the matrix (on the matrix page) or the link to its rows (on an article)."""
        if self.matrix is None:  # a language build that did not start with on_pre_build
            self.prepare()
        assert self.matrix is not None
        folder = posixpath.dirname(src_uri)
        page = posixpath.join(folder, Path(src_uri).name.split(".")[0])  # "cross-entropy" for cross-entropy.zh.md too
        if page == posixpath.splitext(self.settings.page)[0]:
            key = (self.inputs_digest, repr(self.groups), markdown)
            kept = self.page_memo.get(language)
            if kept is not None and kept[0] == key:
                rendered, replaced = kept[1], True
            else:
                rendered, replaced = render(markdown, self.matrix, self.groups, language)
            if not replaced:
                return markdown, ["has no `{{ environment-matrix }}` line where the matrix should go"]
            self.page_memo[language] = (key, rendered)
            self.rendered.add(language)
            return rendered, []
        if "environment-matrix" in markdown and render(markdown, self.matrix, self.groups, language)[1]:  # parse only a page that may hold one
            return markdown, [f"has an `{{{{ environment-matrix }}}}` line, but the matrix page is {self.settings.page} (verified-snippets option matrix.page)"]
        group = next((g for g in self.groups if g.page == page), None)
        if group is None:
            return markdown, []
        target = posixpath.relpath(self.settings.page, folder or ".")
        return insert_after_title(markdown, article_link(language, target, group.anchor(language, self.slugify))), []


def _dependencies(project: Project, matrix: Matrix) -> list[Path]:
    """The repository files outside the snippets folder that any record or cell says its run read."""
    named: set[str] = set()
    for info in matrix.snippets:
        named |= set(info.record.dependencies) if info.record is not None else set()
    for entry in matrix.entries.values():
        named |= set(entry.cell.dependencies) if entry.cell is not None else set()
    return sorted(project.root / name for name in named)
