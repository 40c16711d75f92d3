# make run   — set everything up and start the assistant
# make test  — set everything up and run the whole test suite (what CI runs)
# make test-fast — the tests that need no trained model (no training, no Rasa server): pytest -m "not e2e"
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
CHROMIUM := /usr/bin/chromium

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup kb train run shell test test-fast eval bench lint validate review clean

setup: $(VENV)/.installed

# requirements-dev.txt: the running assistant's pins (requirements.txt, all the Docker images install)
# and the test and lint tools
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@python=$$(scripts/find-python) && echo "Creating $(VENV) with $$python" && "$$python" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==23.2.1
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

kb: setup  ## validate knowledge/content and load it into the knowledge base
	$(PY) -m knowledge load

train: kb  ## train the model when data, config, domain or knowledge changed
	$(PY) -m bot train

run: train  ## start the action server, the Rasa server and the web widget's demo page (WIDGET_PORT, 8080)
	$(PY) -m bot run

shell: train  ## chat in the terminal
	$(PY) -m bot shell

review: setup  ## knowledge entries due for re-checking against their source, oldest first; fails past the hard limit
	$(PY) -m knowledge review

validate: setup  ## Rasa's checks of domain, NLU data, stories and rules
	$(VENV)/bin/rasa data validate

bench: kb  ## load benchmark, embedded default and production configuration; writes docs/BENCHMARK.md
	$(PY) scripts/bench.py

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m knowledge validate
	../shared/tools/check-numbers knowledge actions bot data domain.yml README.md

test: train $(CHROMIUM)
	$(PY) -m pytest

# Every test that uses the trained model is marked e2e (tests/conftest.py): these are the others.
test-fast: setup
	$(PY) -m pytest -m "not e2e"

# The browser test (tests/browser/) drives Debian's chromium; Playwright never downloads a browser.
$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser test"
	@if [ "$$(id -u)" = 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo=sudo; else \
	  echo "error: $@ is missing and installing it needs root: run 'sudo apt-get install -y chromium'" >&2; exit 1; fi; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null \
	  || { echo "error: 'apt-get install chromium' failed; the browser test needs $@" >&2; exit 1; }
	@test -x $@ || { echo "error: the chromium package did not install $@" >&2; exit 1; }

eval: kb  ## answer retrieval, held-out NLU test, 5-fold cross-validation and the crisis check; reports in results/
	$(PY) scripts/evaluate.py

clean:
	rm -rf models var results .pytest_cache .mypy_cache
