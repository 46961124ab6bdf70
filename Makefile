# digitpad: `make serve` sets everything up and runs the app; `make test` runs every test.
# MNIST and the real pen-drawn digits that teach the model what drawings look like (UCI
# pendigits) are downloaded once into ~/.cache/digitpad. Offline, point DATA at a folder
# with the four MNIST .gz files and PEN at the pen digits (UCI's pendigits-orig.tra, or JSON):
#   make train export DATA=path/to/mnist PEN=path/to/pendigits-orig.tra
VENV ?= .venv
PY := $(VENV)/bin/python
# The Python the venv is made from: PYTHON=..., else the first of these that is 3.11-3.13.
SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach p,python3 python3.13 python3.12 python3.11,$(shell command -v $(p) >/dev/null 2>&1 && $(p) -c '$(SUPPORTED)' 2>/dev/null && command -v $(p))))
endif
DATA ?=
PEN ?=
HOST ?= 127.0.0.1
PORT ?= 8000
DATA_ARG := $(if $(DATA),--data $(DATA))
# Digits taught in the page and downloaded there: make train EXTRA=digitpad-samples.json
EXTRA ?=
EXTRA_ARG := $(foreach f,$(EXTRA),--extra $(f))
# A second make train with nothing changed keeps the model it would train again; AGAIN=1 fits anyway.
AGAIN ?=
ifneq ($(DATA),)
export DIGITPAD_DATA := $(abspath $(DATA))
endif
# PEN=none: train on MNIST only.
PEN_ARG := $(if $(filter none,$(PEN)),--no-pen-digits)
ifneq ($(filter-out none,$(PEN)),)
export DIGITPAD_PEN_DIGITS := $(abspath $(PEN))
endif
# "Not a digit" is learnt from the letters and doodles in python/digitpad/nondigits; more
# handwritten letters in their JSON form: make train NONDIGITS=path/to/letters.json
NONDIGITS ?=
ifneq ($(NONDIGITS),)
export DIGITPAD_NON_DIGITS := $(abspath $(NONDIGITS))
endif

.PHONY: install train export serve bundle site test test-fast screenshots eval-drawn bench clean

install: $(VENV)/.installed node_modules/.installed

# A virtual environment with the exact pinned set (constraints.txt): what training, export
# and serving import, made afresh (--clear: nothing left of an older set or Python).
# TensorFlow, tf-keras, tensorflowjs and astunparse come --no-deps (requirements-no-deps.txt
# says why); pyproject.toml lists what they import.
$(VENV)/.installed: pyproject.toml constraints.txt requirements-no-deps.txt
	@$(if $(PYTHON),$(PYTHON) -c '$(SUPPORTED)' ||) { echo "digitpad needs Python 3.11, 3.12 or 3.13$(if $(PYTHON), ($(PYTHON) is not)): install one (python.org, apt install python3.12-venv, brew install python@3.13) or name it: make PYTHON=/path/to/python3.13"; exit 1; }
	$(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e .
	$(PY) -m pip install --quiet --no-warn-conflicts -c constraints.txt --no-deps -r requirements-no-deps.txt
	touch $@

# The test and bench tools, each only for its own targets. --no-warn-conflicts: pip would
# name what the --no-deps packages ask for and do not get (tf-keras: the `tensorflow` build,
# and tensorflow-cpu is the same package).
$(VENV)/.test-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet --no-warn-conflicts -c constraints.txt -e '.[test]'
	touch $@
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet --no-warn-conflicts -c constraints.txt -e '.[bench]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The page's JavaScript, bundled by esbuild from web/src into web/dist.
bundle: web/dist/digitpad.js
web/dist/digitpad.js: node_modules/.installed web/build.mjs $(wildcard web/src/*.js) python/digitpad/spec.json
	npm run --silent build

train: $(VENV)/.installed
	$(PY) -m digitpad train $(DATA_ARG) $(PEN_ARG) $(EXTRA_ARG) $(if $(AGAIN),--again)

export: $(VENV)/.installed
	$(PY) -m digitpad export

build/model.keras:
	$(MAKE) train
web/model/model.json: build/model.keras
	$(MAKE) export

# site/: exactly what GitHub Pages and `make serve` publish (page, bundle, model; no sources).
site: install bundle web/model/model.json
	$(PY) -m digitpad site --out site

# Builds whatever is missing (venv, bundle, trained and exported model, site/), then serves it.
serve: site
	$(PY) -m digitpad serve --site site --host $(HOST) --port $(PORT)

# The measurement tools (python/digitpad_bench), apart from the product:
# leave-writers-out accuracy on real drawings, replayed in Chromium (ABLATION=1: every step),
eval-drawn: install $(VENV)/.bench-installed bundle
	$(PY) -m digitpad_bench eval-drawn $(DATA_ARG) $(if $(ABLATION),--ablation)

# and trainer and page against their peers, side by side (bench/results.json, bench/results.md).
bench: install $(VENV)/.bench-installed bundle web/model/model.json
	$(PY) -m digitpad_bench bench $(DATA_ARG)

test: install $(VENV)/.test-installed bundle
	npm test --silent
	$(PY) -m pytest

# While you work: the JS tests and every test that needs no browser, no model trained on
# all the data and no TensorFlow (the others are marked slow: tests/conftest.py): about a minute.
test-fast: install $(VENV)/.test-installed bundle
	npm test --silent
	$(PY) -m pytest -q -m "not slow"

# Rewrite the README's screenshots (.github/screenshots) from the browser tests.
screenshots: install $(VENV)/.test-installed bundle
	DIGITPAD_SCREENSHOTS=1 $(PY) -m pytest -q tests/test_page.py tests/test_reading.py tests/test_why.py tests/test_answer.py \
		tests/test_ship.py tests/test_teach.py

clean:
	rm -rf build web/dist web/model site
