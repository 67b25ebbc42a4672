"""The register interface (sakti_cli.register.session) on both backends, TinyDB and PostgreSQL, method by method:
gapless numbers, duplicates refused, abandoned reservations closed BATAL by the next desk (never a letter in the
signing queue), a closed reservation never completed, the read-only session, the file store, the audit chain,
listings with filters and paging. PostgreSQL is the run's real server (tests/pg_server.py)."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
from typing import Any

import psycopg
import pytest
from register_backends import Backend, wait_for

from sakti_cli.core.children import own_process
from sakti_cli.core.errors import EnvironmentProblem, FileUnreadable, SaktiError, StateConflict
from sakti_cli.register import session
from sakti_cli.register.states import LetterStatus, move_letter
from sakti_cli.register.trail import GENESIS, event_hash

SCOPE = "nomor|layanan:sktm|2026"
MONTH = "202611"


def new_letter(sequence: int, reg: str | None, **changes: Any) -> dict[str, Any]:
    return {"id": secrets.token_hex(8), "nomor_surat": f"474/{sequence:03}/KEC/XI/2026", "urut": sequence,
            "lingkup": SCOPE, "tahun": 2026, "status": "DIPESAN", "layanan": "sktm", "nama_layanan": "SKTM",
            "nomor_registrasi": reg, "kode_verifikasi": secrets.token_hex(8).upper(),
            "penandatangan": {"id": "camat"}, "dipesan": "2026-11-22T09:30:00+07:00", "bulan_pesan": "2026-11",
            "proses": own_process(), **changes}


def reserve(register: session.Register, reg: str | None = None, **changes: Any) -> dict[str, Any]:
    with register.transaction() as step:
        sequence = step.next_letter_sequence(SCOPE)
        letter = new_letter(sequence, reg, **changes)
        step.add_letter(letter)  # type: ignore[arg-type]
        step.audit("pesan_nomor", letter["nomor_surat"], None, "DIPESAN", nomor_registrasi=reg, lingkup=SCOPE,
                   urut=sequence)
    return letter


def finish(register: session.Register, letter: dict[str, Any], to: LetterStatus, action: str,
           **changes: Any) -> dict[str, Any]:
    """Move ``letter`` as read earlier (not reloaded: the caller's copy, as a desk that signed meanwhile has)."""
    with register.transaction() as step:
        record = dict(letter)
        before = move_letter(record, to, action=action)
        record.update(changes)
        step.save_letter(record)  # type: ignore[arg-type]
        step.audit(action, record["nomor_surat"], before, to, nomor_registrasi=record.get("nomor_registrasi"))
    return record


def application(reg: str, **changes: Any) -> dict[str, Any]:
    return {"nomor_registrasi": reg, "layanan": "sktm", "status": "DITERIMA", "data": {"nama": "Siti"},
            "berkas": {}, "dibuat": "2026-11-22T09:00:00+07:00", "diubah": "2026-11-22T09:00:00+07:00",
            "petugas": "loket", "riwayat": [], "periksa": None, "surat": None, "nomor_batal": [],
            "cari": {"nama": ["siti"], "desa": "", "nik": []}, **changes}  # keys as the domain writes them


def register_app(register: session.Register, **changes: Any) -> str:
    with register.transaction() as step:
        reg = f"REG-{MONTH}-{step.next_registration_sequence(MONTH):04d}"
        step.add_application(application(reg, **changes))  # type: ignore[arg-type]
        step.audit("daftar", reg, None, "DITERIMA", layanan=changes.get("layanan", "sktm"))
    return reg


def state(register: session.Register, letter: dict[str, Any]) -> dict[str, Any]:
    with register.reading() as step:
        found = step.reload_letter(letter)  # type: ignore[arg-type]
    assert found is not None
    return dict(found)


def test_numbers_are_gapless_and_a_failed_step_uses_none(backend: Backend) -> None:
    desk = backend.desk()
    regs = [register_app(desk), register_app(desk)]
    assert regs == ["REG-202611-0001", "REG-202611-0002"]
    first, second = reserve(desk, regs[0]), reserve(desk, regs[1])
    with pytest.raises(RuntimeError, match="rendering gagal"), desk.transaction() as step:
        step.add_letter(new_letter(step.next_letter_sequence(SCOPE), regs[0]))  # type: ignore[arg-type]
        raise RuntimeError("rendering gagal")
    third = reserve(desk)
    assert [first["urut"], second["urut"], third["urut"]] == [1, 2, 3]  # the failed step's number rolled back
    with desk.reading() as step:
        assert step.counter(SCOPE) == 3
        assert step.counter("nomor|layanan:lain|2026") == 0
        assert [r.nomor_surat for r in step.open_reservations()] == [x["nomor_surat"] for x in (first, second, third)]
        assert not any(step.reservation_abandoned(r) for r in step.open_reservations())  # this desk is alive
    other = backend.desk("loket2")
    with other.transaction() as step:  # another desk's step closes nothing of a live desk
        assert step.next_letter_sequence(SCOPE) == 4
    with other.reading() as step:
        assert len(step.open_reservations()) == 3


def test_duplicate_number_code_and_digest_are_refused(backend: Backend) -> None:
    desk = backend.desk()
    first = finish(desk, reserve(desk), LetterStatus.TERBIT, "terbit", sha256="a" * 64)
    for clash in ({"nomor_surat": first["nomor_surat"]}, {"kode_verifikasi": first["kode_verifikasi"]}):
        with pytest.raises(SaktiError), desk.transaction() as step:
            step.add_letter(new_letter(step.next_letter_sequence(SCOPE), None, **clash))  # type: ignore[arg-type]
    second = reserve(desk)
    assert second["urut"] == 2  # the refused steps left nothing, not even their numbers
    with pytest.raises(StateConflict, match="SHA-256"):  # PostgreSQL: a unique constraint; TinyDB: its index
        finish(desk, second, LetterStatus.TERBIT, "terbit", sha256="a" * 64)  # one PDF, one letter
    assert state(desk, second)["status"] == "DIPESAN"
    with desk.reading() as step:
        for lookup in ({"number": first["nomor_surat"]}, {"code": first["kode_verifikasi"]}, {"sha256": "a" * 64}):
            found = step.find_letter(**lookup)
            assert found is not None and found["id"] == first["id"], lookup
        assert step.find_letter(number="474/999/KEC/XI/2026") is None
        assert step.find_letter(sha256="b" * 64) is None
        assert step.counter(SCOPE) == 2


def _reserve_queue_and_die(register: session.Register) -> tuple[dict[str, Any], dict[str, Any]]:
    """A desk that prepares one letter for its signatory, reserves another, and dies."""
    waiting = finish(register, reserve(register, "REG-202611-0001"), LetterStatus.MENUNGGU_TTD, "siapkan",
                     disiapkan="2026-11-22T09:31:00+07:00", pdf_belum_ttd="data/antrean/x.pdf")
    return waiting, reserve(register, "REG-202611-0001")


def test_an_abandoned_reservation_is_closed_batal_by_the_next_desk_and_queue_letters_stay(backend: Backend) -> None:
    desk = backend.desk()
    reg = register_app(desk)
    mine = reserve(desk, reg)  # this desk's own, alive
    waiting, abandoned = backend.dying_desk(_reserve_queue_and_die)
    with desk.reading() as step:  # reading closes nothing: only a writing step does
        held = {r.nomor_surat: r for r in step.open_reservations()}
        assert list(held) == [mine["nomor_surat"], abandoned["nomor_surat"]]
        assert not step.reservation_abandoned(held[mine["nomor_surat"]])
    assert wait_for(lambda: _abandoned(desk, abandoned))
    with desk.transaction():  # the next writing step closes it
        pass
    closed = state(desk, abandoned)
    assert (closed["status"], closed["alasan_batal"]) == ("BATAL", "proses terhenti")
    assert state(desk, mine)["status"] == "DIPESAN"
    with desk.reading() as step:
        assert [r.nomor_surat for r in step.open_reservations()] == [mine["nomor_surat"]]
        assert [w["nomor_surat"] for w in step.signing_queue()] == [waiting["nomor_surat"]]  # never closed
        assert [w["nomor_surat"] for w in step.signing_queue("camat")] == [waiting["nomor_surat"]]
        assert step.signing_queue("sekcam") == []
        record = step.get_application(reg)
        assert record is not None and record["nomor_batal"] == [abandoned["nomor_surat"]]
        voided = [e for e in step.events() if e["aksi"] == "batal_nomor"]
        assert [(e["objek"], e["detail"]["alasan"]) for e in voided] == [(abandoned["nomor_surat"], "proses terhenti")]
    assert reserve(desk)["urut"] == 4  # the closed number is never handed out again


def _abandoned(register: session.Register, letter: dict[str, Any]) -> bool:
    """The reservation's desk is gone (a reading session sees it, and closes nothing)."""
    with register.reading() as step:
        return any(step.reservation_abandoned(r) for r in step.open_reservations() if r.letter_id == letter["id"])


def test_a_closed_reservation_cannot_be_completed(backend: Backend) -> None:
    """The backend refuses it (PostgreSQL: the letter's row locked, its reservation re-checked; TinyDB: the
    stored status re-read under the lock, states.letter_may_become), whatever the pipeline checked before."""
    desk = backend.desk()
    reg = register_app(desk)
    stale = backend.dying_desk(lambda register: reserve(register, reg))
    assert wait_for(lambda: _abandoned(desk, stale))
    with desk.transaction():
        pass
    for to, action in ((LetterStatus.TERBIT, "terbit"), (LetterStatus.MENUNGGU_TTD, "siapkan")):
        with pytest.raises(StateConflict, match="BATAL"):
            finish(desk, stale, to, action, sha256="c" * 64)
    closed = state(desk, stale)
    assert closed["status"] == "BATAL" and "sha256" not in closed


def test_pg_a_desk_whose_connection_dropped_cannot_complete(backend: Backend) -> None:
    if backend.office is None:
        pytest.skip("PostgreSQL: a desk's connection")
    desk = backend.desk()
    reserved = reserve(desk, register_app(desk))
    with backend.office.db.admin(autocommit=True) as admin:  # the server ends the desk's connection
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                      (backend.office.role,))
    with pytest.raises(EnvironmentProblem, match="Server register tidak dapat dihubungi"):
        finish(desk, reserved, LetterStatus.TERBIT, "terbit", sha256="d" * 64)
    other = backend.desk("loket2")
    assert wait_for(lambda: _abandoned(other, reserved))
    with other.transaction():
        pass
    again = backend.desk()  # the desk reconnects and tries to record the letter it had signed
    with pytest.raises(StateConflict, match=r"sudah ditutup \(status BATAL\)"):
        finish(again, reserved, LetterStatus.TERBIT, "terbit", sha256="d" * 64)
    assert state(again, reserved)["status"] == "BATAL"


