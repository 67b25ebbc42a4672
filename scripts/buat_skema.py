"""Write docs/skema/<command>.json, the JSON Schema of every command's --json output, from the models in
sakti_cli/cli/schemas.py (`make skema`); files of commands that no longer exist are removed.
A test compares the committed files with a fresh rendering."""

from sakti_cli.cli.schemas import SCHEMA_DIR, render_all

if __name__ == "__main__":
    wanted = render_all()
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for stale in SCHEMA_DIR.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (SCHEMA_DIR / name).write_text(text, encoding="utf-8")
    print(f"{len(wanted)} skema ditulis ke {SCHEMA_DIR}")
