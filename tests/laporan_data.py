"""A register of a few hundred applications and letters over October and November 2026, made for the report
tests, with what happened to each kept on the side so the tests count every figure themselves.

Seeded: the same register every run. Office hours 07:30-16:00 Monday to Thursday, 07:30-16:30 Friday (the
bundled calendar's), and a holiday the tests add on Tuesday 10 November 2026 (:data:`HOLIDAY`).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from math import ceil
from typing import Any

WIB = timezone(timedelta(hours=7), "WIB")
HOLIDAY = date(2026, 11, 10)
SERVICES = ("sktm", "skck", "pindah", "ahli-waris", "dispensasi-nikah", "izin-keramaian", "hibah")
VILLAGES = ("Baru", "Madurejo", "Mendawai", "Raja", "Sidorejo", "Kenambui", "Pasir Panjang", "Runtu")
REFUSALS = ("pengantar desa kedaluwarsa", "pemohon bukan warga kecamatan", "data KK tidak cocok")
VOIDS = ("salah ketik nama pemohon", "alamat keliru")
SENT_BACK = "dikembalikan: tanggal lahir keliru"
ABANDONED = "proses terhenti"
OPENS = time(7, 30)


def closes(day: date) -> time:
    return time(16, 30) if day.weekday() == 4 else time(16, 0)


def workday(day: date) -> bool:
    return day.weekday() < 5 and day != HOLIDAY


def office_minutes(start: datetime, end: datetime) -> int:
    """Working minutes between two moments, counted minute by minute (the tests' own count, not sakti's)."""
    count = 0
    moment = start
    while moment + timedelta(minutes=1) <= end:
        day = moment.date()
        if workday(day) and moment.time() >= OPENS and (moment + timedelta(minutes=1)).time() <= closes(day) \
                and (moment + timedelta(minutes=1)).date() == day:
            count += 1
        moment += timedelta(minutes=1)
    return count


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass
class Event:
    """One thing that happened: the kind the report counts, its moment, the service, desa and details."""

    kind: str  # diterima | lengkap | terbit | ditolak | batal
    moment: datetime
    service: str
    village: str
    reg: str
    reason: str | None = None
    minutes: int | None = None  # terbit: the service time the test expects


@dataclass
class Built:
    applications: list[dict[str, Any]] = field(default_factory=list)
    letters: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


class Maker:
    def __init__(self, seed: int = 13) -> None:
        self.rng = random.Random(seed)
        self.built = Built()
        self.sequence: dict[str, int] = {}
        self.letter_sequence: dict[str, int] = {}

    def _next_working(self, day: date) -> date:
        day += timedelta(days=1)
        while not workday(day):
            day += timedelta(days=1)
        return day

    def _at(self, day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=WIB)

    def application(self, service: str, village: str | None, registered: datetime) -> dict[str, Any]:
        month = registered.strftime("%Y%m")
        self.sequence[month] = self.sequence.get(month, 0) + 1
        reg = f"REG-{month}-{self.sequence[month]:04d}"
        data: dict[str, Any] = {"nama": f"Pemohon {reg[-4:]}", "nik": f"62010{self.rng.randrange(10**10, 10**11)}"}
        if village is not None:
            data["desa_lembaga" if service == "hibah" else "desa"] = village
        record = {"nomor_registrasi": reg, "layanan": service, "status": "DITERIMA", "data": data, "berkas": {},
                  "dibuat": iso(registered), "diubah": iso(registered), "petugas": "uji", "periksa": None,
                  "surat": None, "nomor_batal": [],
                  "riwayat": [self._line(registered, None, "DITERIMA", "permohonan didaftarkan")]}
        self.built.applications.append(record)
        self._event("diterima", registered, record)
        return record

    def _line(self, moment: datetime, before: str | None, after: str, note: str) -> dict[str, Any]:
        return {"waktu": iso(moment), "petugas": "uji", "dari": before, "ke": after, "catatan": note}

    def _village(self, record: dict[str, Any]) -> str:
        data = record["data"]
        return str(data.get("desa_lembaga" if record["layanan"] == "hibah" else "desa") or "(tidak disebut)")

    def _event(self, kind: str, moment: datetime, record: dict[str, Any], **extra: Any) -> None:
        self.built.events.append(Event(kind, moment, record["layanan"], self._village(record),
                                       record["nomor_registrasi"], **extra))

    def move(self, record: dict[str, Any], moment: datetime, after: str, note: str = "") -> None:
        record["riwayat"].append(self._line(moment, record["status"], after, note))
        record["status"] = after
        record["diubah"] = iso(moment)

    def complete(self, record: dict[str, Any], moment: datetime) -> None:
        first_in_state = record["status"] != "LENGKAP"
        self.move(record, moment, "LENGKAP", "semua persyaratan sesuai")
        if first_in_state:
            self._event("lengkap", moment, record)

    def letter(self, record: dict[str, Any], reserved: datetime) -> dict[str, Any]:
        scope = f"nomor|layanan:{record['layanan']}|{reserved.year}"
        self.letter_sequence[scope] = self.letter_sequence.get(scope, 0) + 1
        number = f"{record['layanan'].upper()}/{self.letter_sequence[scope]:03d}/ARSEL/{reserved.year}"
        letter = {"id": f"{len(self.built.letters) + 1:016x}", "nomor_surat": number,
                  "urut": self.letter_sequence[scope], "lingkup": scope, "tahun": reserved.year, "status": "DIPESAN",
                  "layanan": record["layanan"], "nama_layanan": record["layanan"],
                  "nomor_registrasi": record["nomor_registrasi"],
                  "kode_verifikasi": f"K{len(self.built.letters) + 1:015d}",
                  "penandatangan": {"id": "camat", "nama": "Camat", "jabatan": "Camat", "peran": "definitif"},
                  "dipesan": iso(reserved), "bulan_pesan": f"{reserved:%Y-%m}", "proses": None}
        self.built.letters.append(letter)
        return letter

    def issue(self, record: dict[str, Any], moment: datetime, clock_from: datetime) -> dict[str, Any]:
        letter = self.letter(record, moment - timedelta(minutes=1))
        letter.update(status="TERBIT", terbit=iso(moment), sha256=f"{len(self.built.letters):064x}",
                      pdf=f"data/surat/{moment:%Y/%m}/{letter['id']}.pdf")
        self.move(record, moment, "TERBIT", f"surat {letter['nomor_surat']}")
        record["surat"] = {"nomor_surat": letter["nomor_surat"], "kode_verifikasi": letter["kode_verifikasi"],
                           "pdf": letter["pdf"], "sha256": letter["sha256"], "terbit": letter["terbit"]}
        self._event("terbit", moment, record, minutes=office_minutes(clock_from, moment))
        return letter

    def void(self, record: dict[str, Any], letter: dict[str, Any], moment: datetime, reason: str) -> None:
        letter.update(status="BATAL", alasan_batal=reason, dibatalkan=iso(moment), dibatalkan_oleh="uji")
        self.move(record, moment, "LENGKAP", f"surat {letter['nomor_surat']} dibatalkan: {reason}")
        record["surat"] = None
        record["nomor_batal"].append(letter["nomor_surat"])
        self._event("batal", moment, record, reason=reason)

    def refuse(self, record: dict[str, Any], moment: datetime, reason: str) -> None:
        self.move(record, moment, "DITOLAK", reason)
        record["alasan_tolak"] = reason
        self._event("ditolak", moment, record, reason=reason)

    def one(self, day: date) -> None:
        """One application registered on ``day`` and what happens to it."""
        rng = self.rng
        service = rng.choice(SERVICES)
        village = None if rng.random() < 0.05 else rng.choice(VILLAGES)
        start = self._at(day, rng.randint(7, 14), rng.randrange(0, 60, 5))
        start = max(start, self._at(day, 7, 30))
        record = self.application(service, village, start)
        fate = rng.random()
        if fate < 0.05:
            return  # still DITERIMA
        checked = start + timedelta(minutes=rng.randint(5, 20))
        if fate < 0.15:
            self.move(record, checked, "BELUM_LENGKAP", "kurang: ktp")
            if rng.random() < 0.5:
                self.refuse(record, checked + timedelta(minutes=30), rng.choice(REFUSALS))
                return
            checked = self._at(self._next_working(day), 8, rng.randrange(0, 60, 5))
            self.move(record, checked, "DITERIMA", "berkas diganti: ktp")
        elif fate < 0.22:
            self.refuse(record, checked, rng.choice(REFUSALS))
            return
        self.complete(record, checked)
        if rng.random() < 0.04:
            return  # complete, never issued
        issued = checked + timedelta(minutes=rng.choice((5, 10, 12, 15, 20, 25, 30, 45, 60, 75, 90, 120)))
        if rng.random() < 0.1:
            issued = self._at(self._next_working(day), 9, rng.randrange(0, 60, 5))
        if rng.random() < 0.06:  # prepared without signature, sent back by the signatory, issued later
            waiting = self.letter(record, issued)
            self.move(record, issued, "MENUNGGU_TTD", "menunggu tanda tangan")
            back = issued + timedelta(minutes=20)
            waiting.update(status="BATAL", alasan_batal=SENT_BACK, dibatalkan=iso(back), dibatalkan_oleh="camat")
            self.move(record, back, "LENGKAP", f"surat {waiting['nomor_surat']} {SENT_BACK}")
            record["nomor_batal"].append(waiting["nomor_surat"])
            self._event("batal", back, record, reason=SENT_BACK)
            issued = back + timedelta(minutes=15)
        letter = self.issue(record, issued, checked)
        if rng.random() < 0.08:  # cancelled later, and a replacement issued
            cancelled = issued + timedelta(days=rng.randint(1, 3))
            reason = rng.choice(VOIDS)
            self.void(record, letter, cancelled, reason)
            self.issue(record, cancelled + timedelta(minutes=25), cancelled)


def build(per_day: int = 7) -> Built:
    """Applications on every working day of October and November 2026 (``per_day`` each), plus the cases
    the tests name: one across the holiday, one across the month's end, reservations closed by a dead desk."""
    maker = Maker()
    day = date(2026, 10, 1)
    while day <= date(2026, 11, 30):
        if workday(day):
            for _ in range(per_day):
                maker.one(day)
        day += timedelta(days=1)
    across = maker.application("pindah", "Raja", datetime(2026, 11, 9, 15, 0, tzinfo=WIB))  # across the holiday
    maker.complete(across, datetime(2026, 11, 9, 15, 30, tzinfo=WIB))
    maker.issue(across, datetime(2026, 11, 11, 8, 0, tzinfo=WIB), datetime(2026, 11, 9, 15, 30, tzinfo=WIB))
    month_end = maker.application("sktm", "Baru", datetime(2026, 10, 30, 15, 50, tzinfo=WIB))
    maker.complete(month_end, datetime(2026, 10, 30, 16, 0, tzinfo=WIB))
    maker.issue(month_end, datetime(2026, 11, 2, 8, 0, tzinfo=WIB), datetime(2026, 10, 30, 16, 0, tzinfo=WIB))
    for moment in (datetime(2026, 11, 12, 10, 0, tzinfo=WIB), datetime(2026, 11, 20, 11, 0, tzinfo=WIB)):
        owner = next(a for a in maker.built.applications if a["status"] == "TERBIT" and a["layanan"] == "skck")
        letter = maker.letter(owner, moment)
        letter.update(status="BATAL", alasan_batal=ABANDONED, dibatalkan=iso(moment + timedelta(minutes=5)),
                      dibatalkan_oleh="uji")
        maker._event("batal", moment + timedelta(minutes=5), owner, reason=ABANDONED)
    return maker.built


