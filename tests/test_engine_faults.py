"""The failure matrix: every bad input gets a clear error, and no good output is lost.

Each test works in a scratch copy of a project, never the real `snippets/`.
"""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from conftest import PYTHON, REPO

GOOD = "import torch\nprint('good', torch.tensor([1.0, 2.0]).sum().item())\nVALUES = {'x': 1.5}\n"


def _with_previous_output(scratch, name, first_source, second_source):
    """Run a good version, then the bad one; returns (result, output before, output after)."""
    scratch.snippet(name, first_source)
    scratch.snippet("a/bystander.py", GOOD)
    assert scratch.run().returncode == 0
    before = scratch.outputs_snapshot()
    scratch.snippet(name, second_source)
    result = scratch.run()
    return result, before, scratch.outputs_snapshot()


def test_exception_reports_path_line_type_and_traceback_and_keeps_output(scratch):
    result, before, after = _with_previous_output(scratch, "a/raises.py", GOOD, """\
import torch
print("partial output")
def check(x):
    raise ValueError(f"bad value {x}")
check(3)
""")
    assert result.returncode == 1
    assert "snippets/a/raises.py:4: ValueError: bad value 3" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr and 'line 5, in <module>' in result.stderr
    assert after == before


def test_syntax_error_is_reported_with_its_line_and_nothing_runs(scratch):
    result, before, after = _with_previous_output(scratch, "a/syntax.py", GOOD, "import os\nopen('ran', 'w')\nprint('x'\nx = = 2\n")
    assert result.returncode == 1
    assert "snippets/a/syntax.py:3: SyntaxError:" in result.stderr
    assert "running snippets/a/syntax.py" not in result.stderr
    assert after == before


def test_sleeping_forever_is_killed_at_its_timeout_and_the_pool_keeps_serving(scratch):
    scratch.snippet("a/sleeps.py", "# snippet-engine: timeout=2\nimport time\nprint('start')\ntime.sleep(10_000)\n")
    for i in range(3):
        scratch.snippet(f"a/ok{i}.py", GOOD)
    started = time.monotonic()
    result = scratch.run("--jobs", "1")
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert "snippets/a/sleeps.py:4: timed out after 2 s" in result.stderr
    assert "ran 3, reused 0, failed 1" in result.stdout
    assert not scratch.output("a/sleeps.py").exists()


def test_os_exit_is_reported_as_a_crash_with_its_status(scratch):
    result, before, after = _with_previous_output(scratch, "a/exits.py", GOOD, "import os\nprint('bye')\nos._exit(3)\n")
    assert result.returncode == 1
    assert "snippets/a/exits.py:3: the interpreter died: exited with status 3" in result.stderr
    assert after == before


def test_segfault_is_reported_as_a_crash_with_its_signal(scratch):
    result, before, after = _with_previous_output(scratch, "a/segfault.py", GOOD, "import ctypes\nx = 1\nctypes.string_at(0)\n")
    assert result.returncode == 1
    assert "snippets/a/segfault.py:3: the interpreter died: killed by SIGSEGV" in result.stderr
    assert "ran 1" in result.stdout or "reused 1" in result.stdout  # the bystander is unaffected
    assert after == before


def test_printing_100_mb_is_capped_with_an_instruction_to_print_less(scratch):
    result, before, after = _with_previous_output(scratch, "a/floods.py", GOOD, "chunk = 'x' * 1_000_000\nfor _ in range(100):\n    print(chunk)\n")
    assert result.returncode == 1
    assert "snippets/a/floods.py:2: printed more than the limit of 1,000,000 bytes; print less" in result.stderr
    assert after == before


def test_unseeded_randomness_is_caught_by_repeat_naming_the_first_differing_line(scratch):
    scratch.snippet("a/random.py", "import torch\nprint('header')\nprint(torch.rand(3))\n")
    result = scratch.run("--repeat", "2")
    assert result.returncode == 1
    assert "snippets/a/random.py: non-deterministic output; line 2 of the output differs" in result.stderr
    scratch.snippet("a/random.py", "import torch\ntorch.manual_seed(0)\nprint('header')\nprint(torch.rand(3))\n")
    assert scratch.run("--repeat", "2").returncode == 0


def test_files_written_by_a_snippet_go_to_a_temporary_folder_not_the_repo(scratch):
    scratch.snippet("a/writes.py", """\
from pathlib import Path
Path("result.txt").write_text("scratch")
print(Path("result.txt").read_text(), Path.cwd().name != "a")
""")
    before = scratch.tree_snapshot()
    assert scratch.run().returncode == 0
    changed = {k for k in set(scratch.tree_snapshot()) ^ set(before)}
    assert changed == {"snippets/a/outputs/writes.json"}
    assert json.loads(scratch.output("a/writes.py").read_text())["stdout"] == "scratch True\n"


def test_writing_into_the_repository_is_blocked(scratch):
    scratch.snippet("a/vandal.py", "from pathlib import Path\n(Path(__file__).parent / 'planted.txt').write_text('x')\n")
    result = scratch.run()
    assert result.returncode == 1
    assert "snippets/a/vandal.py:2: WriteBlocked: snippets may not write into the repository" in result.stderr
    assert not (scratch.root / "snippets" / "a" / "planted.txt").exists()