def test_reading_session_refuses_writes(backend: Backend) -> None:
    desk = backend.desk()
    reg = register_app(desk)
    letter = reserve(desk, reg)
    writes = [lambda s: s.next_registration_sequence(MONTH), lambda s: s.next_letter_sequence(SCOPE),
              lambda s: s.set_counter(SCOPE, 9), lambda s: s.add_number_start({"lingkup": SCOPE}),
              lambda s: s.add_application(application("REG-202611-0099")),
              lambda s: s.save_application(application(reg)), lambda s: s.add_letter(new_letter(9, None)),
              lambda s: s.save_letter(letter), lambda s: s.record_batch_row("k", reg),
              lambda s: s.set_nik_applications("d" * 64, []), lambda s: s.audit("ubah", reg)]
    for write in writes:
        with pytest.raises((RuntimeError, SaktiError)), desk.reading() as step:
            assert step.writing is False
            write(step)
    with desk.reading() as step:
        assert step.counter(SCOPE) == 1 and step.get_application("REG-202611-0099") is None
        assert [e["aksi"] for e in step.events()] == ["daftar", "pesan_nomor"]


def test_pg_reading_takes_no_lock_while_another_desk_writes(backend: Backend) -> None:
    if backend.office is None:
        pytest.skip("PostgreSQL: row locks of a step in progress")
    desk, other = backend.desk(), backend.desk("loket2")
    reg = register_app(desk)
    inside, release = threading.Event(), threading.Event()

    def writer() -> None:
        with other.transaction() as step:
            step.next_letter_sequence(SCOPE)
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(10)
        with desk.reading() as step:  # the writer holds the audit head and the counter: reading waits on neither
            assert step.get_application(reg) is not None and step.counter(SCOPE) == 0
    finally:
        release.set()
        thread.join(10)


