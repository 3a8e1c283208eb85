"""Publishing: a build for a public address links only to that address; the deploy workflow is sound.

`SITE_URL=https://example.org/losses/ make build` must give a site whose
canonical links, Open Graph URLs, sitemap (with its hreflang alternates) and
robots.txt all use that address, whose language switcher leads to the twin
page, and in which no link points at the local serve address or at the host's
root (which would leave the /losses/ folder).
"""
from __future__ import annotations

import gzip
import html
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import MKDOCS, REPO, environment_with

PUBLIC = "https://example.org/losses/"
LOCAL = "http://127.0.0.1:8000/"
ACTIONLINT = Path(REPO / ".venv" / "bin" / "actionlint")
WORKFLOW = REPO / ".github" / "workflows" / "deploy.yml"

_CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)"')
_OG_URL = re.compile(r'<meta property="og:url" content="([^"]*)"')
_LINK = re.compile(r'\s(?:href|src|action|content)="([^"]*)"')
_SWITCHER = re.compile(r'<a href="([^"]*)" hreflang="([^"]*)" class="md-select__link"')
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def public_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("public") / "site"
    result = mkdocs_build_with(REPO, site, {"SITE_URL": PUBLIC})
    assert result.returncode == 0, result.stderr[-3000:]
    return site


