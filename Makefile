# Tajian — the two set-up commands: `make run` and `make test`. Each creates .venv when it is
# missing and installs the project into it, so either works as the first command on a fresh
# machine with Python 3.11 and pip.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.tajian-installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint bench install clean model

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Tajian and its dependencies into $(VENV) (first time: about 2 minutes)…"
	@$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]' 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -c "import prefect, igraph, jieba, duckdb, sklearn, flows.cli" \
	  || { echo "error: installing the dependencies failed (see above)"; exit 1; }
	@echo "Compiling the graph kernels into numba's cache (once; about 10 s)…"
	@$(BIN)/python -m graph.warmup
	@touch $(STAMP)

install: $(STAMP)

## make run: sample data → warehouse → full pipeline; prints the report and seed-list paths.
run: $(STAMP)
	@$(BIN)/tajian demo

## make test: ruff, then the whole test suite.
test: $(STAMP)
	@scripts/ensure-browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make bench: speed and memory benchmarks (results go in bench/RESULTS.md by hand).
bench: $(STAMP)
	$(BIN)/python bench/bench_pipeline.py
	$(BIN)/python bench/bench_ingest.py
	@test ! -f bench/bench_synthetic.py || $(BIN)/python bench/bench_synthetic.py

## make model: train the mothers post classifier from the repo's hand-labelled posts and the real data
## (TAJIAN_REAL_DATA, default ../shared/data); writes data/models/mothers.joblib + .joblib.json (~3 min).
model: $(STAMP)
	TAJIAN_REAL_DATA=$${TAJIAN_REAL_DATA:-../shared/data} $(BIN)/python scripts/train_model.py --segment mothers \
	  --gold-dev tests/data/mothers_gold.csv --gold-dev tests/data/mothers_crawl.csv \
	  --gold tests/nlp/mothers_labelled.csv --curve-negatives mothers_crawl.csv

clean:
	rm -rf $(VENV) out data/warehouse.duckdb data/warehouse.duckdb.wal .pytest_cache .ruff_cache