def test_pg_a_step_waits_for_another_desk_at_most_its_lock_timeout(backend: Backend) -> None:
    if backend.office is None:
        pytest.skip("PostgreSQL: the lock timeout of a step")
    from sakti_cli.cli.errors import exit_code_for
    from sakti_cli.core.errors import RegisterBusy

    desk, other = backend.desk(), backend.desk("loket2")
    other.lock_timeout = 0.2  # type: ignore[attr-defined]
    with desk.transaction() as step:  # a desk in the middle of a step (its office's audit head locked)
        step.next_letter_sequence(SCOPE)
        with pytest.raises(RegisterBusy, match=r"dipakai desk lain lebih dari 0\.2 detik") as busy, other.transaction():
            pass
    assert exit_code_for(busy.value) == 5
    assert reserve(other)["urut"] == 2  # once the first step is done, the other desk goes on


def test_file_store_keeps_and_fetches_a_file(backend: Backend) -> None:
    desk = backend.desk()
    path = backend.root / "data" / "berkas" / "REG-202611-0001" / "ktp.jpg"
    path.parent.mkdir(parents=True)
    content = b"\xff\xd8\xff scan " + secrets.token_bytes(2000)
    path.write_bytes(content)
    digest = desk.store.keep(path)
    assert digest == hashlib.sha256(content).hexdigest()
    assert desk.store.keep(path, digest) == digest  # again: stored once
    assert desk.store.fetch(path, digest).read_bytes() == content
    with pytest.raises(FileUnreadable):
        desk.store.fetch(path, "e" * 64)  # a digest the store does not hold
    desk.store.forget(path, digest)
    assert not path.exists()
    with pytest.raises(FileUnreadable):
        desk.store.fetch(path, digest)


