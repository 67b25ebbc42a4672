"""Which workspace a command works on, and who the audit trail names: no config models (pydantic), so the
start-up path of 'sakti status' (sakti_cli/cli/fast.py) finds the office exactly as the full path does.

Resolution order: ``--kantor DIR``, then ``SAKTI_KANTOR``, then the nearest ``sakti.toml`` above the current
folder. :func:`sakti_cli.office.workspace.find_workspace` then reads and validates its ``sakti.toml``.
"""

from __future__ import annotations

import os
from pathlib import Path

from sakti_cli.core.errors import WorkspaceNotFound

CONFIG_NAME = "sakti.toml"
PETUGAS_VARIABLE = "SAKTI_PETUGAS"
"""Per-machine default clerk name for the audit trail (after ``--petugas``, before ``[kantor].petugas``)."""


def locate_workspace(explicit: Path | None = None, *, cwd: Path | None = None) -> tuple[Path, str]:
    """The workspace folder (resolved) and how it was found; WorkspaceNotFound when there is none."""
    if explicit is not None:
        root, how = explicit, "--kantor"
    elif os.environ.get("SAKTI_KANTOR"):
        root, how = Path(os.environ["SAKTI_KANTOR"]), "SAKTI_KANTOR"
    else:
        here = (cwd or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_NAME).is_file():
                root, how = folder, f"{CONFIG_NAME} terdekat"
                break
        else:
            raise WorkspaceNotFound(
                "Tidak menemukan kantor (sakti.toml) di folder ini atau di atasnya.",
                saran="Buat dengan 'sakti init FOLDER', atau pilih dengan 'sakti --kantor FOLDER ...' "
                "atau variabel SAKTI_KANTOR.",
            )
    root = root.expanduser().resolve()
    if not (root / CONFIG_NAME).is_file():
        raise WorkspaceNotFound(
            f"Folder {root} bukan kantor sakti (tidak ada {CONFIG_NAME}).",
            saran=f"Buat dengan 'sakti init {root}'.",
        )
    return root, how


def clerk_from(given: str | None, configured: str | None) -> str | None:
    """Who the audit trail names: ``--petugas``, then ``SAKTI_PETUGAS``, then ``[kantor].petugas``;
    None leaves it to the register (the OS user)."""
    for candidate in (given, os.environ.get(PETUGAS_VARIABLE), configured):
        if candidate and candidate.strip():
            return candidate.strip()
    return None
