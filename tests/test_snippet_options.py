"""`# snippet-engine:` header lines: the timeout, the devices a snippet supports, its tolerances.

Every bad line is an error that names the file and line and says what to write.
"""
from __future__ import annotations

import pytest

from verified_snippets.source_plan import SnippetSourceError, plan

PATH = "snippets/a/x.py"


def test_options_are_read_with_their_reasons():
    source = (
        "# snippet-engine: timeout=120, devices=cpu,cuda\n"
        "# snippet-engine: ulp[loss]=8; a float32 sum of 1,000 terms\n"
        "# snippet-engine: varies=sweep; the largest gap over random rows\n"
        'DEVICE = "cpu"\n'
        "# --8<-- [start:sweep]\nprint(1)\n# --8<-- [end:sweep]\n"
        "VALUES = {'loss': 1.0}\n"
    )
    planned = plan(source, PATH)
    assert planned.timeout_s == 120 and planned.device_line == 4
    options = planned.matrix
    assert options.devices == ("cpu", "cuda")
    assert options.tolerance("loss", 4) == (8, "a float32 sum of 1,000 terms")
    assert options.tolerance("other", 4) == (4, "")
    assert options.expected_to_vary("sweep") == "the largest gap over random rows"
    assert options.expected_to_vary("loss") == ""


def test_a_cpu_only_snippet_states_why():
    options = plan("# snippet-engine: devices=cpu; a profiler trace of CPU kernels\nx = 1\n", PATH).matrix
    assert options.devices == ("cpu",) and options.devices_reason == "a profiler trace of CPU kernels"
    assert plan("x = 1\n", PATH).matrix.devices is None  # not stated


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("# snippet-engine: devices=cpu\n", "2: a CPU-only snippet says why: '# snippet-engine: devices=cpu; <why it cannot run on a GPU>'"),
        ("# snippet-engine: devices=cuda\n", "2: devices must include cpu"),
        ("# snippet-engine: devices=cpu,tpu\n", "2: devices must list some of cpu, cuda, not 'cpu,tpu'"),
        ("# snippet-engine: devices=cpu,cuda\n", '2: states devices=cpu,cuda but has no top-level DEVICE = "cpu" line'),
        ("# snippet-engine: ulp=0\n", "2: ulp changes what the environment matrix accepts, so it needs a reason"),
        ("# snippet-engine: ulp=many; why\n", "2: ulp must be a number of units in the last place, not 'many'"),
        ("# snippet-engine: ulp[lost]=8; why\n", "2: 'lost' is not one of this snippet's VALUES keys (loss)"),
        ("# snippet-engine: varies=swep; why\n", "2: 'swep' is not one of this snippet's sections and VALUES keys (loss)"),
        ("# snippet-engine: timeout[loss]=8\n", "2: 'timeout[...]' is not an option"),
        ("# snippet-engine: colour=red\n", "2: unknown snippet-engine option 'colour' (known: timeout, devices, ulp, varies)"),
        ("# snippet-engine: timeout\n", "2: cannot read snippet-engine option 'timeout'"),
        ("# snippet-engine: timeout=0\n", "2: timeout must be positive"),
    ],
)
def test_a_bad_option_names_the_file_and_line(header, message):
    source = '"""doc"""\n' + header + "VALUES = {'loss': 1.0}\n"
    with pytest.raises(SnippetSourceError) as caught:
        plan(source, PATH)
    assert str(caught.value).startswith(f"{PATH}:{message}"), str(caught.value)
