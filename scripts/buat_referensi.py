"""Write the CLI reference to stdout (`make docs` redirects it into docs/referensi-cli.md), and the root
command index sakti_cli/cli/index.py that `sakti --help` lists without importing the command modules."""

from pathlib import Path

from sakti_cli.cli.reference import INDEX, render_index, render_reference

if __name__ == "__main__":
    (Path(__file__).resolve().parent.parent / INDEX).write_text(render_index(), encoding="utf-8")
    print(render_reference(), end="")
