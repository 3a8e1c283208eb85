"""The Chinese edition: every page has a twin, the twins show the same code and numbers, and the built site is bilingual.

Layout (mkdocs-static-i18n, suffix structure): ``docs/page.md`` is English, the
default language, built to ``/page/``; ``docs/page.zh.md`` is its Chinese twin,
built to ``/zh/page/``. Snippets and their recorded outputs are shared, so the two
editions must embed the same code and bind the same values; only the prose differs.

The site is built once for this module (``mkdocs build --strict``) and the
built HTML and search index are read back.
"""
from __future__ import annotations

import html
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin

import pytest
import yaml

from verified_snippets.page_markup import VALUE_BINDING, find_embeds

from browser.site_source import blank_fences
from conftest import mkdocs_build
from site_pages import english_article_sources

LANG = "zh"
HAN = re.compile(r"[\u4e00-\u9fff]")
#: The articles (English pages that embed a snippet), found, never named: every per-article test runs on each.
ARTICLES = english_article_sources(Path(__file__).resolve().parent.parent / "docs")


# ---------------------------------------------------------------------------
# Sources


def _is_translation(path: Path) -> bool:
    return path.name.endswith(f".{LANG}.md")


def english_pages(docs: Path) -> list[Path]:
    return sorted(p for p in docs.rglob("*.md") if not _is_translation(p))


def chinese_pages(docs: Path) -> list[Path]:
    return sorted(p for p in docs.rglob(f"*.{LANG}.md"))


def twin_of(page: Path) -> Path:
    if _is_translation(page):
        return page.with_name(page.name[: -len(f".{LANG}.md")] + ".md")
    return page.with_name(page.name[: -len(".md")] + f".{LANG}.md")


def url_of(docs: Path, english_page: Path, lang: str | None = None) -> str:
    """Site path of a page (use_directory_urls), e.g. ``zh/cross-entropy/``; ``""`` for the home page."""
    rel = PurePosixPath(english_page.relative_to(docs).as_posix()).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("index", "README"):
        parts = parts[:-1]
    path = "/".join(parts) + "/" if parts else ""
    return f"{lang}/{path}" if lang else path


def sections(markdown: str) -> list[tuple[str, str]]:
    """``(heading, body)`` for the part before the first ``##`` heading and each ``##`` section."""
    prose = blank_fences(markdown)
    raw = markdown.splitlines()
    found, heading, start = [], "(top)", 0
    for number, line in enumerate(prose):
        if line.startswith("## "):
            found.append((heading, "\n".join(raw[start:number])))
            heading, start = line[3:].strip(), number + 1
    found.append((heading, "\n".join(raw[start:])))
    return found


def embeds(markdown: str) -> list[str]:
    found, _ = find_embeds(markdown)
    return [f"{e.snippet}:{e.section}" if e.section else e.snippet for e in found]


def bindings(markdown: str) -> Counter:
    return Counter(
        f"{m['snippet']} {m['name']}{m['indexes']} | {(m['format'] or '').strip()}"
        for m in VALUE_BINDING.finditer(markdown)
    )


class _Lenient(yaml.SafeLoader):
    """Reads mkdocs.yml without running its Python tags (`!!python/...`, `!relative`)."""


_Lenient.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
_Lenient.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.fixture(scope="module")
def docs(repo) -> Path:
    return repo / "docs"


