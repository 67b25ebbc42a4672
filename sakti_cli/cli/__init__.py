"""The thin command-line layer: parse options, call the core, render results (Typer + Rich)."""
