"""language-reuse: under `mkdocs serve`, the Chinese pages are written back when nothing they are made from changed.

The proof is a comparison: a serve session that reuses the Chinese build must
leave the site folder byte for byte as a session without the plugin leaves it,
after each kind of edit. A test freezes the digest to show that a stale page
would be caught by that comparison.
"""
from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

from language_reuse import language_inputs
from language_reuse.built_files import BuiltFiles, listing

from verified_snippets.settings import load_site
from verified_snippets.site_state import SiteState

from conftest import PYTHON, copy_presentation_caches, environment_with

SESSION = Path(__file__).with_name("serve_session.py")
BUILD = {"build": True}
EN_EDIT = {"append": "docs/cross-entropy.md", "text": "\nA saved edit, in words only.\n"}
EN_EDIT_2 = {"append": "docs/cross-entropy.md", "text": "\nA second saved edit.\n"}
ZH_EDIT = {"append": "docs/cross-entropy.zh.md", "text": "\n一次保存的修改。\n"}
ZH_EDIT_2 = {"append": "docs/cross-entropy.zh.md", "text": "\n又一次保存的修改。\n"}
# A formula with a character no other formula shows: the shared math font must gain it.
EN_MATH_EDIT = {"append": "docs/cross-entropy.md", "text": "\nA cardinal: $\\aleph_0$.\n"}
ZH_TODO = {"append": "docs/cross-entropy.zh.md", "text": "\nTODO 写完这一段。\n"}
# Test-only: the digest of the Chinese inputs never changes, as a wrong digest would behave.
FREEZE = {"freeze_language_inputs": True}
UNFREEZE = {"freeze_language_inputs": False}


