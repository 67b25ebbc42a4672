"""SAKTI CLI: the back office of a kecamatan's letter service.

The core (every module outside ``sakti_cli.cli``) knows nothing of terminals: plain functions,
pydantic models and the typed exceptions of :mod:`sakti_cli.core.errors`.
"""

__version__ = "0.1.0"
