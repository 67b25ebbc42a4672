"""Write the CLI reference to stdout: `make docs` redirects it into docs/referensi-cli.md."""

from sakti_cli.cli.reference import render_reference

if __name__ == "__main__":
    print(render_reference(), end="")
