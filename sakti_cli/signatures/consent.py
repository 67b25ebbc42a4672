"""What a signatory is shown before typing the passphrase of a personal key (UU ITE Pasal 11).

One function decides *what* is shown (:func:`signing_request`); the prompter the CLI supplies decides
*how* to ask (it shows the request, then asks for the passphrase once). Every command that signs
with a personal key goes through it: ``terbitkan``, ``ttd setujui`` (one list for ``--semua``),
``massal --terbitkan`` and ``tandatangani``. A seal is never asked (it signs unattended).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sakti_cli.register.session import Letter

from sakti_cli.core.privacy import mask_name, mask_text

PENDING_NUMBER = "(nomor dipesan sesudah sandi diterima)"


@dataclass(frozen=True)
class ToSign:
    """One document about to be signed, as its signatory is shown it (the applicant already masked)."""

    nomor_surat: str | None
    layanan: str | None
    pemohon: str | None
    pratinjau: str | None


def item_for(service: Any, data: dict[str, Any], *, number: str | None, preview: Path | str | None) -> ToSign:
    """A letter of ``service`` for an application's ``data`` (``terbitkan``, ``massal --terbitkan``)."""
    return ToSign(number, f"{service.kode} ({service.nama})", mask_name(service.applicant_name(data)),
                  str(preview) if preview else None)


def application_items(records: Iterable[dict[str, Any]], service_for: Callable[[str], Any]) -> list[ToSign]:
    """The letters a batch is about to issue and sign (``massal --terbitkan``, opening the key once per
    run): one list for :func:`signing_request`, numbers reserved after the passphrase."""
    return [item_for(service_for(record["layanan"]), record.get("data") or {}, number=None, preview=None)
            for record in records]


def file_item(path: Path) -> ToSign:
    """A PDF named on the command line (``tandatangani``): no number, no applicant."""
    return ToSign(None, None, None, str(path.resolve()))


def signing_request(owner: str, items: Sequence[ToSign]) -> str:
    """The lines shown before the passphrase: who signs, then each document (number, service, masked
    applicant, where to read it), then what typing the passphrase means."""
    count = len(items)
    lines = [f"Yang akan ditandatangani dengan kunci pribadi {owner} ({count} dokumen):"]
    for index, item in enumerate(items, 1):
        parts = [item.nomor_surat or PENDING_NUMBER]
        if item.layanan:
            parts.append(f"layanan {item.layanan}")
        if item.pemohon:
            parts.append(f"pemohon {item.pemohon}")
        lines.append(f"  {index}. " + ", ".join(parts))
        if item.pratinjau:
            lines.append(f"     pratinjau: {item.pratinjau}")
    lines.append("Ketik sandi hanya bila Anda sendiri penandatangannya dan menyetujui "
                 + ("semua dokumen di atas" if count > 1 else "dokumen di atas") + "; Ctrl-C membatalkan.")
    return mask_text("\n".join(lines))  # a NIK typed into a name field never reaches the terminal


def queued_items(ws: Any, txn: Any, letters: Iterable[Letter]) -> list[ToSign]:
    """The waiting letters ``ttd setujui`` is about to sign, each with its unsigned PDF to read."""
    from sakti_cli.core.errors import NotFound
    from sakti_cli.register.applications import find_application
    from sakti_cli.services.sop import applicant_namer

    applicant = applicant_namer(ws.sop_dir)
    items = []
    for letter in letters:
        try:
            data = find_application(txn, letter["nomor_registrasi"]).get("data") or {}
        except NotFound:
            data = {}
        preview = ws.root / letter["pdf_belum_ttd"] if letter.get("pdf_belum_ttd") else None
        title = f"{letter['layanan']} ({letter.get('nama_layanan') or letter['layanan']})"
        items.append(ToSign(letter["nomor_surat"], title, mask_name(applicant(letter["layanan"], data)),
                            str(preview) if preview else None))
    return items