def test_pg_files_reach_another_desk_and_a_damaged_cached_copy_is_fetched_again(backend: Backend,
                                                                                tmp_path: Any) -> None:
    if backend.office is None:
        pytest.skip("PostgreSQL: files in the database, the workspace a cache")
    from sakti_cli.register.pg.session import PgRegister

    desk = backend.desk()
    relative = "data/surat/2026/11/474-001.pdf"
    path = backend.root / relative
    path.parent.mkdir(parents=True)
    content = b"%PDF-1.7 " + secrets.token_bytes(3000)
    path.write_bytes(content)
    with desk.transaction() as step:  # kept in the step that records it: one commit
        digest = desk.store.keep(path)
        step.audit("terbit", "474/001/KEC/XI/2026", sha256=digest)
    elsewhere = tmp_path / "desk2"  # another computer: its own workspace folder, the same register
    other = PgRegister(backend.office.connect(), url=backend.office.url, root=elsewhere / "data" / "register",
                       workspace_root=elsewhere, zone=desk.zone)
    backend.opened.append(other)
    fetched = other.store.fetch(elsewhere / relative, digest)
    assert fetched.read_bytes() == content and fetched.stat().st_mode & 0o777 == 0o600
    fetched.write_bytes(b"%PDF-1.7 diubah")  # the cached copy damaged: fetched again from the database
    assert other.store.fetch(fetched, digest).read_bytes() == content
    with pytest.raises(FileUnreadable, match="tidak berada di folder kantor"):
        other.store.keep(tmp_path / "di-luar.pdf")
    with pytest.raises(psycopg.errors.CheckViolation), backend.office.connect() as raw:  # the database checks it
        raw.execute("UPDATE berkas SET isi = 'lain'::bytea WHERE sha256 = %s", (digest,))


