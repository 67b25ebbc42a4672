"""The register interface (:mod:`sakti_cli.register.session`) on PostgreSQL: :class:`PgRegister`, :class:`PgSession`.

One desk, one connection, open for the register's life: the leases of its reservations (session-level advisory
locks, :mod:`.numbers`) live as long as it does, so a desk that dies (SIGKILL, power cut, dropped network) loses
them and the next desk closes its reservations BATAL "proses terhenti".

A step (:meth:`PgRegister.transaction`) is one psycopg transaction:
- first, in a transaction of its own that stands whatever follows (as the TinyDB register commits its recovery
  at the start of a step), the abandoned reservations of other desks are closed;
- then the office's audit head row is locked, before anything else: every writing step of an office takes the
  same first lock, so two desks' steps run one after the other whatever records they touch (as TinyDB's file
  lock makes them, and without a deadlock between desks); offices never wait for each other;
- the scope's counter row is locked by ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` in the transaction
  that records the reservation, the letter's unique number, code and digests are the database's constraints;
- a letter leaving DIPESAN re-checks, under its row's lock, that its reservation is still open and its lease
  this connection's (:func:`.numbers.claim_open`): a desk whose reservation was closed meanwhile cannot
  complete it; the lease is let go once the step commits.
A reading step (:meth:`PgRegister.reading`) is a READ ONLY, REPEATABLE READ transaction: one snapshot, no lock.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sakti_cli.core.clock import now
from sakti_cli.core.errors import NotFound, StateConflict
from sakti_cli.core.privacy import mask_text
from sakti_cli.register import session
from sakti_cli.register.pg import numbers, rows
from sakti_cli.register.pg.audit import append_event
from sakti_cli.register.pg.url import describe
from sakti_cli.register.states import LETTER_MOVES, LetterStatus
from sakti_cli.register.trail import default_actor

if TYPE_CHECKING:
    import psycopg

    from sakti_cli.office.workspace import Workspace
    from sakti_cli.register.pg.store import PgFileStore

CHUNK = 500  # rows fetched at a time by a listing: memory stays bounded whatever the register's size
RESERVED = LetterStatus.DIPESAN


class ReadOnlySession(RuntimeError):
    """A change asked of a reading session: a programming error (the database would refuse it too)."""


def lock_head(cur: Any) -> None:
    """Lock the office's audit head row (made at the first step): the first lock of every writing step."""
    from sakti_cli.register.trail import GENESIS

    cur.execute("INSERT INTO audit_kepala (hash, jumlah) VALUES (%s, 0) ON CONFLICT (kantor) DO UPDATE "
                "SET jumlah = audit_kepala.jumlah", (GENESIS,))


