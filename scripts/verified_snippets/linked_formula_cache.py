"""Formulas whose values were linked, kept between builds in `.cache/verified_snippets/linked_formulas.json`.

Linking the values inside a typeset formula parses that formula's HTML
(value_provenance), the largest cost of this plugin in a warm build. The
result depends only on the formula's HTML and on the links its values get,
so it is kept under the hash of the two (value_provenance.formula_key), like KaTeX's own formula cache:
`mkdocs serve` reuses it across rebuilds, and the next `mkdocs build` from the
file. Only the formulas a build used are written back, so the file follows
the site instead of growing.
"""
from __future__ import annotations

import json
from pathlib import Path

from .atomic_files import write_text_atomically

FORMAT = 1


class LinkedFormulaCache:
    def __init__(self, path: Path | None) -> None:
        """`path`: the file (None: kept in memory only)."""
        self.path = path
        self.kept: dict[str, str] = self._read()
        self.used: set[str] = set()
        self.changed = False

    def get(self, key: str) -> str | None:
        found = self.kept.get(key)
        if found is not None:
            self.used.add(key)
        return found

    def put(self, key: str, linked_html: str) -> None:
        self.kept[key] = linked_html
        self.used.add(key)
        self.changed = True

    def start_build(self) -> None:
        """From now on, count again which formulas are used."""
        self.used = set()

    def save(self) -> None:
        """Write the formulas used since `start_build` (a read-only checkout still builds, only slower next time)."""
        unused = self.kept.keys() - self.used
        if self.path is None or not (self.changed or unused):
            return
        self.kept = {key: value for key, value in self.kept.items() if key in self.used}
        try:
            write_text_atomically(self.path, json.dumps({"format": FORMAT, "formulas": self.kept}, ensure_ascii=False, sort_keys=True))
        except OSError:
            return
        self.changed = False

    def _read(self) -> dict[str, str]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        formulas = data.get("formulas") if isinstance(data, dict) and data.get("format") == FORMAT else None
        if not isinstance(formulas, dict):
            return {}
        return {key: value for key, value in formulas.items() if isinstance(key, str) and isinstance(value, str)}