def mkdocs_build_with(root: Path, site: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([MKDOCS, "build", "--strict", "--site-dir", str(site)], cwd=root, capture_output=True, text=True, timeout=600,
                          env=environment_with({"NO_MKDOCS_2_WARNING": "1", **env}))


def pages_of(site: Path) -> dict[str, str]:
    """URL path (under the site) -> HTML, for every page but 404."""
    return {
        "" if p.relative_to(site).as_posix() == "index.html" else p.relative_to(site).parent.as_posix() + "/": p.read_text(encoding="utf-8")
        for p in sorted(site.rglob("index.html"))
        if "assets" not in p.relative_to(site).parts and p.relative_to(site).parts[0] != "search"
    }


def link_problems(site: Path, site_url: str) -> list[str]:
    """Every link of the built site that does not use `site_url` where it must, or that leaves it."""
    problems = []
    base = urlsplit(site_url)
    for path, page in pages_of(site).items():
        where = path or "(home)"
        canonical = _CANONICAL.findall(page)
        if canonical != [site_url + path]:
            problems.append(f"{where}: canonical {canonical}, expected {site_url + path}")
        if _OG_URL.findall(page) != canonical:
            problems.append(f"{where}: og:url {_OG_URL.findall(page)} differs from the canonical link")
        for link in _LINK.findall(page):
            parts = urlsplit(link)
            if parts.hostname in ("127.0.0.1", "localhost"):
                problems.append(f"{where}: link to the local server: {link}")
            elif not parts.scheme and link.startswith("/") and not link.startswith(base.path):
                problems.append(f"{where}: link to the host's root, outside {base.path}: {link}")
            elif parts.hostname == base.hostname and not link.startswith(site_url):
                problems.append(f"{where}: link to {base.hostname} outside {site_url}: {link}")
    for xml in [site / "sitemap.xml"]:
        tree = ElementTree.parse(xml)
        for element in tree.iterfind(".//s:loc", SITEMAP_NS):
            if not (element.text or "").startswith(site_url):
                problems.append(f"sitemap.xml: <loc> {element.text}")
        for element in tree.iterfind(".//x:link", SITEMAP_NS):
            if not element.get("href", "").startswith(site_url):
                problems.append(f"sitemap.xml: hreflang {element.get('hreflang')} -> {element.get('href')}")
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    if f"Sitemap: {site_url}sitemap.xml" not in robots:
        problems.append(f"robots.txt does not name {site_url}sitemap.xml:\n{robots}")
    return problems


def test_a_public_build_links_only_to_its_public_address(public_site):
    assert link_problems(public_site, PUBLIC) == []


def test_the_link_check_catches_a_page_that_still_names_the_local_server(public_site, tmp_path):
    broken = tmp_path / "site"
    shutil.copytree(public_site, broken)
    page = broken / "glossary" / "index.html"
    page.write_text(page.read_text().replace(f'href="{PUBLIC}glossary/"', f'href="{LOCAL}glossary/"', 1))
    (broken / "robots.txt").write_text("User-agent: *\n")
    problems = link_problems(broken, PUBLIC)
    assert any("glossary/: canonical" in p for p in problems)
    assert any("link to the local server" in p for p in problems)
    assert any("robots.txt" in p for p in problems)


def test_the_sitemap_lists_every_page_with_its_language_alternates(public_site):
    tree = ElementTree.parse(public_site / "sitemap.xml")
    listed = {}
    for url in tree.iterfind("s:url", SITEMAP_NS):
        loc = url.find("s:loc", SITEMAP_NS).text
        listed[loc] = {link.get("hreflang"): link.get("href") for link in url.iterfind("x:link", SITEMAP_NS)}
    assert sorted(listed) == sorted(PUBLIC + path for path in pages_of(public_site)), "the sitemap lists other pages than the site has"
    for loc, alternates in listed.items():
        path = loc.removeprefix(PUBLIC).removeprefix("zh/")
        assert alternates == {"en": PUBLIC + path, "zh": PUBLIC + "zh/" + path}, f"{loc}: {alternates}"
    packed = gzip.decompress((public_site / "sitemap.xml.gz").read_bytes()).decode("utf-8")
    assert packed == (public_site / "sitemap.xml").read_text(encoding="utf-8"), "sitemap.xml.gz differs from sitemap.xml"


def test_the_language_switcher_leads_to_the_twin_page(public_site):
    for path, page in pages_of(public_site).items():
        twin = path.removeprefix("zh/") if path.startswith("zh/") else "zh/" + path
        targets = {lang: urlsplit(urljoin(PUBLIC + path, href)).path for href, lang in _SWITCHER.findall(page)}
        base = urlsplit(PUBLIC).path
        english, chinese = (path, twin) if not path.startswith("zh/") else (twin, path)
        assert targets == {"en": base + english, "zh": base + chinese}, f"{path or '(home)'}: switcher {targets}"


def test_a_local_build_uses_the_serve_address(real_site):
    html = (real_site / "cross-entropy" / "index.html").read_text(encoding="utf-8")
    assert _CANONICAL.findall(html) == [LOCAL + "cross-entropy/"]


def test_every_article_has_its_own_description_and_open_graph_tags(public_site):
    from site_pages import english_article_sources

    site_description = re.search(r"^site_description: (.*)$", (REPO / "mkdocs.yml").read_text(), re.MULTILINE).group(1)
    for source in english_article_sources(REPO / "docs"):
        for path in (source.stem + "/", "zh/" + source.stem + "/"):
            page = (public_site / path / "index.html").read_text(encoding="utf-8")
            description = html.unescape(re.search(r'<meta name="description" content="([^"]*)"', page).group(1))
            assert description and description != site_description, f"{path}: no description of its own"
            assert html.unescape(re.search(r'<meta property="og:description" content="([^"]*)"', page).group(1)) == description
            assert '<meta property="og:type" content="article">' in page
            title = re.search(r'<meta property="og:title" content="([^"]*)"', page).group(1)
            assert title and title in re.search(r"<title>(.*?)</title>", page).group(1)


# ------------------------------------------------------------------ the deploy workflow


def test_the_deploy_workflow_passes_actionlint():
    result = subprocess.run([str(ACTIONLINT), str(WORKFLOW)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "deploy.yml"
    broken.parent.mkdir(parents=True)
    text = WORKFLOW.read_text().replace("steps.pages.outputs.base_url", "steps.page.outputs.base_url").replace("runs-on: ubuntu-22.04", "runs_on: ubuntu-22.04", 1)
    broken.write_text(text)
    result = subprocess.run([str(ACTIONLINT), str(broken)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode != 0
    assert "runs_on" in result.stdout and "steps.page" in result.stdout


def test_the_deploy_builds_from_committed_outputs_without_pytorch():
    workflow = WORKFLOW.read_text()
    commands = re.findall(r"^\s*(?:- )?run: (.*)$", workflow, re.MULTILINE)
    assert commands == ["make build NPM_FLAGS=--omit=dev"], commands
    assert "path: site" in workflow
    docs = (REPO / "requirements" / "docs.txt").read_text()
    assert not re.search(r"^torch\b", docs, re.MULTILINE), "the docs requirements (what make build installs) must not pull PyTorch"
    makefile = (REPO / "Makefile").read_text()
    build = re.search(r"^build: (.*)$", makefile, re.MULTILINE).group(1)
    assert "setup" not in build.split() and "$(DOCS_STAMP)" in build, "make build must install the docs requirements only"


def test_the_deploy_python_is_the_one_the_outputs_were_made_with():
    wanted = (REPO / ".python-version").read_text().strip()
    made_with = {
        json.loads(p.read_text())["environment"]["python"]
        for p in (REPO / "snippets").glob("*/outputs/*.json") if not p.name.startswith("_")
    }
    assert made_with == {wanted}, f".python-version says {wanted}; the outputs were made with {sorted(made_with)}"
    assert "python-version-file: .python-version" in WORKFLOW.read_text()


def test_a_build_without_torch_is_not_stale():
    """The deploy has no PyTorch: the build must not call the outputs stale for that (freshness ignores a missing torch)."""
    from verified_snippets.freshness import check
    from verified_snippets.layout import Project

    project = Project.at(REPO)
    snippet = project.snippets()[0]
    assert check(snippet, torch_version=lambda: None).is_fresh
    assert not check(snippet, torch_version=lambda: "0.0.1").is_fresh


# ------------------------------------------------------------------ cite this page


def test_every_article_says_how_to_cite_it_with_the_version_of_its_outputs(public_site):
    """The version is recomputed here from the committed JSON (each record's own hash), not asked of the engine."""
    import hashlib

    from verified_snippets.page_markup import find_bindings, find_embeds

    from site_pages import english_article_sources

    for source in english_article_sources(REPO / "docs"):
        markdown = source.read_text(encoding="utf-8")
        shown = {e.snippet for e in find_embeds(markdown)[0] if e.snippet.endswith(".py")} | {b.snippet for b in find_bindings(markdown)}
        hashes = []
        for snippet in shown:
            article, _, name = snippet.removesuffix(".py").rpartition("/")
            record = json.loads((REPO / "snippets" / article / "outputs" / f"{name}.json").read_text())
            hashes.append(f"{snippet}:{record['record_sha256']}")
        version = hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()[:12]
        for path, words in ((source.stem + "/", "Cite this page"), ("zh/" + source.stem + "/", "引用本页")):
            page = (public_site / path / "index.html").read_text(encoding="utf-8")
            block = page[page.index('<div class="cite-page">'):]
            block = block[: block.index("</details>")]
            assert words in block and f"<code>{version}</code>" in block, f"{path}: {block[:400]}"
            text = re.sub(r"<[^>]+>", "", block)
            assert f'<a href="{PUBLIC}{path}">' in block and "@misc{pytorch-losses-" + source.stem in text and f"{version};" in text


def test_the_outputs_version_changes_with_any_record():
    from verified_snippets.citation import outputs_version

    same = outputs_version({"a/b.py": "1" * 64, "a/c.py": "2" * 64})
    assert same == outputs_version({"a/c.py": "2" * 64, "a/b.py": "1" * 64})  # order does not matter
    assert same != outputs_version({"a/b.py": "1" * 64, "a/c.py": "3" * 64})
    assert same != outputs_version({"a/b.py": "1" * 64})
