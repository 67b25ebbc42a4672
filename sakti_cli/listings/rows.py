"""``sakti surat`` and ``sakti permohonan``: the filtered rows, read from a read-only register session.

What a filter needs is all that is read: a period reads its months (the backend's listing by date), a name,
desa or NIK the applications the backend's search index names (then only their letters), a letter number its
index entry. Rows are yielded one by one while the session is open (no write lock is held: the desk keeps
issuing), so exports stream in bounded memory. NIK values are masked in the rows themselves unless revealed
(``--tampilkan-nik``, recorded by the CLI before anything is read), so no export holds a full NIK by default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from sakti_cli.core.errors import InputError, NotFound, SaktiError
from sakti_cli.core.id_format import mask_nik
from sakti_cli.core.period import Period
from sakti_cli.core.shapes import signatory_json
from sakti_cli.listings.table import Column, Listing
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.search import applicant_niks, applicant_place
from sakti_cli.register.session import (
    Application,
    ApplicationFilter,
    Letter,
    LetterFilter,
    Register,
    RegisterSession,
)
from sakti_cli.register.states import ApplicationStatus, LetterStatus


@dataclass(frozen=True)
class Query:
    """The filters of a listing, as typed (checked by :func:`check_query`)."""

    period: Period = field(default_factory=Period)
    layanan: str | None = None
    status: tuple[str, ...] = ()
    desa: str | None = None
    penandatangan: str | None = None
    nomor: str | None = None  # a letter number, whole
    nama: str | None = None
    nik: str | None = None  # the full NIK

    def applicant_filter(self) -> ApplicationFilter | None:
        """The part answered from applications' search keys (None when the query names no applicant)."""
        if self.nama is None and self.desa is None and self.nik is None:
            return None
        return ApplicationFilter(layanan=self.layanan, nama=self.nama, desa=self.desa, nik=self.nik)


def check_query(ws: Workspace, query: Query, statuses: type[LetterStatus] | type[ApplicationStatus]) -> Query:
    """Refuse a filter that cannot match by mistake (exit 3, naming the option): an unknown service or
    status, a NIK that is not 16 digits. Statuses are upper-cased, ``--status A,B`` split."""
    from sakti_cli.services.sop import list_service_files

    if query.layanan is not None:
        known = [path.stem for path in list_service_files(ws.sop_dir)]
        if query.layanan.strip().lower() not in known:
            raise NotFound(f"--layanan '{query.layanan}' tidak dikenal.",
                           saran=f"Layanan yang ada: {', '.join(known) or '-'}.", layanan=query.layanan)
    wanted = tuple(dict.fromkeys(part.strip().upper() for value in query.status for part in value.split(",")
                                 if part.strip()))
    allowed = [status.value for status in statuses]
    unknown = [value for value in wanted if value not in allowed]
    if unknown:
        raise InputError(f"--status {', '.join(unknown)} tidak dikenal.", saran=f"Pilih dari: {', '.join(allowed)}.",
                         opsi="--status")
    nik = "".join(query.nik.split()) if query.nik is not None else None
    if nik is not None and not (len(nik) == 16 and nik.isdigit()):
        raise InputError("--nik harus NIK lengkap 16 angka (dicocokkan utuh).",
                         saran="Ketik NIK lengkap dari KTP; untuk mencari dengan nama pakai --nama.", opsi="--nik")
    for option, value in (("--nama", query.nama), ("--desa", query.desa), ("--nomor", query.nomor)):
        if value is not None and not value.strip():
            raise InputError(f"{option} kosong.", saran=f"Tulis isinya, atau tanpa {option}.", opsi=option)
    return Query(query.period, query.layanan.strip().lower() if query.layanan else None, wanted,
                 query.desa, query.penandatangan, " ".join(query.nomor.split()) if query.nomor else None,
                 query.nama, nik)


class Applicants:
    """The applicant's name, desa and NIK of a letter's application, each SOP parsed once per listing."""

    def __init__(self, ws: Workspace, reveal: bool) -> None:
        from sakti_cli.services.sop import load_service

        self.ws = ws
        self.reveal = reveal
        self.services: dict[str, Any] = {}
        self._load = load_service
        self._last: tuple[str, dict[str, Any]] | None = None  # letters of one application come together

    def service(self, code: str) -> Any:
        if code not in self.services:
            try:
                self.services[code] = self._load(self.ws.sop_dir, code)
            except SaktiError:  # an SOP gone or broken: the name from ``nama``, the place from ``desa``
                self.services[code] = None
        return self.services[code]

    def service_name(self, letter: Letter) -> str | None:
        """The service's name as the SOP gives it (``Surat Keterangan Tidak Mampu``): the agenda's perihal."""
        code = str(letter.get("layanan") or "")
        service = self.service(code) if code else None
        return letter.get("nama_layanan") or (service.nama if service else None) or code or None

    def describe(self, record: Application | None) -> dict[str, Any]:
        if record is None:
            return {"pemohon": None, "nik": None, "desa": None}
        data = record.get("data") or {}
        service = self.service(str(record.get("layanan")))
        name = service.applicant_name(data) if service else (str(data.get("nama") or "") or None)
        niks = applicant_niks(service, data)
        nik = niks[0] if niks else None
        return {"pemohon": name, "nik": nik if self.reveal or nik is None else mask_nik(nik),
                "desa": applicant_place(service, data)}

    def of_letter(self, session: RegisterSession, letter: Letter) -> dict[str, Any]:
        reg = str(letter.get("nomor_registrasi") or "")
        if self._last is None or self._last[0] != reg:
            self._last = (reg, self.describe(session.get_application(reg) if reg else None))
        return self._last[1]


