"""Browser tests (a package, so that this folder's conftest and helpers never shadow `tests/conftest.py`)."""