@pytest.fixture(scope="module")
def mkdocs_config(repo) -> dict:
    return yaml.load((repo / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Lenient)


@pytest.fixture(scope="module")
def i18n_config(mkdocs_config) -> dict:
    for plugin in mkdocs_config["plugins"]:
        if isinstance(plugin, dict) and "i18n" in plugin:
            return plugin["i18n"]
    pytest.fail("mkdocs.yml has no i18n plugin")


# ---------------------------------------------------------------------------
# Every page has a twin, and the twins show the same code and numbers


def test_the_site_is_configured_for_english_and_chinese(i18n_config):
    assert i18n_config["docs_structure"] == "suffix"
    assert i18n_config["reconfigure_material"] is True
    languages = {lang["locale"]: lang for lang in i18n_config["languages"]}
    assert set(languages) == {"en", LANG}
    assert languages["en"].get("default") is True
    assert all(lang.get("build", True) for lang in languages.values())


def test_every_english_page_has_a_chinese_twin_and_vice_versa(docs):
    """Checked on the sources: the plugin's fallback could build /zh/page/ from page.md and hide a gap."""
    english, chinese = english_pages(docs), chinese_pages(docs)
    assert english, "no pages under docs/"
    missing = [str(twin_of(p).relative_to(docs)) for p in english if not twin_of(p).is_file()]
    orphans = [str(p.relative_to(docs)) for p in chinese if not twin_of(p).is_file()]
    assert missing == [], f"English pages without a Chinese twin (write these): {missing}"
    assert orphans == [], f"Chinese pages without an English original: {orphans}"


def test_no_other_language_suffix_is_used(docs):
    stray = [str(p.relative_to(docs)) for p in docs.rglob("*.md")
             if re.search(r"\.[a-z]{2}(?:[_-][A-Za-z]{2,4})?\.md$", p.name) and not _is_translation(p)]
    assert stray == [], f"pages in a language the site does not build: {stray}"


def test_twins_embed_the_same_snippets_in_the_same_sections_and_order(docs):
    problems = []
    for page in english_pages(docs):
        twin = twin_of(page)
        en, zh = page.read_text(encoding="utf-8"), twin.read_text(encoding="utf-8")
        if embeds(en) != embeds(zh):
            problems.append(f"{twin.name}: embeds {embeds(zh)} but {page.name} embeds {embeds(en)}")
            continue
        en_sections, zh_sections = sections(en), sections(zh)
        if len(en_sections) != len(zh_sections):
            problems.append(f"{twin.name} has {len(zh_sections) - 1} '##' sections, {page.name} has {len(en_sections) - 1}")
            continue
        for (en_heading, en_body), (zh_heading, zh_body) in zip(en_sections, zh_sections):
            if embeds(en_body) != embeds(zh_body):
                problems.append(f"section '{zh_heading}' of {twin.name} embeds {embeds(zh_body)}; "
                                f"section '{en_heading}' of {page.name} embeds {embeds(en_body)}")
    assert problems == []


def test_twins_bind_the_same_run_values(docs):
    """Same snippet, value name, indexes and format: the two editions quote the same numbers."""
    problems = []
    for page in english_pages(docs):
        twin = twin_of(page)
        # Counted, not just present: a value quoted twice in English is quoted twice in Chinese.
        en = bindings(page.read_text(encoding="utf-8"))
        zh = bindings(twin.read_text(encoding="utf-8"))
        if en - zh:
            problems.append(f"{twin.name} lacks {sorted((en - zh).elements())}")
        if zh - en:
            problems.append(f"{twin.name} binds what {page.name} does not: {sorted((zh - en).elements())}")
    assert problems == []


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.stem)
def test_the_chinese_article_covers_every_section(article):
    en = [h for h, _ in sections(article.read_text(encoding="utf-8"))[1:]]
    zh = [h for h, _ in sections(twin_of(article).read_text(encoding="utf-8"))[1:]]
    assert en, f"{article.name} has no '##' section"
    assert len(zh) == len(en), f"English sections {en}, Chinese sections {zh}"
    assert [h for h in zh if not HAN.search(h)] == [], "untranslated section headings"


def test_chinese_text_in_formulas_is_wrapped_in_text(docs):
    """KaTeX (strict) refuses Han characters in math mode; they belong in \\text{...}."""
    problems = []
    for page in chinese_pages(docs):
        prose = "\n".join(blank_fences(page.read_text(encoding="utf-8")))
        prose = VALUE_BINDING.sub("0", prose)
        for match in re.finditer(r"\$\$(.+?)\$\$|\$(?!\$)(.+?)(?<!\\)\$", prose, re.DOTALL):
            tex = match.group(1) or match.group(2)
            bare = re.sub(r"\\text\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}", "", tex)
            if HAN.search(bare):
                line = prose.count("\n", 0, match.start()) + 1
                problems.append(f"{page.name}:{line}: {tex.strip()[:60]}")
    assert problems == []


