# The two commands a newcomer needs: `make run` and `make test`. Each bootstraps .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest compose-check bench bench-p1 bench-p1-shape clean browser screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

## run: the whole embedded stack (Temporal dev server, worker, API) with state under var/
run: $(STAMP)
	$(BIN)/grassroots run

## test: lint, format check, type check, then the full test suite
test: browser lint typecheck compose-check pytest

## browser: Debian's chromium and a CJK font for the browser tests (installed once, as root or via sudo)
browser:
	@{ test -x /usr/bin/chromium && test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc; } || { \
		SUDO=$$(test "$$(id -u)" -eq 0 || echo sudo); \
		$$SUDO apt-get update && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends chromium fonts-wqy-microhei; }

## screenshots: the main pages of the web UI as PNGs in docs/screenshots/ (for the README)
screenshots: $(STAMP) browser
	GRASSROOTS_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/ui/test_views.py -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

compose-check: $(STAMP)
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

## pytest: the full suite in TEST_WORKERS processes, each with its own Temporal servers
TEST_WORKERS ?= 2
pytest: $(STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

bench: $(STAMP)
	$(BIN)/python bench/sqlite_pragmas.py

## bench-p1: P1 cases/s end to end through POST /events against a bare Temporal case
bench-p1: $(STAMP)
	$(BIN)/python bench/p1_cases.py

## bench-p1-shape: a case of P1's Temporal shape, without the product's work, against the bare case
bench-p1-shape: $(STAMP)
	$(BIN)/python bench/p1_shape.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
