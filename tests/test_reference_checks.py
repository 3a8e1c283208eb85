"""Every number a page binds is checked against an independent reference, on every article.

The checks are declared per snippets folder in `tests/reference_checks/<folder>.py`
(see `verified_snippets.reference_checks` for the kinds). These tests read the
committed outputs (they never run a snippet) and evaluate every check again:

* every value bound on any page, in either language, has a check (the failure
  names the page, the line and the binding);
* every check passes;
* what `run-snippets` recorded for the ledger page is what the checks find now;
* each checks module's own `_self_check()` shows that its references can fail;
* the checking machinery itself rejects wrong values (the tests at the end).
"""
from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest

from verified_snippets import reference_checks as rc
from verified_snippets.page_markup import find_bindings
from verified_snippets.reference_checks import Bounded, Exact, Input, Near, evaluate, ulp
from verified_snippets.settings import load_site

from conftest import REPO
from reference_checks import formulas as ref
from site_pages import article_pages

SITE = load_site(REPO)
PROJECT = SITE.project
CHECKS_DIR = REPO / "tests" / "reference_checks"
PAGES = article_pages(PROJECT)
FOLDERS = rc.folders_with_checks(PROJECT, CHECKS_DIR)


def unchecked_bindings(page: Path) -> list[str]:
    problems = []
    for binding in find_bindings(page.read_text(encoding="utf-8")):
        checks = rc.load_checks(CHECKS_DIR, binding.folder)
        where = f"{PROJECT.display(page)}:{binding.line}: {binding.label}"
        module = PROJECT.display(rc.checks_module_path(CHECKS_DIR, binding.folder))
        if checks is None:
            problems.append(f"{where} has no reference check: {module} does not exist")
        elif binding.name not in checks.get(binding.file, {}):
            problems.append(f"{where} has no reference check: add CHECKS[{binding.file!r}][{binding.name!r}] to {module}")
    return problems


def test_the_site_has_articles_and_checks():
    assert PAGES, "no article pages found under docs/"
    bound = {binding.folder for page in PAGES for binding in find_bindings(page.read_text(encoding="utf-8"))}
    assert bound and bound <= set(FOLDERS), f"folders whose values are bound but have no checks module: {sorted(bound - set(FOLDERS))}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_bound_value_has_a_reference_check(page):
    problems = unchecked_bindings(page)
    assert not problems, "\n".join(problems)


@functools.cache
def findings_now(folder: str) -> rc.CheckResults:
    """What the checks find in the committed outputs, evaluated once per folder (mpmath takes seconds on some)
    for the two tests below; neither changes the outputs or the checks."""
    return rc.evaluate_folder(PROJECT, CHECKS_DIR, folder)


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_check_passes(folder):
    results = findings_now(folder)
    assert results.values, f"{folder}: no check was evaluated"
    assert not results.failures(), "\n".join(results.failures())


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_recorded_findings_are_what_the_checks_find_now(folder):
    recorded = rc.read_results(PROJECT, folder)
    assert recorded is not None, f"{PROJECT.display(rc.results_path(PROJECT, folder))} is missing: run `make outputs`"
    fresh = findings_now(folder)
    assert recorded.to_json() == fresh.to_json(), f"{PROJECT.display(rc.results_path(PROJECT, folder))} is stale: run `make outputs`"


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_checks_module_shows_its_references_can_fail(folder):
    rc.load_package(CHECKS_DIR)
    module = __import__(f"reference_checks.{folder}", fromlist=["_self_check"])
    assert hasattr(module, "_self_check"), f"{folder}.py: write a _self_check() showing that a wrong value fails its check"
    module._self_check()


# ------------------------------------------------------------------ the suite fails on a wrong or unchecked value


