# Two commands for a newcomer: `make run` (the batch job) and `make test` (the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-slow lint install install-test clean browser screenshot train-lm bench-mojibake train-ner train-events train-events-gate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: the main batch job over corpus/articles into outputs/
run: $(VENV)/.installed
	$(BIN)/zhpipe run corpus/articles --out outputs

## browser: headless Chromium for the page test of `zhpipe show` (Debian's package; skipped if it cannot be installed)
browser:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y -q chromium >/dev/null 2>&1 \
		|| (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1) \
		|| echo "chromium could not be installed (needs root and a Debian mirror): the browser test will be skipped"

## screenshot: docs/show-seed.png, the page of the seed article (needs Chromium and a CJK font)
screenshot: $(VENV)/.installed browser
	@fc-list :lang=zh 2>/dev/null | grep -q . || apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || true
	$(BIN)/zhpipe show corpus/articles/000_18f992a553737757.txt --doc-date 2025-11-01 --html outputs/show-seed.html --screenshot docs/show-seed.png

## test: the test suite (slow corpus-scale tests excluded), on up to two processes (each loads the models, ~2.5 GB)
test: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest -m "not slow" -q -n auto --maxprocesses 2

## test-slow: the corpus-scale tests
test-slow: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m slow -q

## train-ner: retrain the NER model (CPU, under an hour on 2 cores) into pipeline/models/ner
DATA ?= ../shared/data
train-ner: $(VENV)/.installed-train
	nice -n 10 $(BIN)/python -m pipeline.training.ner --data $(DATA) --out pipeline/models/ner

# The training-only extra (gensim: the NER model's pretrained character vectors).
$(VENV)/.installed-train: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[train]'
	@touch $@

## train-lm: retrain the character language model of the normaliser from ../shared/data
train-lm: $(VENV)/.installed
	nice $(BIN)/python -m pipeline.training.lm --out pipeline/repair/charlm.npz
	nice $(BIN)/python -m pipeline.training.line_ends --out pipeline/repair/line_ends.json
	nice $(BIN)/python -m pipeline.training.digit_marks --out pipeline/repair/digit_marks.json

## bench-mojibake: the normalisation benchmark (restoration per kind and scope, controls, speed vs ftfy)
bench-mojibake: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	nice $(BIN)/python benchmarks/mojibake/run.py

## train-events: retrain the event models in pipeline/models/events (a few minutes on 2 cores, no network)
train-events: $(VENV)/.installed
	ZHPIPE_DATA=$(DATA) nice $(BIN)/python -m pipeline.events.train --out pipeline/models/events

## train-events-gate: refit the document gate (pipeline/models/events/gate.json) on 3-fold CV predictions
## of the DuEE-fin tuning part (trains fold models in GATE_CV first, ~5 min; thresholds GATE_DOC, GATE_EVENT)
GATE_CV ?= /tmp/zhpipe-events-gate-cv
GATE_DOC ?= 0
GATE_EVENT ?= 0
train-events-gate: $(VENV)/.installed
	ZHPIPE_DATA=$(DATA) nice $(BIN)/python benchmarks/events_cv.py --train --dir $(GATE_CV) --roles 0 \
		--gate-record $(GATE_CV)/gate_rows.jsonl
	ZHPIPE_DATA=$(DATA) $(BIN)/python benchmarks/events_cv.py --gate-sweep $(GATE_CV)/gate_rows.jsonl \
		--fit-gate pipeline/models/events/gate.json --gate-threshold $(GATE_DOC) --event-threshold $(GATE_EVENT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/mypy pipeline

clean:
	rm -rf $(VENV) build dist *.egg-info
