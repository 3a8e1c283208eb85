"""The language-reuse MkDocs plugin: under `mkdocs serve`, a further language is built again only when its inputs changed.

mkdocs-static-i18n builds each further language from the first language's
on_post_build, by calling MkDocs' `build` (imported into its module). This
plugin wraps that name once per process. Under `mkdocs serve` the wrapper:

* computes the digest of what the language's build reads (language_inputs);
* if a build of that language with the same digest is kept, writes its files
  back (built_files), gives mkdocs-static-i18n its search entries back (it
  merges every language's into one index after the last one), and hands each
  plugin that keeps state across languages what that build gave it;
* otherwise builds the language as usual and keeps what it wrote and gave,
  unless it logged a warning: such a build is done again on every save, so
  that its warnings are shown every time, as a full build would show them.

Under `mkdocs build` (and when the plugin is off) every language is built.
"""
from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin

from . import language_inputs
from .built_files import BuiltFiles, listing

log = logging.getLogger("mkdocs.plugins.language_reuse")


@runtime_checkable
class LanguageState(Protocol):
    """A plugin whose state spans the languages of one build."""

    def other_language_inputs(self) -> str:
        """What a further language's build reads from this plugin, as text (it is hashed)."""

    def start_language_build(self) -> Any:
        """Called before a further language is built; the value comes back to `language_build_done`."""

    def language_build_done(self, marker: Any) -> Any:
        """What that build added to this plugin's state since `marker`."""

    def reuse_language_build(self, contribution: Any) -> None:
        """Take back what a kept build added (its files were written back instead of built)."""


@dataclass
class KeptBuild:
    inputs: str
    files: BuiltFiles
    search_entries: list[Any]  # mkdocs-static-i18n's, for the merged index
    contributions: dict[str, Any] = field(default_factory=dict)  # by plugin name


#: The plugin of the `mkdocs serve` under way (None under `mkdocs build`); the wrapper asks it.
active: LanguageReusePlugin | None = None


class LanguageReusePlugin(BasePlugin):
    def __init__(self) -> None:
        self.serving = False
        self.kept: dict[str, KeptBuild] = {}
        self.reused: list[str] = []  # languages written back instead of built, in the last build
        self.built: list[str] = []

    # Defining on_startup keeps one instance (and its kept builds) across `mkdocs serve` rebuilds.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        global active
        i18n = config.plugins.get("i18n")
        if getattr(i18n, "building", False):
            return config  # a further language's build, started by the wrapper
        self.reused, self.built = [], []
        active = self if self.serving and install() else None
        return config

    def on_shutdown(self) -> None:
        global active
        if active is self:
            active = None

    def build_language(self, build: Any, config: MkDocsConfig, *args: Any, **kwargs: Any) -> None:
        i18n = config.plugins.get("i18n")
        locale = str(getattr(i18n, "current_language", ""))
        entries = getattr(i18n, "search_entries", None)
        if not locale or not isinstance(entries, list):  # not the mkdocs-static-i18n this plugin knows
            build(config, *args, **kwargs)
            return
        participants = {name: plugin for name, plugin in config.plugins.items() if isinstance(plugin, LanguageState)}
        inputs = language_inputs.digest(
            locale,
            Path(config.docs_dir),
            Path(config.config_file_path) if config.config_file_path else None,
            [str(config.site_url), repr(args), repr(sorted(kwargs.items()))],
            [f"{name}\0{plugin.other_language_inputs()}" for name, plugin in participants.items()],
        )
        site_dir = Path(config.site_dir)
        kept = self.kept.get(locale)
        if kept is not None and kept.inputs == inputs and set(kept.contributions) == set(participants):
            kept.files.put_back(site_dir)
            entries.extend(copy.deepcopy(kept.search_entries))
            for name, contribution in kept.contributions.items():
                participants[name].reuse_language_build(contribution)
            self.reused.append(locale)
            log.info(f"Nothing the '{locale}' pages are built from changed: their {len(kept.files.written)} files are written back, not built again")
            return
        self.kept.pop(locale, None)
        before, entries_before = listing(site_dir), len(entries)
        markers = {name: plugin.start_language_build() for name, plugin in participants.items()}
        with _counted_warnings() as warnings:
            build(config, *args, **kwargs)
        self.built.append(locale)
        if warnings:
            return  # built again on every save, so that its warnings show every time
        self.kept[locale] = KeptBuild(
            inputs,
            BuiltFiles.since(site_dir, before),
            copy.deepcopy(entries[entries_before:]),
            {name: plugin.language_build_done(markers[name]) for name, plugin in participants.items()},
        )


@contextmanager
def _counted_warnings() -> Iterator[list[logging.LogRecord]]:
    """The warnings logged on MkDocs' loggers meanwhile (the plugins' loggers are under `mkdocs`)."""
    records: list[logging.LogRecord] = []

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Count(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def install() -> bool:
    """Wrap the `build` that mkdocs-static-i18n calls for each further language (once per process); False without it."""
    try:
        import mkdocs_static_i18n.plugin as i18n_module
    except ImportError:
        return False
    original = getattr(i18n_module, "build", None)
    if original is None:
        return False
    if getattr(original, "_language_reuse", False):
        return True

    def build(config: MkDocsConfig, *args: Any, **kwargs: Any) -> None:
        if active is None:
            original(config, *args, **kwargs)
            return
        active.build_language(original, config, *args, **kwargs)

    setattr(build, "_language_reuse", True)  # noqa: B010  # a mark on a function
    i18n_module.build = build
    return True
