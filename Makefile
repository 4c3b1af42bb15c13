# Two commands: `make demo` runs the jet tagger end to end, `make test` runs the suite.
# Both set up what they need first (a .venv in the repo, headers in ~/.cache/hwq) and are quick when set up.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.hwq-installed
export KERAS_BACKEND := tensorflow
export TF_CPP_MIN_LOG_LEVEL := 2
PYTEST_ARGS ?=

.PHONY: setup demo test test-fast lint bench clean

setup: $(STAMP)
	@command -v yosys >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get install -y -qq yosys >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq yosys; } \
	    >/dev/null 2>&1; } || true; }
	@$(PY) -m hwq.toolchain fetch >/dev/null
	@$(PY) -m hwq.backends.verilog.warm >/dev/null
	@$(PY) -m hwq.hardware_cost.warm >/dev/null

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[rtl,dev,study]"
	@touch $@

demo: setup
	$(PY) examples/jet_tagger.py

test: setup
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check hwq tests examples benchmarks sim

bench: setup
	$(PY) benchmarks/jet_tagger.py

clean:
	rm -rf build .pytest_cache
