"""Work that every build of the site repeated, done once: Material's templates, compiled and listed.

MkDocs makes a new template environment for every build, and `mkdocs serve`
builds on every save, so each save compiled Material's templates again and
walked the whole installed theme (some 10,000 files, its icons included) to
find the static files to copy. `install` wraps the theme's `get_env` (MkDocs
lists the theme's files before any plugin event sees the environment), so that
every environment it makes gets:

* `cache_compiled_templates`: Jinja's bytecode cache, in `.cache/jinja`; a
  template is recompiled when its source changes (Jinja checks a hash of it);
* `cache_theme_listing`: the listing of each theme folder of an installed
  package (Material's, which does not change while MkDocs runs) is made once
  per process; the project's own template folder is listed every time. Names
  under a folder whose name starts with a dot (Material's `.icons`) are left out
  of the listing: MkDocs drops them anyway ('.*' in its filter of theme files),
  after testing each of them against a dozen patterns.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any


def install(theme: Any, project: Path) -> None:
    """Give every template environment `theme` makes from now on both caches (once per theme object)."""
    original = theme.get_env
    if getattr(original, "_build_caches", False):
        return

    def get_env() -> Any:
        env = original()
        cache_compiled_templates(env, project / ".cache" / "jinja")
        cache_theme_listing(env)
        return env

    setattr(get_env, "_build_caches", True)  # noqa: B010  # a mark on a function
    theme.get_env = get_env


def cache_compiled_templates(env: Any, folder: Path) -> None:
    from jinja2 import FileSystemBytecodeCache

    folder.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = FileSystemBytecodeCache(str(folder))


@functools.cache
def _installed_listing(folder: str) -> tuple[str, ...]:
    from jinja2 import FileSystemLoader

    return tuple(name for name in FileSystemLoader(folder).list_templates() if not name.startswith("."))


def _is_installed(folder: str) -> bool:
    """Whether a template folder belongs to an installed package (Material's), not to the project.

    Judged by where packages are installed, not by the project's folder: a
    clone's `make setup` puts `.venv` inside the project, so the theme's own
    folder is under the project too.
    """
    path = Path(folder).resolve()
    return any(path.is_relative_to(root) for root in _package_roots())


@functools.cache
def _package_roots() -> tuple[Path, ...]:
    """Where this interpreter installs packages: asked once per process, not on every listing."""
    import sysconfig

    return tuple({Path(sysconfig.get_path(name)).resolve() for name in ("purelib", "platlib")})


def cache_theme_listing(env: Any) -> None:
    from jinja2 import FileSystemLoader

    loader = env.loader
    if not isinstance(loader, FileSystemLoader):
        return
    folders = [str(folder) for folder in loader.searchpath]

    def list_templates() -> list[str]:
        found: set[str] = set()
        for folder in folders:
            if _is_installed(folder):
                found.update(_installed_listing(folder))
            else:
                found.update(name for name in FileSystemLoader(folder).list_templates() if not name.startswith("."))
        return sorted(found)

    loader.list_templates = list_templates  # type: ignore[method-assign]
