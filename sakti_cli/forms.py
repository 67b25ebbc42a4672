"""The form of an application's data: required fields, NIK/KK structure, dates, choices.

This is what ``daftar`` and ``ubah`` refuse at the desk (exit 3, nothing stored). Whether the data
satisfies the SOP's rules (ages, windows, consistency) is ``periksa``'s job, later.
Input is forgiving: dates as 2026-11-16, 16-11-2026 or 16/11/2026; choices and desa names in any
case; NIK with spaces or dots. What is stored is the normalised form.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from sakti_cli.errors import DataInvalid
from sakti_cli.rules.nik import normalise_nik, parse_kk, parse_nik
from sakti_cli.sop import FieldSpec, Service

_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' bukan tanggal yang sah (tulis 2026-11-16 atau 16-11-2026)") from None


def _clean_field(spec: FieldSpec, value: Any, desa: list[str], today: date) -> Any:
    if spec.jenis == "tanggal":
        return parse_date(value).isoformat()
    text = str(value).strip()
    if spec.jenis == "nik":
        nik = normalise_nik(text)
        parse_nik(nik, today=today)
        return nik
    if spec.jenis == "kk":
        kk = normalise_nik(text)
        parse_kk(kk)
        return kk
    if spec.jenis == "angka":
        try:
            return int(text.replace(".", "")) if text.replace(".", "").lstrip("-").isdigit() else float(text)
        except ValueError:
            raise ValueError(f"'{text}' bukan angka") from None
    if spec.jenis == "pilihan":
        for choice in spec.pilihan:
            if choice.casefold() == text.casefold():
                return choice
        raise ValueError(f"'{text}' bukan pilihan yang sah ({', '.join(spec.pilihan)})")
    if spec.jenis == "desa":
        for name in desa:
            if name.casefold() == text.casefold():
                return name
        raise ValueError(f"'{text}' bukan desa/kelurahan di kecamatan ini (lihat 'sakti kantor')")
    if spec.jenis == "telepon":
        digits = re.sub(r"[\s-]", "", text)
        if not re.fullmatch(r"\+?\d{8,15}", digits):
            raise ValueError(f"'{text}' bukan nomor telepon yang sah")
        return digits
    if spec.panjang_maks and len(text) > spec.panjang_maks:
        raise ValueError(f"terlalu panjang ({len(text)} huruf, paling banyak {spec.panjang_maks})")
    return text


def clean_application_data(service: Service, data: Any, desa: list[str], today: date) -> dict[str, Any]:
    """Normalise ``data`` against the service's fields, or raise DataInvalid listing every problem."""
    if not isinstance(data, dict):
        raise DataInvalid("Data permohonan harus berupa objek JSON {\"kolom\": nilai, ...}.")
    problems: list[dict[str, str]] = []
    clean: dict[str, Any] = {}
    known = {spec.kode for spec in service.isian}
    for key in data:
        if key not in known:
            problems.append({"kolom": key, "pesan": "kolom tidak dikenal untuk layanan ini"})
    for spec in service.isian:
        value = data.get(spec.kode)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.wajib:
                problems.append({"kolom": spec.kode, "pesan": f"{spec.label} wajib diisi"})
            continue
        try:
            clean[spec.kode] = _clean_field(spec, value, desa, today)
        except ValueError as exc:
            problems.append({"kolom": spec.kode, "pesan": f"{spec.label}: {exc}"})
    if problems:
        listing = "\n".join(f"  - {p['kolom']}: {p['pesan']}" for p in problems)
        raise DataInvalid(
            f"Data permohonan {service.kode} belum benar:\n{listing}",
            saran=f"Perbaiki kolom di atas; 'sakti layanan {service.kode}' menampilkan semua kolom.",
            masalah=problems,
        )
    return clean


def parse_json_data(text: str, origin: str) -> Any:
    """JSON from a file or stdin, with the place of a syntax error in the message."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataInvalid(
            f"{origin} bukan JSON yang sah (baris {exc.lineno}, kolom {exc.colno}: {exc.msg}).",
            saran="Periksa tanda kutip, koma dan kurung kurawal.",
        ) from None


def split_envelope(raw: Any, service_code: str, base: Path) -> tuple[Any, list[tuple[str, Path]]]:
    """Accept a flat object of fields, or ``{"layanan", "isian": {...}, "berkas": {kode: file}}``.

    The envelope is what a Google Form export row or the bundled examples look like; its file
    names are relative to the JSON file's folder.
    """
    if not isinstance(raw, dict) or "isian" not in raw:
        return raw, []
    declared = raw.get("layanan")
    if declared and str(declared).lower() != service_code:
        raise DataInvalid(f"Data ini untuk layanan '{declared}', bukan '{service_code}'.",
                          saran=f"Pakai 'sakti daftar {declared} ...' atau perbaiki kolom 'layanan'.")
    unknown = set(raw) - {"layanan", "isian", "berkas"}
    if unknown:
        raise DataInvalid(f"Kunci tidak dikenal di data: {', '.join(sorted(unknown))}.",
                          saran="Yang dikenal: layanan, isian, berkas.")
    files: list[tuple[str, Path]] = []
    for code, names in (raw.get("berkas") or {}).items():
        for name in names if isinstance(names, list) else [names]:
            files.append((str(code), base / str(name)))
    return raw["isian"], files