def test_audit_chain_is_intact_and_found_by_object(backend: Backend) -> None:
    desk, other = backend.desk(), backend.desk("loket2")
    reg = register_app(desk)
    letter = finish(other, reserve(other, reg), LetterStatus.TERBIT, "terbit", sha256="f" * 64)
    with desk.transaction() as step:
        step.audit("cetak", letter["nomor_surat"], "TERBIT", "TERBIT", nomor_registrasi=reg)
    with desk.reading() as step:
        events = list(step.events())
        assert [e["aksi"] for e in events] == ["daftar", "pesan_nomor", "terbit", "cetak"]
        prev = GENESIS
        for event in events:  # one chain over both desks
            assert event["prev"] == prev and event_hash(event) == event["hash"]
            prev = event["hash"]
        assert [e["hash"] for e in step.events(newest_first=True)] == [e["hash"] for e in reversed(events)]
        about = [e["aksi"] for e in step.events(objek=reg.lower())]  # its letter's events name it in detail
        assert about == ["daftar", "pesan_nomor", "terbit", "cetak"]
        assert [e["aksi"] for e in step.events(objek=letter["nomor_surat"])] == ["pesan_nomor", "terbit", "cetak"]
        assert list(step.events(objek="REG-202611-0999")) == []
        assert step.registration_recorded(reg) and not step.registration_recorded("REG-202611-0999")
    if backend.office is not None:
        from sakti_cli.register.pg.audit import chain_problems

        with backend.office.connect() as conn, conn.cursor() as cur:
            assert chain_problems(cur) == []


