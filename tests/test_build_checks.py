"""Mistakes in an article are caught at build time, each with its file, line and fix.

Unit tests of the checks (verified_snippets.page_checks), then strict builds of
a copy of the real site with mistakes put in: each must fail, naming the mistake,
and count every language's warnings.
"""
from __future__ import annotations

import re
import shutil

from verified_snippets.page_checks import label_numbers, missing_twins, todo_markers, typed_numbers
from verified_snippets.page_structure import read_page
from verified_snippets.site_state import _stale_message

from conftest import mkdocs_build

HINT = "{{ run: a/b.py <value> }}"


def typed(markdown: str, exported=(), allowed=()) -> list[tuple[int, str]]:
    return [(p.line, p.message.split(" ")[0]) for p in typed_numbers(read_page(markdown), exported, allowed, HINT)]


# ------------------------------------------------------------------ the checks, one by one


def test_twins_are_required_both_ways():
    assert missing_twins(["a.md", "a.zh.md", "b.md", "c.zh.md", "sub/d.md"], ["zh"]) == [
        "b.md has no zh twin b.zh.md; write it (without it the zh build publishes the b.md text)",
        "c.zh.md has no original c.md; write it, or remove the translation",
        "sub/d.md has no zh twin sub/d.zh.md; write it (without it the zh build publishes the sub/d.md text)",
    ]
    assert missing_twins(["a.md"], []) == []


def test_a_decimal_result_typed_by_hand_is_caught_even_when_it_is_right():
    assert typed("The loss is 0.4076 here.\n", exported=[0.40760596]) == [(1, "0.4076")]
    assert typed("The loss is 0.4076 here.\n", allowed=[0.4076]) == []


def test_a_typed_input_must_match_what_a_snippet_exports():
    page = "With logits $(0, 30)$, sigma(30) rounds to one; class 1 and 3 classes.\n"
    assert typed(page, exported=[[0.0, 30.0]]) == []
    # The trial's drift: the snippet's input became 25, the prose still says 30.
    assert typed(page, exported=[[0.0, 25.0]]) == [(1, "30"), (1, "30")]


def test_inputs_are_matched_through_float32_and_sign():
    assert typed("Targets $(0.1, 0.8)$ and $z = (1000, 1001)$.\n", exported=[[0.10000000149011612, 0.800000011920929], [-1000.0, 1001.0]]) == []


def test_code_links_versions_identifiers_and_bindings_are_not_typed_numbers():
    page = (
        "PyTorch 2.13.0 on x86_64 in float32, `x = 123.456`, [link](https://e.org/1234.5678), issue #40560,\n"
        "{{ run: a/b.py loss | .4f }}, a tolerance of 1e-6.\n\n```python\nprint(0.12345)\n```\n"
    )
    assert typed(page) == []


def test_numbers_in_math_are_checked_too():
    assert typed("$2^{128}$ and $e^{-1000}$\n", exported=[-1000.0]) == [(1, "128")]


def test_a_todo_marker_is_found_outside_code_only():
    page = "# T\n\n**TODO:** write this.\n\n```python\n# TODO in code is fine\n```\n"
    assert [p.line for p in todo_markers(read_page(page))] == [3]


def test_print_labels_must_not_type_numbers():
    source = 'z = 30.0\nprint("sigma(30) =", 1.0)\nprint(f"sigma({z:g}) = {1.0:.4f} for class 1")\nprint("0.5 rounds", 2**-149, "2**-149")\n'
    problems = [(p.line, p.message.split(" ")[4].rstrip(":")) for p in label_numbers(source, "snippets/a/b.py", allowed=[149])]
    assert problems == [(2, "30"), (4, "0.5")]


def test_after_a_failed_run_the_message_is_the_failure_not_stale():
    failure = {"source_sha256": "abc", "error": "snippets/a/b.py:3: RuntimeError: broken\n    Traceback ..."}
    message = _stale_message("snippets/a/b.py", "source changed", failure, "abc", "make outputs")
    assert message.startswith("snippets/a/b.py: the last run of snippets/a/b.py failed at line 3: RuntimeError: broken; fix it and run `make outputs`")
    # Edited since the failure: the failure is no longer the reason.
    assert _stale_message("snippets/a/b.py", "source changed", failure, "def", "make outputs") == "snippets/a/b.py: output is stale (source changed); run `make outputs`"


