#!/usr/bin/env python3
"""Run the site's snippets against PyTorch and regenerate the outputs the pages show.

The command the README names; the same as the `run-snippets` console script
that `make setup` installs (see `verified_snippets/cli.py` for the options):

    python scripts/run_snippets.py            # run what is stale, reuse the rest
    python scripts/run_snippets.py --force    # run everything
    python scripts/run_snippets.py --check    # run nothing; list stale or missing outputs
    python scripts/run_snippets.py snippets/cross_entropy/worked_example.py

Run from anywhere: the project is the folder above this script unless --root says otherwise.
"""
from __future__ import annotations

import sys
from pathlib import Path

from verified_snippets.cli import main

if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not any(a == "--root" or a.startswith("--root=") for a in arguments):
        arguments = ["--root", str(Path(__file__).resolve().parent.parent), *arguments]
    sys.exit(main(arguments))
