"""Browser tests: the real site, built once, served on 127.0.0.1 and driven by Debian's Chromium.

* The site is built with ``mkdocs build --strict`` into a temporary folder
  when the tests are collected, because the tests are parametrized over the
  pages found in the build (every ``.html`` file but 404 and search).
* It is served by a threaded ``http.server`` on 127.0.0.1 and a free port.
* One Chromium for the session (``/usr/bin/chromium``: Playwright's own
  browsers cannot be downloaded here); one context per test. Every request of
  every context goes through a route that aborts, and records, any request
  to a host other than 127.0.0.1.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from site_checks.headless_chromium import CHROMIUM, CHROMIUM_ARGS
from site_checks.local_site_server import served

from .site_source import SitePage, discover_pages
from conftest import real_site_build
from site_pages import english_article_sources

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
SNIPPETS = REPO / "snippets"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

LOCAL_HOST = "127.0.0.1"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
#: The articles, by their English Markdown file under docs/: the per-article tests run on each.
ARTICLES = [path.name for path in english_article_sources(DOCS)]


# ---------------------------------------------------------------------------
# The build: once per session, at collection time


@dataclass
class Build:
    site_dir: Path
    ok: bool
    log: str
    pages: list[SitePage] = field(default_factory=list)


_build: Build | None = None


def site_build() -> Build:
    global _build
    if _build is None:
        site_dir, ok, log = real_site_build()
        _build = Build(site_dir, ok, log)
        if ok:
            _build.pages = discover_pages(site_dir, DOCS)
    return _build


def pytest_generate_tests(metafunc):
    """``site_page``: one test per page of the built site; ``article``: one test per article."""
    if "article" in metafunc.fixturenames:
        metafunc.parametrize("article", ARTICLES, ids=[name.removesuffix(".md") for name in ARTICLES])
    if "site_page" not in metafunc.fixturenames:
        return
    build = site_build()
    # A failed build still yields one test, which fails with the build's log, instead of a collection error.
    pages = build.pages or [None]
    metafunc.parametrize("site_page", pages, ids=[p.test_id if p else "site-build" for p in pages], indirect=True)


@pytest.fixture(scope="session")
def built_site() -> Build:
    build = site_build()
    if not build.ok:
        pytest.fail(f"mkdocs build --strict failed:\n{build.log[-4000:]}", pytrace=False)
    if not build.pages:
        pytest.fail(f"the build in {build.site_dir} has no HTML pages", pytrace=False)
    return build


@pytest.fixture
def site_page(request, built_site) -> SitePage:
    page = request.param
    if page.source is None:
        pytest.fail(f"{page.html_path}: no Markdown file under docs/ matches this page", pytrace=False)
    return page


def page_of(built_site: Build, article: str) -> SitePage:
    """The article in the default language: the page built from docs/<article> itself."""
    pages = [p for p in built_site.pages if p.source == DOCS / article]
    if not pages:
        pytest.fail(f"no page of the built site comes from docs/{article}", pytrace=False)
    return min(pages, key=lambda p: len(p.url_path))  # not a fallback copy under /zh/


def chinese_page_of(built_site: Build, article: str) -> SitePage:
    """The article's Chinese twin (from ``docs/<name>.zh.md``); skipped while there is none."""
    for page in built_site.pages:
        if page.lang.lower().startswith("zh") and page.source is not None and page.source_name == article \
                and page.source != DOCS / article:
            return page
    pytest.skip(f"no Chinese edition of {article} in this build (docs/*.zh.md)")


@pytest.fixture
def article_page(built_site, article) -> SitePage:
    """The article of this test (parametrized over every article), in the default language."""
    return page_of(built_site, article)


@pytest.fixture
def chinese_article_page(built_site, article) -> SitePage:
    return chinese_page_of(built_site, article)


@pytest.fixture(scope="session")
def first_article_page(built_site) -> SitePage:
    """For behaviour that is the same on every article (copying code, the palette): the first article."""
    if not ARTICLES:
        pytest.fail("no article under docs/ (a page that embeds a snippet)", pytrace=False)
    return page_of(built_site, ARTICLES[0])


@pytest.fixture
def first_chinese_article_page(built_site, first_article_page) -> SitePage:
    return chinese_page_of(built_site, ARTICLES[0])


# ---------------------------------------------------------------------------
# The server


@pytest.fixture(scope="session")
def base_url(built_site) -> str:
    with served(built_site.site_dir) as url:
        yield url


