"""Under `mkdocs serve`, the engine's own writes start no second rebuild (verified_snippets.serve_watch).

A real MkDocs LiveReloadServer's watcher (not serving: only its observer runs)
watches a project's folders; each test writes files and reads the server's
rebuild flag.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from mkdocs.livereload import LiveReloadServer

from verified_snippets.atomic_files import write_text_atomically
from verified_snippets.layout import Project
from verified_snippets.serve_watch import NativeWatch, OwnWrites, ReportedChanges, watch_ignoring_own_writes

POLL = 0.2  # seconds between the watcher's scans (MkDocs uses 0.5)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project.at(tmp_path)
    (project.snippets_dir / "a" / "outputs").mkdir(parents=True)
    (project.snippets_dir / "a" / "one.py").write_text("print(1)\n")
    (project.snippets_dir / "a" / "outputs" / "one.json").write_text("{}\n")
    project.notebooks_dir.mkdir(parents=True)
    (project.docs_dir / "page.md").write_text("# Page\n")
    return project


@pytest.fixture
def watched(project, tmp_path):
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path / "site"), polling_interval=POLL)
    server.watch(str(project.docs_dir))  # as `mkdocs serve` does before asking the plugins
    own = OwnWrites()
    for folder in (project.docs_dir, project.snippets_dir):
        assert watch_ignoring_own_writes(server, folder, own)
    server.observer.start()
    time.sleep(POLL * 2)  # the first snapshot
    yield server, own
    server.observer.stop()
    server.observer.join()


def wants_rebuild(server, expected: bool = False) -> bool:
    """Whether the watcher asked for a rebuild, clearing the request.

    A request can only be ruled out by waiting several scans; one that is expected
    is waited for much longer (returning as soon as it comes), since a loaded
    machine can delay the watcher's thread."""
    with server._rebuild_cond:
        server._rebuild_cond.wait_for(lambda: server._want_rebuild, timeout=10 if expected else POLL * 5)
        wanted, server._want_rebuild = server._want_rebuild, False
    return wanted


def write_outputs(project: Project) -> None:
    """What a re-run writes: a record (atomically, through a temporary file), a figure and a notebook."""
    write_text_atomically(project.snippets_dir / "a" / "outputs" / "one.json", '{"values": {"x": 2}}\n')
    (project.snippets_dir / "a" / "outputs" / "one.fig.svg").write_text("<svg/>\n")
    write_text_atomically(project.notebooks_dir / "a.ipynb", "{}\n")


def run_writes(project: Project, own: OwnWrites) -> None:
    with own.run(project):
        write_outputs(project)


def test_the_engines_own_writes_start_no_rebuild(project, watched):
    server, own = watched
    run_writes(project, own)
    assert not wants_rebuild(server)


def test_writes_the_watcher_sees_while_the_run_goes_on_start_no_rebuild(project, watched):
    """The watcher polls during a run: an event can come before the run's writes are known (CI saw it)."""
    server, own = watched
    with own.run(project):
        write_outputs(project)
        time.sleep(POLL * 3)  # several scans see the writes mid-run
    assert not wants_rebuild(server)


def test_a_snippet_saved_during_a_run_starts_one_when_it_ends(project, watched):
    server, own = watched
    with own.run(project):
        write_outputs(project)
        (project.snippets_dir / "a" / "one.py").write_text("print(3)\n")
        time.sleep(POLL * 3)
        assert not wants_rebuild(server)  # held until the run ends
    assert wants_rebuild(server, expected=True)


def test_a_run_that_fails_still_passes_on_what_it_held(project, watched):
    server, own = watched
    with pytest.raises(RuntimeError), own.run(project):
        (project.docs_dir / "page.md").write_text("# Page, saved meanwhile\n")
        time.sleep(POLL * 3)
        raise RuntimeError("the run broke")
    assert wants_rebuild(server, expected=True)


def test_a_saved_snippet_or_page_still_starts_one(project, watched):
    server, own = watched
    run_writes(project, own)
    (project.snippets_dir / "a" / "one.py").write_text("print(2)\n")
    assert wants_rebuild(server, expected=True)
    (project.docs_dir / "page.md").write_text("# Page, edited\n")
    assert wants_rebuild(server, expected=True)


