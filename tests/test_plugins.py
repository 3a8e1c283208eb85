"""The project's plugins work for any site: installed and configured, never copied from this repository.

Each test writes a small site from scratch in a temporary folder (its own
mkdocs.yml, a page, a snippet) and uses the plugins and the `run-snippets`
command that `make setup` installed.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from verified_snippets.settings import EngineSettings, Site, load_site
from verified_snippets.site_state import SiteState

from conftest import REPO, environment_with, mkdocs_build

RUN_SNIPPETS = str(Path(sys.executable).with_name("run-snippets"))

SNIPPET = """\
import torch

# --8<-- [start:loss]
logits = torch.tensor([[1.0, 2.0, 0.5]])
loss = torch.nn.functional.cross_entropy(logits, torch.tensor([1]))
print(f"loss = {loss.item():.4f}")
# --8<-- [end:loss]

VALUES = {"loss": loss.item()}
"""

PAGE = """\
# A page

```python
--8<-- "demo/hello.py:loss"
```

The loss is {{ run: demo/hello.py loss | .4f }}, and $\\ell = {{ run: demo/hello.py loss | .3f }}$.
"""


def write_site(root: Path, *, folder: str = "examples", base_path: str | None = None, engine_options: dict | None = None) -> Path:
    """A site whose snippets live in `folder` (not `snippets/`), with every plugin of this project."""
    options = {"snippets_dir": folder, **(engine_options or {})}
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Home\n\nThe article: [a page](demo.md).\n")
    (root / "docs" / "demo.md").write_text(PAGE)
    (root / folder / "demo").mkdir(parents=True)
    (root / folder / "demo" / "hello.py").write_text(SNIPPET)
    engine = "\n".join(f"      {key}: {json.dumps(value)}" for key, value in options.items())
    (root / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: Scratch
        theme:
          name: material
          font: false
        markdown_extensions:
          - pymdownx.superfences
          - pymdownx.arithmatex:
              generic: true
          - pymdownx.snippets:
              base_path: !relative $config_dir/{base_path or folder}
              check_paths: true
        extra_css:
          - assets/katex/katex.min.css
        plugins:
          - search
          - verified-snippets:
        ENGINE_OPTIONS
          - katex-prerender:
              node_modules: {json.dumps(str(REPO / "node_modules"))}
          - search-dialog-label
        """).replace("ENGINE_OPTIONS", engine))
    return root


def run_snippets(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RUN_SNIPPETS, *args], cwd=root, capture_output=True, text=True, timeout=300, env=environment_with({"NO_MKDOCS_2_WARNING": "1"}))


def test_a_site_written_from_scratch_runs_its_snippet_and_builds(tmp_path):
    site = write_site(tmp_path / "site")
    result = run_snippets(site)
    assert result.returncode == 0, result.stderr
    assert "ran     examples/demo/hello.py (no output yet" in result.stdout
    assert (site / "examples" / "demo" / "outputs" / "hello.json").is_file()
    assert (site / "docs" / "notebooks" / "demo.ipynb").is_file()  # the page embeds a snippet: it gets a notebook

    built = mkdocs_build(site)
    assert built.returncode == 0, built.stderr
    page = (site / "site" / "demo" / "index.html").read_text()
    assert "loss = 0.4644" in page  # the snippet's output, under its code
    # The bound value, in prose: the number, linked to its snippet's output (value_provenance).
    assert re.search(r'The loss is <a [^>]*data-snippet="demo/hello.py" data-value="loss"[^>]*>0\.4644</a>, and', page), page[:3000]
    assert 'class="katex"' in page and "0.464" in page  # and inside the formula, typeset by KaTeX
    assert "snippets/" not in (site / "mkdocs.yml").read_text()
    assert not (site / "snippets").exists()


def test_a_base_path_that_is_not_the_snippets_folder_fails_the_build_naming_both(tmp_path):
    site = write_site(tmp_path / "site", base_path="elsewhere")
    (site / "elsewhere").mkdir()
    result = mkdocs_build(site)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"plugin 'verified-snippets' option 'snippets_dir' is {site / 'examples'}, but pymdownx.snippets' base_path is {site / 'elsewhere'}" in output
    assert "give pymdownx.snippets `base_path: !relative $config_dir/examples`" in output


@pytest.mark.parametrize(("option", "value", "message"), [
    ("timeout", -1, "must be more than 0"),
    ("timeout", "soon", "expected a number"),
    ("output_limit", 1.5, "expected a whole number"),
    ("serve_jobs", -2, "must be at least 0"),
    ("snippets_dir", "nowhere", "isn't an existing directory"),
])
def test_an_invalid_option_fails_the_build_and_the_run_naming_it(tmp_path, option, value, message):
    site = write_site(tmp_path / "site", engine_options={option: value})
    built = mkdocs_build(site)
    assert built.returncode != 0
    assert f"Plugin 'verified-snippets' option '{option}'" in built.stdout + built.stderr
    assert message in built.stdout + built.stderr
    ran = run_snippets(site)
    assert ran.returncode == 2
    assert f"plugin 'verified-snippets' option '{option}'" in ran.stderr and message in ran.stderr
    assert not (site / "examples" / "demo" / "outputs").exists()


