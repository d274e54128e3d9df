# flask-phonecapture: `make demo` runs the example shop, `make test` runs every suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

# The second pytest pass uses real services; .ci/run sets these, local runs default to this machine's.
PHONECAPTURE_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PHONECAPTURE_TEST_REDIS_URL    ?= redis://127.0.0.1:6379/15
export PHONECAPTURE_TEST_STRICT

.PHONY: demo test test-python test-services test-widget widget widget-check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## demo: SQLite, in-process queue, SMS printed here. Open http://127.0.0.1:$(PORT)/product/kettle
demo: $(VENV)/.installed
	$(BIN)/flask --app example_app phonecapture db upgrade
	@echo "\n  Shop: http://127.0.0.1:$(PORT)/  (SMS codes are printed below as [phonecapture sms] ...)\n"
	$(BIN)/flask --app example_app run --host 127.0.0.1 --port $(PORT)

## test: widget (build is fresh, vitest), then pytest on SQLite + inline queue, then on PostgreSQL + Redis
test: test-widget test-python test-services

widget/node_modules/.installed: widget/package-lock.json
	npm --prefix widget ci --no-audit --no-fund
	touch $@

widget: widget/node_modules/.installed
	npm --prefix widget run build

# CI rebuilds the committed bundle and fails when it differs from what was committed (a built
# file missing from the commit included).
widget-check: widget
	@git diff --exit-code -- flask_phonecapture/static/phonecapture/ \
	  && test -z "$$(git status --porcelain -- flask_phonecapture/static/phonecapture/)" \
	  || (echo "widget.js is stale: run 'make widget' and commit the result" && exit 1)

test-widget: widget-check
	npm --prefix widget test

# pytest exits 5 when it collected nothing: a broken suite, never a pass.
PYTEST = $(BIN)/python -m pytest -q; s=$$?; if [ $$s -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$s

test-python: $(VENV)/.installed
	PHONECAPTURE_TEST_PASS=embedded PHONECAPTURE_TEST_DATABASE_URL= PHONECAPTURE_TEST_REDIS_URL= $(PYTEST)

test-services: $(VENV)/.installed
	PHONECAPTURE_TEST_DATABASE_URL=$(PHONECAPTURE_TEST_DATABASE_URL) \
	PHONECAPTURE_TEST_REDIS_URL=$(PHONECAPTURE_TEST_REDIS_URL) $(PYTEST)

bench: $(VENV)/.installed
	$(BIN)/python bench/submit.py

clean:
	rm -rf $(VENV) widget/node_modules instance
