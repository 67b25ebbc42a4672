"""Does the register stay fast as it grows? (issue 4, item 9)

Builds registers of 1,000 and 100,000 letters (default) spread evenly over 5 years (2022-2026; at
100,000 that is 20,000 a year, ~1,670 a month), written directly in the register's file format
(see sakti_cli/register/tiny/registry.py, format 2: permohonan/YYYY-MM-BB.json and surat/YYYY-MM-BB.json in blocks
of 25 and 50, indeks/XXX.json sharded by SHA-256 prefix, urutan.json with the counters and the audit
anchor, audit/YYYY-MM.jsonl with a real hash chain). The partition and shard of every record come
from the core's own functions (registry.partition_of_reg, registry.letter_partition and
LETTER_COUNTER as Transaction.next_letter_partition uses them, registry.shard_of), so the builder cannot drift from the
layout sakti writes. Then it times in FRESH ``python -c`` processes, after the imports, from opening
the register to the last fsync:

  langkah    one letter's register steps as issuance/steps.py does them: read the application, reserve a number
             (letters.reserve_number), record TERBIT (steps.record_issued); 3 locked transactions
  nomor      lookup by letter number (letters.find_letter)
  sha256     lookup by the PDF's SHA-256
  kode       lookup by verification code
  registrasi lookup by registration number (applications.find_application)

Each is repeated (fresh process each time, median of --ulang, default 5) and the ratio of the
largest to the smallest register is printed (issue 4 target: <= 2). The OS page cache is warm (the
files were just written); nothing is cached inside the measuring process.

    python bench/register_growth.py                      # 1,000 and 100,000 letters, ~2-4 minutes
    python bench/register_growth.py --surat 1000 20000 --ulang 7 --simpan /tmp/reg

Not part of the test suite (tests never assert wall-clock times); tests/test_cadangan_bench.py runs
the builder on 200 letters to keep it working.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NOW = "2026-12-28T10:00:00+07:00"  # the fixed clock: December 2026, the last month of the five years
FIRST_YEAR, YEARS = 2022, 5
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
SPARE = 12  # LENGKAP applications in the current month, one per timed register step
OPS = ("langkah", "nomor", "sha256", "kode", "registrasi")


def _dump(data: Any) -> bytes:
    # exactly what sakti_cli.register.tiny.engine.StagedStorage.payload writes
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, payload)
    finally:
        os.close(fd)


def _months() -> list[tuple[int, int]]:
    return [(year, month) for year in range(FIRST_YEAR, FIRST_YEAR + YEARS) for month in range(1, 13)]


FIRST = ("Siti", "Muhammad", "Nur", "Ahmad", "Dewi", "Budi", "Sri", "Agus", "Rina", "Joko", "Djoko", "Eko", "Wahyu",
         "Putri", "Rahmat", "Yuli", "Hendra", "Fitri", "Bambang", "Lestari")
LAST = ("Aminah", "Susilo", "Soesilo", "Rahman", "Hidayat", "Saputra", "Wati", "Santoso", "Kurniawan", "Setiawan",
        "Pratama", "Nugroho", "Handayani", "Wijaya", "Sari", "Lubis", "Siregar", "Harahap", "Nasution", "Purba",
        "Tjahjono", "Njoto", "Sjahrir", "Chairul", "Effendi")
DESA = ("Mendawai", "Madurejo", "Baru", "Raja", "Sidorejo", "Kenambui", "Runtu", "Umpang", "Sulung", "Rangda")


def bench_name(seq: int) -> str:
    """A name as offices see them (500 combinations, old spellings among them): ``sakti surat --nama`` finds a
    few hundred applications in 100,000, as a common name would."""
    return f"{FIRST[seq % len(FIRST)]} {LAST[(seq // len(FIRST)) % len(LAST)]}"


def _application(reg: str, moment: str, status: str, seq: int, service: Any = None) -> dict[str, Any]:
    """Shaped like applications.register_application + checks + steps.record_issued write it, with the search
    keys (register/search.py, computed with the SOP ``service`` as register_application does) the listings find
    it by."""
    nik = f"620102{(seq % 28) + 1:02d}0{(seq % 9) + 1}85{seq % 10000:04d}"
    files = {code: [{"berkas": f"{code}-1.{ext}", "jenis": kind, "nama_asli": f"{code}.{ext}",
                     "sha256": hashlib.sha256(f"{reg}{code}".encode()).hexdigest(), "ukuran": 40000 + seq % 5000}]
             for code, ext, kind in (("pengantar", "pdf", "pdf"), ("ktp", "jpg", "jpeg"), ("kk", "jpg", "jpeg"))}
    history = [{"catatan": "permohonan didaftarkan", "dari": None, "ke": "DITERIMA", "petugas": "loket1",
                "waktu": moment},
               {"catatan": "semua persyaratan sesuai", "dari": "DITERIMA", "ke": "LENGKAP", "petugas": "loket1",
                "waktu": moment}]
    checks = [{"kode": code, "pesan": "sesuai", "status": "OK", "syarat": name}
              for code, name in (("pengantar", "Surat pengantar RT/RW dan desa/kelurahan"), ("ktp", "KTP-el pemohon"),
                                 ("kk", "Kartu Keluarga"), ("foto_rumah", "Foto rumah tampak depan"),
                                 ("pernyataan_miskin", "Surat pernyataan tidak mampu bermeterai"))]
    data = {"agama": "Islam", "alamat": f"Jl. Padat Karya Gg. Sepakat No. {seq % 90 + 1} RT 004 RW 002",
            "desa": DESA[seq % len(DESA)], "jenis_kelamin": "P",
            "keperluan": "pengajuan keringanan biaya pendidikan anak", "nama": bench_name(seq), "nik": nik,
            "nomor_kk": nik[:6] + "0903100012"[:10], "nomor_pengantar": f"400.9.14.1/{seq % 999:03d}/KEL-MDW/XI/2026",
            "pekerjaan": "Petani", "tanggal_lahir": "1985-03-14", "tanggal_pengantar": moment[:10],
            "tempat_lahir": "Pangkalan Bun"}
    return {
        "nomor_registrasi": reg, "layanan": "sktm", "status": status, "data": data,
        "berkas": files, "dibuat": moment, "diubah": moment, "petugas": "loket1", "riwayat": history,
        "periksa": {"hasil": checks, "lengkap": True, "waktu": moment}, "surat": None, "nomor_batal": [],
        "cari": _search_keys(service, data),
    }


_KEYS: dict[tuple[int, str, str], Any] = {}
NIK_PLACEHOLDER = "6201020000000000"


def _search_keys(service: Any, data: dict[str, Any]) -> Any:
    """register/search.py's search_keys, its name and desa part remembered per (SOP, name, desa): 500 names and 10
    desa repeat over 100,000 applications. The NIK part is each record's own (its one ``nik`` field's digest,
    nik_digest); tests/test_bench_data.py checks the result is search_keys' own."""
    from sakti_cli.register.search import search_keys
    from sakti_cli.register.session import nik_digest

    key = (id(service), data["nama"], data["desa"])
    found = _KEYS.get(key)
    if found is None:
        found = _KEYS[key] = search_keys(service, {**data, "nik": NIK_PLACEHOLDER})
    return {**found, "nama": list(found["nama"]), "nik": [nik_digest(data["nik"])]}


