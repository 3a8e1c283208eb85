"""Environments of the matrix, run for real: the cpu-default leg over the whole site, cells, staleness, DEVICE.

The cpu-default leg needs nothing but this machine, so it runs here in full:
every snippet must hold there, or say with a reason what varies. The CUDA leg
cannot run without a GPU; its device logic is checked on the CPU instead
(which snippets it runs, where their cells go, that DEVICE really becomes
"cuda", and that a snippet which ignores DEVICE cannot pass it).
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from verified_snippets.environments import parse
from verified_snippets.layout import Project
from verified_snippets.machine_baseline import baseline
from verified_snippets.matrix_compare import Verdict, compare_cell
from verified_snippets.matrix_records import CellStatus, cell_path, read_cell
from verified_snippets.matrix_run import Probe, probe, run_leg
from verified_snippets.matrix_state import EntryState, applies, load_matrix, snippet_info
from verified_snippets.settings import EngineSettings, load_site

from conftest import PYTHON, environment_with

MATRIX = [PYTHON, "-m", "verified_snippets.matrix"]


@pytest.fixture(scope="module")
def default_kernels() -> Probe:
    """What cpu-default is on this machine, asked once (each ask imports torch)."""
    return probe(parse("cpu-default"))


def site_copy(repo, tmp_path):
    """The real snippets (their outputs and committed cells included), their checks and mkdocs.yml, in a throwaway folder."""
    copy = tmp_path / "site"
    shutil.copytree(repo / "snippets", copy / "snippets")
    shutil.copytree(repo / "tests" / "reference_checks", copy / "tests" / "reference_checks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo / "mkdocs.yml", copy / "mkdocs.yml")
    (copy / "docs").mkdir()
    return copy


def verdicts(matrix, environment):
    """Per snippet: its state and every value's and line's verdict (and ulp), comparable between two runs."""
    found = {}
    for entry in matrix.column(environment):
        comparison = entry.comparison
        values = [(v.name, str(v.verdict), v.ulp) for v in comparison.values] if comparison else []
        lines = [(f.line.number, str(f.verdict)) for f in comparison.lines] if comparison else []
        found[entry.snippet.name] = (str(entry.state), values, lines)
    return found


def test_the_cpu_default_leg_holds_for_every_snippet_or_says_why(repo, tmp_path):
    copy = site_copy(repo, tmp_path)
    result = subprocess.run([*MATRIX, "--root", str(copy), "run", "cpu-default", "--force"], capture_output=True, text=True, timeout=600, env=environment_with({}))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "cpu-default: ran 12" in result.stdout or "cpu-default: ran" in result.stdout
    site = load_site(copy)
    fresh = load_matrix(site.project, ["cpu-default"])
    assert {entry.snippet.name for entry in fresh.column("cpu-default")} == {s.name for s in Project.at(repo).snippets()}
    made_elsewhere = set()  # snippets whose last bits this machine's processor changes (`machine_baseline`)
    for entry in fresh.column("cpu-default"):
        assert entry.cell is not None and entry.cell.provenance["cpu_capability"] == "DEFAULT", entry.snippet.name
        assert entry.state in (EntryState.EQUAL, EntryState.WITHIN, EntryState.DIFFERENT), (entry.snippet.name, entry.state, entry.reason)
        comparison = entry.comparison
        here = baseline(site.project, entry.snippet)
        if here.from_cell:
            # Only the kernels may change here: held to this processor's own run, not the recording.
            made_elsewhere.add(entry.snippet.name)
            info = fresh.info(entry.snippet.name)
            comparison = compare_cell(here.applied_to(info.record), entry.cell, info.options, parse("cpu-default"))
        assert comparison is not None and comparison.unexpected == [], f"{entry.snippet.display_path} does not hold under ATEN_CPU_CAPABILITY=default: {comparison.unexpected}"
    # The committed column says what this fresh run says (where the processor is not what differs).
    committed = load_matrix(load_site(repo).project, ["cpu-default"])
    assert {k: v for k, v in verdicts(committed, "cpu-default").items() if k not in made_elsewhere} == {k: v for k, v in verdicts(fresh, "cpu-default").items() if k not in made_elsewhere}


def scratch_site(tmp_path, snippets: dict[str, str]) -> Project:
    root = tmp_path / "project"
    for name, source in snippets.items():
        (root / "snippets" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "snippets" / name).write_text(source)
    (root / "docs").mkdir(parents=True)
    return Project.at(root)


ISA_SENSITIVE = """import torch