def test_a_generated_file_edited_by_hand_afterwards_starts_one(project, watched):
    """The filter is what a run left, not a list of names: the same file changed again is a change."""
    server, own = watched
    run_writes(project, own)
    assert not wants_rebuild(server)
    (project.snippets_dir / "a" / "outputs" / "one.json").write_text('{"values": {"x": 3}, "edited": true}\n')
    assert wants_rebuild(server, expected=True)


def test_without_the_filter_the_same_writes_would_start_a_rebuild(project, tmp_path):
    """What the first test rules out does happen with MkDocs' own watch."""
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path / "site"), polling_interval=POLL)
    server.watch(str(project.snippets_dir))
    server.observer.start()
    try:
        time.sleep(POLL * 2)
        run_writes(project, OwnWrites())
        assert wants_rebuild(server, expected=True)
    finally:
        server.observer.stop()
        server.observer.join()


def start_watching(project: Project, tmp_path: Path, polling_interval: float, native: NativeWatch | None):
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path / "site"), polling_interval=polling_interval)
    for folder in (project.docs_dir, project.snippets_dir):
        assert watch_ignoring_own_writes(server, folder, OwnWrites(), native)
    server.observer.start()
    if native is not None:
        native.start()
    time.sleep(0.5)  # the first snapshot
    return server


def stop_watching(server, native: NativeWatch | None) -> None:
    server.observer.stop()
    server.observer.join()
    if native is not None:
        native.stop()


@pytest.fixture
def native():
    watch = NativeWatch()
    if watch.observer is None:
        pytest.skip("watchdog has no native observer on this system")
    yield watch
    watch.stop()


def saved_and_seen_within(server, path: Path, seconds: float) -> bool:
    path.write_text(path.read_text() + "edited\n")
    with server._rebuild_cond:
        return server._rebuild_cond.wait_for(lambda: server._want_rebuild, timeout=seconds)


def test_a_save_is_seen_at_once_through_native_notifications(project, tmp_path, native):
    server = start_watching(project, tmp_path, polling_interval=30, native=native)  # MkDocs' poll would not see it in time
    try:
        assert saved_and_seen_within(server, project.docs_dir / "page.md", 2.0)
    finally:
        stop_watching(server, native)


def test_without_native_notifications_the_same_save_waits_for_the_poll(project, tmp_path):
    """What the test above measures is the native observer: polling alone misses the deadline."""
    server = start_watching(project, tmp_path, polling_interval=30, native=None)
    try:
        assert not saved_and_seen_within(server, project.docs_dir / "page.md", 2.0)
    finally:
        stop_watching(server, None)


def test_a_change_both_watchers_report_asks_for_one_rebuild(project, tmp_path, native):
    server = start_watching(project, tmp_path, polling_interval=POLL, native=native)
    try:
        assert saved_and_seen_within(server, project.snippets_dir / "a" / "one.py", 2.0)
        time.sleep(0.3)  # the native observer's later events of the same write (each write call is one)
        with server._rebuild_cond:
            server._want_rebuild = False  # as MkDocs does when it starts the rebuild
        assert not wants_rebuild(server), "MkDocs' poll reported the same save again"
        (project.snippets_dir / "a" / "one.py").write_text("print(4)\n")  # a new change still counts
        assert wants_rebuild(server, expected=True)
    finally:
        stop_watching(server, native)


def test_a_second_report_is_dropped_only_while_the_file_is_as_reported(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("one\n")
    reported = ReportedChanges()
    assert reported.is_new([str(page)])
    assert not reported.is_new([str(page)])
    page.write_text("one, two\n")
    assert reported.is_new([str(page)])
    assert reported.is_new([str(page), str(tmp_path / "other.md")])  # a path not reported yet


def test_reading_the_files_asks_for_no_rebuild(project, tmp_path, native):
    """A native observer also reports files opened and closed: the build reads every page and snippet."""
    server = start_watching(project, tmp_path, polling_interval=POLL, native=native)
    try:
        for path in (project.docs_dir / "page.md", project.snippets_dir / "a" / "one.py"):
            path.read_text()
        assert not wants_rebuild(server)
    finally:
        stop_watching(server, native)
