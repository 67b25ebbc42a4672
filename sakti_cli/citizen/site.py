"""The static verification site behind the QR (``sakti situs bangun/perbarui``).

A folder of HTML, CSS and JavaScript that any static host serves, and that also works opened from
disk (``file://``): the data are JavaScript files loaded with ``<script>``, never with fetch. Every
letter the office issued (TERBIT, or BATAL after it was issued) has one data file, named by the
SHA-256 of its normalised verification code (:func:`code_file_name`). A recipient holds only the code,
so the page must compute the name from the code alone: a salt would have to be published with the
page and would add nothing. The codes themselves (~79 bits, letters.CODE_LENGTH) make the names
unguessable; there is no index of codes or of data files anywhere in the folder (the build manifest
is keyed by the register's random letter ids, not by file names).

What a data file holds is public by design: number, service, date, signatory and role, status (SAH or
DIBATALKAN with the reason and the replacing letter's number), the applicant's masked name
(privacy.mask_name) and the SHA-256 of every revision of the signed PDF (letters.letter_digests).
Nothing else of the application: no NIK, no address, no phone, no file.

``perbarui`` rewrites only the files whose content changed since the manifest was written; nothing is
ever removed (a host may still serve a file a cached page asks for).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sakti_cli.core.clock import iso, now
from sakti_cli.core.errors import InputError, SaktiError
from sakti_cli.core.id_format import tanggal_indonesia, waktu_singkat
from sakti_cli.core.privacy import mask_text
from sakti_cli.core.storage import fsync_dir, write_private
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.letters import (
    applicant_masker,
    find_letter,
    letter_digests,
    normalise_code,
)
from sakti_cli.register.session import Letter, Register
from sakti_cli.register.states import LetterStatus

SITE_FORMAT = 1
MANIFEST = ".sakti-situs.json"
DATA_DIR = "data"
ASSETS_DIR = Path(__file__).resolve().parent / "site_assets"
ASSET_FILES = ("index.html", "gaya.css", "cek.js", "sha256.js")
INLINE_MARK = "__SKRIP_404__"  # 404.html's CSP names its one inline script by hash (filled at build)
BASE_MARK = "__DASAR__"  # the path the site is served under, from [verifikasi].url (for .htaccess)
SITE_ADVICE = "Jalankan 'sakti situs bangun FOLDER' sekali; sesudahnya 'sakti situs perbarui FOLDER'."


def code_file_name(code: str) -> str:
    """The data file of a code: ``data/<sha256 of the normalised code>.js``, as cek.js computes it."""
    return f"{DATA_DIR}/{hashlib.sha256(normalise_code(code).encode('ascii')).hexdigest()}.js"


def published(letter: Letter) -> bool:
    """A letter the site shows: one that was issued (its PDF left the office), voided later or not.
    A number closed by a failure, or waiting for its signatory, was never in anyone's hand."""
    return bool(letter.get("terbit")) and bool(letter_digests(letter)) and letter.get("status") in (
        LetterStatus.TERBIT, LetterStatus.BATAL)


def letter_record(ws: Workspace, letter: Letter, applicant: str | None, service_name: str) -> dict[str, Any]:
    """The public record of one letter (the only fields the site ever holds of it)."""
    signer = letter.get("penandatangan") or {}
    voided = letter.get("status") == LetterStatus.BATAL
    issued = str(letter.get("terbit") or "")
    revisions = [{"sha256": letter["sha256"], "waktu": issued, "jenis": "terbit"}] if letter.get("sha256") else []
    revisions += [{"sha256": str(r["sha256"]), "waktu": str(r.get("waktu") or ""), "jenis": str(r.get("jenis") or
                   "perbarui")} for r in letter.get("revisi") or [] if r.get("sha256")]
    for revision in revisions:
        revision["waktu_tampil"] = waktu_singkat(revision["waktu"], ws.zone) if revision["waktu"] else "-"
    return {
        "nomor_surat": letter["nomor_surat"],
        "layanan": service_name,
        "tanggal": tanggal_indonesia(ws_date(ws, issued)) if issued else None,
        "penandatangan": {"nama": signer.get("nama"), "jabatan": signer.get("jabatan"), "peran": signer.get("peran")},
        "status": "DIBATALKAN" if voided else "SAH",
        "alasan_batal": (mask_text(str(letter.get("alasan_batal") or "")) or None) if voided else None,
        "dibatalkan": waktu_singkat(letter.get("dibatalkan"), ws.zone) if voided else None,
        "diganti_oleh": letter.get("diganti_oleh") if voided else None,
        "mengganti": letter.get("mengganti"),
        "pemohon": applicant,
        "revisi": revisions,
    }


