# Two commands do all the set-up on a fresh machine: `make serve` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Material prints an end-of-life banner on every build; keep logs readable.
export NO_MKDOCS_2_WARNING := 1

PY_STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs
NODE_STAMP := node_modules/.installed
# `make build NPM_FLAGS=--omit=dev` (the deploy) installs KaTeX without Lighthouse.
NPM_FLAGS ?=

.PHONY: bytecode setup serve build outputs check-outputs article check test lint test-browser chromium lighthouse screenshots bench lock clean matrix check-matrix

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): requirements/docs.txt requirements/dev.txt requirements/constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt -c requirements/constraints.txt
	# The project's own packages (scripts/*/): its MkDocs plugins and `run-snippets`, editable.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(MAKE) --no-print-directory bytecode
	touch $@ $(DOCS_STAMP)

# What `mkdocs build` alone needs (no PyTorch, no test tools): the deploy's set-up.
# A full set-up (above) includes it.
$(DOCS_STAMP): requirements/docs.txt requirements/constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/docs.txt -c requirements/constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(MAKE) --no-print-directory bytecode
	touch $@

# An editable install is not byte-compiled as a wheel is, and where PYTHONDONTWRITEBYTECODE is set
# (this CI's machines) every run-snippets and mkdocs process would compile the plugins' sources
# again (a warm `run-snippets` at 500 snippets: 0.31 s instead of 0.26 s). A changed module is recompiled.
bytecode:
	$(PY) -m compileall -q scripts

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error $(NPM_FLAGS)
	touch $@

serve: setup
	$(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

# The site into site/, from the committed outputs (PyTorch is not needed). SITE_URL=https://... sets
# the public address that canonical links, the sitemap and robots.txt name (default: the serve address).
build: $(DOCS_STAMP) $(NODE_STAMP)
	$(VENV)/bin/mkdocs build --strict

outputs: setup
	$(PY) scripts/run_snippets.py

check-outputs: setup
	$(PY) scripts/run_snippets.py --check

# A new article from its slug: pages in both languages, a starter snippet, its reference checks,
# nav entries and home-page rows (see CONTRIBUTING.md).
article: setup
	@test -n "$(NAME)" || { echo "usage: make article NAME=<slug>   (e.g. NAME=label-smoothing)"; exit 2; }
	$(PY) scripts/new_article.py $(NAME)

# The checks that concern one article, in under a minute: use it while writing; run `make test` before a merge.
check: setup
	@test -n "$(ARTICLE)" || { echo "usage: make check ARTICLE=<slug>   (e.g. ARTICLE=cross-entropy)"; exit 2; }
	$(PY) scripts/check_article.py $(ARTICLE)

# Debian's Chromium for the browser tests and Lighthouse; does nothing when /usr/bin/chromium exists.
chromium:
	bash scripts/install_chromium.sh

# Two workers (pytest-xdist): most tests wait on one process (a build, a snippet run, Chromium),
# so the two CPUs of a contributor's laptop or of CI are both used.
test: setup chromium lint
	$(PY) -m pytest -n 2

# ruff over the whole tree, mypy over the project's packages (both configured in pyproject.toml),
# actionlint over the GitHub Actions workflows.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/actionlint

# Only the Chromium tests; screenshots go to test-artifacts/screenshots/.
test-browser: setup chromium
	$(PY) -m pytest -m browser tests/browser

# Lighthouse on the longest article, mobile and desktop presets, each against its budget (up to 3 runs,
# the first to meet it ends the preset); exits 1 when a target is missed.
lighthouse: setup chromium
	$(PY) scripts/lighthouse_budget.py

# Full-page screenshots of every article, both palettes, desktop and phone, into
# test-artifacts/screenshots/ (`make test` takes the first article's only).
screenshots: setup chromium
	LOSSES_ALL_SCREENSHOTS=1 $(PY) -m pytest -n 2 tests/browser/test_article.py -k test_screenshot

bench: setup
	$(PY) scripts/bench.py

lock: $(PY_STAMP)
	{ echo "# Exact versions of every Python package, transitive ones included (pip -c)."; \
	  echo "# Regenerate with \`make lock\` after changing docs.txt or dev.txt."; \
	  $(PY) -m pip freeze --exclude-editable | sed 's/^\(torch==[0-9.]*\)+cpu$$/\1/'; } > requirements/constraints.txt

clean:
	rm -rf site .cache test-artifacts

# The environment matrix (verified_snippets/environments.py): run the snippets again in other
# environments and compare with the recorded outputs. `make matrix` runs the environments that
# mkdocs.yml lists and that need no download; `make matrix ENV=torch-2.14.1` makes that release's
# environment under .cache/ first (several GB) and writes reports/upgrade-torch-2.14.1.md.
matrix: setup
	$(PY) -m verified_snippets.matrix run $(ENV)

check-matrix: setup
	$(PY) -m verified_snippets.matrix check
