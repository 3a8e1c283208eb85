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
from verified_snippets.serve_watch import OwnWrites, watch_ignoring_own_writes

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
