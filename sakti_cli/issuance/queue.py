"""The signing queue: the signatory chooses waiting letters and signs them with one passphrase (``ttd setujui``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sakti_cli.core.errors import (
    FileUnreadable,
    InputError,
    RegisterCorrupt,
    SaktiError,
    StateConflict,
    error_record,
)
from sakti_cli.core.scratch import Owned
from sakti_cli.core.shapes import signatory_json
from sakti_cli.core.storage import sha256_file
from sakti_cli.issuance.pipeline import LetterCallback, check_footer, open_batch_signer, sign_and_record, signing_outage
from sakti_cli.office.workspace import Signatory, Workspace
from sakti_cli.register.letters import WAITING, letter_by_number
from sakti_cli.register.places import make_work_dir
from sakti_cli.register.session import Letter, Register
from sakti_cli.register.states import LetterStatus
from sakti_cli.signatures.keys import PassphrasePrompt


# --- the signing queue (``sakti ttd ...``) ------------------------------------------------------------
def choose_waiting(register: Register, person: Signatory, numbers: list[str], all_waiting: bool
                   ) -> list[Letter]:
    """The letters ``ttd setujui`` signs, checked before any passphrase is asked: every named number
    exists (else exit 3), waits for a signature (else exit 5) and was prepared for this signatory."""
    if bool(numbers) == all_waiting:
        raise InputError("Sebutkan nomor surat yang ditandatangani, atau --semua (tidak keduanya).",
                         saran="Lihat antreannya dengan 'sakti ttd antrean'.")
    with register.reading() as txn:
        if all_waiting:
            return txn.signing_queue(person.id)
        chosen: dict[str, Letter] = {}
        for value in numbers:
            letter = letter_by_number(txn, value)
            number = letter["nomor_surat"]
            if letter["status"] != WAITING:
                raise StateConflict(f"Surat {number} berstatus {letter['status']}, tidak menunggu tanda tangan.",
                                    saran="Lihat antreannya dengan 'sakti ttd antrean'.")
            owner = (letter.get("penandatangan") or {}).get("id")
            if owner != person.id:
                raise InputError(f"Surat {number} disiapkan untuk penandatangan '{owner}', bukan '{person.id}'.",
                                 saran=f"Pakai --penandatangan {owner}, atau kembalikan suratnya agar disiapkan "
                                       "ulang untuk penandatangan lain.")
            chosen.setdefault(letter["id"], letter)
    return list(chosen.values())


def _queued_unsigned(ws: Workspace, register: Register, letter: Letter) -> Path:
    """The unsigned PDF the signatory reviewed (from the register's file store: the signatory may sign at
    another desk), unchanged since it was prepared (else exit 4 for this letter)."""
    number = letter["nomor_surat"]
    path = ws.root / str(letter.get("pdf_belum_ttd") or "")
    if letter.get("pdf_belum_ttd") and letter.get("sha256_belum_ttd"):
        try:
            return register.store.fetch(path, str(letter["sha256_belum_ttd"]))
        except FileUnreadable:
            pass  # said below: missing, or changed
    if not letter.get("pdf_belum_ttd") or not path.is_file():
        raise RegisterCorrupt(f"PDF surat {number} yang menunggu tanda tangan tidak ada ({path}).",
                              saran=f"Kembalikan suratnya ('sakti ttd kembalikan {number} --alasan ...') lalu "
                                    "terbitkan ulang.")
    if sha256_file(path) != letter.get("sha256_belum_ttd"):
        raise RegisterCorrupt(f"PDF surat {number} di {path} berubah sejak disiapkan; tidak ditandatangani.",
                              saran=f"Kembalikan suratnya ('sakti ttd kembalikan {number} --alasan ...') lalu "
                                    "terbitkan ulang.")
    return path


def _note_failure(register: Register, letter: Letter, exc: SaktiError) -> None:
    try:
        with register.transaction() as txn:
            txn.audit("ttd_gagal", letter["nomor_surat"], WAITING, WAITING,
                      nomor_registrasi=letter["nomor_registrasi"], galat=exc.kode, pesan=exc.pesan)
    except SaktiError:
        pass  # the failure is still reported to the signatory


def approve_queue(ws: Workspace, register: Register, numbers: list[str], *, all_waiting: bool,
                  signatory_id: str | None, prompt: PassphrasePrompt | None, timestamp_url: str | None = None,
                  on_chosen: Callable[[int], None] | None = None, on_start: LetterCallback | None = None,
                  on_done: LetterCallback | None = None) -> dict[str, Any]:
    """``ttd setujui``: the signatory signs the chosen waiting letters with ONE opening of the key
    (one passphrase for the run). A wrong passphrase or unusable certificate fails before anything is
    signed. A letter that fails stays MENUNGGU_TTD and is reported in ``gagal``; the rest go on.
    ``on_chosen(count)`` is called once the key is open (a progress display starts after the prompt)."""
    from sakti_cli.signatures.consent import queued_items
    from sakti_cli.signatures.sign import close_signer

    person = ws.signatory(signatory_id)
    chosen = choose_waiting(register, person, numbers, all_waiting)
    result: dict[str, Any] = {"penandatangan": signatory_json(person), "ditandatangani": [], "gagal": [],
                              "peringatan": []}
    if not chosen:
        return result
    with register.reading() as txn:
        to_sign = queued_items(ws, txn, chosen)  # one list, one question, for --semua too
    signer, warnings = open_batch_signer(ws, person, prompt, register.moment(), to_sign)
    result["peringatan"] = warnings
    scratch: Owned | None = None
    try:
        outage = signing_outage(ws, signer, timestamp_url)
        if outage is not None:  # nothing is signed; every letter keeps waiting with its number
            raise outage
        if on_chosen:
            on_chosen(len(chosen))
        scratch = make_work_dir(ws.data_dir)
        work = scratch.path
        for letter in chosen:
            if on_start:
                on_start(letter)
            row = {"nomor_surat": letter["nomor_surat"], "nomor_registrasi": letter["nomor_registrasi"]}
            try:
                unsigned = _queued_unsigned(ws, register, letter)
                check_footer(letter, signer)
                reason = f"{letter.get('judul') or letter['layanan']} {letter['nomor_surat']}"
                recorded, final = sign_and_record(ws, register, letter, unsigned, signer, person, work=work,
                                                  reason=reason, timestamp_url=timestamp_url)
            except SaktiError as exc:
                result["gagal"].append({**row, "status": WAITING, "error": error_record(exc)})
                _note_failure(register, letter, exc)
            else:
                result["ditandatangani"].append({
                    **row, "status": LetterStatus.TERBIT,
                    "pdf": str(Path(final).resolve()), "sha256": recorded["sha256"],
                    "kode_verifikasi": recorded["kode_verifikasi"], "terbit": recorded["terbit"]})
            if on_done:
                on_done(letter)
    finally:
        close_signer(signer)
        if scratch is not None:
            scratch.remove()
    return result