def _event(aksi: str, objek: str, moment: str, prev: str, before: Any, after: Any, detail: dict[str, Any],
           event_id: str | None = None) -> dict[str, Any]:
    from sakti_cli.register.trail import event_hash

    event = {"id": event_id or secrets.token_hex(8), "waktu": moment, "petugas": "loket1", "aksi": aksi,
             "objek": objek, "sebelum": before, "sesudah": after, "detail": detail or None, "prev": prev}
    event["hash"] = event_hash(event)
    return event


def issued_letter(letter_id: str, number: str, seq: int, year: int, reg: str, code: str, moment: str, digest: str,
                  pdf: str, size: int = 68000) -> dict[str, Any]:
    """A TERBIT letter shaped as steps.record_issued leaves it (TinyDB adds its partition, ``bulan``)."""
    return {"id": letter_id, "nomor_surat": number, "urut": seq, "lingkup": f"nomor|layanan:sktm|{year}",
            "tahun": year, "status": "TERBIT", "layanan": "sktm", "nomor_registrasi": reg,
            "kode_verifikasi": code, "dipesan": moment, "terbit": moment, "bulan_pesan": moment[:7],
            "penandatangan": {"id": "camat", "jabatan": "Camat Arut Selatan",
                              "nama": "Drs. H. AHMAD YANI, M.Si", "peran": "definitif"},
            "proses": {"host": "bench", "pid": 1, "mulai": "1"}, "sha256": digest, "ukuran": size, "pdf": pdf}


