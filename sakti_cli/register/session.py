"""The register interface: what every backend (TinyDB, PostgreSQL) offers, in domain terms.

Callers outside ``sakti_cli/register/`` see only this: a :class:`Register` they open with
:func:`sakti_cli.register.upkeep.open_register`, whose :meth:`Register.transaction` (one locked step, committed
atomically with its audit events) and :meth:`Register.reading` (a read-only session that takes no write lock)
yield a :class:`RegisterSession`, and a :class:`FileStore` for scans and PDFs. No caller builds a query, names a
table or a register file, or knows a record's partition: the backends keep such things to themselves.

Records are the same JSON documents in both backends (the dicts the TinyDB register has always stored, and
PostgreSQL's ``data`` jsonb column), typed here as :class:`Application` and :class:`Letter` so mypy knows the
keys. They are TypedDicts rather than dataclasses on purpose: a record is stored whole, its keys are the
register's (Indonesian) field names, and older registers hold keys a dataclass would have to carry forever.
Statuses are the enums of :mod:`sakti_cli.register.states`, changed only through its transition tables.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal, TypedDict

Backend = Literal["tinydb", "postgresql"]


class Application(TypedDict, total=False):
    """An application (permohonan), keyed by its registration number ``REG-YYYYMM-NNNN``."""

    nomor_registrasi: str
    layanan: str
    status: str  # states.ApplicationStatus
    data: dict[str, Any]  # the applicant's data (full NIKs: masked only where shown)
    berkas: dict[str, list[dict[str, Any]]]  # requirement code -> files (name, path, sha256, ...)
    dibuat: str
    diubah: str
    petugas: str
    riwayat: list[dict[str, Any]]  # status history
    periksa: dict[str, Any] | None
    surat: dict[str, Any] | None  # the issued letter's summary
    antrean: dict[str, Any] | None  # the letter waiting for its signature
    nomor_batal: list[str]
    menunggu_pengganti: str | None
    alasan_tolak: str
    berkas_dihapus: dict[str, Any]  # retention: what was purged, when, why, by whom
    cari: SearchKeys  # written by the domain (register/search.py) with the data; indexed by every backend


class SearchKeys(TypedDict, total=False):
    """What listings find an application by (``permohonan``/``surat --nama/--desa/--nik``), computed from its
    data and SOP whenever the data is written (register/search.py), so a backend indexes plain values and
    never needs an SOP: TinyDB keeps word -> applications shards, PostgreSQL a GIN index on ``data->'cari'``."""

    nama: list[str]  # core.text.search_terms of the applicant's name (words, and neighbours written together)
    desa: str  # the applicant's desa/kelurahan, its search_words joined by one space
    nik: list[str]  # SHA-256 of each NIK the application names (never the NIK)


class Letter(TypedDict, total=False):
    """A letter (surat): one reserved number, from DIPESAN to TERBIT or BATAL (never reused)."""

    id: str
    nomor_surat: str
    urut: int  # the sequence number within ``lingkup``
    lingkup: str  # the numbering scope (see numbering.sequence_key)
    tahun: int
    status: str  # states.LetterStatus
    layanan: str
    nama_layanan: str
    nomor_registrasi: str
    kode_verifikasi: str
    penandatangan: dict[str, Any]
    dipesan: str
    bulan_pesan: str  # YYYY-MM of the reservation: the month of its PDF folder
    proses: dict[str, Any] | None  # the reserving process (pid, host, start time)
    sha256: str  # of the first signed PDF
    revisi: list[dict[str, Any]]  # later revisions (renewals): {"sha256", "waktu", "jenis"}
    terbit: str
    pdf: str
    alasan_batal: str
    dibatalkan: str
    dibatalkan_oleh: str
    ukuran: int  # bytes of the signed PDF
    mengganti: str  # the voided letter this one replaces
    diganti_oleh: str  # the letter that replaced this voided one
    disiapkan: str  # prepared for the signing queue (terbitkan --tanpa-ttd)
    disiapkan_oleh: str
    pdf_belum_ttd: str  # the unsigned PDF waiting in data/antrean/
    sha256_belum_ttd: str
    judul: str
    alasan_antrean: str
    kaki_tte: dict[str, Any]  # what the footer says of the certificate
    data_validasi_sampai: str  # when the embedded validation data goes stale
    pdf_tertinggal: str  # a PDF a dead process left behind
    # (the backends and the pipeline add more keys as they need them: declare each one here)


def letter_digests(letter: Letter | Mapping[str, Any]) -> list[str]:
    """SHA-256 of every revision of a letter's signed PDF the office issued, oldest first: the first
    signed PDF (``sha256``), then each renewal (``revisi``, ``sakti ttd perbarui``). The last is the file
    stored now; a recipient's copy of any of them is genuine."""
    first = [str(letter["sha256"])] if letter.get("sha256") else []
    return first + [str(item["sha256"]) for item in letter.get("revisi") or [] if item.get("sha256")]


