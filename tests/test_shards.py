"""Sharded runs: the split is deterministic and balanced, and split plus merge equals one full run.

The merge refuses anything that does not belong together (a missing or repeated
shard, a file changed after its shard wrote it, a record of another version of
a snippet, records from two environments), names the problem, and writes
nothing.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from verified_snippets import notebooks, shards
from verified_snippets.layout import Project
from verified_snippets.machine_baseline import baseline
from verified_snippets.output_records import read_record, write_record
from verified_snippets.settings import load_site

from conftest import run_script

# What says when and how fast a run went (and the findings' key, a hash over whole records).
TIMINGS = ("generated", "seconds", "record_sha256", "key")


def test_the_split_is_deterministic_disjoint_complete_and_balanced():
    weight = {f"a/s{i:02}.py": w for i, w in enumerate([5.0, 4.0, 3.0, 3.0, 2.0, 2.0, 1.0, 0.5, 0.5, 0.1])}
    split = shards.partition(weight, 3)
    assert shards.partition(dict(reversed(list(weight.items()))), 3) == split  # the order given does not matter
    names = [name for share in split for name in share]
    assert sorted(names) == sorted(weight) and len(names) == len(set(names))
    loads = [sum(weight[n] for n in share) for share in split]
    assert max(loads) - min(loads) <= max(weight.values())  # heaviest first, each to the lightest share
    assert max(loads) <= 4 / 3 * sum(weight.values()) / 3 + max(weight.values())
    assert shards.partition(weight, 1) == [sorted(weight)]
    assert [len(s) for s in shards.partition({"a/x.py": 1.0}, 3)] == [1, 0, 0]


def test_a_snippet_without_a_record_weighs_the_median(tmp_path):
    project = Project.at(tmp_path)
    for name, seconds in [("a/one.py", 1.0), ("a/two.py", 3.0), ("a/new.py", None)]:
        path = project.snippets_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("print(1)\n")
        if seconds is not None:
            from verified_snippets.output_records import OutputRecord

            write_record(project.snippet(name).output_path, OutputRecord(name, "0" * 64, "", {}, {}, {}, {}, "2026-11-30T00:00:00Z", seconds))
    weight = shards.weights(project.snippets())
    assert weight == {"a/new.py": 2.0 + shards.PER_SNIPPET_S, "a/one.py": 1.0 + shards.PER_SNIPPET_S, "a/two.py": 3.0 + shards.PER_SNIPPET_S}


def test_bad_shard_arguments_are_refused(scratch):
    scratch.snippet("a/x.py", "print(1)\n")
    for bad in ("0/3", "4/3", "1-3", "x/y"):
        result = scratch.run("--shard", bad)
        assert result.returncode == 2 and "--shard" in result.stderr, bad


def copy_of(repo: Path, where: Path) -> Path:
    shutil.copytree(repo / "snippets", where / "snippets")
    shutil.copy(repo / "mkdocs.yml", where / "mkdocs.yml")
    shutil.copytree(repo / "docs", where / "docs")
    shutil.copytree(repo / "tests" / "reference_checks", where / "tests" / "reference_checks")
    return where


def records(root: Path) -> dict[str, dict]:
    """Every recorded output of a project, without what only says when and how fast it ran."""
    found = {}
    for path in sorted((root / "snippets").glob("*/outputs/*.json")):
        data = json.loads(path.read_text())
        found[path.relative_to(root).as_posix()] = {k: v for k, v in data.items() if k not in TIMINGS}
    return found


def as_this_machine_prints(repo: Path, where: Path) -> Path:
    """The committed records as a full run on this machine makes them: `repo` itself, unless this
    machine's processor maker has cells that differ (then a copy with those records and notebooks)."""
    project = Project.at(repo)
    expected = {s.name: b for s in project.snippets() if (b := baseline(project, s)).from_cell}
    if not expected:
        return repo
    copy = Project.at(copy_of(repo, where))
    for name, shown_here in expected.items():
        path = copy.snippet(name).output_path
        write_record(path, shown_here.applied_to(read_record(path)))
    written, errors = notebooks.write_notebooks(copy)
    assert errors == []
    return copy.root


