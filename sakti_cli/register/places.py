"""Where the register's runs keep things beside the records: scratch and staging folders, the queue's PDFs.

The names a killed run's leftovers carry (swept by :mod:`sakti_cli.register.recovery`) and the place of a
letter's file; below every record module, so each of them and the recovery can use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sakti_cli.core.scratch import Owned, owned_temp

WORK_PREFIX = "kerja-"
STAGING_PREFIX = ".baru-"  # data/berkas: scans copied in before the register step of ``daftar``
SNAPSHOT_PREFIX = ".cadangan-"  # data/ and data/cadangan: a backup's snapshot (hard links to scans)
RESTORE_PREFIX = ".pulihkan-"  # beside a restore target: a whole restored workspace, full NIKs


def make_work_dir(data_dir: Path) -> Owned:
    """A private scratch folder for one issuance, held under its lock while the run lives: a rendered
    letter holds personal data and must not linger after a killed process (see scratch.py)."""
    return owned_temp(data_dir, WORK_PREFIX)


def leftover_pdf(register_root: Path, letter: dict[str, Any]) -> Path:
    """Where the issuance would have stored this letter's PDF (data/surat/YYYY/MM/NOMOR.pdf)."""
    safe = str(letter["nomor_surat"]).replace("/", "_").replace(" ", "")
    from sakti_cli.register.registry import letter_month

    return register_root.parent / "surat" / str(letter["tahun"]) / letter_month(letter)[5:] / f"{safe}.pdf"


QUEUE_DIR = "antrean"
"""Under data/: unsigned letters waiting for their signatory (``terbitkan --tanpa-ttd``), private."""


def queued_pdf(register_root: Path, letter: dict[str, Any]) -> Path:
    """Where a letter waiting for its signature keeps its unsigned PDF (data/antrean/NOMOR.pdf)."""
    safe = str(letter["nomor_surat"]).replace("/", "_").replace(" ", "")
    return register_root.parent / QUEUE_DIR / f"{safe}.pdf"
