"""Data shipped in the wheel: sop/, templat/, contoh/ (see pyproject)."""
