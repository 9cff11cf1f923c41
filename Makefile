# Siaga — the two commands a newcomer needs: `make check` (main job) and `make test`.
# Both create .venv on first use; nothing has to be installed by hand first (Python >= 3.11 only).
#
# What gets installed comes from the hashed lock files in requirements/ (made by `make lock` with uv from
# pyproject.toml), so a fresh clone gets exactly the versions CI tested:
#   requirements/uv.txt       the installer (uv), installed by pip --require-hashes into .venv
#   requirements/runtime.txt  what siaga check/preview/report/verify/new/drill run: `make check`, `make install`
#   requirements/dev.txt      runtime + the test and lint tools: `make test`, `make lint`, `make locale`
# Each step has its own stamp in .venv, so `make check` never installs the dev tools.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
SIAGA  := $(PY) -m siaga
STACK  ?= jakarta-prod
LOCKS  := requirements
UV_PIP := $(UV) pip install --quiet --python $(PY) --require-hashes
# the dev lock's uv when a .venv has one, else a uv on PATH (the lock files need no installed .venv)
UV_LOCK ?= $(if $(wildcard $(UV)),$(UV),uv)
LOCK   := $(UV_LOCK) pip compile pyproject.toml --quiet --python-version 3.11 --python-platform linux \
          --generate-hashes --custom-compile-command "make lock"

.PHONY: install install-dev check preview test test-fast lint bench clean locale lock

$(VENV)/.uv: $(LOCKS)/uv.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCKS)/uv.txt
	@touch $@

$(VENV)/.runtime: $(LOCKS)/runtime.txt pyproject.toml $(VENV)/.uv
	$(UV_PIP) -r $(LOCKS)/runtime.txt
	$(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation -e .
	$(VENV)/bin/pybabel -q compile -D siaga -d siaga/locale
	@touch $@

$(VENV)/.dev: $(LOCKS)/dev.txt $(VENV)/.runtime
	$(UV_PIP) -r $(LOCKS)/dev.txt
	@touch $@

## install: .venv with what siaga runs (requirements/runtime.txt), no test tools
install: $(VENV)/.runtime

## install-dev: install + the test and lint tools (requirements/dev.txt)
install-dev: $(VENV)/.dev

## check: preview the reference stack offline, then run the policy packs on it
check: $(VENV)/.runtime
	$(SIAGA) preview --stack $(STACK)
	$(SIAGA) check --stack $(STACK)

## preview: the resource tree of STACK (default jakarta-prod)
preview: $(VENV)/.runtime
	$(SIAGA) preview --stack $(STACK)

## test: the whole test suite (slow host build included)
test: $(VENV)/.dev
	$(PY) -m pytest -n 2 --dist loadfile -q

## test-fast: everything but tests marked slow
test-fast: $(VENV)/.dev
	$(PY) -m pytest -n 2 --dist loadfile -q -m "not slow"

## locale: extract the marked messages and update the Indonesian catalog (then translate what is new), compile it
locale: $(VENV)/.dev
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --project siaga -o siaga/locale/siaga.pot siaga components
	$(VENV)/bin/pybabel -q update --no-fuzzy-matching --ignore-obsolete -D siaga -i siaga/locale/siaga.pot -d siaga/locale
	$(VENV)/bin/pybabel -q compile -D siaga -d siaga/locale

## bench: wall time of siaga check on every stack and on 10/20/40/80-service synthetic stacks (table + PNG)
bench: $(VENV)/.dev
	$(PY) bench/bench_check.py

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

## lock: resolve pyproject.toml again into the hashed lock files (after changing a dependency; installs nothing)
lock:
	$(LOCK) --extra dev -o $(LOCKS)/dev.txt
	$(LOCK) -c $(LOCKS)/dev.txt -o $(LOCKS)/runtime.txt
	echo uv | $(UV_LOCK) pip compile - --quiet --python-version 3.11 --python-platform linux --generate-hashes \
	  --custom-compile-command "make lock" -c $(LOCKS)/dev.txt -o $(LOCKS)/uv.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
