"""PostgreSQL register (issue 12): gapless letter numbers across desks, a dead desk's reservation closed
BATAL by the next desk, a closed reservation never completed. Desks are real processes on a real server."""

from __future__ import annotations

import multiprocessing
import os
import secrets
import signal
import time
from datetime import datetime
from typing import Any

import psycopg
import pytest
from pg_server import Database, Office

from sakti_cli.core.errors import ConfigError, StateConflict
from sakti_cli.register.pg.audit import chain_problems, read_events
from sakti_cli.register.pg.numbers import (
    claim_open,
    close_stale_reservations,
    counter_value,
    finish_reservation,
    open_reservations,
    reserve_number,
)
from sakti_cli.register.pg.rows import get_application, get_letter, insert_application, waiting_letters

MOMENT = datetime.fromisoformat("2026-11-22T09:30:00+07:00")
SCOPE = "layanan|SKTM|2026"
FORK = multiprocessing.get_context("fork")  # no connection is open in the test process when a desk forks


def build(reg: str | None = "REG-202611-0001"):
    def letter(sequence: int) -> dict[str, Any]:
        return {"id": secrets.token_hex(8), "nomor_surat": f"474/{sequence:03}/KEC/XI/2026", "tahun": 2026,
                "layanan": "SKTM", "nomor_registrasi": reg, "kode_verifikasi": secrets.token_hex(8).upper(),
                "penandatangan": {"id": "camat"}, "bulan_pesan": "2026-11"}
    return letter


def _issue(conn: Any, letter_id: str) -> dict[str, Any]:
    return finish_reservation(conn, letter_id, "TERBIT", {"terbit": "2026-11-22T09:31:00+07:00",
                                                          "sha256": secrets.token_hex(32)},
                              actor="loket", moment=MOMENT, aksi="terbit")


def _desk_issuing(office: Office, count: int, start: Any, out: Any) -> None:
    """One desk: waits for the others, then reserves and issues ``count`` letters as fast as it can."""
    with office.connect() as conn:
        start.wait(timeout=30)
        for _ in range(count):
            reserved = reserve_number(conn, SCOPE, build(), actor=f"desk{os.getpid()}", moment=MOMENT)
            _issue(conn, reserved.letter["id"])
            out.put(reserved.letter["urut"])


def _desk_dying(office: Office, ready: Any, *, queue_first: bool = False) -> None:
    """A desk that reserves (after queueing one letter for signature when asked) and hangs until killed."""
    conn = office.connect()
    if queue_first:
        waiting = reserve_number(conn, SCOPE, build(), actor="desk-mati", moment=MOMENT)
        finish_reservation(conn, waiting.letter["id"], "MENUNGGU_TTD", {}, actor="desk-mati", moment=MOMENT,
                           aksi="antre_ttd")
    reserve_number(conn, SCOPE, build(), actor="desk-mati", moment=MOMENT)
    ready.set()
    time.sleep(60)


def _close_when_dead(conn: Any, expected: int = 1) -> list[dict[str, Any]]:
    """The server frees a dead desk's lease as soon as it sees the connection gone: poll briefly."""
    closed: list[dict[str, Any]] = []
    for _ in range(100):
        closed += close_stale_reservations(conn, actor="loket2", moment=MOMENT)
        if len(closed) >= expected:
            break
        time.sleep(0.05)
    return closed


def _with_application(office: Office) -> None:
    with office.connect() as conn, conn.cursor() as cur:
        insert_application(cur, {"nomor_registrasi": "REG-202611-0001", "status": "DIPERIKSA", "layanan": "SKTM",
                                 "nomor_batal": []})


def test_four_desks_at_once_get_distinct_consecutive_numbers(pg: Database) -> None:
    office = pg.office("loket")
    start, out = FORK.Barrier(4), FORK.Queue()
    desks = [FORK.Process(target=_desk_issuing, args=(office, 5, start, out)) for _ in range(4)]
    for desk in desks:
        desk.start()
    for desk in desks:
        desk.join(timeout=60)
    assert [desk.exitcode for desk in desks] == [0, 0, 0, 0]
    numbers = sorted(out.get(timeout=5) for _ in range(20))
    assert numbers == list(range(1, 21))  # distinct and consecutive: no gap, no number twice
    with office.connect() as conn, conn.cursor() as cur:
        assert counter_value(cur, SCOPE) == 20
        assert open_reservations(cur) == []
        cur.execute("SELECT count(*), count(DISTINCT nomor_surat) FROM surat WHERE status = 'TERBIT'")
        assert cur.fetchone() == (20, 20)
        assert chain_problems(cur) == []  # 40 events from 4 desks, one unbroken chain
        assert [e["aksi"] for e in read_events(cur)].count("pesan_nomor") == 20


