# Two commands for a new machine (README): `make demo` and `make test`. Both install what is missing.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: pasang demo test lint docs bench

pasang:
	@bash scripts/pasang.sh

demo: pasang
	$(BIN)/sakti demo

test: pasang
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

lint: pasang
	$(BIN)/ruff check .
	$(BIN)/mypy

docs: pasang
	$(BIN)/python scripts/buat_referensi.py > docs/referensi-cli.md
	$(BIN)/python scripts/buat_skema.py

# issue 15's figures, each against its baseline in the same run (README "Bench"); CEPAT=1: the short version;
# BACA=1: also issue 13's reading section. The JSON report goes to JSON (default .bench-cache/laporan-*.json).
bench:
	@bash scripts/pasang.sh
	$(BIN)/python bench/run.py $(if $(CEPAT),--cepat) $(if $(BACA),--baca) $(if $(JSON),--json $(JSON))