def first_near_float(folder: str) -> tuple[str, str, list]:
    """(snippet file, value name, path of indexes) of the first float that a Near check covers in `folder`."""
    for snippet, names in sorted((rc.load_checks(CHECKS_DIR, folder) or {}).items()):
        values = json.loads(PROJECT.snippet(f"{folder}/{snippet}").output_path.read_text())["values"]
        for name, check in sorted(names.items()):
            path, value = [], values.get(name)
            while isinstance(value, list) and value:
                path.append(0)
                value = value[0]
            if isinstance(check, Near) and isinstance(value, float) and value != 0.0:
                return snippet, name, path
    raise AssertionError(f"{folder}: no Near check of a non-zero float")


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_wrong_stored_value_fails_naming_it(tmp_path, folder):
    """Mutation: change one stored number in a copy of the outputs by 1e-4 relative; its check fails and names it."""
    snippet, name, path = first_near_float(folder)
    copy = tmp_path / "site"
    shutil.copytree(PROJECT.snippets_dir / folder, copy / "snippets" / folder)
    record_path = copy / "snippets" / folder / "outputs" / f"{Path(snippet).stem}.json"
    record = json.loads(record_path.read_text())
    holder, key = record["values"], name
    for index in path:
        holder, key = holder[key], index
    holder[key] *= 1 + 1e-4
    from verified_snippets.output_records import content_hash

    record["record_sha256"] = content_hash(record)
    record_path.write_text(json.dumps(record))
    failures = rc.evaluate_folder(type(PROJECT).at(copy), CHECKS_DIR, folder).failures()
    index = "".join(f"[{i}]" for i in path)
    assert len(failures) == 1 and failures[0].startswith(f"{snippet} {name}{index}: stored"), failures


def test_an_unbound_check_is_reported_naming_page_line_and_value(tmp_path):
    folder = FOLDERS[0]
    snippet = sorted(rc.load_checks(CHECKS_DIR, folder) or {})[0]
    page = tmp_path / "page.md"
    page.write_text(f"# P\n\nText {{{{ run: {folder}/{snippet} no_such_value | .4f }}}}.\n\n```\n{{{{ run: {folder}/x.py in_code }}}}\n```\n")
    problems = unchecked_bindings(page)
    assert problems == [f"{page}:3: {{{{ run: {folder}/{snippet} no_such_value }}}} has no reference check: "
                        f"add CHECKS[{snippet!r}]['no_such_value'] to tests/reference_checks/{folder}.py"]


# ------------------------------------------------------------------ the machinery: each kind can fail


def _loss_reference() -> mpmath.mpf:
    return ref.cross_entropy(ref.f32_vector([1.0, 2.0, 0.5]), 1)


def test_near_accepts_the_correctly_rounded_value_and_rejects_1e_4_relative():
    reference = _loss_reference()
    rounded = float(np.float32(float(reference)))
    check = Near(lambda: reference, ulp=4)
    assert [f.passed for f in evaluate(check, rounded)] == [True]
    for factor in (1 + 1e-4, 1 - 1e-4):
        [finding] = evaluate(check, float(np.float32(rounded * factor)))
        assert not finding.passed and "ulp apart (allowed 4)" in finding.problem


def test_near_draws_its_boundary_at_the_budget():
    reference = _loss_reference()
    rounded = np.float32(float(reference))
    spacing = np.spacing(rounded)
    check = Near(lambda: reference, ulp=4)
    assert not evaluate(check, float(rounded + np.float32(5) * spacing))[0].passed
    assert evaluate(check, float(rounded + np.float32(3) * spacing))[0].passed


def test_near_rejects_non_finite_values_and_wrong_shapes():
    check = Near(lambda: [mpmath.mpf(1), mpmath.mpf(2)])
    assert [f.passed for f in evaluate(check, [1.0, float("nan")])] == [True, False]
    assert [f.passed for f in evaluate(check, [1.0, float("inf")])] == [True, False]
    assert [f.passed for f in evaluate(check, [1.0])] == [False]
    assert [f.passed for f in evaluate(Near(lambda: mpmath.mpf("-inf")), float("-inf"))] == [True]