_PDF_OBJECTS = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
                b"/Contents 5 0 R >>", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]


def _pdf_head() -> tuple[bytes, bytes]:
    """The part of every letter PDF before its page's content stream (objects 1-4), and the cross-reference
    entries of objects 1-5 (object 5, the content, always starts where the head ends)."""
    head = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(_PDF_OBJECTS, 1):
        offsets.append(len(head))
        head += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets.append(len(head))
    return bytes(head), b"".join(b"%010d 00000 n \n" % offset for offset in offsets)


_PDF_HEAD, _PDF_XREF = _pdf_head()


def letter_pdf(number: str, code: str) -> bytes:
    """A small but real PDF (one page, one line of text, a correct cross-reference table: pypdf and pdfsig read
    it), different for every letter: what ``register periksa`` hashes, as it hashes an office's letters."""
    content = f"BT /F1 11 Tf 72 770 Td (Surat {number} kode {code}) Tj ET".encode()
    page = b"5 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(content), content)
    xref = len(_PDF_HEAD) + len(page)
    return (_PDF_HEAD + page + b"xref\n0 6\n0000000000 65535 f \n" + _PDF_XREF
            + b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)


def spread(letters: int, per_year: int | None, months: int) -> list[int]:
    """Letters per month: evenly over all months, or at ``per_year`` ending in the current month."""
    if per_year is None:
        return [letters // months + (1 if i < letters % months else 0) for i in range(months)]
    rate = -(-per_year // 12)
    out = [0] * months
    left = letters
    for i in range(months - 1, -1, -1):
        out[i] = min(rate, left)
        left -= out[i]
    if left:
        raise ValueError(f"{letters} surat tidak muat dalam {months} bulan dengan laju {per_year}/tahun")
    return out


# --- one register's content, generated once, written by every backend's writer ---------------------------------
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass
class Entry:
    """One application as the register holds it: its record, its letter (TERBIT, or None for a spare LENGKAP
    one), the letter's PDF, and its events in the trail's order, each with the line TinyDB's trail writes."""

    reg: str
    moment: str
    app: dict[str, Any]
    letter: dict[str, Any] | None
    pdf: bytes | None
    events: list[tuple[dict[str, Any], str]]
    _text: str | None = None

    @property
    def app_text(self) -> str:
        """The application as TinyDB's storage writes a record (_dump's JSON), made once for every writer."""
        if self._text is None:
            self._text = json.dumps(self.app, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return self._text


def table_payload(name: str, records: dict[str, str]) -> bytes:
    """``_dump({name: table})`` of a table whose records are already dumped (``records``: doc id -> its JSON): the
    same bytes (the encoder writes a nested value as it writes it alone), without encoding each record again."""
    body = ",".join(f"{json.dumps(key)}:{text}" for key, text in sorted(records.items()))
    return f'{{{json.dumps(name)}:{{{body}}}}}'.encode()


@dataclass
class Month:
    year: int
    month: int
    key: str  # YYYY-MM
    registered: int  # applications registered this month (the registration counter)
    entries: list[Entry]


@dataclass
class Generated:
    """A register of ``letters`` issued letters (spread over the five years, or at ``per_year`` ending this
    month), plus ``spare`` LENGKAP applications in the current month: :meth:`months` yields it month by month (a
    stream: a writer keeps what its backend needs, not the whole register). The same content for every backend
    (one hash chain, the same numbers, codes and PDFs); deterministic (a seeded generator), so a cached register
    is the one a rebuild would write. After the stream: the lookup ``sample``, the ``spare`` registrations, the
    trail's ``head`` and ``events``, the ``per_year`` sequence counters."""

    letters: int
    per_year: int | None = None
    spare_count: int = SPARE
    sample: dict[str, str] = field(default_factory=dict)
    spare: list[str] = field(default_factory=list)
    head: str = ""
    events: int = 0
    sequences: dict[int, int] = field(default_factory=dict)
    per_month: list[int] = field(default_factory=list)

    def months(self, service: Any = None) -> Iterator[Month]:
        import random

        from sakti_cli.register.trail import GENESIS

        rng = random.Random(f"sakti-bench {self.letters} {self.per_year} {self.spare_count}")
        months = _months()
        self.per_month = spread(self.letters, self.per_year, len(months))
        self.head, self.events = GENESIS, 0

        def log(entry_events: list[tuple[dict[str, Any], str]], aksi: str, objek: str, moment: str, before: Any,
                after: Any, detail: dict[str, Any]) -> None:
            event = _event(aksi, objek, moment, self.head, before, after, detail, f"{rng.getrandbits(64):016x}")
            self.head = event["hash"]
            entry_events.append((event, json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))))

        for index, ((year, month), count) in enumerate(zip(months, self.per_month, strict=True)):
            last = index == len(months) - 1
            extra = self.spare_count if last else 0
            entries: list[Entry] = []
            for n in range(1, count + 1 + extra):
                day = min(28, 1 + (n * 27) // max(1, count + extra))
                moment = f"{year}-{month:02d}-{day:02d}T09:{n % 60:02d}:00+07:00"
                reg = f"REG-{year}{month:02d}-{n:04d}"
                issued = n <= count
                app = _application(reg, moment, "TERBIT" if issued else "LENGKAP", n - 1 + index * 10000, service)
                events: list[tuple[dict[str, Any], str]] = []
                log(events, "daftar", reg, moment, None, "DITERIMA", {"layanan": "sktm"})
                log(events, "periksa", reg, moment, "DITERIMA", "LENGKAP", {"lengkap": True})
                letter = pdf = None
                if issued:
                    seq = self.sequences[year] = self.sequences.get(year, 0) + 1
                    number = f"400.9.14.1/{seq:03d}/ARSEL/{ROMAN[month - 1]}/{year}"
                    code = "".join(rng.choices(CODE_ALPHABET, k=16))
                    pdf = letter_pdf(number, code)
                    digest = hashlib.sha256(pdf).hexdigest()
                    path = f"data/surat/{year}/{month:02d}/{number.replace('/', '_')}.pdf"
                    letter = issued_letter(f"{rng.getrandbits(64):016x}", number, seq, year, reg, code, moment,
                                           digest, path, len(pdf))
                    app["riwayat"].append({"catatan": f"surat {number}", "dari": "LENGKAP", "ke": "TERBIT",
                                           "petugas": "loket1", "waktu": moment})
                    app["surat"] = {"kode_verifikasi": code, "nomor_surat": number, "pdf": path, "sha256": digest,
                                    "terbit": moment}
                    log(events, "pesan_nomor", number, moment, None, "DIPESAN", {"nomor_registrasi": reg, "urut": seq})
                    log(events, "terbit", number, moment, "DIPESAN", "TERBIT", {"nomor_registrasi": reg,
                                                                                  "sha256": digest})
                    if last and n == max(1, count // 2):
                        self.sample = {"nomor": number, "kode": code, "sha256": digest, "registrasi": reg}
                elif last:
                    self.spare.append(reg)
                self.events += len(events)
                entries.append(Entry(reg, moment, app, letter, pdf, events))
            yield Month(year, month, f"{year}-{month:02d}", count + extra, entries)


class TinyWriter:
    """Writes a :class:`Generated` register directly in TinyDB's file format (sakti_cli/register/tiny/registry.py:
    partitions, the sharded indexes, the per-object history index, urutan.json with the counters and the chain's
    anchor), the partition and shard of every record from the core's own functions; with ``pdfs`` each letter's
    PDF too (where ``register periksa`` hashes it)."""

    def __init__(self, folder: Path, *, pdfs: bool = False) -> None:
        from sakti_cli.office.workspace import init_workspace
        from sakti_cli.services.sop import load_service

        self.ws = init_workspace(folder)
        self.root = self.ws.register_dir
        self.service = load_service(self.ws.sop_dir, "sktm")
        self.pdfs = pdfs
        self.counters: dict[str, int] = {}
        self.shards: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.history: dict[str, list[list[Any]]] = defaultdict(list)  # as Transaction.audit writes it
        self.searched: dict[str, list[str]] = defaultdict(list)  # the search index and the NIK index

    def month(self, month: Month) -> None:
        from sakti_cli.register.tiny.registry import LETTER_COUNTER, letter_partition, partition_of_reg, shard_of

        key = month.key
        apps: dict[str, dict[str, str]] = defaultdict(dict)  # partition -> TinyDB table (its records' JSON)
        mail: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        lettered = 0
        lines: list[str] = []
        folders: set[Path] = set()
        for entry in month.entries:
            app, letter = entry.app, entry.letter
            if letter is not None:
                lettered += 1
                partition = letter_partition(key, lettered)  # as Transaction.next_letter_partition
                table = mail[partition]
                table[str(len(table) + 1)] = {**letter, "bulan": partition}
                pointer = {"bulan": partition, "id": letter["id"]}
                for kind in ("nomor_surat", "kode_verifikasi", "sha256"):
                    full = f"{kind.split('_')[0]}:{letter[kind]}"
                    bucket = self.shards[shard_of(full)]
                    bucket[str(len(bucket) + 1)] = {"kunci": full, **pointer}
                if self.pdfs and entry.pdf is not None:
                    target = self.ws.root / letter["pdf"]
                    if target.parent not in folders:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        folders.add(target.parent)
                    _write(target, entry.pdf)
            block = apps[partition_of_reg(entry.reg)]
            block[str(len(block) + 1)] = entry.app_text
            year = entry.reg[4:8]
            for term in [f"nama:{t}" for t in app["cari"]["nama"]] + [f"desa:{app['cari']['desa']}"]:
                self.searched[f"cari:{term}|{year}"].append(entry.reg)  # as search_index.index_application
            for digest in app["cari"]["nik"]:
                self.searched[f"nik:{digest}"].append(entry.reg)
            lines.extend(line for _, line in entry.events)
        self.counters[f"registrasi|{month.year}{month.month:02d}"] = month.registered
        if lettered:
            self.counters[LETTER_COUNTER.format(month=key)] = lettered
        for partition, table in apps.items():
            _write(self.root / "permohonan" / f"{partition}.json", table_payload("permohonan", table))
        for partition, table in mail.items():
            _write(self.root / "surat" / f"{partition}.json", _dump({"surat": table}))
        if lines:
            _write(self.root / "audit" / f"{key}.jsonl", ("\n".join(lines) + "\n").encode())
        self._index_history(month, key)

    def _index_history(self, month: Month, key: str) -> None:
        from sakti_cli.register.trail import event_names

        offset = 0
        for entry in month.entries:
            for event, line in entry.events:
                for name in event_names(event):
                    self.history[name].append([key, offset, event["id"]])
                offset += len(line.encode()) + 1

    def finish(self, generated: Generated) -> dict[str, Any]:
        from sakti_cli.register.tiny.registry import AUDIT_TABLE, FORMAT_VERSION, HISTORY_DIR, shard_of

        counters = dict(self.counters)
        for year, last_seq in generated.sequences.items():
            counters[f"nomor|layanan:sktm|{year}"] = last_seq
        for full, regs in self.searched.items():  # the search index and the NIK index (applications.py)
            value: dict[str, Any] = {"permohonan": sorted(regs) if full.startswith("cari:") else [
                {"nomor_registrasi": reg, "layanan": "sktm"} for reg in regs]}
            bucket = self.shards[shard_of(full)]
            bucket[str(len(bucket) + 1)] = {"kunci": full, **value}
        for shard, entries in self.shards.items():
            _write(self.root / "indeks" / f"{shard}.json", _dump({"indeks": entries}))
        history_shards: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for name, pointers in self.history.items():
            bucket = history_shards[shard_of(name)]
            bucket[str(len(bucket) + 1)] = {"kunci": name, "peristiwa": pointers}
        for shard, entries in history_shards.items():
            _write(self.root / HISTORY_DIR / f"{shard}.json", _dump({"riwayat": entries}))
        urutan: dict[str, Any] = {"urutan": {str(i + 1): {"kunci": k, "nilai": v}
                                             for i, (k, v) in enumerate(sorted(counters.items()))},
                                  AUDIT_TABLE: {"1": {"kunci": "kepala", "hash": generated.head,
                                                      "jumlah": generated.events}}}
        _write(self.root / "urutan.json", _dump(urutan))
        _write(self.root / "meta.json", _dump({"meta": {"1": {"versi_format": FORMAT_VERSION, "dibuat": NOW}}}))
        return {"kantor": str(self.ws.root), "surat": generated.letters, "sampel": dict(generated.sample),
                "cadangan": list(generated.spare), "peristiwa_audit": generated.events,
                "per_bulan_terakhir": generated.per_month[-1], "pdf": self.pdfs}


def build_register(folder: Path, letters: int, *, per_year: int | None = None, spare: int = SPARE,
                   pdfs: bool = False) -> dict[str, Any]:
    """A workspace at ``folder`` whose register holds ``letters`` issued letters; returns lookup samples.

    ``per_year=None`` spreads them evenly over the five years; ``per_year=20000`` places them at a
    busy office's rate, ending in the current month (1,000 letters = the first weeks of such an office).
    With ``pdfs`` every letter's (small, real) PDF is written too; without, ``register periksa`` finds them
    missing.
    """
    writer = TinyWriter(folder, pdfs=pdfs)
    generated = Generated(letters, per_year, spare)
    for month in generated.months(writer.service):
        writer.month(month)
    return writer.finish(generated)


# --- measuring in fresh processes ----------------------------------------------------------------
STEP_INPUT = r"""    reg = args["reg"]
    pdf = ws.letters_dir / "bench" / (secrets.token_hex(6) + ".pdf")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.7 bench " + secrets.token_bytes(2000))
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    signer = {"id": "camat", "nama": "Camat", "jabatan": "Camat Arut Selatan", "peran": "definitif"}
"""
"""The measuring child's input of one register step (``reg``, a small PDF and its digest, the signatory),
shared by the TinyDB child and bench/register_growth_pg.py's."""

CHILD = r"""
import json, os, secrets, sys, time
from pathlib import Path
args = json.loads(sys.argv[1])
from sakti_cli.register.applications import find_application
from sakti_cli.register.letters import find_letter, reserve_number
from sakti_cli.office.workspace import find_workspace
from sakti_cli.register.tiny.registry import Register
from sakti_cli.register.upkeep import open_register
from sakti_cli.services.sop import load_service
import sakti_cli.issuance.steps as steps
import tinydb, hashlib, filelock  # imported before the clock starts: imports are not register work
for lazy in ("sakti_cli.register.recovery", "sakti_cli.register.tiny.migrations", "sakti_cli.register.backup"):
    try:
        __import__(lazy)
    except ImportError:
        pass
ws = find_workspace(Path(args["kantor"]))
op = args["op"]
if op == "langkah":
    service = load_service(ws.sop_dir, "sktm")
""" + STEP_INPUT + r"""trace = []
if args.get("rinci"):  # where the time goes: every register file read or written, with its size
    import sakti_cli.register.tiny.registry as registry, sakti_cli.register.tiny.engine as engine
    import sakti_cli.core.storage as storage
    root = str(ws.register_dir) + "/"
    def traced(kind, func):
        def wrapper(path, *rest):
            began = time.perf_counter()
            out = func(path, *rest)
            size = len(rest[0]) if rest else (path.stat().st_size if path.exists() else 0)
            trace.append([kind, str(path).replace(root, "").replace(".baru", ""), size, time.perf_counter() - began])
            return out
        return wrapper
    engine.read_json = registry.read_json = traced("baca", engine.read_json)
    storage.write_private = engine.write_private = traced("tulis+fsync", storage.write_private)
    last_hash = registry.last_event_hash
    def head(audit_dir):
        began = time.perf_counter()
        out = last_hash(audit_dir)
        files = sorted(audit_dir.glob("*.jsonl"))
        trace.append(["baca (kepala audit)", "audit/" + (files[-1].name if files else "-"),
                      files[-1].stat().st_size if files else 0, time.perf_counter() - began])
        return out
    registry.last_event_hash = head
start = time.perf_counter()
register = open_register(ws.register_dir, zone=ws.zone, actor="bench")
if op == "langkah":
    with register.transaction() as txn:
        find_application(txn, reg)
    with register.transaction() as txn:
        assert find_application(txn, reg)["status"] == "LENGKAP"
        letter = reserve_number(txn, ws, service, reg, signer)
    with register.transaction() as txn:
        letter, problem = steps.record_issued(txn, ws, letter, reg, pdf, digest, "camat", store=register.store)
        assert problem is None, problem
    found = letter["nomor_surat"]
else:
    with register.reading() as txn:  # a lookup is a reading session (verifikasi, status, cetak)
        if op == "registrasi":
            found = find_application(txn, args["key"])["nomor_registrasi"]
        else:
            name = {"nomor": "number", "kode": "code", "sha256": "sha256"}[op]
            found = find_letter(txn, **{name: args["key"]})
            found = found and found["nomor_surat"]
elapsed = time.perf_counter() - start
assert found, op
print(json.dumps({"detik": elapsed, "rinci": trace}))
"""


def run_child(kantor: str, op: str, **extra: Any) -> dict[str, Any]:
    env = {**os.environ, "SAKTI_WAKTU": NOW}
    env.pop("SAKTI_KANTOR", None)
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps({"kantor": kantor, "op": op, **extra})],
                          capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{op} gagal:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_once(kantor: str, op: str, **extra: str) -> float:
    return float(run_child(kantor, op, **extra)["detik"])


def explain(built: dict[str, Any], op: str, **extra: str) -> list[str]:
    """One more run of ``op`` that records every register file it reads or writes: where the time goes."""
    found = run_child(built["kantor"], op, rinci=True, **extra)
    total: dict[tuple[str, str], list[float]] = {}
    for kind, name, size, seconds in found["rinci"]:
        entry = total.setdefault((kind, name), [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] = max(entry[1], size)
        entry[2] += seconds
    lines = [f"   {op}: {found['detik']*1000:.0f} ms, di antaranya:"]
    for (kind, name), (count, size, seconds) in sorted(total.items(), key=lambda item: -item[1][2])[:8]:
        lines.append(f"     {seconds*1000:7.1f} ms  {kind:<20} {name:<26} {size/1e6:7.3f} MB  x{int(count)}")
    return lines


def samples(built: dict[str, Any], repeat: int) -> dict[str, list[float]]:
    """Seconds per operation, each run in its own fresh process, ``repeat`` times."""
    results: dict[str, list[float]] = {op: [] for op in OPS}
    spare = list(built["cadangan"])
    for _ in range(repeat):
        results["langkah"].append(run_once(built["kantor"], "langkah", reg=spare.pop(0)))
        for op in OPS[1:]:
            results[op].append(run_once(built["kantor"], op, key=built["sampel"][op]))
    return results


def measure(built: dict[str, Any], repeat: int) -> dict[str, float]:
    """Median seconds per operation, each run in its own fresh process."""
    return {op: statistics.median(times) for op, times in samples(built, repeat).items()}


def largest_files(kantor: str, top: int = 5) -> list[tuple[str, int]]:
    root = Path(kantor) / "data" / "register"
    sizes = [(str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*") if p.is_file()]
    return sorted(sizes, key=lambda item: -item[1])[:top]


def register_bytes(kantor: str) -> int:
    return sum(p.stat().st_size for p in (Path(kantor) / "data" / "register").rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--surat", type=int, nargs="+", default=[1000, 100000],
                        help="ukuran register (surat), tersebar rata dalam 5 tahun")
    parser.add_argument("--laju", type=int, default=20000,
                        help="juga register terkecil pada laju kantor sibuk ini (surat/tahun; 0 = tidak)")
    parser.add_argument("--ulang", type=int, default=5, help="ulangan per ukuran (median; minimal 5 disarankan)")
    parser.add_argument("--simpan", type=Path, help="folder untuk register (bawaan: folder sementara, dihapus)")
    args = parser.parse_args(argv)
    if args.ulang > SPARE:
        parser.error(f"--ulang paling banyak {SPARE}")
    base = args.simpan or Path(tempfile.mkdtemp(prefix="sakti-bench-"))
    os.environ["SAKTI_WAKTU"] = NOW
    small, large = min(args.surat), max(args.surat)
    configs: list[tuple[str, int, int | None]] = [(f"{n:,} rata 5 tahun", n, None) for n in sorted(args.surat)]
    if args.laju:
        configs.insert(1, (f"{small:,} laju {args.laju:,}/tahun", small, args.laju))
    table: dict[str, dict[str, float]] = {}
    try:
        builds: dict[str, dict[str, Any]] = {}
        for label, size, per_year in configs:
            target = base / f"register-{size}-{per_year or 'rata'}"
            if target.exists():
                shutil.rmtree(target)
            started = time.perf_counter()
            built = builds[label] = build_register(target, size, per_year=per_year)
            built_in = time.perf_counter() - started
            megabytes = register_bytes(built["kantor"]) / 1e6
            print(f"\n== {label}: dibangun {built_in:.1f} d, register {megabytes:.1f} MB, "
                  f"{built['peristiwa_audit']:,} peristiwa audit, {built['per_bulan_terakhir']:,} surat "
                  "pada bulan berjalan", flush=True)
            for name, bytes_ in largest_files(built["kantor"], 3):
                print(f"   {name:<28} {bytes_/1e6:8.2f} MB")
            shard = Path(built["kantor"]) / "data" / "register" / "indeks"
            shard_sizes = [p.stat().st_size for p in shard.glob("*.json")]
            print(f"   indeks/XXX.json (rata-rata)  {statistics.mean(shard_sizes)/1e6:8.3f} MB x {len(shard_sizes)}")
        # Interleaved (one round over every register, then the next round), so that the load of a shared
        # machine falls on all sizes alike instead of on whichever was measured in a busy minute.
        raw: dict[str, dict[str, list[float]]] = {label: {op: [] for op in OPS} for label in builds}
        for _ in range(args.ulang):
            for label, built in builds.items():
                for op, times in samples(built, 1).items():
                    raw[label][op].extend(times)
                built["cadangan"] = built["cadangan"][1:]
        for label, _size, _rate in configs:
            table[label] = {op: statistics.median(times) for op, times in raw[label].items()}
            print(f"\n== {label}: median dari {args.ulang} proses baru (min, maks)")
            for op in OPS:
                times = raw[label][op]
                print(f"   {op:<11} {table[label][op]*1000:8.1f} ms   ({min(times)*1000:7.1f}, "
                      f"{max(times)*1000:7.1f})")
            if label in (configs[0][0], configs[-1][0]):
                built = builds[label]
                print("\n".join(explain(built, "langkah", reg=built["cadangan"][0])
                                + explain(built, "registrasi", key=built["sampel"]["registrasi"])
                                + explain(built, "nomor", key=built["sampel"]["nomor"])), flush=True)
        worst = 0.0
        top = configs[-1][0]
        for label, _size, _rate in configs[:-1]:
            print(f"\nRasio {top} / {label} (median dari {args.ulang} proses baru; target <= 2):")
            for op in OPS:
                ratio = table[top][op] / table[label][op]
                if label.endswith("rata 5 tahun") and _size == small:
                    worst = max(worst, ratio)
                flag = "ok" if ratio <= 2 else "MELEBIHI TARGET"
                print(f"   {op:<11} {table[label][op]*1000:8.1f} ms -> {table[top][op]*1000:8.1f} ms   "
                      f"rasio {ratio:5.2f}  {flag}")
        print(f"\n(target dihitung pada {large:,} / {small:,} rata 5 tahun)")
        return 0 if worst <= 2 else 1
    finally:
        if args.simpan is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