# ---------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's chromium package. "
            "`make test` installs it via scripts/install_chromium.sh (or run `bash scripts/install_chromium.sh`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Traffic:
    """What went wrong while a context was open."""

    foreign: list[str] = field(default_factory=list)  #: requests to other hosts (aborted)
    failed: list[str] = field(default_factory=list)  #: requestfailed, or HTTP status >= 400
    console_errors: list[str] = field(default_factory=list)  #: console errors and uncaught exceptions
    in_flight: set = field(default_factory=set)  #: requests sent and not yet finished or failed
    #: main-frame navigations so far, and how many there had been when each request was sent
    navigations: int = 0
    sent_after: dict = field(default_factory=dict)

    def problems(self) -> list[str]:
        return (
            [f"request to another host (aborted): {url}" for url in self.foreign]
            + [f"failed request: {what}" for what in self.failed]
            + [f"console error: {text}" for text in self.console_errors]
        )

    def watch(self, page) -> None:
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(
            f"{message.text} ({message.location.get('url', '')}:{message.location.get('lineNumber', '')})"))
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        page.on("request", self._on_request)
        page.on("framenavigated", lambda frame: frame.parent_frame is None and self._navigated())
        page.on("requestfinished", lambda request: self.in_flight.discard(request))
        page.on("requestfailed", self._on_failed)
        page.on("response", lambda response: response.status >= 400 and self.failed.append(
            f"{response.url}: HTTP {response.status}"))

    def _on_request(self, request) -> None:
        self.in_flight.add(request)
        self.sent_after[request] = self.navigations

    def _navigated(self) -> None:
        self.navigations += 1

    def _on_failed(self, request) -> None:
        self.in_flight.discard(request)
        # A request of a page the test has since left (the search worker's scripts, say) is cancelled
        # by the browser with ERR_ABORTED: that is the navigation, not a fault of the site.
        if request.failure == "net::ERR_ABORTED" and self.navigations > self.sent_after.get(request, self.navigations):
            return
        self.failed.append(f"{request.url}: {request.failure}")


class Session:
    """One browser context with its traffic log; opens pages that are watched from the start."""

    #: A reader at a desk: what a context gets unless a test asks for other options.
    DEFAULTS = {"viewport": DESKTOP, "color_scheme": "light", "locale": "en-US"}

    def __init__(self, browser, base_url: str, **options):
        self.base_url = base_url
        self.traffic = Traffic()
        self.context = browser.new_context(base_url=base_url, **{**self.DEFAULTS, **options})
        self.context.set_default_timeout(15_000)
        self.context.route("**/*", self._route)
        self.context.on("page", self.traffic.watch)

    def _route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.hostname == LOCAL_HOST:
            route.continue_()
        else:
            self.traffic.foreign.append(url)
            route.abort("blockedbyclient")

    def open(self, url_path: str, settle: bool = True):
        """A new page at ``url_path``, loaded; with ``settle``, also after the network has gone quiet."""
        page = self.context.new_page()
        page.goto(url_path, wait_until="load")
        if settle:
            self.settle(page)
        return page

    def settle(self, page, quiet_ms: int = 300, timeout_ms: int = 15_000) -> None:
        """Wait until no request has been in flight for ``quiet_ms``.

        Call it before a click that leaves the page. Leaving aborts whatever the page still loads
        (the search worker fetches its language packs after ``load``), and an aborted request counts
        as a failure. Playwright's ``networkidle`` is reached once per load, and waiting for it again
        returns at once, so it says nothing about requests made later (after a download, say).
        """
        waited = quiet = 0
        while quiet < quiet_ms:
            if waited >= timeout_ms:
                pending = sorted(request.url for request in self.traffic.in_flight)
                pytest.fail(f"the network never went quiet; still loading after {timeout_ms} ms: {pending}", pytrace=False)
            page.wait_for_timeout(50)
            waited += 50
            quiet = quiet + 50 if not self.traffic.in_flight else 0

    def assert_clean(self) -> None:
        problems = self.traffic.problems()
        assert problems == [], "\n".join(problems)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser, base_url):
    """A fresh context: desktop size, light colour scheme, English locale."""
    session = Session(browser, base_url)
    yield session
    session.close()


@pytest.fixture
def new_session(browser, base_url):
    """Makes contexts with other options (phone size, dark scheme, clipboard permissions); closed after the test."""
    made = []

    def make(**options):
        made.append(Session(browser, base_url, **options))
        return made[-1]

    yield make
    for session in made:
        session.close()