def site_copy(repo: Path, root: Path, reuse: bool = True) -> Path:
    root.mkdir(parents=True)
    config = (repo / "mkdocs.yml").read_text(encoding="utf-8")
    if not reuse:
        assert "\n  - language-reuse\n" in config
        config = config.replace("\n  - language-reuse\n", "\n")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    shutil.copytree(repo / "docs", root / "docs")
    shutil.copytree(repo / "snippets", root / "snippets", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(repo / "tests" / "reference_checks", root / "tests" / "reference_checks", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "node_modules").symlink_to(repo / "node_modules")
    copy_presentation_caches(root)
    return root


def serve_session(project: Path, steps: list[dict]) -> list[dict]:
    """Run `steps` in one process, as `mkdocs serve` rebuilds; what language-reuse did in each build."""
    result = subprocess.run([PYTHON, str(SESSION), str(project), str(project / "served-site"), json.dumps(steps)],
                            capture_output=True, text=True, timeout=600, env=environment_with({"NO_MKDOCS_2_WARNING": "1"}))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def differences(first: Path, second: Path) -> list[str]:
    """Files that differ between two site folders (a compressed sitemap by its content)."""
    a, b = listing(first), listing(second)
    found = sorted(set(a) ^ set(b))
    for path in sorted(set(a) & set(b)):
        left, right = (first / path).read_bytes(), (second / path).read_bytes()
        if path.endswith(".gz"):
            left, right = gzip.decompress(left), gzip.decompress(right)
        if left != right:
            found.append(path)
    return found


def test_reused_chinese_pages_are_what_a_build_without_reuse_makes(real_site, repo, tmp_path):
    served = site_copy(repo, tmp_path / "with-reuse")
    plain = site_copy(repo, tmp_path / "without-reuse", reuse=False)
    copies = {name: str(tmp_path / name) for name in ("a1", "a2", "a3", "b1", "b2", "b3")}
    reports = serve_session(served, [
        BUILD,
        EN_EDIT, BUILD, {"copy_site": copies["a1"]},
        ZH_EDIT, EN_MATH_EDIT, BUILD, {"copy_site": copies["a2"]},
        FREEZE, ZH_EDIT_2, BUILD, {"copy_site": copies["a3"]},
        UNFREEZE, ZH_TODO, BUILD, EN_EDIT_2, BUILD,
    ])
    assert [(r["reused"], r["built"]) for r in reports] == [
        ([], ["zh"]),  # the first build
        (["zh"], []),  # an English prose edit: nothing the Chinese pages read changed
        ([], ["zh"]),  # a Chinese edit, and a new character in an English formula (the shared math font changes)
        (["zh"], []),  # the frozen digest: a Chinese edit wrongly written back
        ([], ["zh"]), ([], ["zh"]),  # a build that warned is built again on the next save, to warn again
    ]
    serve_session(plain, [
        EN_EDIT, BUILD, {"copy_site": copies["b1"]},
        ZH_EDIT, EN_MATH_EDIT, BUILD, {"copy_site": copies["b2"]},
        ZH_EDIT_2, BUILD, {"copy_site": copies["b3"]},
    ])
    assert differences(Path(copies["a1"]), Path(copies["b1"])) == [], "after the English edit (written back)"
    assert differences(Path(copies["a2"]), Path(copies["b2"])) == [], "after the Chinese and formula edits (built)"
    font = next(path for path in listing(Path(copies["a2"])) if path.endswith(".woff2") and "katex" in path)
    assert (Path(copies["a2"]) / font).read_bytes() != (Path(copies["a1"]) / font).read_bytes()  # the font did gain a character
    # The comparison catches a stale page: the wrongly reused Chinese article, and only what depends on it.
    stale = differences(Path(copies["a3"]), Path(copies["b3"]))
    assert "zh/cross-entropy/index.html" in stale and not [path for path in stale if not path.startswith(("zh/", "search/"))], stale


def test_built_files_are_put_back_as_the_build_left_them(tmp_path):
    site = tmp_path / "site"
    (site / "zh").mkdir(parents=True)
    (site / "shared.css").write_text("first language")
    (site / "old.txt").write_text("removed by the build")
    before = listing(site)
    (site / "zh" / "index.html").write_text("中文")
    (site / "shared.css").write_text("rewritten by the second language")
    (site / "old.txt").unlink()
    kept = BuiltFiles.since(site, before)
    assert set(kept.written) == {"zh/index.html", "shared.css"} and kept.removed == ["old.txt"]
    shutil.rmtree(site)
    site.mkdir()
    (site / "shared.css").write_text("first language")
    (site / "old.txt").write_text("removed by the build")
    kept.put_back(site)
    assert (site / "zh" / "index.html").read_text() == "中文" and (site / "shared.css").read_text() == "rewritten by the second language"
    assert not (site / "old.txt").exists()


def test_the_digest_reads_what_the_language_reads_and_not_the_first_languages_own_pages(tmp_path):
    docs = tmp_path / "docs"
    (docs / "notebooks").mkdir(parents=True)
    for name, text in {"page.md": "English", "page.zh.md": "中文", "alone.md": "English only", "notebooks/page.ipynb": "{}"}.items():
        (docs / name).write_text(text)
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\n")

    def digest(plugin_inputs=("engine",)):
        return language_inputs.digest("zh", docs, config, ["http://127.0.0.1:8000/"], plugin_inputs)

    first = digest()
    (docs / "page.md").write_text("English, edited")
    assert digest() == first  # the Chinese build has its own page.zh.md
    (docs / "page.zh.md").write_text("中文")  # saved unchanged
    assert digest() == first
    for name in ("page.zh.md", "alone.md", "notebooks/page.ipynb"):  # its own page, a page it falls back to, a shared file
        before = digest()
        (docs / name).write_text((docs / name).read_text() + " edited")
        assert digest() != before, name
    before = digest()
    config.write_text("site_name: y\n")
    assert digest() != before
    assert digest(("engine, changed",)) != digest()
    assert language_inputs.is_first_language_page("sub/page.md", "zh", {"sub/page.md", "sub/page.zh.md"})
    assert not language_inputs.is_first_language_page("page.zh.md", "zh", {"page.zh.md"})


def test_the_engine_inputs_change_with_outputs_states_and_the_page_that_shows_each_output(scratch_site):
    root = scratch_site.root
    site = load_site(root)
    state = SiteState(site, runs_snippets=False)
    state.prepare()
    first = state.language_inputs()
    state.prepare()
    assert state.language_inputs() == first
    # Values on a Chinese page link to the first English page that shows their output.
    first_page = next(outline for outline in state.outlines if outline.language is None and outline.embeds)
    state.outlines = [outline for outline in state.outlines if outline is not first_page]
    assert state.language_inputs() != first
    state.prepare()
    assert state.language_inputs() == first
    output = next((root / "snippets").rglob("outputs/*.json"))
    output.write_text(output.read_text() + " ")
    assert state.language_inputs() != first
