"""Where the register's runs keep things beside the records: scratch and staging folders, the queue's PDFs.

The names a killed run's leftovers carry (swept by :mod:`sakti_cli.register.recovery`) and the place of a
letter's file; below every record module, so each of them and the recovery can use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sakti_cli.core.scratch import Owned, owned_temp
from sakti_cli.register.session import Letter, letter_month

WORK_PREFIX = "kerja-"
STAGING_PREFIX = ".baru-"  # data/berkas: scans copied in before the register step of ``daftar``
SNAPSHOT_PREFIX = ".cadangan-"  # data/ and data/cadangan: a backup's snapshot (hard links to scans)
RESTORE_PREFIX = ".pulihkan-"  # beside a restore target: a whole restored workspace, full NIKs


def workspace_of(register: Any) -> Path:
    """The workspace of a register (its folder is data/register of the workspace, whichever backend)."""
    return Path(register.root).parent.parent


def make_work_dir(data_dir: Path) -> Owned:
    """A private scratch folder for one issuance, held under its lock while the run lives: a rendered
    letter holds personal data and must not linger after a killed process (see scratch.py)."""
    return owned_temp(data_dir, WORK_PREFIX)


def letter_file_name(letter: Letter | dict[str, Any]) -> str:
    """``NOMOR.pdf`` with the number's slashes and spaces made safe for a file name."""
    return str(letter["nomor_surat"]).replace("/", "_").replace(" ", "") + ".pdf"


def leftover_pdf(workspace: Path, letter: Letter | dict[str, Any]) -> Path:
    """Where the issuance stores this letter's PDF (data/surat/YYYY/MM/NOMOR.pdf, the month of its reservation)."""
    return workspace / "data" / "surat" / str(letter["tahun"]) / letter_month(letter)[5:] / letter_file_name(letter)


QUEUE_DIR = "antrean"
"""Under data/: unsigned letters waiting for their signatory (``terbitkan --tanpa-ttd``), private."""


def queued_pdf(workspace: Path, letter: Letter | dict[str, Any]) -> Path:
    """Where a letter waiting for its signature keeps its unsigned PDF (data/antrean/NOMOR.pdf)."""
    return workspace / "data" / QUEUE_DIR / letter_file_name(letter)
