# Two commands for a newcomer: `make run` (the batch job) and `make test` (the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-slow lint install install-test clean train-events

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: the main batch job over corpus/articles into outputs/
run: $(VENV)/.installed
	$(BIN)/zhpipe run corpus/articles --out outputs

## test: the test suite (slow corpus-scale tests excluded)
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not slow" -q

## test-slow: the corpus-scale tests
test-slow: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m slow -q

## train-events: retrain the event models in pipeline/models/events (a few minutes, no network)
train-events: $(VENV)/.installed
	nice $(BIN)/python -m pipeline.events.train --out pipeline/models/events

lint: $(VENV)/.installed-test
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/mypy pipeline

clean:
	rm -rf $(VENV) build dist *.egg-info
