"""Results kept by key in one file under `.cache/`, from one build (or run) to the next.

The engine's caches of unchanged work share this shape: converted pages
(`render_memo`), formulas with their values linked (`site_state`), and which
inputs each notebook was written from (`notebooks`). A result is looked up by
a key that says what it was made from, so a stale result is never found,
only left unused; each `save` writes back just the results used since
`start_build`, so the file follows the site instead of growing. In memory
(under `mkdocs serve`) the least recently used go first beyond `limit`.

An unreadable, cut-short or older-format file is a cold start, never an
error; an unwritable one means the next build redoes the work.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class KeptResults(Generic[T]):
    def __init__(self, path: Path | None, kind: type[T], format: int = 1, limit: int = 20_000) -> None:
        """`path`: the file (None: memory only); `kind`: the type of every result (others in the file are
        ignored); `format`: bumped when what a result holds changes."""
        self.path, self.kind, self.format, self.limit = path, kind, format, limit
        self.kept: dict[str, T] = self._read()
        self.used: set[str] = set()
        self.changed = False

    def get(self, key: str) -> T | None:
        found = self.kept.pop(key, None)
        if found is None:
            return None
        self.kept[key] = found  # most recently used last
        self.used.add(key)
        return found

    def put(self, key: str, result: T) -> None:
        self.kept.pop(key, None)
        self.kept[key] = result
        self.used.add(key)
        self.changed = True
        while len(self.kept) > self.limit:
            self.kept.pop(next(iter(self.kept)))

    def discard(self, key: str) -> None:
        self.kept.pop(key, None)

    def start_build(self) -> None:
        """From now on, count again which results are in use."""
        self.used = set()

    def save(self) -> None:
        """Write back the results used since `start_build`."""
        if self.path is None or not (self.changed or self.kept.keys() - self.used):
            return
        self.kept = {key: value for key, value in self.kept.items() if key in self.used}
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(pickle.dumps((self.format, self.kept), protocol=pickle.HIGHEST_PROTOCOL))
            temporary.replace(self.path)
        except OSError:
            temporary.unlink(missing_ok=True)
            return
        self.changed = False

    def _read(self) -> dict[str, T]:
        if self.path is None:
            return {}
        try:
            version, kept = pickle.loads(self.path.read_bytes())
        except Exception:  # missing, written by another version, or cut short: start cold
            return {}
        if version != self.format or not isinstance(kept, dict):
            return {}
        return {key: value for key, value in kept.items() if isinstance(key, str) and isinstance(value, self.kind)}
