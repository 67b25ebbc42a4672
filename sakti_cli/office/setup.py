"""What ``sakti init`` needs of a new office: from its options, else asked in Indonesian.

Nothing of another office is filled in: every identity field and the first signatory come from the
person setting the office up. The questions are asked through a :class:`Prompter` (the CLI's one
reads the terminal; tests pass their own); without one, missing options are a usage error that
names them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from sakti_cli.core.clock import ZONES
from sakti_cli.core.errors import UsageError
from sakti_cli.office.workspace import PLACEHOLDER_URL, OfficeSetup, SignatorySetup, VillageKind, normalise_nip

ROLES = ("definitif", "a.n.", "Plt.", "Plh.")

REQUIRED_OPTIONS = {
    "kabupaten": "--kabupaten", "kecamatan": "--kecamatan", "alamat": "--alamat", "tempat": "--tempat",
    "kode_unit": "--kode-unit", "desa": "--desa/--kelurahan", "nama": "--nama", "jabatan": "--jabatan",
    "kunci": "--kunci (atau --token dengan --modul)",
}
ADVICE = (
    "Jalankan di terminal agar sakti menanyakannya, atau berikan opsinya, mis.: sakti init FOLDER "
    "--kabupaten \"...\" --kecamatan \"...\" --alamat \"...\" --tempat \"...\" --kode-unit KODE "
    "--desa NAMA --kelurahan NAMA (berulang) --nama \"...\" --jabatan \"Camat ...\" --nip NIP "
    "--kunci pki/camat.p12 (atau --token LABEL --modul PUSTAKA.so). Kantor contoh: sakti init FOLDER --contoh."
)


class Prompter(Protocol):
    """Asks one question and returns the answer (``default`` when the person just presses Enter)."""

    def ask(self, label: str, default: str | None = None) -> str: ...

    def tell(self, text: str) -> None: ...


Check = Callable[[str], str | None]


def _zone(value: str) -> str | None:
    return None if value.upper() in ZONES else "pilih WIB, WITA atau WIT"


def _nip(value: str) -> str | None:
    try:
        normalise_nip(value)
    except ValueError as exc:
        return str(exc)
    return None


def _role(value: str) -> str | None:
    return None if value in ROLES else f"pilih salah satu: {', '.join(ROLES)}"


def _kind(value: str) -> str | None:
    return None if value.lower() in ("desa", "kelurahan") else "jawab desa atau kelurahan"


def _source(value: str) -> str | None:
    return None if value.lower() in ("pkcs12", "pkcs11") else "jawab pkcs12 (berkas .p12) atau pkcs11 (token)"


def _url(value: str) -> str | None:
    return None if "{kode}" in value else "URL harus memuat {kode}, mis. https://cek.kantor.go.id/cek/#{kode}"


def _email(value: str) -> str | None:
    return None if not value or re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) else "bukan alamat e-mail"


def ask_until_valid(prompter: Prompter, label: str, default: str | None = None, check: Check | None = None,
         required: bool = True) -> str:
    """Ask until the answer is acceptable; the reason is told before asking again."""
    while True:
        answer = prompter.ask(label, default).strip()
        if not answer and required:
            prompter.tell("Wajib diisi.")
            continue
        problem = check(answer) if (check and answer) else None
        if problem is None:
            return answer
        prompter.tell(f"Tidak diterima: {problem}.")


def signatory_id(jabatan: str) -> str:
    """"Camat Arut Selatan" -> "camat": the id a first signatory gets from its jabatan."""
    words = re.findall(r"[a-z0-9]+", jabatan.lower().replace("plt.", "").replace("plh.", ""))
    return words[0] if words else "penandatangan"


def _villages(given: dict[str, Any], prompter: Prompter | None) -> list[tuple[str, VillageKind]]:
    villages: list[tuple[str, VillageKind]] = [(name, "desa") for name in given.get("desa") or []]
    villages += [(name, "kelurahan") for name in given.get("kelurahan") or []]
    if villages or prompter is None:
        return villages
    prompter.tell("Desa dan kelurahan wilayah kecamatan, satu per pertanyaan; kosongkan bila selesai.")
    while True:
        name = ask_until_valid(prompter, f"Nama desa/kelurahan ke-{len(villages) + 1}", "", required=not villages)
        if not name:
            return villages
        kind = ask_until_valid(prompter, f"{name}: desa atau kelurahan", "desa", _kind).lower()
        villages.append((name, "kelurahan" if kind == "kelurahan" else "desa"))


def _key_source(given: dict[str, Any], prompter: Prompter | None, person_id: str) -> tuple[tuple[str, str], ...]:
    if given.get("token") or given.get("modul"):
        pairs = [("jenis", "pkcs11"), ("modul", given.get("modul") or ""), ("token", given.get("token") or ""),
                 ("label_kunci", given.get("label_kunci") or "signer")]
    elif given.get("kunci"):
        pairs = [("jenis", "pkcs12"), ("berkas", given["kunci"])]
    elif prompter is None:
        return ()
    elif ask_until_valid(prompter, "Sumber kunci: pkcs12 (berkas .p12) atau pkcs11 (token USB/HSM)", "pkcs12",
              _source).lower() == "pkcs11":
        pairs = [("jenis", "pkcs11"),
                 ("modul", ask_until_valid(prompter, "Pustaka modul PKCS#11 (mis. /usr/lib/softhsm/libsofthsm2.so)")),
                 ("token", ask_until_valid(prompter, "Label token")),
                 ("label_kunci", ask_until_valid(prompter, "Label kunci privat di token", "signer"))]
    else:
        pairs = [("jenis", "pkcs12"),
                 ("berkas", ask_until_valid(prompter, "Letak berkas kunci .p12", f"pki/{person_id}.p12"))]
    certificate = given.get("sertifikat")
    if certificate is None and prompter is not None:
        certificate = ask_until_valid(
            prompter, "Sertifikat penanda tangan (PEM) untuk diperiksa tanpa sandi, boleh kosong", "", required=False)
    if certificate:
        pairs.append(("sertifikat", certificate))
    return tuple(pairs)


def missing_options(given: dict[str, Any]) -> list[str]:
    """The options a non-interactive ``sakti init`` still needs."""
    have = {key for key, value in given.items() if value}
    if given.get("kelurahan"):
        have.add("desa")
    if given.get("token") and given.get("modul"):
        have.add("kunci")
    return [option for key, option in REQUIRED_OPTIONS.items() if key not in have]


def office_setup(given: dict[str, Any], prompter: Prompter | None) -> OfficeSetup:
    """The new office from the options ``given`` (keys as the option names, ``kode_unit`` etc.); what is
    missing is asked through ``prompter``, or, without one, a :class:`UsageError` names the options.
    Answers are checked as they are typed (zone, NIP, kinds); the whole is validated when written."""
    missing = missing_options(given)
    if missing and prompter is None:
        raise UsageError(
            "'sakti init' membuat kantor baru dan butuh identitasnya serta penandatangan pertamanya; tidak ada "
            f"terminal untuk menanyakannya dan opsi ini tidak diberikan: {', '.join(missing)}.",
            saran=ADVICE,
        )
    ask = prompter if missing else None
    values: dict[str, str] = {}

    def field(key: str, label: str, default: str | None = None, check: Check | None = None,
              required: bool = True) -> str:
        if given.get(key) is not None or ask is None:
            values[key] = str(given.get(key) or default or "")
        else:
            values[key] = ask_until_valid(ask, label, default, check, required)
        return values[key]

    if ask is not None:
        ask.tell("Kantor baru: jawab pertanyaan berikut (Enter memakai isian dalam kurung).")
    field("kabupaten", "Kabupaten/kota (tanpa kata 'Kabupaten', mis. Kotawaringin Barat)")
    kecamatan = field("kecamatan", "Kecamatan (tanpa kata 'Kecamatan')")
    field("alamat", "Alamat kantor untuk kop surat (jalan, nomor, kota, kode pos)")
    field("email", "E-mail kantor (boleh kosong)", "", _email, required=False)
    field("telepon", "Telepon kantor (boleh kosong)", "", required=False)
    field("tempat", "Nama tempat pada baris tanggal surat (mis. nama kota)")
    zone = field("zona", "Zona waktu: WIB, WITA atau WIT", "WIB", _zone).upper()
    field("kode_unit", "Kode unit pada nomor surat (mis. singkatan kecamatan)")
    villages = _villages(given, ask)
    if ask is not None:
        ask.tell("Penandatangan pertama (penandatangan lain ditambahkan di sakti.toml; lihat docs/PANDUAN-KANTOR.md).")
    nama = field("nama", "Nama penandatangan, lengkap dengan gelar seperti di surat")
    jabatan = field("jabatan", "Jabatan", f"Camat {kecamatan}")
    role = field("peran", "Peran: definitif, a.n., Plt. atau Plh.", "definitif", _role)
    nip = field("nip", "NIP (18 digit; kosong bila tidak ada)", "", _nip, required=False).replace(" ", "")
    pangkat = field("pangkat", "Pangkat/golongan (boleh kosong)", "", required=False)
    person_id = signatory_id(jabatan)
    key = _key_source(given, ask, person_id)
    roots = list(given.get("akar") or [])
    if not roots and ask is not None:
        root = ask_until_valid(ask, "Sertifikat akar tepercaya penerbit kunci (PEM), boleh kosong", "", required=False)
        roots = [root] if root else []
    url = field("url", "URL verifikasi pada QR surat (memuat {kode})", PLACEHOLDER_URL, _url)
    return OfficeSetup(
        kabupaten=values["kabupaten"], kecamatan=kecamatan, alamat=values["alamat"], tempat=values["tempat"],
        kode_unit=values["kode_unit"], desa=tuple(villages), email=values["email"], telepon=values["telepon"],
        zona_waktu=zone, url_verifikasi=url, akar_tepercaya=tuple(roots), petugas=given.get("petugas") or None,
        penandatangan=(SignatorySetup(person_id, role, jabatan, nama, pangkat, nip, key),),
    )
