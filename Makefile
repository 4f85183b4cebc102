# Two commands for a fresh machine with Python 3.11:
#   make run    create .venv, install everything, check the data, execute every
#               assignment notebook in full and update the README results table
#   make test   create .venv if needed, install with the dev extras, run pytest
#   make ci-deps  the system packages of the tests (PostgreSQL's programs, with apt)
#   make install  the venv with every extra (dev, torch, tf, lab) and the "cs231n" kernel
#   make readme regenerate the README's module map and results table (no notebook runs)
#   make lab    open the notebooks in JupyterLab (127.0.0.1, kernel "Python (cs231n)");
#               make notebook does the same in the classic Notebook interface
# All are idempotent: the venv is rebuilt only when pyproject.toml or setup.py change.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

# The data folder: $CS231N_DATA if set, else ../shared/datasets when it exists
# (the course machines), else the package default (~/.cache/cs231n/datasets).
# Made absolute because notebooks run with their own folder as working directory.
ifeq ($(strip $(CS231N_DATA)),)
CS231N_DATA := $(wildcard ../shared/datasets)
endif
ifneq ($(strip $(CS231N_DATA)),)
export CS231N_DATA := $(abspath $(CS231N_DATA))
endif

# Datasets the notebooks need before a full run, and the notebooks to run
# (empty = every assignment*/*.ipynb), e.g. make run NOTEBOOKS=assignment1/knn.ipynb
RUN_DATASETS ?= cifar10 extras
NOTEBOOKS ?=

.PHONY: run test lint readme stale install lab notebook clean-venv ci-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# editable_mode=compat puts the checkout itself on sys.path (a .pth file). The default
# editable mode imports through a finder that Python consults only after sys.path, so a
# student's assignment folder holding cs231n/datasets/ (and no cs231n/__init__.py) would
# shadow the package as an empty namespace package (tests/test_student_view.py).
$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py
	$(BIN)/python -m pip install --quiet -e ".[dev,torch,tf,lab,coreml]" \
		--config-settings editable_mode=compat
	touch $@

# The venv as a named Jupyter kernel, registered inside the venv (--sys-prefix),
# not in the user's home: the notebooks' kernel menu shows it as "Python (cs231n)".
KERNEL_NAME ?= cs231n
KERNEL_SPEC := $(VENV)/share/jupyter/kernels/$(KERNEL_NAME)/kernel.json

$(KERNEL_SPEC): $(VENV)/.installed
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL_NAME) \
		--display-name "Python (cs231n)" > /dev/null

install: $(VENV)/.installed $(KERNEL_SPEC)

# JupyterLab on the loopback address only, the repository as its root, the data
# folder as for make run (kernels inherit CS231N_DATA). Extra options: LAB_ARGS="--port=9999".
LAB_ARGS ?=
LAB_FLAGS := --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$(CURDIR)" \
	--MappingKernelManager.default_kernel_name=$(KERNEL_NAME) $(if $(filter 0,$(shell id -u)),--allow-root)

lab: install
	@echo "data folder: $${CS231N_DATA:-~/.cache/cs231n/datasets (package default)}"
	$(BIN)/jupyter lab $(LAB_FLAGS) $(LAB_ARGS)

notebook: install
	@echo "data folder: $${CS231N_DATA:-~/.cache/cs231n/datasets (package default)}"
	$(BIN)/jupyter notebook $(LAB_FLAGS) $(LAB_ARGS)

run: install
	$(BIN)/cs231n data verify $(RUN_DATASETS)
	$(BIN)/cs231n run $(NOTEBOOKS)

test: install
	$(BIN)/python -m pytest

# System packages the tests need beyond Python: PostgreSQL's server programs for
# tests/test_sweep_postgres.py (which starts and stops its own throw-away server on
# 127.0.0.1). Installed with apt when missing (CI runs as root on Debian).
ci-deps:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null; then \
		echo "PostgreSQL programs: present"; \
	else \
		echo "PostgreSQL programs: installing Debian's postgresql"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	fi

readme: install
	$(BIN)/cs231n modules --write-readme
	$(BIN)/cs231n results --write-readme > /dev/null

# Which notebooks' recorded runs predate the code they import (exit code 1 if any).
stale: install
	$(BIN)/cs231n results --stale

lint: install
	$(BIN)/ruff check cs231n tests benchmarks
	$(BIN)/ruff format --check cs231n tests benchmarks

clean-venv:
	rm -rf $(VENV)
