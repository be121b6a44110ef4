# Backprop Workbook: `make lab` to study, `make test` to check everything.
# Both create .venv (if missing) and install the project into it; nothing else is needed.

# Debian's /usr/bin/python3.11 first: the grading sandbox runs the kernel as an unprivileged user, who
# cannot traverse an interpreter installed in root's home (pyenv); then python3.11, then python3 on PATH.
PYTHON ?= $(shell ls /usr/bin/python3.11 2>/dev/null || command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# nbgrader runs `alembic` by name, so the environment's bin/ must be on PATH.
export PATH := $(abspath $(BIN)):$(PATH)
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: lab hub test lint bench release grade report clean help

help:
	@echo "make lab      open the lessons in JupyterLab (http://127.0.0.1, with a token)"
	@echo "make test     run every test: lint, unit tests, doctests, notebook checks"
	@echo "make bench    run the benchmarks under benchmarks/"
	@echo "make release  regenerate notebooks/ (student versions) from solutions/ with nbgrader"
	@echo "make grade    auto-grade submitted/ in parallel (ASSIGNMENTS=\"01-univariate ...\", default: all)"
	@echo "make report   feedback/ for every student, grades.csv and report.html"
	@echo "make hub      serve a class with JupyterHub on this machine (as root; HUB_ARGS=\"--port 8000 ...\")"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when the project's metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	# Build matplotlib's font cache now: building it later prints to stderr,
	# which nbgrader would count against the first test cell that plots.
	MPLBACKEND=Agg $(BIN)/python -c "import matplotlib.pyplot"
	touch $@

# Bound to this machine only, with jupyter's token authentication (never disabled).
# LAB_ARGS adds options, e.g. `make lab LAB_ARGS=--no-browser`.
# Jupyter refuses to run as root without --allow-root (containers, CI); pass it only then.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
# jupyter/lab/ (in JUPYTER_CONFIG_PATH) hides nbgrader's Assignments panel and instructor tools and the news popup.
lab: $(STAMP)
	JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter/lab" $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(ALLOW_ROOT) $(LAB_ARGS)

# JupyterHub's proxy, configurable-http-proxy, comes from npm (Node.js 20 or newer).
PROXY := $(VENV)/proxy/node_modules/.bin/configurable-http-proxy
NODE_OK := $(shell command -v npm >/dev/null 2>&1 && node -e 'process.exit(parseInt(process.versions.node) < 20 ? 1 : 0)' \
             2>/dev/null && echo yes)
$(PROXY): | $(BIN)/python
	@test "$(NODE_OK)" = yes || { \
	  echo "make hub needs Node.js 20 or newer and npm for JupyterHub's proxy (configurable-http-proxy):" >&2; \
	  echo "  install them (Debian: sudo apt-get install nodejs npm), then run make hub again" >&2; exit 1; }
	npm install --silent --no-audit --no-fund --prefix $(VENV)/proxy configurable-http-proxy@5

# A class on one server (README: "Run a class on one server"). Run as root; the hub prints its address.
HUB_ARGS ?=
hub: $(STAMP) $(PROXY)
	$(BIN)/coursetools hub $(HUB_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# One pytest worker per core; a notebook's cells (nbval) and a test file's fixtures stay on one worker.
# The 25 slowest tests are listed at the end, to keep `make test` under 10 minutes on 2 cores.
PYTEST_ARGS ?= -n auto --dist loadfile --no-loadscope-reorder --durations=25
# The hub's browser test needs the proxy: installed here when Node.js 20+ is there (else that test skips, or fails
# under CI, saying why).
test: $(STAMP) lint $(if $(NODE_OK),$(PROXY))
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

release: $(STAMP)
	$(BIN)/python -m coursetools release

ASSIGNMENTS ?= $(notdir $(wildcard solutions/*))
grade: $(STAMP)
	$(BIN)/coursetools grade $(ASSIGNMENTS)

report: $(STAMP)
	$(BIN)/coursetools feedback
	$(BIN)/coursetools report

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