class PgRegister(session.Register):
    """The register of a workspace whose ``[register] url`` (or ``SAKTI_REGISTER_URL``) names a server."""

    backend: session.Backend = "postgresql"

    def __init__(self, conn: psycopg.Connection[Any], *, url: str, root: Path, workspace_root: Path,
                 zone: timezone, actor: str | None = None, lock_timeout: float = 30.0) -> None:
        from sakti_cli.register.pg.store import PgFileStore

        self.conn = conn
        self.url = url
        self.root = root
        self.zone = zone
        self.actor = mask_text(actor or default_actor())  # stored in records and the trail: a NIK typed is masked
        self.lock_timeout = lock_timeout  # seconds a step waits for another desk's (batas_tunggu_kunci)
        self.recover = True  # close other desks' abandoned reservations at the start of a writing step
        self.leases: set[int] = set()  # the leases this connection holds (its open reservations)
        self.swept: list[Path] | None = None  # what dead runs left on this computer (after the first write)
        self._lock = threading.RLock()  # one connection: one step at a time in this process
        self._outer: PgSession | None = None  # the writing step in progress
        self._store = PgFileStore(self, workspace_root)
        self.filled = False  # the office's applications without search keys were looked for (fill_keys)

    # --- steps ------------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[PgSession]:
        with self._lock, self._errors():
            if self.recover and not self.conn.info.transaction_status:  # not inside another step
                self.close_abandoned()
                self.fill_keys()
            with self._writing() as step:
                yield step
            if self.recover and self.swept is None:  # as TinyDB's first write of a run (recovery.py)
                from sakti_cli.register.recovery import sweep_leftovers

                self.swept = sweep_leftovers(self.root)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[PgSession]:
        """One writing transaction: the lock timeout, the office's audit head locked first; the leases of the
        reservations it closed let go once it commits, those it took once it rolls back."""
        outer = self._outer
        step = PgSession(self, writing=True)
        if outer is not None:  # a step within a step (a savepoint): its leases are the outer step's to let go
            step.taken, step.finished = outer.taken, outer.finished
        else:
            self._outer = step
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                step.cur = cur
                self._wait_at_most(cur)
                lock_head(cur)
                yield step
        except BaseException:
            if outer is None:
                for lease in step.taken:  # rolled back: those reservations never existed
                    self._release(lease)
            raise
        finally:
            step.cur = None
            self._outer = outer
        if outer is None:
            for lease in step.finished:  # committed: those letters left DIPESAN
                self._release(lease)

    @contextlib.contextmanager
    def reading(self) -> Iterator[PgSession]:
        from sakti_cli.register.pg.connect import reading

        inside = bool(self.conn.info.transaction_status)  # within a step of this desk: read in it
        if self.recover and not inside and not self.filled:
            with self._lock, self._errors():
                self.fill_keys()  # a listing by name finds the older applicants too (as TinyDB's migration does)
        with self._lock, self._errors(), (self.cursor() if inside else reading(self.conn)) as cur:
            step = PgSession(self, writing=False)
            step.cur = cur
            try:
                yield step
            finally:
                step.cur = None

    @contextlib.contextmanager
    def cursor(self) -> Iterator[Any]:
        """A cursor in the step in progress (a savepoint of it), else in a transaction of its own."""
        with self._lock, self._errors(), self.conn.transaction(), self.conn.cursor() as cur:
            yield cur

    def close_abandoned(self) -> bool:
        """Close BATAL "proses terhenti" the open reservations whose desk is gone (their lease free): TinyDB's
        recovery (:func:`sakti_cli.register.recovery.close_dead_reservations`) in a transaction of its own, which
        stands whatever the step after it does. One query when no other desk holds a reservation."""
        from sakti_cli.register.recovery import close_dead_reservations

        with self.conn.cursor() as cur:
            if not numbers.others_open(cur):
                return False  # only this desk's own reservations are open
        with self._writing() as step:
            changed = close_dead_reservations(step, self._store.workspace_root)
        return changed

    def fill_keys(self) -> int:
        """Once a run, at the first step: the search keys (``cari``, register/search.py) of this office's
        applications that have none (registered before the keys existed: m003), so ``permohonan``/``surat
        --nama/--desa`` find them; one index probe (m004) when none is left. In a step of its own, recorded by
        one ``isi_kunci_cari`` event with the count; CHUNK applications in memory at a time."""
        if self.filled:
            return 0
        self.filled = True
        with self.conn.cursor() as cur:
            cur.execute("SELECT 1 FROM permohonan WHERE NOT (data ? 'cari') LIMIT 1")
            if cur.fetchone() is None:
                return 0
        from sakti_cli.register.search import record_keys
        from sakti_cli.services.sop import service_finder

        find = service_finder(self._store.workspace_root / "sop")
        count, missing = 0, set()
        with self._writing() as step:
            while True:
                step.cur.execute("SELECT data FROM permohonan WHERE NOT (data ? 'cari') "
                                 "ORDER BY nomor_registrasi LIMIT %s FOR UPDATE", (CHUNK,))
                batch = [dict(row[0]) for row in step.cur.fetchall()]
                if not batch:
                    break
                for record in batch:
                    if find(str(record.get("layanan") or "")) is None:
                        missing.add(str(record.get("layanan")))
                    rows.save_application(step.cur, {**record, "cari": record_keys(find, record)})
                count += len(batch)
            step.audit("isi_kunci_cari", "register", None, count, jumlah=count, layanan_tanpa_sop=sorted(missing))
        return count

    def _wait_at_most(self, cur: Any) -> None:
        """A step waits for another desk's lock at most ``lock_timeout`` (then exit 5, as TinyDB's file lock)."""
        cur.execute(f"SET LOCAL lock_timeout = '{max(1, int(self.lock_timeout * 1000))}ms'")

    def _release(self, lease: int) -> None:
        numbers.release_lease(self.conn, lease)
        self.leases.discard(lease)

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """A connection lost mid-step (server stopped, network cut): exit 4 naming the server, no traceback."""
        import psycopg

        try:
            yield
        except psycopg.errors.LockNotAvailable:
            from sakti_cli.core.errors import RegisterBusy

            raise RegisterBusy(f"Register sedang dipakai desk lain lebih dari {self.lock_timeout:g} detik "
                               f"({describe(self.url)}).",
                               saran="Tunggu sebentar lalu ulangi; bila tidak ada desk yang sedang bekerja, periksa "
                                     "sambungan yang menggantung di server (pg_stat_activity).") from None
        except psycopg.OperationalError as exc:
            from sakti_cli.register.pg.connect import refusal

            raise refusal(exc, self.url) from None

    # --- the rest of the interface ------------------------------------------------------------------------------
    @property
    def store(self) -> PgFileStore:
        return self._store

    def moment(self) -> datetime:
        return now(self.zone)

    def describe(self) -> str:
        return self.url

    def close(self) -> None:
        """End the desk's connection (its leases go with it: open reservations become abandoned)."""
        self.conn.close()