torch.manual_seed(0)
# A float32 sum of the rounding errors of log_softmax, printed to nine digits: which
# rows round which way depends on how the kernels are vectorised.
z = 10 * torch.randn(1000, 3)
gap = torch.log_softmax(z, dim=1) - (z - torch.logsumexp(z, dim=1, keepdim=True))
print(f"sum of rounding gaps = {gap.sum().item():.9g}")
VALUES = {"total": gap.sum().item()}
"""

def test_a_deliberately_isa_sensitive_value_is_reported_different_never_hidden(tmp_path, default_kernels):
    project = scratch_site(tmp_path, {"a/isa.py": ISA_SENSITIVE})
    native = probe(parse("cpu-native")).facts["cpu_capability"]
    if native == "DEFAULT":
        pytest.skip("this CPU's own kernels are ATen's default ones, so no instruction set differs here")
    settings = EngineSettings()
    # Record the native run as the site's output, then compare the default kernels with it.
    from verified_snippets.runner import SnippetRunner

    runner = SnippetRunner(project, settings)
    try:
        assert runner.run().failed == []
    finally:
        runner.close()
    assert run_leg(project, settings, parse("cpu-default"), found=default_kernels).ran == ["a/isa.py"]
    entry = load_matrix(project, ["cpu-default"]).entry("a/isa.py", "cpu-default")
    assert entry.state is EntryState.DIFFERENT
    value = entry.comparison.values[0]
    assert value.verdict is Verdict.DIFFERENT and value.ulp > 4 and not value.expected
    assert len(entry.comparison.unexpected) == 2  # the value and the printed line


CUDA_READY = '''"""Runs on a GPU when DEVICE says so."""
# snippet-engine: devices=cpu,cuda
import torch

DEVICE = "cpu"
print("device:", DEVICE)
x = torch.ones(2, device=DEVICE)
VALUES = {"sum": x.sum().item()}
'''
IGNORES_DEVICE = '''"""States cuda, but never puts anything on DEVICE."""
# snippet-engine: devices=cpu,cuda
import torch

DEVICE = "cpu"
x = torch.ones(2)
print("sum:", x.sum().item())
'''
CPU_ONLY = '''"""A profiler trace of CPU kernels."""
# snippet-engine: devices=cpu; the profiler records CPU kernels only
print("cpu only")
'''
UNSTATED = 'print("says nothing about devices")\n'


def test_the_cuda_leg_runs_what_states_cuda_and_names_its_cells_on_a_cpu(tmp_path):
    project = scratch_site(tmp_path, {"a/ready.py": CUDA_READY, "a/ignores.py": IGNORES_DEVICE, "a/cpu_only.py": CPU_ONLY, "a/unstated.py": UNSTATED})
    cuda = parse("cuda")
    runs = {s.name: applies(snippet_info(s).options, cuda) for s in project.snippets()}
    assert runs == {
        "a/cpu_only.py": (False, "the profiler records CPU kernels only"),
        "a/ignores.py": (True, ""),
        "a/ready.py": (True, ""),
        "a/unstated.py": (False, "the snippet does not state its devices (# snippet-engine: devices=...)"),
    }
    # No GPU here: the leg says so and writes nothing.
    skipped = run_leg(project, EngineSettings(), cuda)
    if skipped.skipped:
        assert "no CUDA device here" in skipped.skipped
        assert not any(project.snippets_dir.glob("a/outputs/cuda/*.json"))
    # A stand-in for the GPU's probe: the leg then runs on this CPU with DEVICE = "cuda".
    stand_in = Probe(PYTHON, {"torch": "2.13.0+cpu", "python": "3.11", "platform": "test", "cpu_capability": "AVX2", "gpu": "stand-in"})
    summary = run_leg(project, EngineSettings(), cuda, found=stand_in)
    assert sorted(summary.not_applicable) == ["a/cpu_only.py", "a/unstated.py"]
    assert summary.ran == [] and len(summary.failed) == 2
    cells = {p.relative_to(project.snippets_dir).as_posix(): read_cell(p) for p in sorted(project.snippets_dir.glob("a/outputs/cuda/*.json"))}
    assert sorted(cells) == ["a/outputs/cuda/cpu_only.json", "a/outputs/cuda/ignores.json", "a/outputs/cuda/ready.json"]  # none for the unstated one
    assert cells["a/outputs/cuda/cpu_only.json"].status is CellStatus.NOT_APPLICABLE
    assert cells["a/outputs/cuda/cpu_only.json"].reason == "the profiler records CPU kernels only"
    # DEVICE really was "cuda": torch, built without CUDA, refuses the tensor on line 7.
    ready = cells["a/outputs/cuda/ready.json"]
    assert ready.status is CellStatus.FAILED and ready.reason.startswith("snippets/a/ready.py:7: ")
    assert "CUDA" in ready.reason
    # A snippet that ignores DEVICE cannot pass the CUDA leg by running on the CPU.
    ignores = cells["a/outputs/cuda/ignores.json"]
    assert ignores.status is CellStatus.FAILED
    assert ignores.reason.startswith("snippets/a/ignores.py:5: ran with DEVICE = 'cuda' but never used the GPU")
    # The recorded outputs are untouched: there are none.
    assert not any(project.snippets_dir.glob("a/outputs/*.json"))


def test_a_leg_redoes_only_stale_cells_and_a_stale_cell_is_named(tmp_path, default_kernels):
    project = scratch_site(tmp_path, {"a/one.py": "print(1.5)\nVALUES = {'x': 1.5}\n", "a/two.py": "print(2)\n"})
    from verified_snippets.runner import SnippetRunner

    runner = SnippetRunner(project)
    try:
        runner.run()
    finally:
        runner.close()
    default = parse("cpu-default")
    assert sorted(run_leg(project, EngineSettings(), default, found=default_kernels).ran) == ["a/one.py", "a/two.py"]
    assert sorted(run_leg(project, EngineSettings(), default, found=default_kernels).reused) == ["a/one.py", "a/two.py"]
    matrix = load_matrix(project, ["cpu-default"])
    assert matrix.warnings() == [] and matrix.entry("a/one.py", "cpu-default").state is EntryState.EQUAL

    (project.snippets_dir / "a" / "one.py").write_text("print(1.75)\nVALUES = {'x': 1.75}\n")
    matrix = load_matrix(project, ["cpu-default"])
    assert matrix.warnings() == ["environment matrix: cpu-default is stale for 1 snippet(s): snippets/a/one.py (the snippet changed since this run); run `make matrix ENV=cpu-default`"]
    assert run_leg(project, EngineSettings(), default, found=default_kernels).ran == ["a/one.py"]

    # A snippet that fails in the environment keeps a failed cell; the recorded output is untouched.
    recorded = (project.snippets_dir / "a" / "outputs" / "two.json").read_bytes()
    (project.snippets_dir / "a" / "two.py").write_text("import os\nif os.environ.get('ATEN_CPU_CAPABILITY') == 'default':\n    raise RuntimeError('no vector kernels')\nprint(2)\n")
    summary = run_leg(project, EngineSettings(), default, found=default_kernels)
    assert summary.failed and summary.failed[0].startswith("snippets/a/two.py:3: RuntimeError: no vector kernels")
    entry = load_matrix(project, ["cpu-default"]).entry("a/two.py", "cpu-default")
    assert entry.state is EntryState.FAILED and entry.stale is None
    assert (project.snippets_dir / "a" / "outputs" / "two.json").read_bytes() == recorded

    # A removed snippet's cell goes with the next full run; an edited cell is caught.
    (project.snippets_dir / "a" / "two.py").unlink()
    assert run_leg(project, EngineSettings(), default, found=default_kernels).removed == ["snippets/a/outputs/cpu-default/two.json"]
    path = cell_path(project.snippet("a/one.py"), "cpu-default")
    data = json.loads(path.read_text())
    data["values"]["x"] = 1.5
    path.write_text(json.dumps(data))
    entry = load_matrix(project, ["cpu-default"]).entry("a/one.py", "cpu-default")
    assert entry.state is EntryState.NOT_RUN and "content does not match its recorded hash" in entry.reason


def test_an_environment_this_machine_cannot_provide_is_skipped_with_the_reason(tmp_path):
    project = scratch_site(tmp_path, {"a/one.py": "print(1)\n"})
    summary = run_leg(project, EngineSettings(), parse("cpu-zvector"))
    assert "this CPU cannot run ATen's zvector kernels" in summary.skipped
    assert not any(project.snippets_dir.glob("a/outputs/*/*.json"))
