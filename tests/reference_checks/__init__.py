"""Independent checks of every value the site binds into its pages: one module per snippets folder.

`<folder>.py` checks `snippets/<folder>/` (for the page `docs/<folder with - for _>.md`)
with a dict `CHECKS = {"<snippet>.py": {"<value>": <check>}}`; the kinds of check
are explained in `verified_snippets.reference_checks` and re-exported here, so a
module writes `from reference_checks import Exact, Input, Near, Bounded`.
`formulas.py` holds mpmath formulas that several articles share.

`run-snippets` evaluates them and records what they found (the ledger page shows
it); `tests/test_reference_checks.py` evaluates them again.
"""
from verified_snippets.reference_checks import Bounded, Exact, Input, Near, evaluate, ulp

__all__ = ["Bounded", "Exact", "Input", "Near", "evaluate", "ulp"]
