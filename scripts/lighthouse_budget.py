#!/usr/bin/env python3
"""Lighthouse budget for the longest article, on a phone and a desktop: the command `make lighthouse` runs.

A thin wrapper over `site_checks.lighthouse_budget` (installed by `make setup`),
where the budget, the server and the report live:

    .venv/bin/python scripts/lighthouse_budget.py                 # build the site (strict) into a temp folder
    .venv/bin/python scripts/lighthouse_budget.py --site site     # or use a built one
    .venv/bin/python scripts/lighthouse_budget.py --preset mobile --report /tmp/lh.json
"""
from __future__ import annotations

import sys

from site_checks.lighthouse_budget import main

if __name__ == "__main__":
    sys.exit(main())
