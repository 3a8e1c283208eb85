"""`mkdocs serve`: saving a snippet re-runs it alone; a failure shows on the page and the server stays up."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from verified_snippets.page_markup import find_embeds

from conftest import MKDOCS
from site_pages import sample_article


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, root: Path):
        self.port = free_port()
        self.log = root / "serve.log"
        with open(self.log, "w") as log:  # the server keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [MKDOCS, "serve", "--dev-addr", f"127.0.0.1:{self.port}"],
                cwd=root, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            )

    def get(self, path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
            return response.read().decode()

    def wait_for(self, path: str, predicate, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "mkdocs serve died:\n" + self.log.read_text()[-3000:]
            try:
                last = self.get(path)
                if predicate(last):
                    return last
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"timed out waiting on {path}; page starts {last[:300]!r}; log:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        # Ctrl-C, as a contributor stops it: mkdocs then runs the plugins' shutdown,
        # which stops the snippet workers and removes their folders.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def server(scratch_site):
    server = Server(scratch_site.root)
    yield server
    server.stop()


def test_serve_reruns_a_saved_snippet_shows_failures_and_stays_up(server, scratch_site):
    article, shown = sample_article(scratch_site.root / "docs")
    name = shown[0]
    page = f"/{article.stem}/"
    html = server.wait_for(page, lambda text: "snippet-output" in text)
    assert "This snippet failed" not in html
    snippet = scratch_site.root / "snippets" / name
    good = snippet.read_text()
    log_size = server.log.stat().st_size

    snippet.write_text("raise RuntimeError('deliberately broken while editing')\n" + good)
    html = server.wait_for(page, lambda text: "deliberately broken while editing" in text)
    assert "This snippet failed when it last ran" in html
    assert "snippet-output--stale" in html  # the last good output is still shown, marked stale
    assert server.process.poll() is None
    log = server.log.read_text()[log_size:]
    assert f"running snippets/{name} (source changed)" in log
    assert log.count("] running snippets/") == 1  # that snippet alone

    snippet.write_text(good)
    server.wait_for(page, lambda text: "This snippet failed" not in text and "snippet-output--stale" not in text)

    # A new output reaches the article's notebook page in both languages (converted in the
    # background while the rest of the site builds: notebook_pages/prewarm.py).
    embed = next(e for e in find_embeds(article.read_text())[0] if e.snippet == name and e.section)
    end = f"# --8<-- [end:{embed.section}]"
    indent = good[: good.index(end)].rsplit("\n", 1)[-1]
    snippet.write_text(good.replace(end, f"print('notebookpagetoken')\n{indent}{end}", 1))
    for language in ("", "/zh"):
        server.wait_for(f"{language}/notebooks/{article.stem}/", lambda text: "notebookpagetoken" in text)
    snippet.write_text(good)
    server.wait_for(f"/notebooks/{article.stem}/", lambda text: "notebookpagetoken" not in text)

    # Saving prose rebuilds the page but runs nothing.
    log_size = server.log.stat().st_size
    prose = scratch_site.root / "docs" / "index.md"
    prose.write_text(prose.read_text() + "\nAn edit to prose.\n")
    server.wait_for("/", lambda text: "An edit to prose." in text)
    assert "running snippets/" not in server.log.read_text()[log_size:]

    # Editing a reference check judges the recorded values again, with the edited code, and runs no snippet.
    from verified_snippets import reference_checks
    from verified_snippets.layout import Project

    project, folder = Project.at(scratch_site.root), name.partition("/")[0]
    checks = scratch_site.root / "tests" / "reference_checks" / f"{folder}.py"
    original = checks.read_text()
    assert reference_checks.read_results(project, folder).failures() == []  # type: ignore[union-attr]  # committed
    log_size = server.log.stat().st_size
    checks.write_text(original.replace("Near(lambda: ", "Near(lambda: 2 * ", 1))  # one reference made wrong
    wait_until(lambda: (found := reference_checks.read_results(project, folder)) is not None and len(found.failures()) == 1)
    checks.write_text(original)
    wait_until(lambda: (found := reference_checks.read_results(project, folder)) is not None and found.failures() == [])
    assert "running snippets/" not in server.log.read_text()[log_size:]


def wait_until(condition, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)
