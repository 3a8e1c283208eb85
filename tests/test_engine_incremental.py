"""The build script runs what changed, reuses the rest, and says why."""
from __future__ import annotations

import json

from verified_snippets import freshness
from verified_snippets.layout import Project

SIMPLE = """\
import torch
x = torch.tensor([1.0, 2.0])
print("sum", x.sum().item())
VALUES = {"total": x.sum().item()}
"""


def test_first_run_writes_output_with_values_and_provenance(scratch):
    scratch.snippet("a/one.py", SIMPLE)
    result = scratch.run()
    assert result.returncode == 0, result.stderr
    record = json.loads(scratch.output("a/one.py").read_text())
    assert record["stdout"] == "sum 3.0\n"
    assert record["values"] == {"total": 3.0}
    env = record["environment"]
    assert env["torch"].startswith("2.") and env["python"].count(".") == 2 and env["device"] == "CPU"
    assert record["seconds"] >= 0 and len(record["source_sha256"]) == 64
    assert "ran 1, reused 0, failed 0" in result.stdout
    assert "no output yet" in result.stderr


def test_unchanged_snippets_are_reused_without_starting_torch(scratch):
    scratch.snippet("a/one.py", SIMPLE)
    scratch.snippet("a/two.py", SIMPLE)
    assert scratch.run().returncode == 0
    before = scratch.outputs_snapshot()
    result = scratch.run()
    assert result.returncode == 0
    assert "ran 0, reused 2, failed 0" in result.stdout
    assert "running" not in result.stderr
    assert scratch.outputs_snapshot() == before


def test_changing_one_snippet_reruns_only_that_one(scratch):
    scratch.snippet("a/one.py", SIMPLE)
    scratch.snippet("a/two.py", SIMPLE)
    assert scratch.run().returncode == 0
    scratch.snippet("a/two.py", SIMPLE.replace("2.0", "5.0"))
    result = scratch.run()
    assert "ran 1, reused 1, failed 0" in result.stdout
    assert "running snippets/a/two.py (source changed)" in result.stderr
    assert json.loads(scratch.output("a/two.py").read_text())["values"]["total"] == 6.0


def test_a_helper_module_or_data_file_the_snippet_uses_is_a_dependency(scratch):
    scratch.snippet("a/_shared.py", "SCALE = 2.0\n")
    (scratch.root / "snippets" / "a" / "data.txt").write_text("3.0\n")
    scratch.snippet("a/uses.py", """\
from pathlib import Path
from _shared import SCALE
value = float((Path(__file__).parent / "data.txt").read_text())
print(SCALE * value)
""")
    scratch.snippet("a/other.py", "print('independent')\n")
    assert scratch.run().returncode == 0
    deps = json.loads(scratch.output("a/uses.py").read_text())["dependencies"]
    assert set(deps) == {"snippets/a/_shared.py", "snippets/a/data.txt"}

    scratch.snippet("a/_shared.py", "SCALE = 10.0\n")
    result = scratch.run()
    assert "ran 1, reused 1" in result.stdout
    assert "snippets/a/_shared.py changed" in result.stderr
    (scratch.root / "snippets" / "a" / "data.txt").write_text("4.0\n")
    result = scratch.run()
    assert "snippets/a/data.txt changed" in result.stderr
    assert json.loads(scratch.output("a/uses.py").read_text())["stdout"] == "40.0\n"


def test_a_torch_or_python_version_change_makes_outputs_stale(scratch):
    scratch.snippet("a/one.py", SIMPLE)
    assert scratch.run().returncode == 0
    snippet = Project.at(scratch.root).snippet("a/one.py")
    recorded = json.loads(snippet.output_path.read_text())["environment"]
    assert freshness.check(snippet, lambda: recorded["torch"], recorded["python"]).is_fresh
    assert freshness.check(snippet, lambda: "9.9.9", recorded["python"]).reason == f"torch {recorded['torch']} -> 9.9.9"
    assert freshness.check(snippet, lambda: recorded["torch"], "3.99.0").reason == f"Python {recorded['python']} -> 3.99.0"
    # Where torch is not installed (docs-only set-up) its version is not held against the output.
    assert freshness.check(snippet, lambda: None, recorded["python"]).is_fresh