def remark(letter: Letter) -> str | None:
    """The agenda's and the listing's keterangan: ``BATAL: reason``, the letter it replaces or is replaced by."""
    parts = []
    if letter.get("status") == LetterStatus.BATAL:
        parts.append(f"BATAL: {letter.get('alasan_batal') or '-'}")
    if letter.get("diganti_oleh"):
        parts.append(f"diganti oleh {letter['diganti_oleh']}")
    if letter.get("mengganti"):
        parts.append(f"mengganti {letter['mengganti']}")
    if letter.get("status") == LetterStatus.MENUNGGU_TTD:
        parts.append("menunggu tanda tangan")
    return "; ".join(parts) or None


def letter_row(letter: Letter, applicant: dict[str, Any], service_name: str | None = None) -> dict[str, Any]:
    return {
        "nomor_surat": letter.get("nomor_surat"), "urut": letter.get("urut"), "lingkup": letter.get("lingkup"),
        "tanggal": str(letter.get("dipesan") or "")[:10] or None, "status": letter.get("status"),
        "layanan": letter.get("layanan"), "nama_layanan": service_name or letter.get("layanan"),
        "nomor_registrasi": letter.get("nomor_registrasi"), **applicant,
        "penandatangan": signatory_json(letter.get("penandatangan")), "terbit": letter.get("terbit"),
        "alasan_batal": letter.get("alasan_batal"), "mengganti": letter.get("mengganti"),
        "diganti_oleh": letter.get("diganti_oleh"), "keterangan": remark(letter),
    }


def _signer_name(row: dict[str, Any]) -> str | None:
    signer = row.get("penandatangan") or {}
    return signer.get("nama") or signer.get("jabatan") or signer.get("id")


LETTER_COLUMNS = [
    Column("tanggal", "Tanggal", "tanggal", 11), Column("nomor_surat", "Nomor surat", "kode", 30),
    Column("urut", "Urut", "angka", 6), Column("status", "Status", "kode", 13),
    Column("layanan", "Layanan", "kode", 16), Column("pemohon", "Pemohon", "teks", 28),
    Column("nik", "NIK", "kode", 18), Column("desa", "Desa/Kelurahan", "teks", 18),
    Column("penandatangan", "Penandatangan", "teks", 24, get=_signer_name),
    Column("nomor_registrasi", "Registrasi", "kode", 16), Column("terbit", "Terbit", "waktu", 17),
    Column("keterangan", "Keterangan", "teks", 40),
]


def _letter_filter(query: Query) -> LetterFilter:
    return LetterFilter(dari=query.period.dari, sampai=query.period.sampai, layanan=query.layanan,
                        status=query.status, penandatangan=query.penandatangan)


def _applicant_letters(session: RegisterSession, record: Application) -> list[str]:
    """The numbers an application's record names: its letter, the one waiting, the voided ones."""
    numbers = [*(record.get("nomor_batal") or []), (record.get("surat") or {}).get("nomor_surat"),
               (record.get("antrean") or {}).get("nomor_surat")]
    return [str(n) for n in dict.fromkeys(numbers) if n]


def _find(session: RegisterSession, number: str) -> Letter | None:
    return session.find_letter(number=number) or session.find_letter(number=number.upper())


def _letters(session: RegisterSession, query: Query) -> Iterator[Letter]:
    wanted = _letter_filter(query)
    if query.nomor is not None:  # the number's index entry, nothing else
        letter = _find(session, query.nomor)
        if letter is not None and wanted.matches(letter) and _of_applicant(session, query, letter):
            yield letter
        return
    applicants = query.applicant_filter()
    if applicants is None:
        yield from session.letters(wanted)
        return
    applicants = replace(applicants, sampai=query.period.sampai)  # registered later: no letter in the period
    if query.period.dari is not None:  # a period: its letters against the applicants' numbers (index only)
        numbers = set(session.application_numbers(applicants))
        for letter in session.letters(wanted):
            if str(letter.get("nomor_registrasi")) in numbers and _of_applicant(session, query, letter):
                yield letter
        return
    found = [letter for record in session.applications(applicants) for number in _applicant_letters(session, record)
             if (letter := session.find_letter(number=number)) is not None and wanted.matches(letter)]
    yield from sorted(found, key=lambda item: (str(item.get("dipesan") or ""), str(item.get("nomor_surat"))))


