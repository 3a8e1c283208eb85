"""Rebuilds as `mkdocs serve` does them, in one process, without a server: for tests that compare sites.

    python tests/serve_session.py PROJECT SITE_DIR STEPS_JSON

STEPS_JSON is a list of steps, run in order in this one process:
    {"build": true}                                   rebuild, as serve does after a save
    {"append": "docs/page.md", "text": "..."}         add text to the end of a file
    {"replace": "docs/page.md", "old": "...", "new": "..."}
    {"copy_site": "/some/folder"}                     copy the site folder as it is now
    {"freeze_language_inputs": true}                  from now on, language-reuse sees the digest of its
                                                      inputs as it last was (a wrong digest, for the
                                                      test that shows a stale page gets caught);
                                                      false: the real digest again

Serve's own `builder` (mkdocs.commands.serve) loads the configuration again for
every rebuild and keeps the plugins that define on_startup; this does the same
through MkDocs' own functions. After each build it prints one JSON line: the
languages the language-reuse plugin wrote back and the ones it built.
"""
from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

SERVE_URL = "http://127.0.0.1:8000/"


def freezable_language_inputs() -> dict:
    """Wrap language-reuse's digest so that a step can freeze it at its last value."""
    try:
        from language_reuse import language_inputs
    except ImportError:
        return {}
    original = language_inputs.digest
    state: dict = {"frozen": False, "last": None}

    def digest(*args, **kwargs):
        if not state["frozen"] or state["last"] is None:
            state["last"] = original(*args, **kwargs)
        return state["last"]

    language_inputs.digest = digest
    return state


def main() -> int:
    project, site_dir, steps = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    inputs = freezable_language_inputs()
    config_file = str(project / "mkdocs.yml")
    config = load_config(config_file=config_file, site_dir=str(site_dir))
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        for step in steps:
            if step.get("build"):
                config = load_config(config_file=config_file, site_dir=str(site_dir))
                config.site_url = SERVE_URL
                build(config, serve_url=SERVE_URL, dirty=False)
                reuse = config.plugins.get("language-reuse")
                print(json.dumps({"reused": getattr(reuse, "reused", None), "built": getattr(reuse, "built", None)}), flush=True)
            elif "append" in step:
                path = project / step["append"]
                path.write_text(path.read_text(encoding="utf-8") + step["text"], encoding="utf-8")
            elif "replace" in step:
                path = project / step["replace"]
                text = path.read_text(encoding="utf-8")
                assert step["old"] in text, f"{step['old']!r} is not in {path}"
                path.write_text(text.replace(step["old"], step["new"], 1), encoding="utf-8")
            elif "freeze_language_inputs" in step:
                inputs["frozen"] = bool(step["freeze_language_inputs"])
            elif "copy_site" in step:
                shutil.copytree(site_dir, step["copy_site"])
    finally:
        config.plugins.on_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
