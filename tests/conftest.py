"""Shared fixtures: the real repository, and throwaway copies of a project to break."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

PYTHON = sys.executable
MKDOCS = str(Path(sys.executable).with_name("mkdocs"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def environment_with(changes: dict | None) -> dict[str, str]:
    """This process's environment with `changes` applied; a None value removes a variable."""
    merged = {**os.environ, **(changes or {})}
    return {name: value for name, value in merged.items() if value is not None}


def run_script(root: Path, *args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """`scripts/run_snippets.py` of this checkout, pointed at another project root, with `environment_with(env)`."""
    return subprocess.run(
        [PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(root), *args],
        capture_output=True, text=True, timeout=timeout, env=environment_with(env),
    )


def mkdocs_build(config_dir: Path, *args: str, timeout: float = 300, strict: bool = True) -> subprocess.CompletedProcess:
    command = [MKDOCS, "build", *(["--strict"] if strict else []), *args]
    return subprocess.run(command, cwd=config_dir, capture_output=True, text=True, timeout=timeout, env=environment_with({"NO_MKDOCS_2_WARNING": "1"}))


class ScratchProject:
    """A temporary project folder with `snippets/` and `docs/`, never the real ones."""

    def __init__(self, root: Path):
        self.root = root
        (root / "snippets").mkdir(parents=True, exist_ok=True)
        (root / "docs").mkdir(exist_ok=True)

    def snippet(self, name: str, source: str) -> Path:
        path = self.root / "snippets" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        return path

    def output(self, name: str) -> Path:
        article, _, filename = name.rpartition("/")
        return self.root / "snippets" / article / "outputs" / (filename[:-3] + ".json")

    def run(self, *args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
        return run_script(self.root, *args, timeout=timeout, env=env)

    def outputs_snapshot(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.root)): p.read_bytes() for p in sorted((self.root / "snippets").rglob("*.json"))}

    def tree_snapshot(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.root)): p.read_bytes() for p in sorted(self.root.rglob("*")) if p.is_file() and ".cache" not in p.parts}


@pytest.fixture
def scratch(tmp_path: Path) -> ScratchProject:
    return ScratchProject(tmp_path / "project")


@pytest.fixture
def scratch_site(tmp_path: Path, repo: Path) -> ScratchProject:
    """A scratch project with a copy of the real site: mkdocs.yml, docs/, snippets/ and the reference checks."""
    project = ScratchProject(tmp_path / "site-project")
    shutil.copy(repo / "mkdocs.yml", project.root / "mkdocs.yml")
    shutil.copytree(repo / "tests" / "reference_checks", project.root / "tests" / "reference_checks", ignore=shutil.ignore_patterns("__pycache__"))
    if (repo / "node_modules").exists():
        (project.root / "node_modules").symlink_to(repo / "node_modules")
    shutil.copytree(repo / "docs", project.root / "docs", dirs_exist_ok=True)
    shutil.copytree(repo / "snippets", project.root / "snippets", dirs_exist_ok=True)
    copy_presentation_caches(project.root)
    return project


#: Caches of work that only presents a page, each keyed by what it was made from: typeset formulas,
#: search entries, converted notebooks, compiled templates. The engine's own (.cache/verified_snippets)
#: are never copied: the tests are about what the engine does from a clean state.
PRESENTATION_CACHES = ("katex_prerender", "search_index", "mkdocs-jupyter", "jinja")


def copy_presentation_caches(root: Path) -> None:
    """Start a copy of the site with the repository's presentation caches, so that its strict build
    pays for what the test changed, not for typesetting and converting the whole site again
    (12.5 s -> 8.0 s a build, and the suite makes about twenty such builds).

    Only after this session's build of the repository has finished (`real_site_build`): until then
    its caches may be half-written (mkdocs-jupyter writes its files in place).
    """
    shared = os.environ.get(SHARED_SITE_VARIABLE)
    if not shared or not (Path(shared) / "build.log").is_file():
        return
    for name in PRESENTATION_CACHES:
        source = REPO / ".cache" / name
        if source.is_dir():
            shutil.copytree(source, root / ".cache" / name, dirs_exist_ok=True)


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden files' expected outputs")


def show_snippet_on_home_pages(site: ScratchProject, name: str, source: str) -> Path:
    """Add snippet `name` to a scratch site, embed it on every language's home page, run it
    and build the site (strict); returns the built site's folder."""
    site.snippet(name, source)
    for page in (site.root / "docs").glob("index*.md"):
        page.write_text(page.read_text() + f'\n```python\n--8<-- "{name}"\n```\n')
    assert site.run(f"snippets/{name}").returncode == 0
    result = mkdocs_build(site.root)
    assert result.returncode == 0, result.stderr[-2000:]
    return site.root / "site"


# One strict build of the real site per session, shared by every test that only reads it
# (the browser suite builds it at collection time, to make one test per page).
_real_site: tuple[Path, bool, str] | None = None
#: The folder the real site is built into, made by the controller and shared by the workers.
SHARED_SITE_VARIABLE = "LOSSES_TESTS_REAL_SITE_DIR"


def real_site_build() -> tuple[Path, bool, str]:
    """(site folder, built without error, build log); built on first call.

    Under pytest-xdist the first worker to get here builds it into the folder
    the controller made (`pytest_configure`), and the others wait for that
    build and read it: two builds of the same project at once would also race
    on its `.cache/` (mkdocs-jupyter evicts cache files its own build did not use).
    """
    global _real_site
    if _real_site is not None:
        return _real_site
    from filelock import FileLock

    shared = Path(os.environ[SHARED_SITE_VARIABLE])
    with FileLock(str(shared / "build.lock")):
        log_file = shared / "build.log"
        if log_file.exists():  # another worker built it
            ok, _, log = log_file.read_text(encoding="utf-8").partition("\n")
            _real_site = (shared / "site", ok == "ok", log)
        else:
            _real_site = _build_real_site(shared / "site")
            log_file.write_text(("ok" if _real_site[1] else "failed") + "\n" + _real_site[2], encoding="utf-8")
    return _real_site


def _build_real_site(site_dir: Path) -> tuple[Path, bool, str]:
    try:
        result = mkdocs_build(REPO, "--site-dir", str(site_dir), timeout=600)
        return (site_dir, result.returncode == 0, result.stdout + result.stderr)
    except (OSError, subprocess.TimeoutExpired) as error:
        return (site_dir, False, f"{MKDOCS} build --strict could not run: {error}")


@pytest.fixture(scope="session")
def real_site() -> Path:
    site_dir, ok, log = real_site_build()
    if not ok:
        pytest.fail(f"mkdocs build --strict failed:\n{log[-4000:]}", pytrace=False)
    return site_dir


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist); workers inherit the variable
        os.environ[SHARED_SITE_VARIABLE] = tempfile.mkdtemp(prefix="real-site-")


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):
        shutil.rmtree(os.environ.pop(SHARED_SITE_VARIABLE, ""), ignore_errors=True)