def test_three_shards_merged_equal_one_full_run_except_timings(repo, tmp_path):
    # The committed records are one full run (the suite checks elsewhere that they are fresh
    # and that a run reproduces them), so they are what the merge must give back; on a machine
    # whose processor prints other last bits, as its maker's cells say (`machine_baseline`).
    full = as_this_machine_prints(repo, tmp_path / "expected")
    shard_dirs = []
    for index in (1, 2, 3):  # three runners, each with its own checkout
        runner = copy_of(repo, tmp_path / f"runner-{index}")
        out = tmp_path / f"shard-{index}"
        result = run_script(runner, "--force", "--shard", f"{index}/3", "--shard-dir", str(out), timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "wrote   docs/notebooks" not in result.stdout  # not from a third of the records: the merge writes it
        shard_dirs.append(out)
    shares = [json.loads((d / "shard.json").read_text())["snippets"] for d in shard_dirs]
    assert sorted(n for share in shares for n in share) == sorted(s.name for s in Project.at(repo).snippets())
    assert all(shares)

    merged = copy_of(repo, tmp_path / "merged")
    for path in (merged / "snippets").glob("*/outputs/*.json"):
        if not path.name.startswith("_"):
            path.unlink()  # nothing left from the committed records: every one must come from a shard
    result = shards.main(["merge", *map(str, shard_dirs), "--root", str(merged)])
    assert result == 0
    assert records(merged) == records(full)
    # The same notebook, but for its first cell, which says on which day the outputs were made
    # (the shards ran today; the committed records may be from an earlier day).
    notebooks = [json.loads((root / "docs" / "notebooks" / "cross-entropy.ipynb").read_text()) for root in (merged, full)]
    assert notebooks[0]["cells"][0]["source"][0] == notebooks[1]["cells"][0]["source"][0]  # the title
    assert [{**n, "cells": n["cells"][1:]} for n in notebooks[:1]] == [{**n, "cells": n["cells"][1:]} for n in notebooks[1:]]
    assert run_script(merged, "--check").returncode == 0

    # Whatever does not belong together is refused, and nothing is written.
    def refused(folders: list[Path], expected: str) -> None:
        before = {p: p.read_bytes() for p in (merged / "snippets").rglob("*.json")}
        outcome = shards.merge(Project.at(merged), folders)
        assert any(expected in problem for problem in outcome.problems), outcome.problems
        assert {p: p.read_bytes() for p in (merged / "snippets").rglob("*.json")} == before

    refused(shard_dirs[:2], "missing shard(s) 3/3 of 3")
    refused([shard_dirs[0], shard_dirs[0], shard_dirs[1]], "shard 1/3 again")
    tampered = tmp_path / "tampered"
    shutil.copytree(shard_dirs[2], tampered)
    manifest = json.loads((tampered / "shard.json").read_text())
    victim = tampered / next(iter(manifest["files"]))
    victim.write_text(victim.read_text().replace('"format": 1', '"format": 1 '))
    refused([shard_dirs[0], shard_dirs[1], tampered], "changed since the shard wrote its manifest")
    other_torch = tmp_path / "other-torch"
    shutil.copytree(shard_dirs[2], other_torch)
    manifest = json.loads((other_torch / "shard.json").read_text())
    relative = next(iter(manifest["files"]))
    record = read_record(other_torch / relative)
    record.environment = {**record.environment, "torch": "2.14.1"}
    write_record(other_torch / relative, record)
    manifest["files"][relative] = shards._sha256(other_torch / relative)
    (other_torch / "shard.json").write_text(json.dumps(manifest))
    refused([shard_dirs[0], shard_dirs[1], other_torch], "the shards ran in different environments")
    snippet = merged / "snippets" / Path(relative).parent.parent.name / (Path(relative).stem + ".py")
    snippet.write_text(snippet.read_text() + "\n# edited after the shards ran\n")
    refused(shard_dirs, "was made from another version of")


def test_the_ci_workflow_spreads_shards_over_runners_and_the_cuda_leg_over_a_gpu_runner(repo):
    import yaml

    jobs = yaml.safe_load((repo / ".github" / "workflows" / "outputs.yml").read_text())["jobs"]
    steps = {name: "\n".join(str(step.get("run", "")) for step in job["steps"]) for name, job in jobs.items()}
    assert jobs["record"]["strategy"]["matrix"]["shard"] == [1, 2, 3]
    assert "run_snippets.py --force --shard ${{ matrix.shard }}/3 --shard-dir shard-out" in steps["record"]
    assert "shards merge shards/recorded-1 shards/recorded-2 shards/recorded-3" in steps["merge"]
    assert jobs["matrix-cpu"]["strategy"]["matrix"]["environment"] == ["cpu-native", "cpu-default", "cpu-avx2"]
    assert "gpu" in jobs["matrix-cuda"]["runs-on"] and "matrix run cuda" in steps["matrix-cuda"]
    assert "amd-cpu" in jobs["matrix-processor"]["runs-on"] and "matrix run processor-amd" in steps["matrix-processor"]
    assert "merge cells/cells-processor-amd-1" in steps["matrix-merge"]
    assert "matrix check" in steps["matrix-merge"] and "mkdocs build --strict" in steps["matrix-merge"]
    # Every environment the site lists is run by some job.
    listed = load_site(repo).settings.matrix.environments
    assert all(any(name in text for text in steps.values()) or name in str(jobs["matrix-cpu"]) for name in listed)