def test_input_compares_with_the_stated_value_rounded_to_the_dtype():
    assert evaluate(Input([0.1, 2.0]), [float(np.float32(0.1)), 2.0])[0].passed
    assert not evaluate(Input([0.1]), [0.1])[0].passed  # the double 0.1 is not what float32 stores
    assert evaluate(Input(0.1, dtype="float64"), 0.1)[0].passed
    assert not evaluate(Input(30.0), 25.0)[0].passed  # an input that drifted from the text
    assert evaluate(Input([3, 1], dtype="int64"), [3, 1])[0].passed
    assert not evaluate(Input([3, 1], dtype="int64"), [3, 2])[1].passed


def test_exact_needs_a_reason_and_the_same_type():
    with pytest.raises(TypeError, match="needs a reason"):
        Exact(True)
    assert evaluate(Exact(True, why="w"), True)[0].passed
    assert not evaluate(Exact(True, why="w"), 1)[0].passed
    assert not evaluate(Exact([1, 2], why="w"), [1, 3])[1].passed


def test_bounded_rejects_values_outside_its_range():
    check = Bounded(0.0, 1e-6, why="w")
    assert [f.passed for f in evaluate(check, [0.0, 1e-6, 2e-6, float("nan")])] == [True, True, False, False]


def test_ulp_of_each_dtype_matches_numpy_spacing():
    for x in (1.0, 0.4643688, 1000.0, 3.0e-39, 0.0, 0.75, 2.0 ** -126):
        assert float(ulp(mpmath.mpf(x), "float32")) == float(np.spacing(np.float32(x)))
    for x in (1.0, 1e-310, 709.78, 0.0):
        assert float(ulp(mpmath.mpf(x), "float64")) == float(np.spacing(np.float64(x)))
    for x in (1.0, 6.1e-5, 1000.0):
        assert float(ulp(mpmath.mpf(x), "float16")) == float(np.spacing(np.float16(x)))


def test_reference_formulas_agree_with_each_other():
    """Internal consistency of the shared mpmath formulas, independent of any snippet."""
    tiny = mpmath.mpf(2) ** -190
    z = ref.f32_vector([1.0, 2.0, 0.5])
    q = ref.softmax(z)
    assert abs(mpmath.fsum(q) - 1) < tiny
    for lq, qj in zip(ref.log_softmax(z), q):
        assert abs(lq - mpmath.log(qj)) < tiny
    one_hot = [mpmath.mpf(j == 1) for j in range(3)]
    assert abs(ref.cross_entropy_between(one_hot, q) - ref.cross_entropy(z, 1)) < tiny
    batch, targets = ref.f32_matrix([[1.0, 2.0, 0.5], [0.1, 0.5, 2.0]]), [1, 2]
    plain = ref.cross_entropy_batch(batch, targets, "mean")
    assert abs(ref.cross_entropy_label_smoothing(batch, targets, mpmath.mpf(0)) - plain) < tiny
    eps = mpmath.mpf(0.1)
    smoothed = [[(1 - eps) * (1 if j == y else 0) + eps / 3 for j in range(3)] for y in targets]
    assert abs(ref.cross_entropy_label_smoothing(batch, targets, eps) - ref.cross_entropy_soft_targets(batch, smoothed)) < tiny
    # Both gradient formulas against a central difference at 200 bits.
    _, grad_softmax_first = ref.cross_entropy_of_softmax(batch, targets)
    for loss, grad in (
        (lambda zz: ref.cross_entropy_batch(zz, targets), ref.cross_entropy_grad(batch, targets)),
        (lambda zz: ref.cross_entropy_of_softmax(zz, targets)[0], grad_softmax_first),
    ):
        for i in range(2):
            for j in range(3):
                assert abs(ref.central_difference(loss, batch, i, j) - grad[i][j]) < mpmath.mpf(2) ** -100