# --- the tests' own count ---------------------------------------------------------------------------
LIMITS = {"sktm": 60, "skck": 15, "pindah": 510, "ahli-waris": 90, "dispensasi-nikah": 30, "izin-keramaian": 30,
          "hibah": 15}  # the bundled SOPs' jangka waktu in working minutes (pindah: 1 hari kerja of 8.5 hours)


def nearest_rank(values: list[int], p: float) -> int | None:
    return sorted(values)[ceil(p / 100 * len(values)) - 1] if values else None


def expected(events: list[Event], start: date, end: date, *, key: str | None = None, value: str | None = None
             ) -> dict[str, Any]:
    """The figures of one group (all, a service, a desa) between two days, from the events alone."""
    chosen = [e for e in events if start <= e.moment.date() <= end
              and (key is None or getattr(e, key) == value)]
    count = Counter(e.kind for e in chosen)
    minutes = [e.minutes for e in chosen if e.kind == "terbit" and e.minutes is not None]
    within = [e for e in chosen if e.kind == "terbit" and e.minutes is not None and e.minutes <= LIMITS[e.service]]
    return {
        "diterima": count["diterima"], "lengkap": len({e.reg for e in chosen if e.kind == "lengkap"}),
        "terbit": count["terbit"], "ditolak": count["ditolak"], "batal": count["batal"],
        "waktu": {"jumlah": len(minutes), "median_menit": nearest_rank(minutes, 50),
                  "p90_menit": nearest_rank(minutes, 90), "dalam_batas": len(within),
                  "persen_dalam_batas": round(100 * len(within) / len(minutes), 1) if minutes else None},
    }