def test_the_run_uses_the_timeout_and_output_limit_from_mkdocs_yml(tmp_path):
    site = write_site(tmp_path / "site", engine_options={"timeout": 1, "output_limit": 100})
    (site / "examples" / "demo" / "slow.py").write_text("import time\ntime.sleep(30)\n")
    (site / "examples" / "demo" / "loud.py").write_text("print('x' * 500)\n")
    result = run_snippets(site)
    assert result.returncode == 1
    assert "examples/demo/slow.py:2: timed out after 1 s" in result.stderr
    assert "examples/demo/loud.py:1: printed more than the limit of 100 bytes" in result.stderr

    # The settings are cached by the content of mkdocs.yml: an edit takes effect at once.
    config = site / "mkdocs.yml"
    config.write_text(config.read_text().replace("timeout: 1", "timeout: 2"))
    result = run_snippets(site, "examples/demo/slow.py")
    assert "examples/demo/slow.py:2: timed out after 2 s" in result.stderr


def test_messages_name_the_configured_regenerate_command(tmp_path):
    site = write_site(tmp_path / "site", engine_options={"regenerate_command": "tox -e outputs"})
    result = run_snippets(site, "--check")
    assert result.returncode == 1
    assert "need `tox -e outputs`" in result.stderr
    built = mkdocs_build(site)
    assert built.returncode != 0
    assert "examples/demo/hello.py: output is stale (no output yet); run `tox -e outputs`" in built.stderr


def test_settings_come_from_the_plugins_options(tmp_path):
    site = write_site(tmp_path / "site", engine_options={"timeout": 7, "output_limit": 1234, "serve_jobs": 3, "regenerate_command": "make it", "notebooks_dir": "nb"})
    loaded = load_site(site)
    assert loaded.settings == EngineSettings(timeout_s=7, output_limit_bytes=1234, serve_jobs=3, regenerate_command="make it", notebooks_folder="nb")
    assert loaded.project.snippets_dir == site / "examples"
    assert loaded.project.notebooks_dir == site / "docs" / "nb"
    # Without a mkdocs.yml, the defaults.
    (tmp_path / "bare").mkdir()
    assert load_site(tmp_path / "bare").settings == EngineSettings()


def test_serve_reruns_with_the_configured_number_of_jobs(tmp_path):
    site = write_site(tmp_path / "site", engine_options={"serve_jobs": 3})
    loaded = load_site(site)
    state = SiteState(Site(loaded.project, loaded.settings), runs_snippets=True, progress=lambda message: None)
    try:
        report = state.prepare()
        assert report.warnings == []
        assert state.runner is not None and state.runner.jobs == 3
    finally:
        state.close()


def test_serve_starts_a_snippet_worker_early_and_the_first_run_uses_it(tmp_path):
    site = write_site(tmp_path / "site", engine_options={"serve_jobs": 1})
    loaded = load_site(site)
    built = SiteState(Site(loaded.project, loaded.settings), runs_snippets=False)
    built.start_worker()
    assert built.runner is None  # `mkdocs build` runs nothing, so it starts nothing
    state = SiteState(Site(loaded.project, loaded.settings), runs_snippets=True, progress=lambda message: None)
    try:
        state.start_worker()
        assert state.runner is not None and state.runner.pool is not None
        started = [worker.process.pid for worker in state.runner.pool.workers]
        assert len(started) == 1
        report = state.prepare()  # the snippet has no output yet: it runs, in that worker
        assert report.warnings == []
        assert loaded.project.snippet("demo/hello.py").output_path.is_file()
        assert [worker.process.pid for worker in state.runner.pool.workers] == started
    finally:
        state.close()


def test_a_rerun_tells_its_listener_once_the_notebooks_are_written(tmp_path):
    """notebook-pages starts converting a re-run's notebook then, before the engine's checks of the rest."""
    site = write_site(tmp_path / "site", engine_options={"serve_jobs": 1})
    loaded = load_site(site)
    state = SiteState(Site(loaded.project, loaded.settings), runs_snippets=True, progress=lambda message: None)
    seen: list[list[str]] = []
    state.notebooks_written = lambda: seen.append(sorted(path.name for path in loaded.project.notebooks_dir.glob("*.ipynb")))
    try:
        state.prepare()  # the snippet has no output yet: it runs
        assert seen == [["demo.ipynb"]]  # called once, with the notebook already there
        state.prepare()  # nothing is stale: nothing runs, nothing is written
        assert len(seen) == 1
    finally:
        state.close()


def test_every_file_a_plugin_reads_beside_its_code_is_packaged():
    """`make setup` installs the packages editable, where every file is there anyway; a wheel holds only
    the modules and the package-data pyproject.toml lists, so a script or stylesheet left out would be missing."""
    import fnmatch
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    data = config["package-data"]
    unlisted = []
    for package in sorted(path for path in (REPO / "scripts").iterdir() if (path / "__init__.py").is_file()):
        patterns = data.get(package.name, []) + data.get("*", [])
        for file in sorted(path for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts):
            if file.suffix != ".py" and not any(fnmatch.fnmatch(file.name, pattern) for pattern in patterns):
                unlisted.append(file.relative_to(REPO).as_posix())
    assert unlisted == [], f"add these to [tool.setuptools.package-data] in pyproject.toml: {unlisted}"