def test_listings_with_filters_and_paging(backend: Backend) -> None:
    desk = backend.desk()
    regs = [register_app(desk, layanan=("sktm", "domisili")[i % 2], dibuat=f"2026-11-0{i + 1}T10:00:00+07:00",
                         status=("DITERIMA", "LENGKAP")[i // 3]) for i in range(5)]
    with desk.reading() as step:
        assert [r["nomor_registrasi"] for r in step.applications()] == regs
        assert [r["nomor_registrasi"] for r in step.applications(session.ApplicationFilter(layanan="sktm"))] == \
            regs[0::2]
        dated = session.ApplicationFilter(dari=_day(2), sampai=_day(4))
        assert [r["nomor_registrasi"] for r in step.applications(dated)] == regs[1:4]
        assert [r["nomor_registrasi"] for r in step.applications(session.ApplicationFilter(status=("LENGKAP",)))] \
            == regs[3:]
        assert [r["nomor_registrasi"] for r in step.applications(page=session.Page(offset=1, limit=2))] == regs[1:3]
        assert list(step.applications(page=session.Page(offset=5))) == []
    letters = [reserve(desk, regs[i], layanan=("sktm", "domisili")[i % 2], dipesan=f"2026-11-0{i + 1}T10:00:00+07:00",
                       penandatangan={"id": ("camat", "sekcam")[i // 3]}) for i in range(5)]
    finish(desk, letters[1], LetterStatus.TERBIT, "terbit", sha256="1" * 64)
    finish(desk, letters[2], LetterStatus.BATAL, "batal_nomor", alasan_batal="salah ketik")
    numbers = [x["nomor_surat"] for x in letters]
    with desk.reading() as step:
        def listed(where: session.LetterFilter | None = None, page: session.Page | None = None) -> list[str]:
            return [x["nomor_surat"] for x in step.letters(where, page)]

        assert listed() == numbers
        assert listed(session.LetterFilter(layanan="domisili")) == numbers[1::2]
        assert listed(session.LetterFilter(dari=_day(2), sampai=_day(3))) == numbers[1:3]
        assert listed(session.LetterFilter(status=("TERBIT", "BATAL"))) == numbers[1:3]
        assert listed(session.LetterFilter(penandatangan="sekcam")) == numbers[3:]
        assert listed(session.LetterFilter(nomor_registrasi=regs[4])) == numbers[4:]
        assert listed(session.LetterFilter(nomor_surat=numbers[0])) == numbers[:1]
        assert listed(session.LetterFilter(status=("DIPESAN",)), session.Page(offset=1, limit=1)) == numbers[3:4]


def _day(day: int) -> Any:
    from datetime import date

    return date(2026, 11, day)


def test_small_lookups_counters_and_number_starts(backend: Backend) -> None:
    desk = backend.desk()
    reg = register_app(desk)
    with desk.transaction() as step:
        assert step.batch_row("b" * 64) is None
        step.record_batch_row("b" * 64, reg)
        step.set_nik_applications("c" * 64, [{"nomor_registrasi": reg, "layanan": "sktm"}])
        step.add_number_start({"lingkup": SCOPE, "tahun": 2026, "dari": 41, "sebelumnya": 0})
        step.set_counter(SCOPE, 40)
        record = step.get_application(reg)
        assert record is not None
        record["status"] = "LENGKAP"
        step.save_application(record)
    with desk.reading() as step:
        assert step.batch_row("b" * 64) == reg
        assert step.nik_applications("c" * 64) == [{"nomor_registrasi": reg, "layanan": "sktm"}]
        assert step.nik_applications("0" * 64) == []
        assert [s["dari"] for s in step.number_starts()] == [41]
        assert step.counter(SCOPE) == 40
        found = step.get_application(reg)
        assert found is not None and found["status"] == "LENGKAP"
        assert step.get_application("REG-202611-0404") is None
    assert reserve(desk)["urut"] == 41
    with pytest.raises(SaktiError), desk.transaction() as step:  # a registration number is never added twice
        step.add_application(application(reg))  # type: ignore[arg-type]


def test_pg_a_reading_inside_a_step_reads_that_step(backend: Backend) -> None:
    if backend.office is None:
        pytest.skip("PostgreSQL: one connection per desk")
    desk = backend.desk()
    with desk.transaction() as step:
        reg = f"REG-{MONTH}-{step.next_registration_sequence(MONTH):04d}"
        step.add_application(application(reg))  # type: ignore[arg-type]
        with desk.reading() as inner:
            assert inner.get_application(reg) is not None and inner.writing is False
        step.audit("daftar", reg)
    with desk.reading() as step:
        assert [e["aksi"] for e in step.events()] == ["daftar"]


def _desk_issuing(backend: Backend, count: int, start: Any, out: Any) -> None:
    desk = backend.desk(f"desk{count}")
    start.wait(timeout=30)
    for _ in range(count):
        letter = reserve(desk)
        finish(desk, letter, LetterStatus.TERBIT, "terbit", sha256=secrets.token_hex(32))
        out.put(letter["urut"])


def test_three_desks_at_once_get_distinct_consecutive_numbers(backend: Backend) -> None:
    from register_backends import FORK

    start, out = FORK.Barrier(3), FORK.Queue()
    desks = [FORK.Process(target=_desk_issuing, args=(backend, 3, start, out)) for _ in range(3)]
    for desk in desks:
        desk.start()
    for desk in desks:
        desk.join(timeout=60)
    assert [desk.exitcode for desk in desks] == [0, 0, 0]
    assert sorted(out.get(timeout=5) for _ in range(9)) == list(range(1, 10))  # no gap, none twice
    with backend.desk().reading() as step:
        assert step.open_reservations() == [] and step.counter(SCOPE) == 9
        assert len(list(step.letters(session.LetterFilter(status=("TERBIT",))))) == 9
        events = list(step.events())
        assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(events))  # one chain


def test_pg_a_step_within_a_step_leaves_its_leases_to_the_outer_one(backend: Backend) -> None:
    if backend.office is None:
        pytest.skip("PostgreSQL: leases of nested steps")
    desk = backend.desk()
    reg = register_app(desk)
    letter = reserve(desk, reg)
    with pytest.raises(RuntimeError), desk.transaction():
        finish(desk, letter, LetterStatus.BATAL, "batal_nomor")  # nested: committed only with the outer step
        raise RuntimeError("langkah luar gagal")
    assert state(desk, letter)["status"] == "DIPESAN"
    with backend.desk("loket2").reading() as step:  # still held by this desk: not abandoned
        assert [step.reservation_abandoned(r) for r in step.open_reservations()] == [False]
