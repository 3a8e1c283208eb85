"""A contributor's path, end to end, in a temporary copy of the site.

1. `make article NAME=demo-loss` scaffolds an article that builds strictly at once;
2. a snippet whose bound value has a wrong reference makes the suite fail, naming the value;
3. with the reference fixed, the suite passes;
4. without its Chinese twin, `mkdocs build --strict` fails, naming the missing file.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PYTHON, REPO, copy_presentation_caches, mkdocs_build, run_script

SCAFFOLD = [PYTHON, str(REPO / "scripts" / "new_article.py")]

SECOND_SNIPPET = """\
import torch
import torch.nn.functional as F

# --8<-- [start:smoothing]
logits = torch.tensor([[1.0, 2.0, 0.5]])
target = torch.tensor([1])
smoothing = 0.1
loss = F.cross_entropy(logits, target, label_smoothing=smoothing)
print(f"smoothed loss = {loss.item():.4f}")
# --8<-- [end:smoothing]

VALUES = {"smoothing": smoothing, "loss": loss.item()}
"""

# The reference on purpose forgets the smoothing: plain cross-entropy, a wrong formula for this value.
WRONG_CHECK = '''
CHECKS["smoothing.py"] = {
    "smoothing": Exact(0.1, why="the epsilon the article states"),
    "loss": Near(_loss, ulp=F32),
}
'''
RIGHT_CHECK = '''
CHECKS["smoothing.py"] = {
    "smoothing": Exact(0.1, why="the epsilon the article states"),
    "loss": Near(lambda: ref.cross_entropy_label_smoothing(ref.f32_matrix(LOGITS), TARGETS, mpmath.mpf(0.1)), ulp=F32),
}
'''


@pytest.fixture
def site_copy(tmp_path: Path) -> Path:
    """What a contributor's clone holds that the path touches: the site, its snippets, its tests."""
    root = tmp_path / "clone"
    for folder in ("docs", "snippets", "tests"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    for name in ("mkdocs.yml", "pytest.ini"):
        shutil.copy(REPO / name, root / name)
    (root / "node_modules").symlink_to(REPO / "node_modules")
    copy_presentation_caches(root)
    return root


def suite(root: Path) -> subprocess.CompletedProcess:
    """The tests that guard bound values, run in the copy as `make test` runs them."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_reference_checks.py"], cwd=root, capture_output=True, text=True, timeout=600)


def test_the_contributor_path_from_scaffold_to_a_caught_mistake(site_copy):
    root = site_copy
    scaffolded = subprocess.run([*SCAFFOLD, "demo-loss", "--root", str(root)], capture_output=True, text=True, timeout=300)
    assert scaffolded.returncode == 0, scaffolded.stderr
    for path in ("docs/demo-loss.md", "docs/demo-loss.zh.md", "snippets/demo_loss/first_look.py", "tests/reference_checks/demo_loss.py", "docs/notebooks/demo-loss.ipynb"):
        assert (root / path).is_file(), path
    assert "demo-loss.md" in (root / "mkdocs.yml").read_text() and "demo-loss.md" in (root / "docs" / "index.zh.md").read_text()
    built = mkdocs_build(root)
    assert built.returncode == 0, built.stderr[-3000:]
    assert "Draft" in (root / "site" / "demo-loss" / "index.html").read_text()  # a draft says so, and shows its TODOs

    # 2. A second snippet, bound on the page, whose reference is wrong on purpose.
    (root / "snippets" / "demo_loss" / "smoothing.py").write_text(SECOND_SNIPPET)
    for page, sentence in (("demo-loss.md", "With smoothing the loss is"), ("demo-loss.zh.md", "加上标签平滑，损失是")):
        path = root / "docs" / page
        path.write_text(path.read_text() + f'\n{sentence} {{{{ run: demo_loss/smoothing.py loss | .4f }}}}.\n\n```python\n--8<-- "demo_loss/smoothing.py:smoothing"\n```\n')
    checks = root / "tests" / "reference_checks" / "demo_loss.py"
    checks.write_text(checks.read_text() + WRONG_CHECK)
    ran = run_script(root)
    assert ran.returncode == 1 and "smoothing.py loss: stored" in ran.stderr, ran.stderr
    failing = suite(root)
    assert failing.returncode != 0
    assert "FAILED tests/test_reference_checks.py::test_every_check_passes[demo_loss]" in failing.stdout
    assert "smoothing.py loss: stored" in failing.stdout and "float32 ulp apart (allowed 4)" in failing.stdout

    # 3. The right reference: the suite passes.
    checks.write_text(checks.read_text().replace(WRONG_CHECK, RIGHT_CHECK))
    assert run_script(root).returncode == 0
    passing = suite(root)
    assert passing.returncode == 0, passing.stdout[-3000:]

    # 4. Without its Chinese twin the strict build fails, naming the file.
    (root / "docs" / "demo-loss.zh.md").unlink()
    broken = mkdocs_build(root)
    assert broken.returncode != 0
    assert "docs/demo-loss.md has no zh twin demo-loss.zh.md; write it" in broken.stderr


def test_publishing_a_draft_with_todo_markers_fails_the_build(site_copy):
    root = site_copy
    assert subprocess.run([*SCAFFOLD, "demo-loss", "--root", str(root)], capture_output=True, timeout=300).returncode == 0
    for page in ("demo-loss.md", "demo-loss.zh.md"):
        path = root / "docs" / page
        path.write_text(path.read_text().replace("status: draft\n", "", 1))
    result = mkdocs_build(root)
    assert result.returncode != 0
    for page in ("demo-loss.md", "demo-loss.zh.md"):
        assert f"docs/{page}:6: TODO left in a published article" in result.stderr
        assert f"docs/{page}:2: has no `description:` in its front matter, or it is still a TODO" in result.stderr


@pytest.mark.parametrize(("slug", "message"), [
    ("Demo_Loss", "is not a slug"),
    ("cross-entropy", "exists already: docs/cross-entropy.md"),
])
def test_the_scaffold_refuses_a_bad_or_taken_slug_and_writes_nothing(site_copy, slug, message):
    before = sorted(p for p in site_copy.rglob("*") if p.is_file())
    result = subprocess.run([*SCAFFOLD, slug, "--root", str(site_copy)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and message in result.stderr
    assert sorted(p for p in site_copy.rglob("*") if p.is_file()) == before