def test_a_killed_desk_reservation_is_closed_batal_and_numbering_continues(pg: Database) -> None:
    office = pg.office("loket")
    _with_application(office)
    ready = FORK.Event()
    desk = FORK.Process(target=_desk_dying, args=(office, ready), kwargs={"queue_first": True})
    desk.start()
    assert ready.wait(timeout=30)
    with office.connect() as conn:
        # the desk is alive: its reservation is not stale, whoever looks
        assert close_stale_reservations(conn, actor="loket2", moment=MOMENT) == []
        assert [r["nomor_surat"] for r in open_reservations(conn.cursor())] == ["474/002/KEC/XI/2026"]
    os.kill(desk.pid, signal.SIGKILL)
    desk.join(timeout=10)
    assert desk.exitcode == -signal.SIGKILL
    with office.connect() as conn:
        closed = _close_when_dead(conn)
        assert [(c["nomor_surat"], c["status"], c["alasan_batal"]) for c in closed] == [
            ("474/002/KEC/XI/2026", "BATAL", "proses terhenti")]
        assert close_stale_reservations(conn, actor="loket2", moment=MOMENT) == []  # closed once
        cur = conn.cursor()
        assert open_reservations(cur) == []
        # the letter it had queued for signature waits for its signatory: never closed this way
        assert [w["nomor_surat"] for w in waiting_letters(cur)] == ["474/001/KEC/XI/2026"]
        assert get_application(cur, "REG-202611-0001")["nomor_batal"] == ["474/002/KEC/XI/2026"]
        conn.commit()
        nxt = reserve_number(conn, SCOPE, build(), actor="loket2", moment=MOMENT)
        assert nxt.letter["urut"] == 3  # no gap, the closed number not reused
        _issue(conn, nxt.letter["id"])
        batal = [e for e in read_events(cur) if e["aksi"] == "batal_nomor"]
        assert [(e["objek"], e["detail"]["alasan"]) for e in batal] == [("474/002/KEC/XI/2026", "proses terhenti")]
        assert chain_problems(cur) == []


def test_a_closed_reservation_cannot_be_completed(pg: Database) -> None:
    office = pg.office("loket")
    desk = office.connect()
    reserved = reserve_number(desk, SCOPE, build(None), actor="loket", moment=MOMENT)
    with pg.admin(autocommit=True) as admin:  # the desk's connection drops (the server ends it)
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s AND pid <> "
                      "pg_backend_pid()", (office.role,))
    with pytest.raises(psycopg.OperationalError):
        _issue(desk, reserved.letter["id"])
    with office.connect() as other:
        assert [c["nomor_surat"] for c in _close_when_dead(other)] == ["474/001/KEC/XI/2026"]
    with office.connect() as again:  # the desk reconnects and tries to record the letter it had signed
        with pytest.raises(StateConflict) as refused:
            _issue(again, reserved.letter["id"])
        assert "sudah ditutup (status BATAL)" in refused.value.pesan
        letter = get_letter(again.cursor(), reserved.letter["id"])
        assert letter is not None and letter["status"] == "BATAL" and "sha256" not in letter


def test_a_reservation_held_by_a_live_desk_is_refused_to_another(pg: Database) -> None:
    office = pg.office("loket")
    with office.connect() as holder, office.connect() as other:
        reserved = reserve_number(holder, SCOPE, build(None), actor="loket", moment=MOMENT)
        with pytest.raises(StateConflict) as refused, other.transaction():
            claim_open(other.cursor(), reserved.letter["id"])
        assert "dipegang desk lain" in refused.value.pesan
        issued = _issue(holder, reserved.letter["id"])  # its own desk completes it
        assert issued["status"] == "TERBIT"
        cur = holder.cursor()
        cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        assert cur.fetchone() == (0,)  # the lease let go once the letter left DIPESAN


def test_a_failed_reservation_uses_no_number(pg: Database) -> None:
    office = pg.office("loket")

    def broken(sequence: int) -> dict[str, Any]:
        raise RuntimeError("pola nomor rusak")

    def number_one_again(sequence: int) -> dict[str, Any]:
        return build(None)(1)  # a pattern that ignores {urut}: the number repeats

    with office.connect() as conn:
        with pytest.raises(RuntimeError):
            reserve_number(conn, SCOPE, broken, actor="loket", moment=MOMENT)
        first = reserve_number(conn, SCOPE, build(None), actor="loket", moment=MOMENT)
        assert first.letter["urut"] == 1  # the failed step's increment was rolled back with it
        with pytest.raises(ConfigError, match="sudah pernah dipakai"):
            reserve_number(conn, SCOPE, number_one_again, actor="loket", moment=MOMENT)
        cur = conn.cursor()
        assert counter_value(cur, SCOPE) == 1
        assert [r["nomor_surat"] for r in open_reservations(cur)] == ["474/001/KEC/XI/2026"]
        cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        assert cur.fetchone() == (1,)  # only the open reservation's lease: the failed ones let theirs go
        assert [e["aksi"] for e in read_events(cur)] == ["pesan_nomor"]
