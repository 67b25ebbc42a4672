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
CLERK_NAME_MAX = 100


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
    """Who the audit trail names: ``--petugas``, then ``SAKTI_PETUGAS``, then ``[kantor].petugas`` (``configured``);
    None leaves it to the register (the OS user). One line of at most CLERK_NAME_MAX characters, no control
    character: UsageError (exit 2) for the first two, ConfigError for sakti.toml's."""
    from sakti_cli.core.errors import ConfigError, UsageError
    from sakti_cli.core.text import unsafe_character

    sources = (("--petugas", given), (PETUGAS_VARIABLE, os.environ.get(PETUGAS_VARIABLE)),
               ("[kantor].petugas di sakti.toml", configured))
    for source, candidate in sources:
        if candidate and candidate.strip():
            name = candidate.strip()
            hidden = unsafe_character(name, allowed=frozenset())
            problem = f"berisi {hidden}" if hidden else (
                f"lebih dari {CLERK_NAME_MAX} karakter ({len(name)})" if len(name) > CLERK_NAME_MAX else None)
            if problem is None:
                return name  # it goes into every record and audit event this run writes
            kind = ConfigError if source.startswith("[") else UsageError
            raise kind(f"Nama petugas dari {source} {problem}.", saran=f"Tulis ulang nama petugas di {source}: "
                       f"satu baris, paling banyak {CLERK_NAME_MAX} karakter.", sumber=source)
    return None