def letter_month(letter: Letter | Mapping[str, Any]) -> str:
    """The month (YYYY-MM, the office's zone) a letter was reserved in: its PDF folder is data/surat/YYYY/MM."""
    return str(letter.get("bulan_pesan") or str(letter.get("dipesan") or "")[:7])


@dataclass(frozen=True)
class Reservation:
    """An open reservation: a number reserved (DIPESAN) by a desk that has not yet closed it. ``where`` is the
    backend's own locator of the letter (opaque to callers)."""

    letter_id: str
    nomor_surat: str
    proses: dict[str, Any] | None
    where: Any = None


def _day(stamp: Any) -> str:
    """``YYYY-MM-DD`` of a stored ISO time (written in the office's zone), for the date filters."""
    return str(stamp or "")[:10]


def _within(stamp: Any, dari: date | None, sampai: date | None) -> bool:
    day = _day(stamp)
    return (dari is None or day >= dari.isoformat()) and (sampai is None or day <= sampai.isoformat())


@dataclass(frozen=True)
class LetterFilter:
    """Which letters a listing wants; every field optional (None: any). Backends read only what the filter
    needs (TinyDB: the months' partitions and its indexes; PostgreSQL: indexed columns), and may hand the
    rest to :meth:`matches`, the one definition of what the filter means."""

    dari: date | None = None  # reserved on or after (the office's zone)
    sampai: date | None = None  # reserved on or before
    layanan: str | None = None
    status: tuple[str, ...] = ()
    penandatangan: str | None = None  # signatory id
    nomor_surat: str | None = None
    nomor_registrasi: str | None = None
    lingkup: str | None = None  # the numbering scope (``nomor|layanan:sktm|2026``): the agenda's sections

    def matches(self, letter: Letter) -> bool:
        signer = letter.get("penandatangan") or {}
        return (_within(letter.get("dipesan"), self.dari, self.sampai)
                and (self.layanan is None or letter.get("layanan") == self.layanan)
                and (not self.status or letter.get("status") in self.status)
                and (self.penandatangan is None or signer.get("id") == self.penandatangan)
                and (self.nomor_surat is None or letter.get("nomor_surat") == self.nomor_surat)
                and (self.nomor_registrasi is None or letter.get("nomor_registrasi") == self.nomor_registrasi)
                and (self.lingkup is None or letter.get("lingkup") == self.lingkup))


@dataclass(frozen=True)
class ApplicationFilter:
    """Which applications a listing wants (None: any). ``nama``, ``desa`` and ``nik`` are answered from the
    application's :class:`SearchKeys` (TinyDB: its word and NIK indexes; PostgreSQL: ``data->'cari'``)."""

    dari: date | None = None  # registered on or after
    sampai: date | None = None
    layanan: str | None = None
    status: tuple[str, ...] = ()
    nama: str | None = None  # as typed: forgiving (core.text.name_matches: case, spacing, old spellings)
    desa: str | None = None  # as typed: case and spelling forgiven, the whole name
    nik: str | None = None  # the full NIK, matched exactly (by its SHA-256 in the indexes)

    def matches(self, record: Application) -> bool:
        from sakti_cli.core.text import name_matches, terms_match

        keys: SearchKeys = record.get("cari") or {}
        data = record.get("data") or {}
        return (_within(record.get("dibuat"), self.dari, self.sampai)
                and (self.layanan is None or record.get("layanan") == self.layanan)
                and (not self.status or record.get("status") in self.status)
                and (self.nama is None or (terms_match(self.nama, keys.get("nama") or []) if "nama" in keys
                                           else name_matches(self.nama, str(data.get("nama") or ""))))
                and (self.desa is None or place_key(self.desa) == (keys["desa"] if "desa" in keys
                                                                   else place_key(str(data.get("desa") or ""))))
                and (self.nik is None or (nik_digest(self.nik) in (keys.get("nik") or []) if "nik" in keys
                                          else self.nik in (str(v) for v in data.values()))))


def nik_digest(nik: str) -> str:
    """The SHA-256 a NIK is indexed under (never the NIK itself)."""
    import hashlib

    return hashlib.sha256(nik.encode()).hexdigest()