def test_glossary_pairs_the_terms_in_both_editions(docs):
    pairs = [
        ("cross-entropy", "交叉熵"),
        ("log-probability", "对数概率"),
        ("negative log-likelihood", "负对数似然"),
        ("logits", "未归一化分数"),
        ("numerical stability", "数值稳定性"),
    ]
    for page in (docs / "glossary.md", docs / f"glossary.{LANG}.md"):
        rows = [line for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
        for english, chinese in pairs:
            assert any(english in row and chinese in row for row in rows), f"{page.name}: no row pairs {english} with {chinese}"


def test_every_nav_title_has_a_chinese_translation(mkdocs_config, i18n_config):
    def titles(items):
        for item in items:
            if isinstance(item, dict):
                for title, value in item.items():
                    yield title
                    if isinstance(value, list):
                        yield from titles(value)

    zh = next(lang for lang in i18n_config["languages"] if lang["locale"] == LANG)
    translations = zh.get("nav_translations") or {}
    nav_titles = list(titles(mkdocs_config["nav"]))
    assert "glossary.md" in json.dumps(mkdocs_config["nav"])
    assert [t for t in nav_titles if t not in translations] == []
    assert all(translations[t] != t for t in nav_titles), "a nav title is 'translated' to itself"


# ---------------------------------------------------------------------------
# The built site


class _PageParser(HTMLParser):
    """What these tests read from a built page: lang, headings, language links, head links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.headings: list[tuple[str, str, str]] = []  # (tag, id, text)
        self.switcher: dict[str, str] = {}  # hreflang -> href, from the header's language menu
        self.head_alternates: list[str] = []  # <link rel="alternate" href> in <head>
        self.katex = self.katex_errors = 0
        self._heading = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "link" and a.get("rel") == "alternate" and a.get("type") is None:
            self.head_alternates.append(a.get("href", ""))
        elif tag == "a" and "md-select__link" in classes and a.get("hreflang"):
            self.switcher[a["hreflang"]] = a.get("href", "")
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is None:
            self._heading = [tag, a.get("id", ""), []]
        elif tag == "a" and "headerlink" in classes:
            self._skip += 1
        if tag == "span" and "katex" in classes:
            self.katex += 1
        if "katex-error" in classes:
            self.katex_errors += 1

    def handle_endtag(self, tag):
        if tag == "a" and self._skip:
            self._skip -= 1
        elif self._heading is not None and tag == self._heading[0]:
            self.headings.append((tag, self._heading[1], "".join(self._heading[2]).strip()))
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None and not self._skip:
            self._heading[2].append(data)


def parse(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(real_site) -> Path:
    return real_site


def built(site: Path, url: str) -> Path:
    return site / url / "index.html"


def test_strict_build_writes_both_languages(site, docs):
    for page in english_pages(docs):
        for lang, expected in ((None, "en"), (LANG, LANG)):
            path = built(site, url_of(docs, page, lang))
            assert path.is_file(), f"{page.name}: no {path.relative_to(site)}"
            assert parse(path).lang == expected, f"{path.relative_to(site)}: <html lang> is not {expected}"


def pages_not_built_from_their_chinese_source(site: Path, docs: Path) -> list[str]:
    """/zh/ pages that are missing, or were made from something other than page.zh.md (the plugin's fallback)."""
    problems = []
    for page in english_pages(docs):
        url, twin = url_of(docs, page, LANG), twin_of(page)
        if not built(site, url).is_file():
            problems.append(f"/{url}: not built")
            continue
        h1 = [text for tag, _, text in parse(built(site, url)).headings if tag == "h1"]
        if not twin.is_file():
            problems.append(f"/{url}: built from {page.name}, there is no {twin.name}")
            continue
        source_h1 = next(line[2:] for line in twin.read_text(encoding="utf-8").splitlines() if line.startswith("# "))
        if h1 != [re.sub(r"`([^`]*)`", r"\1", source_h1).strip()]:
            problems.append(f"/{url}: its title {h1} is not the title of {twin.name}")
    sources = {url_of(docs, p, LANG) for p in english_pages(docs)}
    # Notebook pages are generated from one shared .ipynb for both languages, by design.
    sources |= {f"{LANG}/notebooks/{nb.stem}/" for nb in (docs / "notebooks").glob("*.ipynb")}
    pages = {p.parent.relative_to(site).as_posix() + "/" for p in (site / LANG).rglob("index.html")}
    problems += [f"/{url}: no page under docs/ is its source" for url in sorted(pages - sources)]
    return problems


def test_every_chinese_page_is_built_from_its_chinese_source(site, docs):
    assert pages_not_built_from_their_chinese_source(site, docs) == []


def test_a_page_built_by_fallback_is_caught(scratch_site):
    """Without glossary.zh.md the plugin builds /zh/glossary/ from glossary.md; the check above must say so."""
    docs = scratch_site.root / "docs"
    (docs / f"glossary.{LANG}.md").unlink()
    site_dir = scratch_site.root / "site"
    # Not strict: the English page's anchors, built as the Chinese page, fail the strict link check.
    result = mkdocs_build(scratch_site.root, "--site-dir", str(site_dir), strict=False)
    assert result.returncode == 0, result.stderr[-3000:]
    problems = pages_not_built_from_their_chinese_source(site_dir, docs)
    assert problems == [f"/{LANG}/glossary/: built from glossary.md, there is no glossary.{LANG}.md"]


def test_language_switcher_links_every_page_to_its_twin(site, docs):
    for page in english_pages(docs):
        en_url, zh_url = url_of(docs, page), url_of(docs, page, LANG)
        for here, there, other in ((en_url, zh_url, LANG), (zh_url, en_url, "en")):
            switcher = parse(built(site, here)).switcher
            assert set(switcher) == {"en", LANG}, f"/{here}: language menu {switcher}"
            target = urljoin(f"http://site/{here}", switcher[other])
            assert target == f"http://site/{there}", f"/{here}: the {other} link goes to {target}, not to its twin /{there}"


def test_pages_make_material_request_no_missing_sitemap(site):
    """Material fetches sitemap.xml next to every <link rel=alternate> in <head>; each must exist."""
    missing = []
    for path in sorted(site.rglob("index.html")):
        url = f"http://site/{path.parent.relative_to(site).as_posix()}/".replace("/./", "/")
        for href in parse(path).head_alternates:
            sitemap = urljoin(urljoin(url, href), "sitemap.xml")
            if not (site / unquote(sitemap.removeprefix("http://site/"))).is_file():
                missing.append(f"{path.relative_to(site)} -> {sitemap}")
    assert missing == []


def test_the_404_page_stays_in_the_default_language(site):
    assert parse(site / "404.html").lang == "en"


def test_chinese_headings_have_readable_stable_anchors(site, docs):
    from pymdownx.slugs import slugify

    slug = slugify(case="lower")
    for page in english_pages(docs):
        headings = parse(built(site, url_of(docs, page, LANG))).headings
        ids = [hid for _, hid, _ in headings]
        assert len(ids) == len(set(ids)), f"{twin_of(page).name}: duplicate anchors {ids}"
        for _tag, hid, text in headings:
            assert hid and not re.fullmatch(r"_\d+", hid), f"{twin_of(page).name}: '{text}' has anchor '{hid}'"
            assert set(HAN.findall(text)) <= set(HAN.findall(hid)), f"'{text}' lost its Chinese in anchor '{hid}'"
            assert hid == slug(text, "-"), f"'{text}': anchor '{hid}' is not the slug of the heading"
    # Written out, not derived: the anchors a reader links to look like this.
    assert slug("交叉熵", "-") == "交叉熵"
    assert slug("Softmax 把 logits 变成概率", "-") == "softmax-把-logits-变成概率"


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.stem)
def test_every_formula_of_the_chinese_article_is_rendered(site, docs, article):
    page = parse(built(site, url_of(docs, article, LANG)))
    formulas = len(re.findall(r"(?<!\\)\$", twin_of(article).read_text(encoding="utf-8")))
    assert page.katex > 0 or formulas == 0, f"{twin_of(article).name}: no formula rendered"
    assert page.katex_errors == 0


def test_the_notebook_source_is_published_in_both_languages(site, docs):
    notebooks = sorted((docs / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebook under docs/notebooks/"
    for notebook in notebooks:
        for prefix in ("", f"{LANG}/"):
            copied = site / f"{prefix}notebooks" / notebook.stem / notebook.name
            assert copied.is_file(), f"{prefix}{notebook.name} is not in the built site"
            assert copied.read_bytes() == notebook.read_bytes()


# ---------------------------------------------------------------------------
# Search: one index for both languages, Chinese segmented by jieba at build time


@pytest.fixture(scope="module")
def search_index(site) -> dict:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


def _tokens(entry: dict, separator: re.Pattern) -> list[str]:
    text = html.unescape(re.sub(r"<[^>]+>", " ", f"{entry['title']} {entry['text']}")).lower()
    return [t for t in separator.split(text) if t]


def material_han_terms(run: str, vocabulary: set[str]) -> set[str]:
    """What Material 9.8's search worker looks up for a run of Han characters in a query.

    The browser has no jieba, so the worker cuts the run into words that occur in
    the index: from each start, the longest indexed word (shorter than the rest
    of the run); a run with no indexed prefix is looked up whole. Each word is
    then a prefix query (``word*``).
    """
    longest = [0] * len(run)
    for start in range(len(run)):
        for stop in range(start + 1, len(run)):
            if run[start:stop] in vocabulary:
                longest[start] = stop - start
    terms, stack = set(), [0]
    while stack:
        start = stack.pop()
        for width in range(1, longest[start]):
            if longest[start + width] > longest[start] - width:
                terms.add(run[start:start + width])
                stack.append(start + width)
        end = start + longest[start]
        if end < len(run) - 1 and longest[end]:
            stack.append(end)
        terms.add(run[start:end])
    return {run} if "" in terms else terms


def pages_found(search_index: dict, query: str) -> set[str]:
    """Pages with an entry where every query term is the prefix of a word of that entry."""
    separator = re.compile(search_index["config"]["separator"])
    entries = [(entry["location"].split("#")[0], set(_tokens(entry, separator))) for entry in search_index["docs"]]
    vocabulary = set().union(*(words for _, words in entries))
    terms = set()
    for part in separator.split(query.lower()):
        for piece in re.split(r"([\u4e00-\u9fff]+)", part):
            if HAN.match(piece):
                terms |= material_han_terms(piece, vocabulary)
            elif piece:
                terms.add(piece)
    return {page for page, words in entries if all(any(w.startswith(t) for w in words) for t in terms)}


def test_search_is_configured_for_chinese(search_index):
    config = search_index["config"]
    assert config["lang"] == ["en", LANG]
    separator = re.compile(config["separator"])
    assert separator.split("交叉\u200b熵") == ["交叉", "熵"], "the separator must split on jieba's zero-width spaces"
    assert separator.split("对数，概率。损失；梯度：下溢（上溢）") == ["对数", "概率", "损失", "梯度", "下溢", "上溢", ""]
    assert separator.split("cross-entropy loss") == ["cross", "entropy", "loss"]


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.stem)
def test_search_index_has_the_chinese_words_of_the_chinese_article(search_index, docs, article):
    separator = re.compile(search_index["config"]["separator"])
    prefix = url_of(docs, article, LANG)
    entries = [e for e in search_index["docs"] if e["location"].startswith(prefix)]
    headings = [h for h, _ in sections(twin_of(article).read_text(encoding="utf-8"))[1:]]
    assert len(entries) >= len(headings) + 1, "the page and each of its sections"
    words = Counter(t for e in entries for t in _tokens(e, separator))
    han = [w for w in words if HAN.search(w)]
    assert han and sum(map(len, han)) / len(han) < 3, "Chinese text is not cut into words (is jieba installed?)"


def heading_queries(article: Path) -> list[str]:
    """What a reader searches for: the Han words of the article's Chinese `##` headings."""
    return sorted({run for heading, _ in sections(twin_of(article).read_text(encoding="utf-8"))[1:] for run in re.findall(r"[\u4e00-\u9fff]{2,}", heading)})


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.stem)
def test_search_finds_the_article_in_each_language(search_index, docs, article):
    zh_page, en_page = url_of(docs, article, LANG), url_of(docs, article)
    queries = heading_queries(article)
    assert queries, f"{twin_of(article).name} has no Chinese words in its section headings"
    for query in queries:
        found = pages_found(search_index, query)
        assert zh_page in found, f"searching {query!r} finds {sorted(found)}, not {zh_page}"
        assert en_page not in found, f"searching {query!r} finds the English page {en_page}"
    english = article.stem.replace("-", " ")  # the slug's words name the topic
    assert en_page in pages_found(search_index, english), f"searching {english!r} does not find {en_page}"
