"""What a letter's template is given: the data, the signatory block, the TTE note, paths of template and logo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.errors import (
    ConfigError,
)
from sakti_cli.core.id_format import format_nip, hari_tanggal_indonesia, jenis_kelamin_label, tanggal_indonesia
from sakti_cli.core.shapes import NATURE_WORDS
from sakti_cli.office.workspace import Signatory, Workspace
from sakti_cli.register.session import Application
from sakti_cli.services.sop import Service

if TYPE_CHECKING:
    from sakti_cli.signatures.sign import Issuer


SIGNATORY_LINE = {"a.n.": "a.n. Camat {kecamatan}", "Plt.": "Plt. Camat {kecamatan}", "Plh.": "Plh. Camat {kecamatan}"}


def signatory_block(ws: Workspace, person: Signatory, service: Service | None = None) -> dict[str, str]:
    """The signature block. ``baris_an`` holds the lines above the jabatan, one per line: "a.n. Camat"
    for a delegated signatory, and for a letter the camat issues on behalf of the regent (the SOP's
    ``atas_nama``) "a.n. Bupati ..." first, with "u.b." when the camat delegated it in turn
    (Permendagri 1/2023: a.n. one level down, u.b. two)."""
    office = ws.config.kantor
    own = SIGNATORY_LINE.get(person.peran, "").format(kecamatan=office.kecamatan)
    lines = [own] if own else []
    if service is not None and service.atas_nama:
        above = "a.n. " + service.atas_nama.format(kabupaten=office.kabupaten, kecamatan=office.kecamatan)
        if person.peran == "a.n.":
            lines = [above, f"Camat {office.kecamatan}", "u.b."]
        else:
            lines = [above, *([own.removeprefix("a.n. ")] if own else [])]
    return {
        "baris_an": "\n".join(lines),
        "jabatan": person.jabatan,
        "nama": person.nama,
        "pangkat": person.pangkat,
        "nip": format_nip(person.nip) if person.nip else "",
        "peran": person.peran,
    }


VILLAGE_TITLES = {"desa": ("Desa", "Kepala Desa"), "kelurahan": ("Kelurahan", "Lurah")}
UNKNOWN_VILLAGE = ("Desa/Kelurahan", "Kepala Desa/Lurah")  # an office whose sakti.toml does not say which


def is_village_field(spec: Any) -> bool:
    """A field naming a desa/kelurahan: of kind ``desa``, or a text field named ``desa``/``desa_...``
    (a village outside the office's list, e.g. the destination of a move, keeps "Desa/Kelurahan")."""
    return spec.jenis == "desa" or (spec.jenis == "teks" and (spec.kode == "desa" or spec.kode.startswith("desa_")))


def village_names(name: str, kind: str | None) -> tuple[str, str]:
    """("Kelurahan Mendawai", "Lurah Mendawai") or ("Desa Runtu", "Kepala Desa Runtu") as a letter writes them."""
    place, head = VILLAGE_TITLES.get(kind or "", UNKNOWN_VILLAGE)
    return f"{place} {name}", f"{head} {name}"


def printable_data(service: Service, data: dict[str, Any],
                   village_kind: Callable[[str], str | None] = lambda _name: None) -> dict[str, Any]:
    """The application's fields as they are printed: Indonesian dates, sex spelled out, money as
    ``Rp5.000.000,00`` with ``<kode>_terbilang``, each date also as ``<kode>_hari`` ("Sabtu, 19 Desember
    2026"), every L/P choice as "Laki-laki"/"Perempuan", each desa/kelurahan also as ``<kode>_sebutan``
    ("Kelurahan Mendawai") and ``<kode>_kepala`` ("Lurah Mendawai") by its kind in sakti.toml; a list
    (heirs, witnesses) stays a list of dicts, each item formatted the same way and numbered (``no``), so a
    template prints it as a table."""
    from sakti_cli.core.id_format import rupiah, terbilang

    def fields(specs: list[Any], values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in specs:
            value = values.get(spec.kode, "")
            if spec.jenis == "daftar":
                items = value if isinstance(value, list) else []
                value = [{"no": index, **fields(spec.butir, item)} for index, item in enumerate(items, 1)]
            elif spec.jenis == "tanggal" and value:
                out[f"{spec.kode}_hari"] = hari_tanggal_indonesia(value)
                value = tanggal_indonesia(value)
            elif is_village_field(spec) and value:
                out[f"{spec.kode}_sebutan"], out[f"{spec.kode}_kepala"] = village_names(value, village_kind(value))
            elif spec.jenis == "pilihan" and set(spec.pilihan) == {"L", "P"} and value in ("L", "P"):
                value = jenis_kelamin_label(value)
            elif spec.jenis == "uang":
                amount = value if isinstance(value, int) else 0
                out[f"{spec.kode}_terbilang"] = f"{terbilang(amount)} rupiah" if value != "" else ""
                value = rupiah(amount) if value != "" else ""
            out[spec.kode] = value
        return out

    return fields(service.isian, data)


NEUTRAL_TTE_NOTE = "Dokumen ini ditandatangani secara elektronik"
"""The footer of a letter whose signing certificate is not known yet (queued without kunci.sertifikat)."""


def tte_context(ws: Workspace, issuer: Issuer | None) -> dict[str, Any]:
    """The footer's ``tte`` keys (docs/KONTRAK.md): only what is true of the certificate that signs.

    BSrE's certificates get the office's official sentence (``[tte].catatan``); any other issuer is
    named as it is; an unknown one (``issuer`` None) gets :data:`NEUTRAL_TTE_NOTE`; a demo certificate
    also sets ``contoh`` (render.py then marks the letter CONTOH - TIDAK BERLAKU)."""
    from sakti_cli.documents.render import TANDA_CONTOH

    if issuer is None:
        note = NEUTRAL_TTE_NOTE
    elif issuer.bsre:
        note = ws.config.tte.catatan
    else:
        note = (f"Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang "
                f"diterbitkan oleh {issuer.nama}")
    demo = bool(issuer and issuer.contoh)
    return {"penerbit": issuer.nama if issuer else "", "contoh": demo, "catatan": note,
            "tanda_contoh": TANDA_CONTOH if demo else ""}


def nature_context(tte: dict[str, Any], person: Signatory) -> dict[str, Any]:
    """A seal's letter says it was sealed, not signed by a person: ``tte.sifat`` and the footer sentence."""
    note = tte["catatan"]
    if person.sifat == "segel":
        note = note.replace("ditandatangani secara elektronik", "dibubuhi segel elektronik kantor")
    return {**tte, "sifat": NATURE_WORDS[person.sifat], "catatan": note}


def letter_context(ws: Workspace, service: Service, record: Application, person: Signatory,
                   number: str, code: str, moment: datetime, issuer: Issuer | None = None) -> dict[str, Any]:
    tte = nature_context(tte_context(ws, issuer), person)
    office = ws.config.kantor
    date_line = tanggal_indonesia(moment.date())
    return {
        "kantor": {
            "kabupaten": office.kabupaten, "kecamatan": office.kecamatan, "alamat": office.alamat,
            "email": office.email, "telepon": office.telepon, "tempat": office.tempat,
            "kode_unit": office.kode_unit, "kabupaten_upper": office.kabupaten.upper(),
            "kecamatan_upper": office.kecamatan.upper(),
        },
        "surat": {
            "nomor": number, "tanggal": date_line, "tempat_tanggal": f"{office.tempat}, {date_line}",
            "kode_verifikasi": code, "url_verifikasi": verification_url(ws, code), "judul": service.judul_surat,
        },
        "data": printable_data(service, record["data"], office.village_kind),
        "ttd": signatory_block(ws, person, service),
        "tte": tte,
        "catatan_tte": tte["catatan"],
    }


def verification_url(ws: Workspace, code: str) -> str:
    return ws.config.verifikasi.url.replace("{kode}", code)


def template_path(ws: Workspace, service: Service) -> Path:
    path = ws.template_dir / service.templat
    if not path.is_file():
        raise ConfigError(f"Templat {path} untuk layanan {service.kode} tidak ada.",
                          saran=f"Periksa kunci 'templat' di sop/{service.kode}.yaml.")
    return path


def logo_path(ws: Workspace) -> Path | None:
    path = ws.path(ws.config.kantor.logo) if ws.config.kantor.logo else None
    return path if path and path.is_file() else None


def footer_issuer(ws: Workspace, person: Signatory, signer: Any) -> Issuer | None:
    """The issuer the footer names: the opened key's certificate, else (the signing queue) the
    signatory's configured ``kunci.sertifikat``, else None (a footer that names no issuer)."""
    from sakti_cli.signatures.keys import configured_certificate
    from sakti_cli.signatures.sign import certificate_issuer

    if signer is not None:
        return certificate_issuer(signer)
    configured = configured_certificate(ws, person)
    return certificate_issuer(configured[0]) if configured is not None else None


def footer_record(issuer: Issuer | None) -> dict[str, Any]:
    """What a queued letter's footer states (``penerbit`` None: no issuer named), kept on its record."""
    return {"penerbit": issuer.nama if issuer else None, "contoh": bool(issuer and issuer.contoh)}