def ws_date(ws: Workspace, moment: str) -> str:
    """The office-local date (YYYY-MM-DD) of an ISO moment."""
    from datetime import datetime

    return datetime.fromisoformat(moment).astimezone(ws.zone).date().isoformat()


def data_script(name: str, record: dict[str, Any]) -> bytes:
    """A data file: one call of the page's loader, the record as JSON (ASCII only: no character of a
    name or a reason can end the script early or be read differently by a host's charset)."""
    key = Path(name).stem
    body = json.dumps(record, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return f'window.saktiSurat("{key}", {body});\n'.encode("ascii")


def base_path(ws: Workspace) -> str:
    """The path the site is served under, from [verifikasi].url: ``https://h/cek/#{kode}`` -> ``/cek/``."""
    path = urlsplit(ws.config.verifikasi.url.replace("{kode}", "KODE")).path or "/"
    return path[: path.rfind("/") + 1] or "/"


# --- the folder ----------------------------------------------------------------------------------
def _publish(path: Path, payload: bytes) -> None:
    """Write atomically, readable by the web server (0644: a site is public, unlike the register)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.baru")
    write_private(temporary, payload)
    temporary.chmod(0o644)
    os.replace(temporary, path)


def _same(path: Path, payload: bytes) -> bool:
    try:
        return path.read_bytes() == payload
    except OSError:
        return False


def _asset_payloads(ws: Workspace, moment: Any) -> dict[str, bytes]:
    """Page, style, scripts, the fallback files for ``/cek/{kode}`` and the build's info."""
    files = {name: (ASSETS_DIR / name).read_bytes() for name in ASSET_FILES}
    page = (ASSETS_DIR / "404.html").read_text(encoding="utf-8")
    start = page.index("<script>") + len("<script>")
    inline = page[start: page.index("</script>", start)]
    digest = base64.b64encode(hashlib.sha256(inline.encode("utf-8")).digest()).decode("ascii")
    files["404.html"] = page.replace(INLINE_MARK, digest).encode("utf-8")
    files[".htaccess"] = (ASSETS_DIR / "htaccess").read_text(encoding="utf-8").replace(
        BASE_MARK, base_path(ws)).encode("utf-8")
    files[f"{DATA_DIR}/index.html"] = (ASSETS_DIR / "kosong.html").read_bytes()  # no listing of data/
    office = ws.config.kantor
    info = {"kantor": f"Kecamatan {office.kecamatan}", "kabupaten": f"Kabupaten {office.kabupaten}",
            "dibangun": iso(moment), "dibangun_tampil": waktu_singkat(moment, ws.zone), "versi": SITE_FORMAT}
    files["info.js"] = f"window.SAKTI_SITUS = {json.dumps(info, ensure_ascii=True, sort_keys=True)};\n".encode()
    return files


def check_folder(ws: Workspace, folder: Path) -> Path:
    """The site folder as given, refused inside the private workspace folders (it is published)."""
    target = folder.expanduser().resolve()
    for private in (ws.data_dir, ws.root / "pki"):
        if target == private.resolve() or private.resolve() in target.parents:
            raise InputError(f"Folder situs {target} ada di dalam {private}, folder pribadi kantor.",
                             saran="Pilih folder di luar data/ dan pki/, mis. FOLDER_KANTOR/situs.", berkas=str(target))
    if target.exists() and not target.is_dir():
        raise InputError(f"{target} bukan folder.", saran="Pilih folder situs (baru atau yang sudah dibangun).",
                         berkas=str(target))
    return target


def read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("surat"), dict):
        raise InputError(f"Catatan situs {path} rusak.", saran="Bangun ulang situs dengan 'sakti situs bangun "
                         f"{folder}' (semua berkas ditulis lagi).", berkas=str(path))
    return manifest


def folder_for(ws: Workspace, given: Path | None) -> Path:
    """FOLDER as given, else [situs].folder of sakti.toml."""
    if given is not None:
        return given
    if ws.config.situs.folder:
        return ws.path(ws.config.situs.folder)
    raise InputError("Folder situs tidak disebut.", saran="Tulis FOLDER, atau isi [situs].folder di sakti.toml.")


