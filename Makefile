# `make demo`: a short SNGAN run on the UCI handwritten digits scikit-learn ships (installed here: the
#   package's `digits` extra; offline once installed, a few minutes on 2 cores).
# `make test`: everything CI runs (.ci/run and .circleci/config.yml call it): the type check, the
#   documentation build, the test suite, and the built wheel checked in a fresh environment.
# Each part has its own target: typecheck, docs, unit, dist, wheel-check. `make test-all`: the
#   same with the full option x family matrix.
# All of them create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DEMO_STAMP := $(VENV)/.installed-demo
DIST := dist
SPHINX := $(PY) -m sphinx -W --keep-going -q -d docs/_build/doctrees

.PHONY: demo test test-all unit unit-all typecheck docs dist wheel-check install bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) setup.py pyproject.toml requirements.txt
	$(PY) -m pip install -r requirements.txt "setuptools>=70.1"
	$(PY) -m pip install --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The tests add pytest, lmdb, tensorflow-cpu (the TensorFlow metric backend's tests), Sphinx,
# mypy and the packaging tools.
$(TEST_STAMP): $(STAMP) requirements-test.txt docs/requirements.txt
	$(PY) -m pip install -r requirements-test.txt
	touch $(TEST_STAMP)

install: $(STAMP)

# The demo's data: scikit-learn (setup.py's `digits` extra, at the tested pin of requirements-test.txt).
$(DEMO_STAMP): $(STAMP) requirements-test.txt
	$(PY) -m pip install "$$(grep -m1 '^scikit-learn' requirements-test.txt)"
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(PY) examples/demo.py

test: typecheck docs unit wheel-check

unit: $(TEST_STAMP)
	$(PY) -m pytest tests -q -p no:cacheprovider

# `make test` with the whole option x family matrix (tests/training/test_option_matrix.py) instead
# of its slice: every Trainer option on every family (long on a CPU: compile=True builds kernels).
test-all: typecheck docs unit-all wheel-check

unit-all: $(TEST_STAMP)
	MIMICRY_FULL_MATRIX=1 $(PY) -m pytest tests -q -p no:cacheprovider

# mypy with the configuration in pyproject.toml (the package and tests/typing).
typecheck: $(TEST_STAMP)
	$(PY) -m mypy

# HTML with any warning an error, then the coverage builder: a public function, class or
# method without documentation is an error too. Output: docs/_build/html/index.html.
docs: $(TEST_STAMP)
	$(SPHINX) -b html docs docs/_build/html
	$(SPHINX) -b coverage docs docs/_build/coverage

# sdist, then the wheel built from it; twine's metadata check; the contents of both.
dist: $(TEST_STAMP)
	rm -rf $(DIST)
	$(PY) -m build --outdir $(DIST) .
	$(PY) -m twine check --strict $(DIST)/*
	$(PY) tests/packaging/check_dist.py $(DIST)

# The wheel installed into a new, empty virtual environment: import, train, restore, evaluate.
wheel-check: dist
	$(PY) tests/packaging/wheel_check.py $(DIST)

bench: $(TEST_STAMP)
	$(PY) benchmarks/bench_train.py

clean:
	rm -rf $(VENV) $(DIST) demo_log .pytest_cache .mypy_cache build *.egg-info docs/_build docs/api
