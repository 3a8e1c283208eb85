"""The browser tests' own guard: it must catch what it claims to catch, or a clean run proves nothing.

Each page here is made for one fault and served by a server the test starts on 127.0.0.1
(the project's local site server, with two slow endpoints added).
"""
from __future__ import annotations

import threading
import time

import pytest

from site_checks.local_site_server import QuietHandler, served

from .conftest import Session

pytestmark = pytest.mark.browser

SLOW_SECONDS = 1.0

PAGES = {
    "/foreign.html": '<img src="http://localhost:9/pixel.png" alt="">',
    "/missing.html": '<img src="/no-such-file.png" alt="">',
    # Starts a request after `load` that outlives a quick click on the link, as the search worker does.
    "/late.html": "<script>addEventListener('load', () => fetch('/slow'))</script><a href='/plain.html'>next</a>",
    "/hangs.html": "<script>addEventListener('load', () => fetch('/hang'))</script>",
    "/plain.html": "<p>plain</p>",
}


@pytest.fixture
def fault_server(tmp_path):
    for path, body in PAGES.items():
        (tmp_path / path.lstrip("/")).write_text(f"<!doctype html><html lang='en'><title>t</title>{body}</html>")
    for endpoint in ("slow", "hang"):
        (tmp_path / endpoint).write_text("ok")
    release = threading.Event()

    class FaultHandler(QuietHandler):
        def do_GET(self):
            if self.path == "/slow":
                time.sleep(SLOW_SECONDS)
            elif self.path == "/hang":
                release.wait(30)
            super().do_GET()

    with served(tmp_path, handler_class=FaultHandler) as url:
        try:
            yield url
        finally:
            release.set()  # before the server shuts down, so no handler is left waiting


@pytest.fixture
def guarded(browser, fault_server):
    session = Session(browser, fault_server)
    yield session
    session.close()


def test_a_request_to_another_host_is_aborted_and_reported(guarded):
    guarded.open("/foreign.html")
    assert "request to another host (aborted): http://localhost:9/pixel.png" in guarded.traffic.problems()
    with pytest.raises(AssertionError, match="localhost:9"):
        guarded.assert_clean()


def test_a_missing_file_is_reported(guarded):
    guarded.open("/missing.html")
    assert any("/no-such-file.png: HTTP 404" in problem for problem in guarded.traffic.problems())


def test_leaving_a_page_that_still_loads_is_reported(guarded):
    page = guarded.open("/late.html", settle=False)
    page.click("a")
    page.wait_for_url("**/plain.html")
    assert any("/slow" in problem and "ERR_ABORTED" in problem for problem in guarded.traffic.problems())


def test_settle_waits_for_requests_made_after_load(guarded):
    page = guarded.open("/late.html", settle=False)
    started = time.monotonic()
    guarded.settle(page)
    assert time.monotonic() - started >= SLOW_SECONDS * 0.8
    assert not guarded.traffic.in_flight
    page.click("a")
    page.wait_for_url("**/plain.html")
    guarded.assert_clean()


def test_settle_names_what_never_finishes(guarded):
    page = guarded.open("/hangs.html", settle=False)
    with pytest.raises(pytest.fail.Exception, match=r"/hang\b"):
        guarded.settle(page, timeout_ms=1_000)
