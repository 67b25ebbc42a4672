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
