"""Each snippet starts from a pristine interpreter state, and the fork server never hangs."""
from __future__ import annotations

import json
import os
import subprocess

from verified_snippets.usable_cpus import usable_cpus

from conftest import PYTHON, environment_with

CHANGES_EVERYTHING = """\
import torch, numpy, json, fractions
torch.manual_seed(1234)
numpy.random.seed(99)
torch.set_default_dtype(torch.float64)
torch.set_printoptions(precision=10)
torch.set_num_threads(1)
import sys
sys.modules["json"].INJECTED = True
print("changed")
"""

REPORTS_STATE = """\
import sys, torch, numpy, json
print("dtype", torch.get_default_dtype())
print("threads", torch.get_num_threads())
print("tensor", torch.tensor([1/3]))
print("fractions imported", "fractions" in sys.modules)
print("json touched", hasattr(json, "INJECTED"))
print("seed", torch.initial_seed())
"""


def test_nothing_a_snippet_changes_leaks_into_the_next(scratch):
    scratch.snippet("a/a_changes.py", CHANGES_EVERYTHING)
    scratch.snippet("a/b_reports.py", REPORTS_STATE)
    scratch.snippet("a/c_reports.py", REPORTS_STATE)
    # One worker, so b and c run in children forked from the same parent right after a.
    result = scratch.run("--jobs", "1")
    assert result.returncode == 0, result.stderr
    for name in ("a/b_reports.py", "a/c_reports.py"):
        out = json.loads(scratch.output(name).read_text())["stdout"]
        assert "dtype torch.float32" in out
        assert "threads 1\n" not in out or len(os.sched_getaffinity(0)) == 1
        assert "tensor tensor([0.3333])" in out
        assert "fractions imported False" in out
        assert "json touched False" in out
        assert "seed 1234" not in out


def test_a_child_can_run_parallel_ops_after_the_parent_started(scratch):
    # If the worker ever computed with OpenMP before forking, this would hang until the timeout.
    scratch.snippet("a/big_matmul.py", """\
# snippet-engine: timeout=60
import torch, numpy
a = torch.ones(2000, 2000)
print(float((a @ a)[0, 0]))
b = numpy.ones((1000, 1000))
print(float((b @ b)[0, 0]))
""")
    scratch.snippet("a/again.py", "import torch\nx = torch.ones(2000, 2000)\nprint(float((x @ x).sum()))\n")
    result = scratch.run("--jobs", "1", timeout=180)
    assert result.returncode == 0, result.stderr
    assert json.loads(scratch.output("a/big_matmul.py").read_text())["stdout"] == "2000.0\n1000.0\n"
    assert json.loads(scratch.output("a/again.py").read_text())["stdout"] == f"{2000.0 ** 3}\n"


def test_snippet_sees_its_own_path_and_folder_like_a_reader_running_it(scratch):
    scratch.snippet("a/where.py", """\
import os, sys
from pathlib import Path
print(Path(__file__).name, Path(sys.argv[0]).name, Path(sys.path[0]).name, __name__)
""")
    assert scratch.run().returncode == 0
    assert json.loads(scratch.output("a/where.py").read_text())["stdout"] == "where.py where.py a __main__\n"


def test_snippet_sees_the_environment_it_was_started_with_not_the_engines(scratch):
    # The worker runs with variables of the engine's own (huge pages, passive OpenMP
    # waiting, its import path); a snippet that prints or passes on its environment
    # must see what a reader's `python snippet.py` would.
    scratch.snippet("a/env.py", """\
import os
names = ["GLIBC_TUNABLES", "OMP_WAIT_POLICY", "OMP_NUM_THREADS", "PYTHONPATH", "PYTHONIOENCODING", "SNIPPET_ENGINE_RESTORE_ENV", "READER_SETTING"]
print({name: os.environ.get(name) for name in names})
""")
    env = {"READER_SETTING": "kept", "OMP_WAIT_POLICY": "ACTIVE"}
    for name in ("GLIBC_TUNABLES", "OMP_NUM_THREADS", "PYTHONPATH", "PYTHONIOENCODING"):
        env[name] = None
    # --jobs 2: the engine then also caps each child's threads through OMP_NUM_THREADS.
    assert scratch.run("--jobs", "2", env=env).returncode == 0
    shown = json.loads(scratch.output("a/env.py").read_text())["stdout"]
    assert shown == str({"GLIBC_TUNABLES": None, "OMP_WAIT_POLICY": "ACTIVE", "OMP_NUM_THREADS": None, "PYTHONPATH": None, "PYTHONIOENCODING": None, "SNIPPET_ENGINE_RESTORE_ENV": None, "READER_SETTING": "kept"}) + "\n"


def test_snippet_runs_with_the_garbage_collector_on(scratch):
    # The worker imports torch with the collector off, for speed; a snippet must not inherit that.
    scratch.snippet("a/gc_state.py", "import gc\nprint(gc.isenabled())\n")
    assert scratch.run("--jobs", "1").returncode == 0
    assert json.loads(scratch.output("a/gc_state.py").read_text())["stdout"] == "True\n"


def _plain_python_threads(env: dict) -> int:
    """What `python -c 'import torch; print(torch.get_num_threads())'` says: a reader's default."""
    out = subprocess.run([PYTHON, "-c", "import torch; print(torch.get_num_threads())"], capture_output=True, text=True, env=environment_with(env), check=True)
    return int(out.stdout)


def test_snippets_side_by_side_share_the_cores_and_one_at_a_time_gets_them_all(scratch):
    # Two children each starting a thread per core would fight over the cores
    # (torchrun sets one thread per process for the same reason). A reader's own
    # OMP_NUM_THREADS is respected; at --jobs 1 a snippet gets what a reader gets.
    scratch.snippet("a/threads.py", "import torch\nprint(torch.get_num_threads())\n")
    cores = usable_cpus()  # its own tests pin down affinity and quotas; here only the split is checked
    unset = {"OMP_NUM_THREADS": None, "MKL_NUM_THREADS": None}

    def threads(*args: str, env: dict) -> int:
        result = scratch.run("--force", *args, env=env)
        assert result.returncode == 0, result.stderr
        return int(json.loads(scratch.output("a/threads.py").read_text())["stdout"])

    assert threads("--jobs", "1", env=unset) == _plain_python_threads(unset)
    assert threads("--jobs", "2", env=unset) == max(1, cores // 2)
    # --jobs 4 alone would give each child max(1, cores // 4) threads; the reader asked for 2.
    reader = {**unset, "OMP_NUM_THREADS": "2"}
    assert threads("--jobs", "4", env=reader) == _plain_python_threads(reader)
