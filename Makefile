# `make demo`: a short SNGAN run on the embedded synthetic dataset (offline, a few minutes on 2 cores).
# `make test`: the whole test suite. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test install bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) setup.py requirements.txt
	$(PY) -m pip install -r requirements.txt setuptools
	$(PY) -m pip install --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The tests add pytest, lmdb and tensorflow-cpu (for the TensorFlow metric backend's tests).
$(TEST_STAMP): $(STAMP) requirements-test.txt
	$(PY) -m pip install -r requirements-test.txt
	touch $(TEST_STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(TEST_STAMP)
	$(PY) -m pytest tests -q

bench: $(TEST_STAMP)
	$(PY) benchmarks/bench_train.py

clean:
	rm -rf $(VENV) demo_log .pytest_cache build *.egg-info