def _of_applicant(session: RegisterSession, query: Query, letter: Letter) -> bool:
    applicants = query.applicant_filter()
    if applicants is None:
        return True
    record = session.get_application(str(letter.get("nomor_registrasi") or ""))
    return record is not None and applicants.matches(record)


def letter_rows(ws: Workspace, register: Register, query: Query, reveal: bool = False) -> Iterator[dict[str, Any]]:
    """The rows of ``sakti surat``, in the order reserved, read from one read-only session."""
    applicants = Applicants(ws, reveal)
    with register.listing() as session:
        for letter in _letters(session, query):
            yield letter_row(letter, applicants.of_letter(session, letter), applicants.service_name(letter))


def _or_unknown_signatory(ws: Workspace, query: Query, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """``rows``; but an empty listing for a ``--penandatangan`` that is no id of sakti.toml is a typo, not "no
    letters" (exit 3). An id no longer in sakti.toml (a former camat) still lists its letters: only the empty
    answer is refused, and only it costs the check."""
    found = False
    for row in rows:
        found = True
        yield row
    wanted = query.penandatangan
    if found or wanted is None:
        return
    known = [person.id for person in ws.config.penandatangan]
    if wanted not in known:
        raise NotFound(f"--penandatangan '{wanted}' bukan id penandatangan di sakti.toml, dan tidak ada yang "
                       "cocok dengan id itu pada saringan ini.",
                       saran=f"Id di sakti.toml: {', '.join(known) or '-'}.", opsi="--penandatangan")


def letter_listing(ws: Workspace, register: Register, query: Query, reveal: bool = False) -> Listing:
    """``sakti surat``: also what bench/ measures for a month's listing and a name search."""
    query = check_query(ws, query, LetterStatus)
    return Listing("surat", f"Surat ({query.period.label()})", LETTER_COLUMNS,
                   _or_unknown_signatory(ws, query, letter_rows(ws, register, query, reveal)))


# --- applications ------------------------------------------------------------------------------------------------
def application_row(record: Application, applicant: dict[str, Any]) -> dict[str, Any]:
    letter = record.get("surat") or {}
    waiting = record.get("antrean") or {}
    return {
        "nomor_registrasi": record.get("nomor_registrasi"), "layanan": record.get("layanan"),
        "status": record.get("status"), "nama": applicant["pemohon"], "nik": applicant["nik"],
        "desa": applicant["desa"], "dibuat": record.get("dibuat"), "diubah": record.get("diubah"),
        "nomor_surat": letter.get("nomor_surat") or waiting.get("nomor_surat"),
    }


APPLICATION_COLUMNS = [
    Column("dibuat", "Tanggal", "tanggal", 11), Column("nomor_registrasi", "Registrasi", "kode", 16),
    Column("layanan", "Layanan", "kode", 16), Column("status", "Status", "kode", 14),
    Column("nama", "Nama", "teks", 28), Column("nik", "NIK", "kode", 18),
    Column("desa", "Desa/Kelurahan", "teks", 18), Column("nomor_surat", "Nomor surat", "kode", 30),
    Column("diubah", "Diubah", "waktu", 17),
]


def _signed_by(query: Query) -> Callable[[RegisterSession, Application], bool]:
    """``permohonan --penandatangan``: the application's letter (issued or waiting) is that signatory's."""
    def check(session: RegisterSession, record: Application) -> bool:
        if query.penandatangan is None:
            return True
        numbers = [n for n in ((record.get("surat") or {}).get("nomor_surat"),
                               (record.get("antrean") or {}).get("nomor_surat")) if n]
        return any(((session.find_letter(number=n) or {}).get("penandatangan") or {}).get("id")
                   == query.penandatangan for n in numbers)

    return check


def _applications(session: RegisterSession, query: Query) -> Iterator[Application]:
    wanted = replace(query.applicant_filter() or ApplicationFilter(layanan=query.layanan),
                     dari=query.period.dari, sampai=query.period.sampai, status=query.status)
    signed = _signed_by(query)
    if query.nomor is not None:
        letter = _find(session, query.nomor)
        record = session.get_application(str(letter.get("nomor_registrasi"))) if letter else None
        candidates: Iterator[Application] = iter([record] if record is not None else [])
    else:
        candidates = session.applications(wanted)
    for record in candidates:
        if wanted.matches(record) and signed(session, record):
            yield record


def application_rows(ws: Workspace, register: Register, query: Query, reveal: bool = False
                     ) -> Iterator[dict[str, Any]]:
    applicants = Applicants(ws, reveal)
    with register.listing() as session:
        for record in _applications(session, query):
            yield application_row(record, applicants.describe(record))


def application_listing(ws: Workspace, register: Register, query: Query, reveal: bool = False) -> Listing:
    """``sakti permohonan``: also what bench/ measures for an applications listing."""
    query = check_query(ws, query, ApplicationStatus)
    return Listing("permohonan", f"Permohonan ({query.period.label()})", APPLICATION_COLUMNS,
                   _or_unknown_signatory(ws, query, application_rows(ws, register, query, reveal)))
