"""Under `mkdocs serve`, the engine's own writes do not start another rebuild.

When a saved snippet is re-run during a rebuild, the engine writes its record,
figures, notebook and reference findings under the watched folders. MkDocs'
watcher sees those writes and starts a second rebuild as soon as the first
ends, and the browser's reload waits for that one too (serve holds requests
while a build is in progress): a snippet edit cost two rebuilds.

`OwnWrites` remembers what a re-run wrote, by each file's size and modification
time after the run. `watch_ignoring_own_writes` watches a folder the way
MkDocs does, except that an event touching only such files (or the engine's
temporary files, which atomic writes rename into place) is dropped. A file
edited by hand afterwards has another size or time, and rebuilds as usual.

MkDocs offers no hook for filtering its watcher, so this builds its own
handler over the same observer and rebuild flag (MkDocs 1.6's
`LiveReloadServer`; the project pins MkDocs < 2). Where those are missing the
folder is watched the ordinary way and nothing is filtered.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .atomic_files import TEMP_MARK
from .layout import OUTPUTS_FOLDER, Project

log = logging.getLogger("mkdocs.plugins.verified_snippets")

Stat = tuple[int, int] | None  # (size, mtime in ns); None: the file is not there


def _stat(path: str) -> Stat:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns)


def generated_files(project: Project) -> dict[str, Stat]:
    """Every file the engine writes when it runs a snippet: records, figures and findings, and the notebooks."""
    folders = [folder for folder in project.snippets_dir.glob(f"*/{OUTPUTS_FOLDER}") if folder.is_dir()]
    paths = [path for folder in folders for path in folder.rglob("*")] + list(project.notebooks_dir.glob("*.ipynb"))
    return {str(path): _stat(str(path)) for path in paths if path.is_file()}


class OwnWrites:
    def __init__(self) -> None:
        self.files: dict[str, Stat] = {}

    def record(self, before: dict[str, Stat], after: dict[str, Stat]) -> None:
        """What changed between two `generated_files` listings, taken around a run, is the run's own writing."""
        self.files = {path: after.get(path) for path in before.keys() | after.keys() if before.get(path) != after.get(path)}

    def covers(self, paths: Iterable[str]) -> bool:
        """Every one of `paths` is an engine temporary file, or a file as a run left it."""
        for path in paths:
            if TEMP_MARK in os.path.basename(path):
                continue
            if path not in self.files or _stat(path) != self.files[path]:
                return False
        return True


def watch_ignoring_own_writes(server: Any, folder: Path, own: OwnWrites) -> bool:
    """Watch `folder` for `server` (MkDocs' LiveReloadServer), dropping events of the engine's own writes.

    Returns False, having watched the folder the ordinary way, where the server is not the one this knows."""
    path = os.path.abspath(folder)
    needed = ("observer", "_watched_paths", "_watch_refs", "_rebuild_cond", "_want_rebuild")
    if not all(hasattr(server, name) for name in needed):
        server.watch(path)
        return False
    import watchdog.events

    # MkDocs watches docs_dir before plugins are asked: take its watch over, with its count.
    count = server._watched_paths.get(path, 0)
    if count:
        server.observer.unschedule(server._watch_refs.pop(path))

    def on_any_event(event: Any) -> None:
        if event.is_directory:
            return
        paths = [os.fsdecode(event.src_path)] + ([os.fsdecode(event.dest_path)] if getattr(event, "dest_path", "") else [])
        if own.covers(paths):
            log.debug(f"not rebuilding for the engine's own write: {event}")
            return
        with server._rebuild_cond:
            server._want_rebuild = True
            server._rebuild_cond.notify_all()

    handler = watchdog.events.FileSystemEventHandler()
    handler.on_any_event = on_any_event  # type: ignore[method-assign]
    server._watched_paths[path] = max(count, 1)
    server._watch_refs[path] = server.observer.schedule(handler, path, recursive=True)
    return True
