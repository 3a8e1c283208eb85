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
The watcher polls while the run writes, so an event can arrive before the
run's writes are known: events that arrive during a run are held, and judged
when it ends.

MkDocs offers no hook for filtering its watcher, so this builds its own
handler over the same observer and rebuild flag (MkDocs 1.6's
`LiveReloadServer`; the project pins MkDocs < 2). Where those are missing the
folder is watched the ordinary way and nothing is filtered.

MkDocs polls every 0.5 s, so a save waited 0.25 s on average before the
rebuild began. `NativeWatch` also watches the same folders with the operating
system's notifications (inotify, FSEvents, ...), which report a save at once.
MkDocs' polling stays, for file systems that send no notifications (network
shares, some container mounts); a change both report starts one rebuild, not
two: the second report of a file as the first left it is dropped.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
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
    """What the engine's last run wrote, and the watcher's events held while a run is in progress."""

    def __init__(self) -> None:
        self.files: dict[str, Stat] = {}
        self._lock = threading.Lock()
        self._running = False
        self._held: list[tuple[list[str], Callable[[], None]]] = []

    @contextlib.contextmanager
    def run(self, project: Project) -> Iterator[None]:
        """Around a run that writes generated files: its writes start no rebuild, seen during the run or after.

        An event held during the run that the run's writes do not cover (a snippet saved
        meanwhile, say) is passed on when the run ends, even if the run failed."""
        before = generated_files(project)
        with self._lock:
            self._running = True
        try:
            yield
        finally:
            after = generated_files(project)
            with self._lock:
                self.record(before, after)
                self._running = False
                held, self._held = self._held, []
            for paths, wake in held:
                if not self.covers(paths):
                    wake()

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

    def judge(self, paths: list[str], wake: Callable[[], None]) -> None:
        """Call `wake` (ask for a rebuild) unless `paths` are the engine's own writing; during a run, decide when it ends."""
        with self._lock:
            if self._running:
                self._held.append((paths, wake))
                return
        if self.covers(paths):
            log.debug(f"not rebuilding for the engine's own write: {paths}")
            return
        wake()


class ReportedChanges:
    """The files each reported change left, so that a second watcher's report of the same change is dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, Stat] = {}

    def is_new(self, paths: list[str]) -> bool:
        """True, remembering how `paths` are now, unless each was already reported as it is now."""
        now = {path: _stat(path) for path in paths}
        with self._lock:
            if all(path in self._files and self._files[path] == stat for path, stat in now.items()):
                return False
            self._files.update(now)
            return True


class NativeWatch:
    """The operating system's file notifications (watchdog's native observer), beside MkDocs' polling."""

    def __init__(self) -> None:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        # Where watchdog has no native observer for this system it falls back to polling: MkDocs already polls.
        self.observer: Any = None if Observer is PollingObserver else Observer()
        self.reported = ReportedChanges()

    def schedule(self, handler: Any, path: str) -> None:
        if self.observer is None:
            return
        import watchdog.events as events

        # Only changes: a native observer also reports files opened and closed, and the build reads every page.
        changes = [events.FileCreatedEvent, events.FileModifiedEvent, events.FileDeletedEvent, events.FileMovedEvent]
        try:
            self.observer.schedule(handler, path, recursive=True, event_filter=changes)
        except OSError as error:  # e.g. the system's limit of watched folders: MkDocs' polling still sees changes
            log.debug(f"no native file notifications for {path}: {error}")

    def start(self) -> None:
        if self.observer is not None and not self.observer.is_alive():
            self.observer.start()

    def stop(self) -> None:
        if self.observer is not None and self.observer.is_alive():
            self.observer.stop()
            self.observer.join(timeout=5)


def watch_ignoring_own_writes(server: Any, folder: Path, own: OwnWrites, native: NativeWatch | None = None) -> bool:
    """Watch `folder` for `server` (MkDocs' LiveReloadServer), dropping events of the engine's own writes.

    With `native`, its observer watches the folder too (start it once every folder is scheduled).
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
        own.judge(paths, lambda: wake(paths))

    def wake(paths: list[str]) -> None:
        if native is not None and not native.reported.is_new(paths):
            return  # the other watcher reported this change already
        with server._rebuild_cond:
            server._want_rebuild = True
            server._rebuild_cond.notify_all()

    handler = watchdog.events.FileSystemEventHandler()
    handler.on_any_event = on_any_event  # type: ignore[method-assign]
    server._watched_paths[path] = max(count, 1)
    server._watch_refs[path] = server.observer.schedule(handler, path, recursive=True)
    if native is not None:
        native.schedule(handler, path)
    return True