def test_force_runs_everything(scratch):
    scratch.snippet("a/one.py", SIMPLE)
    scratch.run()
    result = scratch.run("--force")
    assert "ran 1, reused 0" in result.stdout and "(forced)" in result.stderr


def test_check_lists_stale_and_missing_without_running(scratch):
    scratch.snippet("a/one.py", SIMPLE)
    result = scratch.run("--check")
    assert result.returncode == 1
    assert "snippets/a/one.py: stale output (no output yet)" in result.stdout
    assert not scratch.output("a/one.py").exists()
    scratch.run()
    assert scratch.run("--check").returncode == 0
    scratch.snippet("a/one.py", SIMPLE + "\n")
    result = scratch.run("--check")
    assert result.returncode == 1 and "(source changed)" in result.stdout


def test_output_of_a_deleted_snippet_is_reported_and_removed(scratch):
    scratch.snippet("a/one.py", SIMPLE)
    scratch.run()
    scratch.snippet("a/two.py", SIMPLE)
    (scratch.root / "snippets" / "a" / "one.py").unlink()
    assert scratch.run("--check").returncode == 1
    scratch.run()
    assert not scratch.output("a/one.py").exists()


def test_sections_record_what_each_section_printed(scratch):
    scratch.snippet("a/parts.py", """\
import torch
print("outside, not in any section")
# --8<-- [start:first]
print("one")
# --8<-- [end:first]
x = 1
# --8<-- [start:second]
def show(v):
    print("two", v)
show(x)
# --8<-- [end:second]
""")
    assert scratch.run().returncode == 0
    record = json.loads(scratch.output("a/parts.py").read_text())
    assert record["sections"] == {"first": "one\n", "second": "two 1\n"}
    assert record["stdout"] == "outside, not in any section\none\ntwo 1\n"


def test_selected_snippet_runs_alone(scratch):
    scratch.snippet("a/one.py", SIMPLE)
    scratch.snippet("a/two.py", SIMPLE)
    result = scratch.run("snippets/a/two.py")
    assert "ran 1, reused 0" in result.stdout
    assert not scratch.output("a/one.py").exists()


def test_parallel_jobs_produce_the_same_outputs(scratch):
    for i in range(4):
        scratch.snippet(f"a/s{i}.py", SIMPLE.replace("2.0", f"{i}.5"))
    assert scratch.run("--jobs", "2").returncode == 0
    records = [json.loads(scratch.output(f"a/s{i}.py").read_text()) for i in range(4)]
    assert [r["values"]["total"] for r in records] == [1.5, 2.5, 3.5, 4.5]


def test_the_engines_own_files_are_never_dependencies(scratch, repo):
    # As in the real repository, the engine lives inside the project it runs.
    import shutil
    import subprocess

    from conftest import PYTHON

    shutil.copytree(repo / "scripts", scratch.root / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    # A warning whose stack level points above the snippet makes Python read the engine's source.
    scratch.snippet("a/warns.py", "import warnings\nwarnings.warn('look up', stacklevel=2)\nprint('ok')\n")
    result = subprocess.run([PYTHON, str(scratch.root / "scripts" / "run_snippets.py")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(scratch.output("a/warns.py").read_text())["dependencies"] == {}


def test_orphaned_outputs_are_the_records_and_figures_of_snippets_that_are_gone(tmp_path):
    """Listed without running anything: a folder's `_` record, and a live snippet's record and figures, are kept."""
    project = Project.at(tmp_path)
    outputs = project.snippets_dir / "a" / "outputs"
    outputs.mkdir(parents=True)
    (project.snippets_dir / "a" / "live.py").write_text("")
    (project.snippets_dir / "a" / "_helper.py").write_text("")
    names = ["live.json", "live.curve.svg", "_reference_checks.json", "gone.json", "gone.curve.svg", "gone.other.svg", "_helper.json"]
    for name in names:
        (outputs / name).write_text("{}")
    (project.snippets_dir / "b" / "outputs").mkdir(parents=True)  # a folder whose snippets were all removed
    (project.snippets_dir / "b" / "outputs" / "old.json").write_text("{}")
    found = [project.display(p) for p in project.orphaned_outputs()]
    assert found == ["snippets/a/outputs/gone.json", "snippets/b/outputs/old.json", "snippets/a/outputs/gone.curve.svg", "snippets/a/outputs/gone.other.svg"]
