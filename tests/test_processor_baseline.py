"""The processor's maker: read from /proc/cpuinfo, a column of the matrix, and the baseline a rerun is held to.

A rerun on a machine whose processor another company made is held to that
maker's committed cell (`machine_baseline`), never to nothing: a cell that is
stale, failed or corrupt does not stand in, and the other maker's output fails.
"""
from __future__ import annotations

import json

import pytest

from verified_snippets.environments import EnvironmentNameError, parse
from verified_snippets.layout import Project
from verified_snippets.machine_baseline import baseline
from verified_snippets.matrix_records import Cell, CellStatus, cell_path, write_cell
from verified_snippets.matrix_run import why_unavailable
from verified_snippets.output_records import OutputRecord, sha256_file, write_record
from verified_snippets.processor import maker_name, maker_of, vendor_from_cpuinfo

from conftest import REPO
from numeric_text import compare

INTEL_CPUINFO = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C\n"
AMD_CPUINFO = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel name\t: AMD EPYC\n"
ARM_CPUINFO = "processor\t: 0\nBogoMIPS\t: 243.75\nCPU implementer\t: 0x41\n"


def test_the_maker_is_read_from_the_vendor_line():
    assert [maker_of(vendor_from_cpuinfo(text)) for text in (INTEL_CPUINFO, AMD_CPUINFO, ARM_CPUINFO)] == ["intel", "amd", None]
    assert maker_of("SomeNewVendor") is None
    assert [maker_name(m) for m in ("amd", "intel", "acme")] == ["AMD", "Intel", "Acme"]


def test_a_processor_environment_needs_that_makers_machine():
    environment = parse("processor-amd")
    assert environment.processor == "amd" and environment.needs_hardware and not environment.runs_anywhere
    assert environment.variables == {}  # nothing is set: the processor is what differs
    with pytest.raises(EnvironmentNameError, match="processor-<maker>"):
        parse("processor-")
    facts = {"torch": "2.13.0+cpu", "cpu_capability": "AVX512", "torch_cuda": "", "cuda_available": False}
    assert why_unavailable(environment, {**facts, "processor": "AuthenticAMD"}) is None
    refusal = why_unavailable(environment, {**facts, "processor": "GenuineIntel"})
    assert refusal == "processor-amd needs a processor made by AMD; this machine's is GenuineIntel"
    assert "names no maker" in why_unavailable(environment, {**facts, "processor": ""})
    assert why_unavailable(parse("cpu-native"), {**facts, "processor": "GenuineIntel"}) is None


def make_site(tmp_path, cell_stdout="x = 0.30000001\n", status=CellStatus.RAN) -> Project:
    """One snippet with a record made elsewhere and an AMD cell that printed something else."""
    (tmp_path / "docs").mkdir(parents=True)
    project = Project.at(tmp_path)
    source = tmp_path / "snippets" / "a" / "x.py"
    source.parent.mkdir(parents=True)
    source.write_text('print("x = 0.3")\n')
    digest = sha256_file(source)
    chunk = {"section": None, "first_line": 1, "last_line": 1}
    snippet = project.snippet("a/x.py")
    write_record(snippet.output_path, OutputRecord(
        "a/x.py", digest, "x = 0.3\n", {}, {"x": 0.3}, {}, {"torch": "2.13.0+cpu", "python": "3.11.7", "platform": "Linux-x86_64", "device": "CPU"},
        "2026-12-01T00:00:00Z", 0.1, chunks=[{**chunk, "stdout": "x = 0.3\n"}],
    ))
    write_cell(cell_path(snippet, "processor-amd"), Cell(
        "processor-amd", "a/x.py", status, digest, {"torch": "2.13.0+cpu", "processor": "AuthenticAMD"}, "2026-12-02T00:00:00Z",
        stdout=cell_stdout if status is CellStatus.RAN else "", chunks=[{**chunk, "stdout": cell_stdout}], values={"x": 0.30000001},
    ))
    return project


def test_a_fresh_cell_of_this_makers_processor_is_the_baseline_and_the_record_elsewhere(tmp_path):
    project = make_site(tmp_path)
    snippet = project.snippet("a/x.py")
    on_amd = baseline(project, snippet, maker="amd")
    assert on_amd.from_cell and on_amd.source == "snippets/a/outputs/processor-amd/x.json"
    assert (on_amd.stdout, on_amd.values, on_amd.chunk_stdout("1")) == ("x = 0.30000001\n", {"x": 0.30000001}, "x = 0.30000001\n")
    on_intel = baseline(project, snippet, maker="intel")
    assert not on_intel.from_cell and on_intel.source == "snippets/a/outputs/x.json" and on_intel.stdout == "x = 0.3\n"
    assert baseline(project, snippet, maker="").stdout == "x = 0.3\n"  # a maker this code does not know


def test_a_stale_failed_or_edited_cell_never_stands_in(tmp_path):
    project = make_site(tmp_path / "failed", status=CellStatus.FAILED)
    assert not baseline(project, project.snippet("a/x.py"), maker="amd").from_cell
    project = make_site(tmp_path / "stale")
    (project.snippets_dir / "a" / "x.py").write_text('print("x = 0.31")\n')
    assert not baseline(project, project.snippet("a/x.py"), maker="amd").from_cell
    project = make_site(tmp_path / "edited")
    path = cell_path(project.snippet("a/x.py"), "processor-amd")
    path.write_text(path.read_text().replace("0.30000001", "0.3"))  # by hand: the hash no longer matches
    assert not baseline(project, project.snippet("a/x.py"), maker="amd").from_cell


def test_on_either_maker_the_other_makers_output_fails():
    """The real site: the AMD cell and the record of a snippet that MKL's code path changes."""
    project = Project.at(REPO)
    snippet = project.snippet("log_sum_exp/implementations.py")
    on_amd, on_intel = baseline(project, snippet, maker="amd"), baseline(project, snippet, maker="intel")
    assert on_amd.from_cell and not on_intel.from_cell
    recorded = json.loads(snippet.output_path.read_text())
    assert on_intel.stdout == recorded["stdout"]
    assert compare(on_amd.stdout, on_intel.stdout) != [] and compare(on_intel.stdout, on_amd.stdout) != []
    # A snippet the processor does not change prints the same on both, bit for bit.
    same = project.snippet("cross_entropy/worked_example.py")
    assert baseline(project, same, maker="amd").stdout == baseline(project, same, maker="intel").stdout
