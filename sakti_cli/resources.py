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
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    installed = Path(__file__).resolve().parent / "bundled" / name
    if installed.is_dir():
        return installed
    from importlib.resources import files

    return Path(str(files(f"sakti_cli.bundled.{name}")))