def place_key(name: str) -> str:
    """A desa/kelurahan as compared: its search words (core.text.search_words) joined by one space."""
    from sakti_cli.core.text import search_words

    return " ".join(search_words(name))


@dataclass(frozen=True)
class Page:
    """A slice of a listing, in the listing's order."""

    offset: int = 0
    limit: int | None = None


@dataclass
class AuditEvent:
    """One event of the hash-chained trail, as stored (``prev`` -> ``hash`` chains them)."""

    id: str
    waktu: str
    petugas: str
    akun: str
    aksi: str
    objek: str
    sebelum: Any
    sesudah: Any
    detail: dict[str, Any] | None
    prev: str
    hash: str
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> AuditEvent:
        names = ("id", "waktu", "petugas", "akun", "aksi", "objek", "sebelum", "sesudah", "detail", "prev", "hash")
        known: dict[str, Any] = {k: record.get(k) for k in names}
        return cls(**known, extra={k: v for k, v in record.items() if k not in known})

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "waktu": self.waktu, "petugas": self.petugas, "akun": self.akun,
                "aksi": self.aksi, "objek": self.objek, "sebelum": self.sebelum, "sesudah": self.sesudah,
                "detail": self.detail, "prev": self.prev, "hash": self.hash, **self.extra}


class RegisterSession(ABC):
    """One step on the register. In a transaction every change (records, counters, audit events) is committed
    together or not at all; in a reading session the methods that change raise (a programming error)."""

    actor: str  # the clerk (masked), recorded in histories and events
    zone: timezone
    moment: datetime  # the step's time: one clock reading for all it records
    writing: bool

    # --- numbers ------------------------------------------------------------------------------------------------
    @abstractmethod
    def next_registration_sequence(self, month: str) -> int:
        """The next registration sequence of ``month`` (YYYYMM), counted in this step (gapless)."""

    @abstractmethod
    def next_letter_sequence(self, scope: str) -> int:
        """The next letter number's sequence in ``scope`` (e.g. ``sktm|2026``): the scope's counter is locked
        and advanced in this step, with the reservation it numbers. Never a database sequence (gaps)."""

    @abstractmethod
    def counter(self, key: str) -> int:
        """A counter's value (0 when never set): ``registrasi|YYYYMM`` or a letter scope."""

    @abstractmethod
    def set_counter(self, key: str, value: int) -> None:
        """Only for ``nomor mulai`` (numbers issued on paper before) and the repair of a damaged register."""

    @abstractmethod
    def number_starts(self) -> list[dict[str, Any]]:
        """The recorded ``nomor mulai`` of each scope, in the order recorded."""

    @abstractmethod
    def add_number_start(self, record: dict[str, Any]) -> None: ...

    # --- applications -------------------------------------------------------------------------------------------
    @abstractmethod
    def get_application(self, reg: str) -> Application | None: ...

    @abstractmethod
    def add_application(self, record: Application) -> None:
        """A new application (its number from :meth:`next_registration_sequence`); refused if it exists."""

    @abstractmethod
    def save_application(self, record: Application) -> None: ...

    @abstractmethod
    def applications(self, where: ApplicationFilter | None = None, page: Page | None = None
                     ) -> Iterator[Application]:
        """Applications in registration order, reading only what ``where`` needs."""

    def application_numbers(self, where: ApplicationFilter) -> Iterator[str]:
        """The registration numbers of the applications ``where`` selects, without reading them where the backend
        can (TinyDB: from its search index, possibly naming a few whose data changed since: check a record with
        ``where.matches`` before showing it). A listing of letters by applicant in a short period scans the
        period's letters against this set instead of reading every matching application of the register."""
        return (str(record["nomor_registrasi"]) for record in self.applications(where))

    @abstractmethod
    def registration_recorded(self, reg: str) -> bool:
        """Whether the trail records this number's ``daftar`` (a number the counter must never hand out again,
        even when its record is gone)."""

    # --- letters ------------------------------------------------------------------------------------------------
    @abstractmethod
    def add_letter(self, letter: Letter) -> None:
        """A new reservation (DIPESAN): stored, indexed by number and verification code (both unique: a
        duplicate raises), and listed among the open reservations."""

    @abstractmethod
    def save_letter(self, letter: Letter) -> None:
        """Write a letter read in this session; keeps the open reservations (DIPESAN) and the signing queue
        (MENUNGGU_TTD) in step with its status, and indexes every digest of :func:`letter_digests`."""

    @abstractmethod
    def reload_letter(self, letter: Letter | Reservation) -> Letter | None:
        """The current record of a letter read earlier (or of an open reservation); None when it is gone."""

    @abstractmethod
    def find_letter(self, *, number: str | None = None, code: str | None = None, sha256: str | None = None
                    ) -> Letter | None:
        """The letter with this number, verification code (as stored: normalised) or PDF digest (any revision)."""

    @abstractmethod
    def letters(self, where: LetterFilter | None = None, page: Page | None = None) -> Iterator[Letter]:
        """Letters in the order reserved, reading only what ``where`` needs."""

    @abstractmethod
    def open_reservations(self) -> list[Reservation]:
        """Numbers reserved and not yet closed (DIPESAN): O(open), not a scan of letters. Letters waiting in the
        signing queue are not open reservations."""

    def drop_reservation(self, reservation: Reservation) -> None:
        """Forget an open reservation whose letter is gone or no longer DIPESAN (a damaged register's stale
        entry); a backend that derives the open reservations from the letters has nothing to forget."""
        return None

    @abstractmethod
    def reservation_abandoned(self, reservation: Reservation) -> bool:
        """Whether the desk that holds this reservation is gone (its process dead on this host, or its lease
        lost in the database), so the next desk closes it BATAL "proses terhenti"."""

    @abstractmethod
    def signing_queue(self, signatory_id: str | None = None) -> list[Letter]:
        """Letters MENUNGGU_TTD (of one signatory), in the order they were prepared."""

    # --- small lookups ------------------------------------------------------------------------------------------
    @abstractmethod
    def batch_row(self, key: str) -> str | None:
        """The registration number a batch row (``sakti massal``: SHA-256 of its key) was registered as."""

    @abstractmethod
    def record_batch_row(self, key: str, reg: str) -> None: ...

    @abstractmethod
    def nik_applications(self, digest: str) -> list[dict[str, Any]]:
        """Applications naming a NIK (by its SHA-256, never the NIK): ``[{nomor_registrasi, layanan}]``."""

    @abstractmethod
    def set_nik_applications(self, digest: str, entries: list[dict[str, Any]]) -> None: ...

    # --- the audit trail ----------------------------------------------------------------------------------------
    @abstractmethod
    def audit(self, aksi: str, objek: str, sebelum: Any = None, sesudah: Any = None, **detail: Any) -> None:
        """Append an event (masked), chained to the previous one, in this step's commit."""

    @abstractmethod
    def events(self, *, objek: str | None = None, newest_first: bool = False) -> Iterator[dict[str, Any]]:
        """The trail's events (about ``objek``, through the per-object index: independent of the trail's size)."""