class PgSession(session.RegisterSession):
    """One step on a :class:`PgRegister`: every method runs in the step's transaction."""

    def __init__(self, register: PgRegister, *, writing: bool) -> None:
        self.register = register
        self.actor = register.actor
        self.zone = register.zone
        self.moment = register.moment()
        self.writing = writing
        self.cur: Any = None
        self.taken: list[int] = []  # leases this step took (new reservations, ones taken over)
        self.finished: list[int] = []  # leases of reservations that left DIPESAN in this step

    def _c(self) -> Any:
        if self.cur is None:
            raise RuntimeError("sesi register sudah selesai: pakai di dalam blok 'with'")
        return self.cur

    def _w(self, what: str) -> Any:
        if not self.writing:
            raise ReadOnlySession(f"sesi baca saja tidak boleh mengubah register ({what})")
        return self._c()

    @contextlib.contextmanager
    def _savepoint(self) -> Iterator[Any]:
        """A write that a unique constraint may refuse: the refusal leaves the step usable (its error raised)."""
        with self.register.conn.transaction():
            yield self._c()

    # --- numbers ------------------------------------------------------------------------------------------------
    def next_registration_sequence(self, month: str) -> int:
        return numbers.next_value(self._w("nomor registrasi"), f"registrasi|{month}")

    def next_letter_sequence(self, scope: str) -> int:
        return numbers.next_value(self._w("nomor surat"), scope)

    def counter(self, key: str) -> int:
        return numbers.counter_value(self._c(), key)

    def set_counter(self, key: str, value: int) -> None:
        numbers.set_counter(self._w("penghitung"), key, value)

    def number_starts(self) -> list[dict[str, Any]]:
        cur = self._c()
        cur.execute("SELECT data FROM nomor_mulai ORDER BY nomor")
        return [dict(row[0]) for row in cur.fetchall()]

    def add_number_start(self, record: dict[str, Any]) -> None:
        self._w("nomor mulai").execute("INSERT INTO nomor_mulai (data) VALUES (%s)", (_jsonb(record),))

    # --- applications -------------------------------------------------------------------------------------------
    def get_application(self, reg: str) -> session.Application | None:
        try:
            return cast(session.Application, rows.get_application(self._c(), reg))
        except NotFound:
            return None

    def add_application(self, record: session.Application) -> None:
        import psycopg

        self._w("permohonan")
        try:
            with self._savepoint() as cur:
                rows.insert_application(cur, dict(record))
        except psycopg.errors.UniqueViolation:
            raise StateConflict(f"Nomor registrasi {record.get('nomor_registrasi')} sudah ada di register.",
                                saran="Nomor registrasi tidak dipakai dua kali; ulangi pendaftarannya.") from None

    def save_application(self, record: session.Application) -> None:
        cur = self._w("permohonan")
        rows.save_application(cur, dict(record))
        if cur.rowcount != 1:
            raise NotFound(f"Nomor registrasi {record.get('nomor_registrasi')} tidak ada di register.",
                           saran="Periksa nomornya; 'sakti permohonan' menampilkan yang ada.")

    def applications(self, where: session.ApplicationFilter | None = None, page: session.Page | None = None
                     ) -> Iterator[session.Application]:
        where = where or session.ApplicationFilter()
        conditions, params = _date_range("dibuat", where.dari, where.sampai)
        if where.layanan is not None:
            conditions.append("layanan = %s")
            params.append(where.layanan)
        if where.status:
            conditions.append("status = ANY(%s)")
            params.append([str(status) for status in where.status])
        searched = _search_conditions(where)
        conditions += searched[0]
        params += searched[1]
        for data in self._listing("permohonan", conditions, params, page):
            yield cast(session.Application, data)

    def registration_recorded(self, reg: str) -> bool:
        cur = self._c()
        cur.execute("SELECT 1 FROM audit WHERE objek = %s AND aksi = 'daftar' LIMIT 1", (reg,))
        return cur.fetchone() is not None

    # --- letters ------------------------------------------------------------------------------------------------
    def add_letter(self, letter: session.Letter) -> None:
        """A reservation (DIPESAN) takes its lease before the row is visible (never seen abandoned); a letter
        of another status (a copied register) is stored as it is."""
        import psycopg

        cur = self._w("surat")
        record = dict(letter)
        lease = None
        if record.get("status") == RESERVED:
            lease = numbers.lease_key()
            cur.execute("SELECT pg_advisory_lock(%s)", (lease,))
            self.taken.append(lease)
            self.register.leases.add(lease)
        try:
            with self._savepoint() as cur:
                rows.insert_letter(cur, record)
                if lease is not None:
                    cur.execute("INSERT INTO pemesanan (surat_id, kunci_sesi, proses) VALUES (%s, %s, %s)",
                                (record["id"], lease, _jsonb(record.get("proses"))))
        except psycopg.errors.UniqueViolation as exc:
            raise numbers.duplicate_letter(exc, str(record.get("lingkup"))) from None

    def save_letter(self, letter: session.Letter) -> None:
        """Write the letter. Leaving DIPESAN re-checks (row locked) that its reservation is still open and this
        desk's (StateConflict otherwise: closed meanwhile, or held by a live desk); a status the stored one
        cannot move to (a letter closed BATAL by another desk) is refused the same way."""
        import psycopg

        cur = self._w("surat")
        record: dict[str, Any] = dict(letter)
        stored = rows.get_letter(cur, record["id"], lock=True)
        if stored is None:
            raise NotFound(f"Surat {record.get('nomor_surat')} tidak ada di register.",
                           saran="Jalankan 'sakti register periksa'.")
        old, new = stored["status"], record["status"]
        if new != old and (old == RESERVED or new not in {to for _, to in LETTER_MOVES[LetterStatus(old)]}):
            _, lease = numbers.claim_open(cur, record["id"])  # raises unless open and this desk's to complete
            if lease not in self.register.leases:  # taken over now (this desk had lost it, no one closed it)
                self.taken.append(lease)
                self.register.leases.add(lease)
            self.finished.append(lease)
        try:
            with self._savepoint() as cur:
                rows.save_letter(cur, record)
        except psycopg.errors.UniqueViolation as exc:
            raise numbers.duplicate_letter(exc, str(record.get("lingkup"))) from None

    def reload_letter(self, letter: session.Letter | session.Reservation) -> session.Letter | None:
        letter_id = letter.letter_id if isinstance(letter, session.Reservation) else letter["id"]
        return cast(session.Letter | None, rows.get_letter(self._c(), letter_id))

    def find_letter(self, *, number: str | None = None, code: str | None = None, sha256: str | None = None
                    ) -> session.Letter | None:
        if not (number or code or sha256):
            return None
        return cast(session.Letter | None, rows.find_letter(self._c(), number=number or None, code=code or None,
                                                             sha256=sha256 or None))

    def letters(self, where: session.LetterFilter | None = None, page: session.Page | None = None
                ) -> Iterator[session.Letter]:
        where = where or session.LetterFilter()
        conditions, params = _date_range("dipesan", where.dari, where.sampai)
        for column, value in (("layanan", where.layanan), ("penandatangan", where.penandatangan),
                              ("nomor_surat", where.nomor_surat), ("nomor_registrasi", where.nomor_registrasi),
                              ("data->>'lingkup'", where.lingkup)):
            if value is not None:
                conditions.append(f"{column} = %s")
                params.append(value)
        if where.status:
            conditions.append("status = ANY(%s)")
            params.append([str(status) for status in where.status])
        for data in self._listing("surat", conditions, params, page):
            yield cast(session.Letter, data)

    def open_reservations(self) -> list[session.Reservation]:
        return [session.Reservation(letter_id=entry["id"], nomor_surat=entry["nomor_surat"],
                                    proses=entry["proses"], where=entry["kunci_sesi"])
                for entry in numbers.open_reservations(self._c())]

    def drop_reservation(self, reservation: session.Reservation) -> None:
        """Forget an open reservation whose letter left DIPESAN (save_letter already does; kept for the
        interface's recovery)."""
        self._w("pemesanan").execute("DELETE FROM pemesanan WHERE surat_id = %s", (reservation.letter_id,))

    def reservation_abandoned(self, reservation: session.Reservation) -> bool:
        cur = self._c()
        cur.execute("SELECT kunci_sesi FROM pemesanan WHERE surat_id = %s", (reservation.letter_id,))
        row = cur.fetchone()
        return row is not None and numbers.lease_lost(cur, int(row[0]))

    def signing_queue(self, signatory_id: str | None = None) -> list[session.Letter]:
        query = "SELECT data FROM surat WHERE status = %s"
        params: list[Any] = [LetterStatus.MENUNGGU_TTD.value]
        if signatory_id is not None:
            query += " AND penandatangan = %s"
            params.append(signatory_id)
        cur = self._c()
        cur.execute(query + " ORDER BY coalesce(data->>'disiapkan', ''), (data->>'tahun')::int NULLS FIRST, urut",
                    params)
        return [cast(session.Letter, dict(row[0])) for row in cur.fetchall()]

    # --- small lookups ------------------------------------------------------------------------------------------
    def batch_row(self, key: str) -> str | None:
        return rows.row_key_owner(self._c(), key)

    def record_batch_row(self, key: str, reg: str) -> None:
        self._w("baris massal").execute(
            "INSERT INTO kunci_baris (kunci, nomor_registrasi) VALUES (%s, %s) ON CONFLICT (kantor, kunci) "
            "DO UPDATE SET nomor_registrasi = EXCLUDED.nomor_registrasi", (key, reg))

    def nik_applications(self, digest: str) -> list[dict[str, Any]]:
        cur = self._c()
        cur.execute("SELECT coalesce(data, jsonb_build_object('nomor_registrasi', nomor_registrasi)) FROM indeks_nik "
                    "WHERE nik_sha256 = %s ORDER BY urut, nomor_registrasi", (digest,))
        return [dict(row[0]) for row in cur.fetchall()]

    def set_nik_applications(self, digest: str, entries: list[dict[str, Any]]) -> None:
        cur = self._w("indeks NIK")
        cur.execute("DELETE FROM indeks_nik WHERE nik_sha256 = %s", (digest,))
        for place, entry in enumerate(entries):
            cur.execute("INSERT INTO indeks_nik (nik_sha256, nomor_registrasi, data, urut) VALUES (%s, %s, %s, %s) "
                        "ON CONFLICT (kantor, nik_sha256, nomor_registrasi) DO UPDATE SET data = EXCLUDED.data, "
                        "urut = EXCLUDED.urut", (digest, str(entry["nomor_registrasi"]), _jsonb(entry), place))

    # --- the audit trail ----------------------------------------------------------------------------------------
    def audit(self, aksi: str, objek: str, sebelum: Any = None, sesudah: Any = None, **detail: Any) -> None:
        append_event(self._w("jejak audit"), self.actor, self.moment, aksi, objek, sebelum, sesudah, **detail)

    def events(self, *, objek: str | None = None, newest_first: bool = False) -> Iterator[dict[str, Any]]:
        """In chunks by chain number (keyset), so a long trail is never held whole."""
        import json

        cur = self._c()
        name = " ".join(objek.split()).upper() if objek else None
        last: int | None = None
        order, after = ("DESC", "<") if newest_first else ("ASC", ">")
        while True:
            conditions: list[str] = []
            params: list[Any] = []
            if name is not None:
                conditions.append("nomor IN (SELECT nomor FROM audit_nama WHERE nama = %s)")
                params.append(name)
            if last is not None:
                conditions.append(f"nomor {after} %s")
                params.append(last)
            where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            cur.execute(f"SELECT nomor, baris FROM audit{where} ORDER BY nomor {order} LIMIT {CHUNK}", params)
            found = cur.fetchall()
            for number, line in found:
                last = number
                yield json.loads(line)
            if len(found) < CHUNK:
                return

    # --- listings -----------------------------------------------------------------------------------------------
    def _listing(self, table: str, conditions: list[str], params: list[Any], page: session.Page | None
                 ) -> Iterator[dict[str, Any]]:
        """Rows of ``table`` in the order added, in chunks (keyset on ``nomor_baris``) after ``page.offset``."""
        cur = self._c()
        page = page or session.Page()
        left = page.limit
        offset, last = max(page.offset, 0), None
        while left is None or left > 0:
            size = CHUNK if left is None else min(CHUNK, left)
            where = [*conditions, *(["nomor_baris > %s"] if last is not None else [])]
            clause = f" WHERE {' AND '.join(where)}" if where else ""
            cur.execute(f"SELECT nomor_baris, data FROM {table}{clause} ORDER BY nomor_baris "
                        f"LIMIT {size} OFFSET {offset}", [*params, *([last] if last is not None else [])])
            found = cur.fetchall()
            offset = 0
            for number, data in found:
                last = number
                yield dict(data)
            if left is not None:
                left -= len(found)
            if len(found) < size:
                return


