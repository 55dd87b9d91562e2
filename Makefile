# `make demo`: a short SNGAN run on the embedded synthetic dataset (offline, a few minutes on 2 cores).
# `make test`: the whole test suite. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) setup.py requirements.txt requirements-test.txt
	$(PY) -m pip install -r requirements-test.txt
	$(PY) -m pip install --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m pytest tests -q

bench: $(STAMP)
	$(PY) benchmarks/bench_train.py

clean:
	rm -rf $(VENV) demo_log .pytest_cache build *.egg-info
