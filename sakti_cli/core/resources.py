"""Where the bundled sop/, templat/ and contoh/ folders are.

In a checkout they sit at the top of the repository; in an installed wheel they are the package
``sakti_cli.bundled`` (see pyproject). Looking at the checkout first keeps an editable install
honest: what the developer edits is what runs.
"""

from __future__ import annotations

from pathlib import Path

BUNDLED = ("sop", "templat", "contoh")


def bundled_dir(name: str) -> Path:
    if name not in BUNDLED:
        raise ValueError(name)
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    installed = Path(__file__).resolve().parents[1] / "bundled" / name
    if installed.is_dir():
        return installed
    from importlib.resources import files

    return Path(str(files(f"sakti_cli.bundled.{name}")))


def office_or_bundled(own_dir: Path, name: str, *parts: str) -> Path:
    """The office's copy of a bundled file (``own_dir`` is its sop/ or templat/) when it has one, else the
    bundled file: an office edits its copy, and a workspace made before the file shipped still finds it."""
    own = own_dir.joinpath(*parts)
    return own if own.is_file() else bundled_dir(name).joinpath(*parts)
