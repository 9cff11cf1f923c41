# Siaga — the two commands a newcomer needs: `make check` (main job) and `make test`.
# Both create .venv on first use; nothing has to be installed by hand first (Python >= 3.11 only).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SIAGA  := $(PY) -m siaga
STACK  ?= jakarta-prod
STAMP  := $(VENV)/.installed

.PHONY: check preview test test-fast lint bench clean locale

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	$(VENV)/bin/pybabel -q compile -D siaga -d siaga/locale
	@touch $(STAMP)

## check: preview the reference stack offline, then run the policy packs on it
check: $(STAMP)
	$(SIAGA) preview --stack $(STACK)
	$(SIAGA) check --stack $(STACK)

## preview: the resource tree of STACK (default jakarta-prod)
preview: $(STAMP)
	$(SIAGA) preview --stack $(STACK)

## test: the whole test suite (slow host build included)
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -q

## test-fast: everything but tests marked slow
test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -q -m "not slow"

## locale: extract the marked messages and update the Indonesian catalog (then translate what is new), compile it
locale: $(STAMP)
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --project siaga -o siaga/locale/siaga.pot siaga components
	$(VENV)/bin/pybabel -q update --no-fuzzy-matching --ignore-obsolete -D siaga -i siaga/locale/siaga.pot -d siaga/locale
	$(VENV)/bin/pybabel -q compile -D siaga -d siaga/locale

## bench: wall time of siaga check on every stack and on 10/20/40/80-service synthetic stacks (table + PNG)
bench: $(STAMP)
	$(PY) bench/bench_check.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