def _search_conditions(where: session.ApplicationFilter) -> tuple[list[str], list[Any]]:
    """Name, desa and NIK from the application's search keys (``data->'cari'``, register/search.py), through
    the GIN and expression indexes of m003: every typed word among the name's terms, or the words written
    together; the whole desa; the NIK's SHA-256 among the application's."""
    from sakti_cli.core.text import search_words

    conditions: list[str] = []
    params: list[Any] = []
    if where.nama is not None:
        typed = search_words(where.nama)
        conditions.append("((data->'cari'->'nama') @> %s::jsonb OR (data->'cari'->'nama') ? %s)")
        params += [json.dumps(typed or [""]), "".join(typed) or "-"]
    if where.desa is not None:
        conditions.append("(data->'cari'->>'desa') = %s")
        params.append(session.place_key(where.desa))
    if where.nik is not None:
        conditions.append("(data->'cari'->'nik') ? %s")
        params.append(session.nik_digest(where.nik))
    return conditions, params


def _date_range(column: str, dari: date | None, sampai: date | None) -> tuple[list[str], list[Any]]:
    """An ISO time column (written in the office's zone) between two local dates, inclusive."""
    conditions: list[str] = []
    params: list[Any] = []
    if dari is not None:
        conditions.append(f"{column} >= %s")
        params.append(dari.isoformat())
    if sampai is not None:
        conditions.append(f"{column} < %s")
        params.append(sampai.isoformat() + "T99")  # every time of that day sorts below it
    return conditions, params


