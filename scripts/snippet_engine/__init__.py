"""The engine that runs the site's snippets and keeps their outputs.

Everything here uses only the standard library at import time, so that
`mkdocs build` and `run_snippets.py --check` never import PyTorch.  Only the
worker process (`worker.py`) imports torch, once, and forks a child per snippet.
"""