def test_network_connections_fail_fast_and_are_the_snippets_error(scratch):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    accepted = []
    # Set once the run is over: the loop only listens while the snippet could connect.
    run_over = threading.Event()

    def accept_loop():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not accepted and not run_over.is_set():
            try:
                accepted.append(listener.accept())
            except (TimeoutError, OSError):
                continue

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        scratch.snippet("a/network.py", f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=30)\n")
        started = time.monotonic()
        result = scratch.run()
        elapsed = time.monotonic() - started
    finally:
        run_over.set()
        thread.join(timeout=25)
        listener.close()
    assert result.returncode == 1
    assert "snippets/a/network.py:2: NetworkBlocked: network access is blocked in snippets" in result.stderr
    assert elapsed < 25
    assert accepted == []


def test_hand_edited_or_corrupted_output_is_detected_and_regeneration_fixes_it(scratch):
    scratch.snippet("a/one.py", GOOD)
    assert scratch.run().returncode == 0
    path = scratch.output("a/one.py")
    good = path.read_text()
    path.write_text(good.replace('"x": 1.5', '"x": 1.6'))
    check = scratch.run("--check")
    assert check.returncode == 1 and "does not match its recorded hash" in check.stdout
    path.write_text(good[: len(good) // 2])
    check = scratch.run("--check")
    assert check.returncode == 1 and "not valid JSON" in check.stdout
    assert scratch.run().returncode == 0
    assert json.loads(path.read_text())["values"] == {"x": 1.5}
    assert scratch.run("--check").returncode == 0


def test_two_runs_at_once_are_serialised_and_never_leave_half_written_files(scratch):
    for i in range(3):
        scratch.snippet(f"a/slow{i}.py", f"import time\ntime.sleep(0.5)\nprint({i})\n")
    script = [PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(scratch.root), "--force", "--jobs", "1"]
    first = subprocess.Popen(script, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    second = subprocess.Popen(script, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen_bad = []
    while first.poll() is None or second.poll() is None:
        for i in range(3):
            path = scratch.output(f"a/slow{i}.py")
            if path.exists():
                try:
                    json.loads(path.read_text())
                except json.JSONDecodeError:
                    seen_bad.append(path)
        time.sleep(0.01)
    out1, err1 = first.communicate()
    out2, err2 = second.communicate()
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert "waiting for the run of pid" in err1 + err2
    assert seen_bad == []


def test_sigkill_mid_run_leaves_old_or_new_files_and_the_next_run_finishes_the_rest(scratch):
    names = [f"a/step{i}.py" for i in range(4)]
    for i, name in enumerate(names):
        scratch.snippet(name, f"import time\nprint('v1', {i})\n")
    assert scratch.run().returncode == 0
    for i, name in enumerate(names):
        scratch.snippet(name, f"import time\ntime.sleep(0.6)\nprint('v2', {i})\n")
    process = subprocess.Popen([PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(scratch.root), "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = sum("v2" in scratch.output(n).read_text() for n in names)
        if done >= 1:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    versions = []
    for name in names:
        record = json.loads(scratch.output(name).read_text())  # every file parses: old or new
        versions.append(record["stdout"].split()[0])
    assert "v2" in versions and "v1" in versions
    result = scratch.run()
    assert result.returncode == 0
    assert f"ran {versions.count('v1')}, reused {versions.count('v2')}" in result.stdout
    assert not list((scratch.root / "snippets").rglob("*.tmp-*"))
    # The killed worker's folder (its snippet's output so far) is cleared up, and the
    # finished run's workers leave none behind.
    assert not _abandoned_job_folders()


def _abandoned_job_folders() -> list[str]:
    """Worker folders that nothing holds locked any more."""
    import fcntl

    from verified_snippets.worker import JOB_FOLDER_ROOT, LOCK_NAME, WORKER_FOLDER_PREFIX

    abandoned = []
    for folder in Path(JOB_FOLDER_ROOT or tempfile.gettempdir()).glob(f"{WORKER_FOLDER_PREFIX}*"):
        with open(folder / LOCK_NAME, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
        abandoned.append(str(folder))
    return abandoned


def test_source_changed_during_the_run_is_recorded_against_what_ran(scratch):
    path = scratch.snippet("a/moving.py", "import time\ntime.sleep(1.5)\nprint('first version')\n")
    process = subprocess.Popen([PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(scratch.root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    path.write_text("import time\nprint('second version')\n")
    process.communicate(timeout=120)
    assert json.loads(scratch.output("a/moving.py").read_text())["stdout"] == "first version\n"
    check = scratch.run("--check")
    assert check.returncode == 1 and "snippets/a/moving.py: stale output (source changed)" in check.stdout


def test_values_that_are_not_plain_numbers_are_rejected_with_the_line(scratch):
    scratch.snippet("a/tensor_value.py", "import torch\nx = torch.ones(2)\nVALUES = {'x': x}\n")
    result = scratch.run()
    assert result.returncode == 1
    assert "snippets/a/tensor_value.py:3: VALUES['x'] is a torch.Tensor; store plain numbers" in result.stderr


def test_unclosed_section_marker_is_an_error_with_its_line(scratch):
    scratch.snippet("a/sections.py", "x = 1\n# --8<-- [start:part]\nprint(x)\n")
    result = scratch.run()
    assert result.returncode == 1
    assert "snippets/a/sections.py:2: section 'part' is never closed" in result.stderr


def test_printed_html_is_shown_as_text_never_as_markup(scratch_site):
    from conftest import show_snippet_on_home_pages

    site_dir = show_snippet_on_home_pages(scratch_site, "cross_entropy/prints_html.py", "print('<script>alert(1)</script>')\nprint('<img src=x onerror=alert(2)>')\nprint('```')\n")
    html = (site_dir / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
