# gatetrace — the two-command quick start and the developer targets.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
DEMO    := tests/fixtures/demo-case
STAMP   := $(VENV)/.installed

.PHONY: demo test setup bench fuzz clean lint

$(STAMP): pyproject.toml setup.py parsers/capture/_walk.c
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,pdf]'
	touch $(STAMP)

setup: $(STAMP)

## make demo: set up, analyse the bundled demo case, print the summary
demo: $(STAMP)
	$(BIN)/gatetrace analyze $(DEMO)/case.yaml
	@echo "open reports/DEMO-2024-0817/report.html in a browser"

## make test: set up, then the whole suite
test: $(STAMP)
	$(BIN)/python -m pytest

## make bench: throughput and memory on a generated large capture
bench: $(STAMP)
	$(BIN)/python benchmarks/run_bench.py

## make fuzz: run the fuzz harnesses for FUZZ_SECONDS each (default 60)
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[fuzz]" || echo "atheris could not be installed; only the hypothesis pass will run"
	$(BIN)/python tests/fuzz/run_all.py --seconds $${FUZZ_SECONDS:-60}

clean:
	rm -rf $(VENV) reports/*/ .pytest_cache
