"""How a page's Markdown is rewritten: outputs under code, values from runs, include errors.

Golden files: `golden/page_markup/<case>.md` is the input, `<case>.expected.md`
the expected rewrite.  Run `pytest --update-golden` to rewrite the expected
files after an intended change, then review the diff in git.
"""
from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from verified_snippets.output_records import OutputRecord
from verified_snippets.page_markup import PageRenderer, SnippetState, format_value
from verified_snippets.value_provenance import ValueLinks

GOLDEN = Path(__file__).parent / "golden" / "page_markup"


def record(stdout: str, sections: dict[str, str] | None = None, values: dict | None = None) -> OutputRecord:
    return OutputRecord(
        snippet="demo/hello.py", source_sha256="0" * 64, stdout=stdout, sections=sections or {},
        values=values or {}, dependencies={},
        environment={"torch": "2.13.0+cpu", "python": "3.11.7", "platform": "Linux-x86_64", "device": "CPU"},
        generated="2026-11-26T05:00:00Z", seconds=0.1,
    )


@pytest.fixture
def snippets_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "snippets" / "demo"
    folder.mkdir(parents=True)
    (folder / "hello.py").write_text("# --8<-- [start:first]\nprint('a')\n# --8<-- [end:first]\nprint('b')\n")
    (folder / "html.py").write_text("print('<script>alert(1)</script>')\n")
    (folder / "stale.py").write_text("print(1)\n")
    (folder / "failing.py").write_text("raise ValueError\n")
    (folder / "loss.py").write_text(
        "# --8<-- [start:setup]\nprint('logits ready')\n# --8<-- [end:setup]\n"
        "# --8<-- [start:loss]\nprint('loss = 0.4076')\n# --8<-- [end:loss]\n"
    )
    (folder / "quiet.py").write_text("x = 3\n")
    (folder / "other.py").write_text("y = 2\n")
    return tmp_path / "snippets"


STATES = {
    "demo/hello.py": SnippetState(record("a\nb\n", {"first": "a\n"}, {"loss": 0.40760596, "probs": [0.1, 0.25, 0.65], "same": True, "count": 36})),
    "demo/html.py": SnippetState(record("<script>alert(1)</script>\n```\n<img src=x onerror=alert(2)>\n")),
    "demo/stale.py": SnippetState(record("1\n"), stale_reason="source changed"),
    "demo/failing.py": SnippetState(record("old\n"), failure="snippets/demo/failing.py:1: ValueError"),
    "demo/loss.py": SnippetState(record("logits ready\nloss = 0.4076\n", {"setup": "logits ready\n", "loss": "loss = 0.4076\n"}, {"loss": 0.40760596, "probs": [0.1, 0.25, 0.65]})),
    "demo/quiet.py": SnippetState(record("", values={"x": 3})),
    "demo/other.py": SnippetState(record("2\n", values={"y": 2})),
}


def renderer(snippets_dir: Path) -> PageRenderer:
    return PageRenderer(snippets_dir, lambda name: STATES.get(name, SnippetState(None)))


def links_for(case: str) -> ValueLinks | None:
    """Cases named `provenance*` are rendered as the site renders pages: values linked to their outputs."""
    if not case.startswith("provenance"):
        return None
    language = "zh" if case.endswith("_zh") else "en"
    return ValueLinks(language, lambda snippet: "other.md#output-demo-other" if snippet == "demo/other.py" else None)


CASES = sorted(p.stem for p in GOLDEN.glob("*.md") if not p.stem.endswith(".expected"))


@pytest.mark.parametrize("case", CASES)
def test_page_rewrite_matches_golden_file(case, snippets_dir, request):
    source = (GOLDEN / f"{case}.md").read_text()
    rendered, problems = renderer(snippets_dir).render(source, links=links_for(case))
    rendered += "".join(f"<!-- problem at line {p.line}: {p.message} -->\n" for p in problems)
    expected_path = GOLDEN / f"{case}.expected.md"
    if request.config.getoption("--update-golden"):
        expected_path.write_text(rendered)
    expected = expected_path.read_text()
    diff = "".join(difflib.unified_diff(expected.splitlines(True), rendered.splitlines(True), "expected", "rendered"))
    assert rendered == expected, f"{case}: rewrite differs from golden file:\n{diff}"


def test_golden_comparison_catches_a_wrong_output(snippets_dir):
    source = (GOLDEN / "outputs.md").read_text()
    rendered, _ = renderer(snippets_dir).render(source)
    assert rendered == (GOLDEN / "outputs.expected.md").read_text()
    STATES["demo/hello.py"].record.stdout = "a\nB\n"
    try:
        wrong, _ = renderer(snippets_dir).render(source)
    finally:
        STATES["demo/hello.py"].record.stdout = "a\nb\n"
    assert wrong != (GOLDEN / "outputs.expected.md").read_text()


def test_value_formats():
    assert format_value(0.40760596, ".4f") == "0.4076"
    assert format_value(1.5e-7, ".2e") == "1.50e-07"
    assert format_value(36, "d") == "36"
    assert format_value(True, None) == "True"
    assert format_value(float("-inf"), None) == "-inf"


def test_problems_name_the_line(snippets_dir):
    source = "# T\n\ntext\n\nvalue {{ run: demo/hello.py missing }}\n"
    _, problems = renderer(snippets_dir).render(source)
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(5, "{{ run")]
    assert "has no value named 'missing' (known: count, loss, probs, same)" in problems[0].message


def test_embedded_snippets_are_recorded(snippets_dir):
    r = renderer(snippets_dir)
    r.render('```python\n--8<-- "demo/hello.py:first"\n```\n')
    assert r.embedded == {"demo/hello.py"}