def build_site(ws: Workspace, register: Register, folder: Path, *, update: bool = False,
               numbers: list[str] | None = None) -> dict[str, Any]:
    """Write (``update=False``: every file) or update (only changed files) the site in ``folder``.

    ``numbers``: only these letters are looked at (the automatic update after ``terbitkan`` or
    ``batalkan``); otherwise every letter of the register. Returns what was written."""
    from filelock import FileLock, Timeout

    target = check_folder(ws, folder)
    manifest = read_manifest(target) if target.is_dir() else None
    if update and manifest is None:
        raise InputError(f"Folder {target} belum berisi situs verifikasi.", saran=SITE_ADVICE, berkas=str(target))
    if not update and manifest is None and target.is_dir() and any(target.iterdir()):
        raise InputError(f"Folder {target} berisi berkas lain, bukan situs verifikasi sakti.",
                         saran="Pilih folder kosong atau yang baru; berkas di folder itu tidak disentuh.",
                         berkas=str(target))
    try:
        with FileLock(str(ws.data_dir / "situs.kunci"), timeout=ws.config.register_settings.batas_tunggu_kunci):
            return _write_site(ws, register, target, manifest if update else None, numbers)
    except OSError as exc:
        raise InputError(f"Tidak dapat menulis situs di {target}: {exc.strerror or exc}"
                         f"{f' ({exc.filename})' if exc.filename else ''}.",
                         saran="Pilih folder yang dapat ditulisi, atau periksa izin dan ruang disknya.",
                         berkas=str(target)) from None
    except Timeout:
        raise InputError("Situs sedang diperbarui oleh proses lain.", saran="Tunggu sebentar, lalu ulangi.") from None


def _letters(ws: Workspace, register: Register, numbers: list[str] | None) -> list[dict[str, Any]]:
    """The published records, with their letter id and file name."""
    from sakti_cli.services.sop import load_service

    masked = applicant_masker(ws)
    names: dict[str, str] = {}

    def service_name(letter: Letter) -> str:
        code = str(letter["layanan"])
        if code not in names:
            try:
                names[code] = load_service(ws.sop_dir, code).nama
            except SaktiError:
                names[code] = str(letter.get("nama_layanan") or code)
        return names[code]

    found = []
    with register.reading() as txn:
        if numbers is None:
            letters = list(txn.letters())
        else:
            letters = [letter for letter in (find_letter(txn, number=n) for n in numbers) if letter]
        for letter in letters:
            if published(letter):
                record = letter_record(ws, letter, masked(txn, letter), service_name(letter))
                found.append({"id": letter["id"], "berkas": code_file_name(letter["kode_verifikasi"]),
                              "isi": record})
    return found


def _write_site(ws: Workspace, register: Register, target: Path, manifest: dict[str, Any] | None,
                numbers: list[str] | None) -> dict[str, Any]:
    moment = now(ws.zone)
    target.mkdir(parents=True, exist_ok=True)
    (target / DATA_DIR).mkdir(exist_ok=True)
    for folder in (target, target / DATA_DIR):
        folder.chmod(0o755)
    known: dict[str, str] = dict((manifest or {}).get("surat") or {})
    written = unchanged = 0
    letters = _letters(ws, register, numbers)
    for item in letters:
        payload = data_script(item["berkas"], item["isi"])
        digest = hashlib.sha256(payload).hexdigest()
        path = target / item["berkas"]
        if manifest is not None and known.get(item["id"]) == digest and path.is_file():
            unchanged += 1
            continue
        _publish(path, payload)
        known[item["id"]] = digest
        written += 1
    assets = 0
    for name, payload in _asset_payloads(ws, moment).items():
        if not _same(target / name, payload):
            _publish(target / name, payload)
            assets += 1
    record = {"versi": SITE_FORMAT, "dibangun": iso(moment), "surat": dict(sorted(known.items()))}
    _publish(target / MANIFEST, json.dumps(record, ensure_ascii=True, indent=1).encode("ascii") + b"\n")
    fsync_dir(target)
    return {"folder": str(target), "surat": len(known), "ditulis": written, "tidak_berubah": unchanged,
            "aset_ditulis": assets, "dibangun": iso(moment), "halaman": str(target / "index.html")}


def update_after(ws: Workspace, register: Register, numbers: list[str]) -> dict[str, Any] | None:
    """The automatic update after ``terbitkan``/``batalkan`` when [situs].folder is set: the letters
    named (and the letter each replaces, whose status changed with it); a full build when the folder
    holds no site yet. None when no folder is configured."""
    if not ws.config.situs.folder:
        return None
    folder = check_folder(ws, ws.path(ws.config.situs.folder))
    if not folder.is_dir() or read_manifest(folder) is None:
        return build_site(ws, register, folder)
    with register.reading() as txn:
        related = [letter.get("mengganti") for letter in (find_letter(txn, number=n) for n in numbers) if letter]
    return build_site(ws, register, folder, update=True, numbers=[*numbers, *[str(n) for n in related if n]])