def _plain(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: figures[k] for k in ("diterima", "lengkap", "terbit", "ditolak", "batal", "waktu")}


def check_payload(payload: dict[str, Any], built: Built) -> None:
    """Every figure of a November report against the events."""
    events = built.events
    nov, octo = (date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 10, 1), date(2026, 10, 31))
    assert payload["periode"] == {"jenis": "bulan", "dari": "2026-11-01", "sampai": "2026-11-30",
                                  "label": "November 2026"}
    assert payload["pembanding"]["dari"] == "2026-10-01" and payload["pembanding"]["sampai"] == "2026-10-31"
    whole = expected(events, *nov)
    assert _plain(payload["jumlah"]) == whole
    before = expected(events, *octo)
    trend = payload["jumlah"]["sebelumnya"]
    assert trend == {**{k: before[k] for k in ("diterima", "lengkap", "terbit", "ditolak", "batal")},
                     "median_menit": before["waktu"]["median_menit"],
                     "persen_dalam_batas": before["waktu"]["persen_dalam_batas"]}
    assert payload["jumlah"]["perubahan_terbit_persen"] == round(100 * (whole["terbit"] - before["terbit"])
                                                                 / before["terbit"], 1)
    assert {s["kode"] for s in payload["layanan"]} == set(SERVICES)
    for item in payload["layanan"]:
        assert _plain(item) == expected(events, *nov, key="service", value=item["kode"]), item["kode"]
        assert item["sebelumnya"]["terbit"] == expected(events, *octo, key="service", value=item["kode"])["terbit"]
        assert item["batas_menit"] == LIMITS[item["kode"]]
    villages = {e.village for e in events if nov[0] <= e.moment.date() <= nov[1]}
    unnamed = "(tidak disebut)"
    assert [v["nama"] for v in payload["desa"]] == [*sorted(villages - {unnamed}),
                                                   *([unnamed] if unnamed in villages else [])]
    for item in payload["desa"]:
        assert _plain(item) == expected(events, *nov, key="village", value=item["nama"]), item["nama"]
    refusals = Counter(e.reason for e in events if e.kind == "ditolak" and nov[0] <= e.moment.date() <= nov[1])
    voids = Counter(e.reason for e in events if e.kind == "batal" and nov[0] <= e.moment.date() <= nov[1])
    assert {r["alasan"]: r["jumlah"] for r in payload["alasan_tolak"]} == refusals
    assert {r["alasan"]: r["jumlah"] for r in payload["alasan_batal"]} == voids
    assert len(payload["harian"]) == 30
    for row in payload["harian"]:
        day = date.fromisoformat(row["tanggal"])
        assert row["diterima"] == sum(1 for e in events if e.kind == "diterima" and e.moment.date() == day)
        assert row["terbit"] == sum(1 for e in events if e.kind == "terbit" and e.moment.date() == day)
    holiday = next(r for r in payload["harian"] if r["tanggal"] == HOLIDAY.isoformat())
    assert holiday == {"tanggal": "2026-11-10", "diterima": 0, "terbit": 0}