def test_a_findings_file_is_read_again_whenever_it_changes(tmp_path):
    """Parsed findings are kept by the file's identity, size and time: a rewrite, in place or by rename, is read again."""
    folder = FOLDERS[0]
    copy = tmp_path / "site"
    shutil.copytree(PROJECT.snippets_dir / folder, copy / "snippets" / folder)
    project = type(PROJECT).at(copy)
    path = rc.results_path(project, folder)
    first = rc.read_results(project, folder)
    assert first is not None and rc.read_results(project, folder) == first
    text = path.read_text(encoding="utf-8")
    key = json.loads(text)["key"]
    other_key = ("0" if key[0] != "0" else "1") + key[1:]  # same length: only the content and the time differ
    with open(path, "r+", encoding="utf-8") as same_file:
        same_file.write(text.replace(key, other_key))
    stamp = path.stat().st_mtime_ns + 10_000_000  # a later edit: the clock's tick can be coarser than this test is quick
    os.utime(path, ns=(stamp, stamp))
    assert rc.read_results(project, folder).key == other_key
    replacement = path.with_name("replacement.json")
    replacement.write_text(text, encoding="utf-8")
    replacement.replace(path)
    assert rc.read_results(project, folder).key == key
    path.write_text("{not json", encoding="utf-8")
    assert rc.read_results(project, folder) is None
    path.unlink()
    assert rc.read_results(project, folder) is None


def copied_folder(tmp_path: Path) -> tuple[str, Any, Path]:
    """The first folder's snippets and outputs, and the checks package, copied: (folder, its project, the checks)."""
    folder = FOLDERS[0]
    copy = tmp_path / "site"
    shutil.copytree(PROJECT.snippets_dir / folder, copy / "snippets" / folder)
    checks = tmp_path / "checks"
    shutil.copytree(CHECKS_DIR, checks, ignore=shutil.ignore_patterns("__pycache__"))
    return folder, type(PROJECT).at(copy), checks


def test_findings_go_stale_when_a_check_or_a_record_changes_and_only_then(tmp_path):
    """The findings' key covers the whole checks package (hashed once per pass) and the folder's records."""
    folder, project, checks = copied_folder(tmp_path)
    rc.results_path(project, folder).unlink()
    assert rc.stale_results(project, checks) == [(rc.results_path(project, folder), "missing")]
    written, _ = rc.update_results(project, checks)
    assert written == [rc.results_path(project, folder)]
    assert rc.stale_results(project, checks) == []
    assert rc.update_results(project, checks)[0] == [], "nothing changed, yet the findings were evaluated again"

    helper = checks / "formulas.py"  # a module every folder's checks import, not the folder's own
    helper.write_text(helper.read_text() + "\n# an edit\n")
    assert [reason for _, reason in rc.stale_results(project, checks)] == ["the checks or the outputs changed since they were evaluated"]
    rc.update_results(project, checks)
    assert rc.stale_results(project, checks) == []

    record = sorted((project.snippets_dir / folder / "outputs").glob("[!_]*.json"))[0]
    record.write_text(record.read_text() + " ")
    assert len(rc.stale_results(project, checks)) == 1


def test_an_edit_of_a_checks_module_counts_in_the_same_process(tmp_path):
    """Under `mkdocs serve` the package stays imported: an edited check must be imported again, not judged by the code as it was."""
    folder, project, checks = copied_folder(tmp_path)
    try:
        assert rc.update_results(project, checks)[1] == []
        module = checks / f"{folder}.py"
        text = module.read_text(encoding="utf-8")
        assert "Near(lambda: " in text
        module.write_text(text.replace("Near(lambda: ", "Near(lambda: 2 * ", 1), encoding="utf-8")  # one reference made wrong
        written, failures = rc.update_results(project, checks)
        assert written == [rc.results_path(project, folder)] and len(failures) == 1, failures
        module.write_text(text, encoding="utf-8")
        assert rc.update_results(project, checks)[1] == []
    finally:
        rc.load_package(CHECKS_DIR)  # the site's own package again, for the tests that import it by name
