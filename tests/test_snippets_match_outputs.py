"""What the pages show is what the snippets print today.

Every snippet is run fresh, as a reader runs it (`python snippets/<article>/<name>.py`),
and compared with its committed output: text exactly, numbers within one unit
of their last printed digit (a few-ulp difference between CPU instruction sets
may flip a rounding; a changed value does not pass). On a machine whose
processor maker has a fresh cell in the matrix (`outputs/processor-amd/`), the
run is held to that cell instead (`machine_baseline`): MKL's results there
differ in last bits that no setting changes.
"""
from __future__ import annotations

import io
import json
import math
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from verified_snippets.layout import Project
from verified_snippets.machine_baseline import baseline

from conftest import PYTHON, REPO
from numeric_text import compare
from site_pages import sample_article

SNIPPETS = [s.name for s in Project.at(REPO).snippets()]


@pytest.mark.parametrize("name", SNIPPETS)
def test_snippet_prints_what_its_page_shows(name, repo):
    project = Project.at(repo)
    expected = baseline(project, project.snippet(name))
    result = subprocess.run([PYTHON, f"snippets/{name}"], cwd=repo, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    problems = compare(expected.stdout, result.stdout)
    assert problems == [], f"snippets/{name} prints something else now than {expected.source}:\n" + "\n".join(problems)


def test_comparison_allows_last_digit_rounding_but_catches_changed_values():
    assert compare("loss 0.4076\n", "loss 0.4077\n") == []
    assert compare("tensor([1.0000e-07, 2.5000e+00])\n", "tensor([1.0001e-07, 2.5000e+00])\n") == []
    assert compare("loss 0.4076\n", "loss 0.4079\n") != []
    assert compare("loss 0.4076\n", "loss 0.4076 \n") != []
    assert compare("loss 0.4076\n", "gain 0.4076\n") != []
    assert compare("a 1\nb 2\n", "a 1\n") != []
    assert compare("x -inf\n", "x -inf\n") == [] and compare("x -inf\n", "x nan\n") != []
    assert compare("count 36\n", "count 37\n") != []


def test_engine_reruns_agree_with_committed_outputs_and_are_deterministic(repo, tmp_path):
    """All snippets through the engine, twice each: same output both times, and as committed."""
    copy = tmp_path / "project"
    shutil.copytree(repo / "snippets", copy / "snippets")
    result = subprocess.run([PYTHON, str(repo / "scripts" / "run_snippets.py"), "--root", str(copy), "--force", "--repeat", "2"], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    project = Project.at(repo)
    for name in SNIPPETS:
        fresh = json.loads(Project.at(copy).snippet(name).output_path.read_text())
        committed = json.loads(project.snippet(name).output_path.read_text())
        expected = baseline(project, project.snippet(name))
        assert compare(expected.stdout, fresh["stdout"]) == [], f"{name} (against {expected.source})"
        assert fresh["sections"].keys() == committed["sections"].keys(), name
        assert_values_close(expected.values, fresh["values"], f"{name} (against {expected.source})")


def assert_values_close(expected, actual, where: str) -> None:
    # float32 results stored as doubles: a few float32 ulp between instruction sets.
    if isinstance(expected, dict):
        assert expected.keys() == actual.keys(), where
        for key in expected:
            assert_values_close(expected[key], actual[key], f"{where}:{key}")
    elif isinstance(expected, list):
        assert len(expected) == len(actual), where
        for i, (a, b) in enumerate(zip(expected, actual)):
            assert_values_close(a, b, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        if math.isnan(expected) or math.isinf(expected):
            assert (math.isnan(expected) and math.isnan(actual)) or expected == actual, where
        else:
            assert math.isclose(expected, actual, rel_tol=4 * 2.0 ** -23, abs_tol=1e-12), f"{where}: {expected} vs {actual}"
    else:
        assert expected == actual, where


def change_first_float(source: str) -> str | None:
    """The source with its first float literal in code (not a comment or string) increased by 0.5; None if it has none."""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NUMBER and "." in token.string:
            lines = source.splitlines(keepends=True)
            row, col = token.start
            line = lines[row - 1]
            lines[row - 1] = line[:col] + repr(float(token.string) + 0.5) + line[token.end[1]:]
            return "".join(lines)
    return None


def test_the_suite_notices_a_changed_number_in_a_snippet(repo, tmp_path):
    """Mutation test: change one number in a copy of a snippet; the suite must fail."""
    copy = tmp_path / "mutant"
    for folder in ("snippets", "scripts", "tests", "docs"):
        shutil.copytree(repo / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    for name in ("mkdocs.yml", "pytest.ini"):
        shutil.copy(repo / name, copy / name)
    _, shown = sample_article(copy / "docs")
    name, changed = next((n, c) for n in shown if (c := change_first_float((copy / "snippets" / n).read_text())) is not None)
    (copy / "snippets" / name).write_text(changed)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_snippets_match_outputs.py", "tests/test_site_consistency.py", "-k", f"{Path(name).stem} or fresh"],
        cwd=copy, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode != 0, result.stdout[-3000:]
    assert f"test_snippet_prints_what_its_page_shows[{name}]" in result.stdout
    assert "test_every_output_is_fresh" in result.stdout
