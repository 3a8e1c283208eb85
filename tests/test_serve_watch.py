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
from verified_snippets.serve_watch import OwnWrites, generated_files, watch_ignoring_own_writes

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


def wants_rebuild(server) -> bool:
    time.sleep(POLL * 3)
    with server._rebuild_cond:
        wanted, server._want_rebuild = server._want_rebuild, False
    return wanted


def run_writes(project: Project, own: OwnWrites) -> None:
    """What a re-run writes: a record (atomically, through a temporary file), a figure and a notebook."""
    before = generated_files(project)
    write_text_atomically(project.snippets_dir / "a" / "outputs" / "one.json", '{"values": {"x": 2}}\n')
    (project.snippets_dir / "a" / "outputs" / "one.fig.svg").write_text("<svg/>\n")
    write_text_atomically(project.notebooks_dir / "a.ipynb", "{}\n")
    own.record(before, generated_files(project))


def test_the_engines_own_writes_start_no_rebuild(project, watched):
    server, own = watched
    run_writes(project, own)
    assert not wants_rebuild(server)


def test_a_saved_snippet_or_page_still_starts_one(project, watched):
    server, own = watched
    run_writes(project, own)
    (project.snippets_dir / "a" / "one.py").write_text("print(2)\n")
    assert wants_rebuild(server)
    (project.docs_dir / "page.md").write_text("# Page, edited\n")
    assert wants_rebuild(server)


def test_a_generated_file_edited_by_hand_afterwards_starts_one(project, watched):
    """The filter is what a run left, not a list of names: the same file changed again is a change."""
    server, own = watched
    run_writes(project, own)
    assert not wants_rebuild(server)
    (project.snippets_dir / "a" / "outputs" / "one.json").write_text('{"values": {"x": 3}, "edited": true}\n')
    assert wants_rebuild(server)


def test_without_the_filter_the_same_writes_would_start_a_rebuild(project, tmp_path):
    """What the first test rules out does happen with MkDocs' own watch."""
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path / "site"), polling_interval=POLL)
    server.watch(str(project.snippets_dir))
    server.observer.start()
    try:
        time.sleep(POLL * 2)
        run_writes(project, OwnWrites())
        assert wants_rebuild(server)
    finally:
        server.observer.stop()
        server.observer.join()