def _jsonb(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


_OPEN: dict[tuple[str, str, str, str], PgRegister] = {}
KEEP_OPEN = 4  # desks kept connected per process (a command uses one; a copy between registers two)


def open_pg_register(ws: Workspace, *, zone: timezone, actor: str | None = None, url: str | None = None
                     ) -> PgRegister | None:
    """The workspace's PostgreSQL register (its connection made and its schema checked); None when no server
    is named (``[register] url``, ``SAKTI_REGISTER_URL`` or ``url`` from the command line).

    One desk per process: a command that opens its register twice gets the same connection again, so the
    reservation it made (its lease) is the one it completes. The oldest desk beyond KEEP_OPEN that holds no
    reservation is closed."""
    from sakti_cli.core.errors import UsageError
    from sakti_cli.register.pg.connect import desk_connection
    from sakti_cli.register.pg.url import check_url, register_url

    found = check_url(url, "baris perintah", UsageError) if url else (
        register_url(ws.config.register_settings.url) or (None, ""))[0]
    if found is None:
        return None
    key = (found, str(ws.root), mask_text(actor or default_actor()), str(zone))
    known = _OPEN.get(key)
    if known is not None and not known.conn.closed:
        return known
    conn = desk_connection(ws, url)
    if conn is None:
        return None
    register = PgRegister(conn, url=found, root=ws.register_dir, workspace_root=ws.root, zone=zone, actor=actor,
                          lock_timeout=ws.config.register_settings.batas_tunggu_kunci)
    _OPEN[key] = register
    for old_key, old in list(_OPEN.items())[:-KEEP_OPEN]:
        if old.conn.closed or not old.leases:
            old.close()
            del _OPEN[old_key]
    return register