# ------------------------------------------------------------------ strict builds of a copy of the site


def warnings_of(result) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("WARNING")]


def test_mistakes_in_a_copy_of_the_site_fail_the_build_naming_each(scratch_site):
    docs = scratch_site.root / "docs"
    article = docs / "cross-entropy.md"
    lines = article.read_text().splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("## "))
    lines[heading + 1:heading + 1] = ["", "The loss is 0.4076 and sigma(30) is one. TODO: finish.", ""]
    article.write_text("\n".join(lines) + "\n")
    (docs / "glossary.zh.md").unlink()
    (docs / "notebooks" / "cross-entropy.ipynb").unlink()
    result = mkdocs_build(scratch_site.root)
    assert result.returncode != 0
    log = "\n".join(warnings_of(result))
    line = heading + 3
    assert f"docs/cross-entropy.md:{line}: 0.4076 is typed by hand; bind it to the run" in log
    assert f"docs/cross-entropy.md:{line}: 30 is typed, but no snippet shown on this page has that value" in log
    assert f"docs/cross-entropy.md:{line}: TODO left in a published article" in log
    assert "docs/glossary.md has no zh twin glossary.zh.md; write it" in log
    assert "docs/notebooks/cross-entropy.ipynb: the notebook of docs/cross-entropy.md is missing; run `make outputs`" in log
    # Every warning of both languages is counted, not only the last language's.
    counted = re.search(r"Aborted with (\d+) warnings in strict mode", result.stdout + result.stderr)
    assert counted and int(counted.group(1)) == len(warnings_of(result)), result.stderr[-3000:]


def test_a_failed_run_is_reported_by_the_build_with_its_line(scratch_site):
    snippet = scratch_site.root / "snippets" / "cross_entropy" / "softmax.py"
    source = snippet.read_text()
    snippet.write_text(source + "\nraise RuntimeError('deliberately broken')\n")
    run = scratch_site.run("snippets/cross_entropy/softmax.py")
    assert run.returncode == 1
    result = mkdocs_build(scratch_site.root)
    assert result.returncode != 0
    line = source.count("\n") + 2
    assert (f"snippets/cross_entropy/softmax.py: the last run of snippets/cross_entropy/softmax.py failed at line {line}: "
            "RuntimeError: deliberately broken; fix it and run `make outputs`") in result.stderr
    assert "output is stale (source changed)" not in result.stderr


def test_a_snippet_that_runs_long_shows_its_progress(scratch):
    scratch.snippet("a/slow.py", "import time\ntime.sleep(6.5)\nprint('done')\n")
    result = scratch.run()
    assert result.returncode == 0, result.stderr
    assert re.search(r"\.\.\. still running snippets/a/slow\.py \([5-9] s\)", result.stderr), result.stderr


def test_an_unchecked_binding_fails_the_build_naming_page_line_and_value(scratch_site):
    checks = scratch_site.root / "tests" / "reference_checks" / "cross_entropy.py"
    text = checks.read_text()
    kept = [line for line in text.splitlines() if not line.startswith('        "nll": Near(')]
    assert len(kept) == len(text.splitlines()) - 1
    checks.write_text("\n".join(kept) + "\n")
    assert scratch_site.run().returncode == 0  # re-records the findings
    result = mkdocs_build(scratch_site.root)
    assert result.returncode != 0
    assert re.search(r"docs/cross-entropy\.md:\d+: \{\{ run: cross_entropy/worked_example\.py nll \}\} has no reference check; "
                     r"add CHECKS\['worked_example\.py'\]\['nll'\] to tests/reference_checks/cross_entropy\.py", result.stderr), result.stderr[-3000:]


def test_the_copy_without_mistakes_builds(scratch_site):
    shutil.rmtree(scratch_site.root / "site", ignore_errors=True)
    result = mkdocs_build(scratch_site.root)
    assert result.returncode == 0, result.stderr[-3000:]
    assert warnings_of(result) == []
