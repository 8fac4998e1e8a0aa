# Tajian — the two set-up commands: `make run` and `make test`. Each creates .venv when it is
# missing and installs the project into it, so either works as the first command on a fresh
# machine with Python 3.11 and pip.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.tajian-installed
# Installs come from the lock files (exact versions, sha256 hashes), never from a fresh resolution:
# requirements.lock holds every runtime and test dependency, requirements-build.lock the build tools
# (setuptools, wheel) that build the project and jieba (which ships only an sdist). `make lock` updates them.
LOCK := requirements.lock
BUILD_LOCK := requirements-build.lock
UV_VERSION := 0.13.9
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# pip's own noise on some machines (local index folders that do not exist)
QUIET_PIP := sed -u '/is ignored: it is neither a file nor a directory/d'

.PHONY: run test test-fast lint bench install clean model lock i18n

$(STAMP): $(LOCK) $(BUILD_LOCK) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Tajian and its locked dependencies into $(VENV) (first time: about 3 minutes)…"
	@$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(BUILD_LOCK) 2>&1 | $(QUIET_PIP)
	@$(BIN)/python -m pip install --quiet --require-hashes --no-deps --no-build-isolation -r $(LOCK) 2>&1 | $(QUIET_PIP)
	@$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . --config-settings editable_mode=compat 2>&1 | $(QUIET_PIP)
	@$(BIN)/python -m pip check >/dev/null \
	  || { $(BIN)/python -m pip check; echo "error: $(LOCK) does not satisfy pyproject.toml: run 'make lock'"; exit 1; }
	@$(BIN)/python -c "import prefect, igraph, jieba, duckdb, sklearn, flows.cli" \
	  || { echo "error: installing the dependencies failed (see above)"; exit 1; }
	@echo "Compiling the graph kernels into numba's cache (once; about 10 s)…"
	@$(BIN)/python -m graph.warmup
	@touch $(STAMP)

install: $(STAMP)

## make run: sample data → warehouse → full pipeline; prints the report and seed-list paths.
run: $(STAMP)
	@$(BIN)/tajian demo

## make test: the lint checks (make lint), then the whole test suite, on a pytest-xdist worker per
## core (at most 4); a test module never straddles two workers (tests/conftest.py: xdist groups).
test: lint
	@scripts/ensure-browser
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadgroup

## make test-fast: ruff, then the unit tests and docstring examples only (no slow, integration,
## real-data, browser or server tests): under 2 minutes on 2 cores, for developers between changes.
FAST := not slow and not integration and not real_data and not browser and not server
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "$(FAST)"

## make lint: ruff check (with bugbear B and simplify SIM), ruff format --check, mypy on graph/ and
## nlp/ (configured in pyproject.toml); under a minute.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## make bench: speed and memory benchmarks (results go in bench/RESULTS.md by hand).
bench: $(STAMP)
	$(BIN)/python bench/bench_pipeline.py
	$(BIN)/python bench/bench_ingest.py
	@test ! -f bench/bench_synthetic.py || $(BIN)/python bench/bench_synthetic.py

## make model: train the mothers post classifier from the repo's hand-labelled posts and the real data
## (TAJIAN_REAL_DATA, default ../shared/data); writes data/models/mothers.joblib + .joblib.json (~3 min),
## then records its figures on the held-out test halves in the sidecar (the report shows them).
model: $(STAMP)
	TAJIAN_REAL_DATA=$${TAJIAN_REAL_DATA:-../shared/data} $(BIN)/python scripts/train_model.py --segment mothers \
	  --gold-dev tests/data/mothers_gold.csv --gold-dev tests/data/mothers_crawl.csv \
	  --gold tests/nlp/mothers_labelled.csv --curve-negatives mothers_crawl.csv
	TAJIAN_REAL_DATA=$${TAJIAN_REAL_DATA:-../shared/data} $(BIN)/python scripts/evaluate_model.py --segment mothers --record

## make lock: re-resolve the lock files after a change to the dependencies in pyproject.toml or
## constraints.txt (versions already locked are kept where they still fit; `make lock UPGRADE=1` moves
## everything to the newest versions allowed). Uses uv from a throwaway virtualenv.
lock:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT \
	  && $(PYTHON) -m venv "$$tmp/venv" \
	  && "$$tmp/venv/bin/python" -m pip install --quiet uv==$(UV_VERSION) 2>&1 | $(QUIET_PIP) \
	  && uv=("$$tmp/venv/bin/uv" pip compile --quiet --python-version 3.11 --generate-hashes \
	         --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)) \
	  && cp $(LOCK) $(BUILD_LOCK) "$$tmp/" \
	  && "$${uv[@]}" pyproject.toml --extra test --constraint constraints.txt --output-file "$$tmp/$(LOCK)" \
	  && printf 'setuptools>=68\nwheel\n' | "$${uv[@]}" - --output-file "$$tmp/$(BUILD_LOCK)" \
	  && for f in $(LOCK) $(BUILD_LOCK); do \
	       if cmp -s "$$tmp/$$f" $$f; then echo "$$f: unchanged"; else cp "$$tmp/$$f" $$f; echo "$$f: updated"; fi; \
	     done

## make i18n: after changing a translatable text (report/, flows/, graph/ progress lines): extract the
## message ids, merge them into report/locale/zh/LC_MESSAGES/tajian.po (translate the new entries there),
## and compile the .mo that ships (tests/report/test_i18n.py checks it is current and complete).
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k tr -k progress -o report/locale/tajian.pot --no-location --omit-header .
	$(BIN)/pybabel update -i report/locale/tajian.pot -d report/locale -D tajian -l zh --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d report/locale -D tajian -l zh

clean:
	rm -rf $(VENV) out data/warehouse.duckdb data/warehouse.duckdb.wal data/sample.duckdb data/sample.duckdb.wal .pytest_cache .ruff_cache .mypy_cache