class FileStore(ABC):
    """Where scans and signed PDFs live so that every desk reaches them, each with its SHA-256 in the register.

    Files keep their place under the workspace (``data/berkas/REG/…``, ``data/surat/YYYY/MM/…``): TinyDB's store
    is that folder itself; PostgreSQL's keeps every file in the database and that folder as each desk's cache."""

    @abstractmethod
    def keep(self, path: Path, sha256: str | None = None) -> str:
        """Store the file written at ``path`` (under the workspace) for every desk; its SHA-256."""

    @abstractmethod
    def fetch(self, path: Path, sha256: str) -> Path:
        """``path`` present here with this content (fetched from the store when missing); FileUnreadable when
        the store has no such file or it does not match its digest."""

    @abstractmethod
    def forget(self, path: Path, sha256: str | None = None) -> None:
        """Remove a file from the store (retention); its record says it was purged."""


class Register(ABC):
    """The register of one workspace, whichever backend holds it."""

    backend: Backend
    root: Path  # this desk's local register folder (TinyDB's files; PostgreSQL's local locks and caches)
    zone: timezone
    actor: str

    @abstractmethod
    def transaction(self) -> AbstractContextManager[RegisterSession]:
        """One step: the write lock (the file lock; PostgreSQL's row locks), fresh reads, one atomic commit."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[RegisterSession]:
        """A read-only session: a consistent view, no write lock, nothing written (listings, reports, lookups)."""

    def listing(self) -> AbstractContextManager[RegisterSession]:
        """A read-only session for long reads (listings, exports, the agenda, reports) that never holds the write
        lock while it runs and keeps no more than it is reading in memory. A backend whose :meth:`reading` is
        already so (PostgreSQL: a database transaction) keeps this default."""
        return self.reading()

    @property
    @abstractmethod
    def store(self) -> FileStore: ...

    @abstractmethod
    def moment(self) -> datetime:
        """Now, in the office's zone (SAKTI_WAKTU in tests)."""

    @abstractmethod
    def describe(self) -> str:
        """Where the register is, for people (a folder, or ``postgresql://role@host/db`` without secrets)."""
