"""The register's tables in PostgreSQL, created and changed only by recorded migrations.

Each migration is a small function, applied once, in order, and recorded in ``skema_versi`` (version,
name, time), as simonw/llm's migrations.py does for SQLite. :func:`migrate` applies the missing ones in one
transaction under an advisory lock, so two desks starting at once do not both migrate and a failed migration
leaves nothing half done (PostgreSQL's DDL is transactional). A database migrated by a newer SAKTI is refused.

Every office's row carries ``kantor``, filled by the database with the connecting role (``session_user``),
and every table has a row-level security policy keyed by it, forced on the table's owner too
(:mod:`.offices`). A record is stored whole as ``data`` (jsonb, the same dict the TinyDB register keeps);
the columns that are looked up or constrained are generated from it, so they can never disagree with it.

Tables (all keyed by ``kantor`` first):
  permohonan    applications, by registration number
  surat         letters; unique letter number, verification code, SHA-256, and (scope, sequence)
  sidik_surat   every digest of a letter (its first signed PDF and later revisions), unique
  pemesanan     open reservations (DIPESAN) and the lease key that shows their desk is alive
  urutan        counters: registration numbers per month, letter numbers per scope
  audit         the hash-chained trail, one chain per office; audit_kepala holds its head (locked to append)
  berkas        scans and signed PDFs themselves (bytea) by SHA-256, checked by the database
  kunci_baris   batch row keys (sakti massal) -> registration number; indeks_nik: NIK digests -> applications
  kantor        the offices of this database (one role each); meta: settings of the database itself
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sakti_cli.core.errors import ConfigError

Migration = Callable[[Any], None]
MIGRATIONS: list[tuple[str, Migration]] = []
MIGRATION_LOCK = 0x5A4B5449_0001  # pg_advisory_xact_lock key: one migrating desk at a time
OFFICE_TABLES = ("permohonan", "surat", "sidik_surat", "pemesanan", "urutan", "audit", "audit_kepala", "berkas",
                 "kunci_baris", "indeks_nik")
"""Tables holding an office's rows: row-level security on each, keyed by ``kantor``."""
GROUP_KEY = "peran_kantor"
"""In ``meta``: the role every office's role belongs to, holding the grants (one per database)."""


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration (its version is its place in the list, from 1)."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def latest_version() -> int:
    return len(MIGRATIONS)


def applied_versions(conn: Any) -> list[int]:
    """Versions recorded in ``skema_versi``; [] when the schema was never created."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('skema_versi') IS NOT NULL")
        row = cur.fetchone()
        if not row or not row[0]:
            return []
        cur.execute("SELECT versi FROM skema_versi ORDER BY versi")
        return [int(version) for (version,) in cur.fetchall()]


def migrate(conn: Any) -> list[str]:
    """Apply the missing migrations in order (the caller owns the schema: the admin's role); their names."""
    import psycopg

    done: list[str] = []
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            cur.execute("CREATE TABLE IF NOT EXISTS skema_versi (versi integer PRIMARY KEY, nama text NOT NULL "
                        "UNIQUE, waktu timestamptz NOT NULL DEFAULT now())")
            applied = set(applied_versions(conn))
            _refuse_newer(applied)
            for version, (name, fn) in enumerate(MIGRATIONS, 1):
                if version in applied:
                    continue
                fn(cur)
                cur.execute("INSERT INTO skema_versi (versi, nama) VALUES (%s, %s)", (version, name))
                done.append(name)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise ConfigError(f"Peran ini tidak boleh membuat atau mengubah skema register: {exc.diag.message_primary}",
                          saran="Skema dibuat oleh pemilik basis data (admin), bukan oleh peran kantor; lihat "
                                "README, bagian register PostgreSQL.") from None
    return done


def check_schema(conn: Any) -> None:
    """For a desk (an office's role, which may not migrate): the schema is there and current."""
    applied = set(applied_versions(conn))
    _refuse_newer(applied)
    missing = [version for version in range(1, latest_version() + 1) if version not in applied]
    if missing:
        raise ConfigError(
            f"Skema register di server belum {'dibuat' if not applied else 'dimutakhirkan'} "
            f"(versi {max(applied, default=0)}, SAKTI ini memerlukan versi {latest_version()}).",
            saran="Minta admin menjalankan migrasi skema dengan peran pemilik basis data (lihat README, bagian "
                  "register PostgreSQL), lalu ulangi.")


def _refuse_newer(applied: set[int]) -> None:
    if applied and max(applied) > latest_version():
        raise ConfigError(
            f"Skema register di server versi {max(applied)}, lebih baru dari yang dikenal SAKTI ini "
            f"({latest_version()}).",
            saran="Perbarui SAKTI di komputer ini ke versi yang dipakai desk lain, lalu ulangi.")


def office_group(cur: Any) -> str:
    cur.execute("SELECT nilai FROM meta WHERE kunci = %s", (GROUP_KEY,))
    row = cur.fetchone()
    if row is None:
        raise ConfigError("Skema register belum dibuat (tabel meta kosong).",
                          saran="Jalankan migrasi skema sebagai pemilik basis data.")
    return str(row[0])


# --- the migrations, in order: never edit one that shipped, add the next ----------------------------------------
@migration
def m001_register(cur: Any) -> None:
    from psycopg import sql

    cur.execute(_M001)
    cur.execute("SELECT current_database()")
    (database,) = cur.fetchone()
    group = "sakti_kantor_" + "".join(ch if ch.isalnum() else "_" for ch in str(database).lower())
    group = group[:63]
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (group,))
    if cur.fetchone() is None:
        cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)))
    cur.execute("INSERT INTO meta (kunci, nilai) VALUES (%s, %s)", (GROUP_KEY, group))
    for table in OFFICE_TABLES:
        cur.execute(sql.SQL("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY; ALTER TABLE {t} FORCE ROW LEVEL SECURITY; "
                            "CREATE POLICY kantor_sendiri ON {t} USING (kantor = session_user) "
                            "WITH CHECK (kantor = session_user)").format(t=sql.Identifier(table)))
    # the owner (admin) lists every office; an office sees its own row only
    cur.execute("ALTER TABLE kantor ENABLE ROW LEVEL SECURITY; "
                "CREATE POLICY kantor_sendiri ON kantor USING (id = session_user)")
    grants = {
        "SELECT, INSERT, UPDATE, DELETE": ("permohonan", "pemesanan", "berkas", "kunci_baris", "indeks_nik"),
        "SELECT, INSERT, UPDATE": ("surat", "sidik_surat", "urutan", "audit_kepala"),
        "SELECT, INSERT": ("audit",),  # append-only (and a trigger refuses UPDATE/DELETE to everyone)
        "SELECT": ("skema_versi", "meta", "kantor"),
    }
    for privileges, tables in grants.items():
        cur.execute(sql.SQL("GRANT " + privileges + " ON {} TO {}").format(
            sql.SQL(", ").join(sql.Identifier(t) for t in tables), sql.Identifier(group)))


_M001 = """
CREATE TABLE meta (kunci text PRIMARY KEY, nilai text NOT NULL);
CREATE TABLE kantor (
    id text PRIMARY KEY,
    nama text NOT NULL,
    dibuat timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE permohonan (
    kantor text NOT NULL DEFAULT session_user,
    data jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
    nomor_registrasi text GENERATED ALWAYS AS (data->>'nomor_registrasi') STORED NOT NULL,
    status text GENERATED ALWAYS AS (data->>'status') STORED NOT NULL,
    layanan text GENERATED ALWAYS AS (data->>'layanan') STORED,
    dibuat text GENERATED ALWAYS AS (data->>'dibuat') STORED,
    PRIMARY KEY (kantor, nomor_registrasi)
);
CREATE INDEX permohonan_status ON permohonan (kantor, status);
CREATE TABLE surat (
    kantor text NOT NULL DEFAULT session_user,
    data jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
    id text GENERATED ALWAYS AS (data->>'id') STORED NOT NULL,
    nomor_surat text GENERATED ALWAYS AS (data->>'nomor_surat') STORED NOT NULL,
    kode_verifikasi text GENERATED ALWAYS AS (data->>'kode_verifikasi') STORED NOT NULL,
    sha256 text GENERATED ALWAYS AS (data->>'sha256') STORED,
    status text GENERATED ALWAYS AS (data->>'status') STORED NOT NULL
        CHECK (status IN ('DIPESAN', 'MENUNGGU_TTD', 'TERBIT', 'BATAL')),
    lingkup text GENERATED ALWAYS AS (data->>'lingkup') STORED NOT NULL,
    urut integer GENERATED ALWAYS AS ((data->>'urut')::integer) STORED NOT NULL CHECK (urut >= 1),
    nomor_registrasi text GENERATED ALWAYS AS (data->>'nomor_registrasi') STORED,
    penandatangan text GENERATED ALWAYS AS (data->'penandatangan'->>'id') STORED,
    bulan_pesan text GENERATED ALWAYS AS (data->>'bulan_pesan') STORED,
    PRIMARY KEY (kantor, id),
    CONSTRAINT surat_nomor_unik UNIQUE (kantor, nomor_surat),
    CONSTRAINT surat_kode_unik UNIQUE (kantor, kode_verifikasi),
    CONSTRAINT surat_sha256_unik UNIQUE (kantor, sha256),
    CONSTRAINT surat_urut_unik UNIQUE (kantor, lingkup, urut)
);
CREATE INDEX surat_antrean ON surat (kantor, penandatangan) WHERE status = 'MENUNGGU_TTD';
CREATE INDEX surat_permohonan ON surat (kantor, nomor_registrasi);
CREATE TABLE sidik_surat (
    kantor text NOT NULL DEFAULT session_user,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    surat_id text NOT NULL,
    PRIMARY KEY (kantor, sha256),
    FOREIGN KEY (kantor, surat_id) REFERENCES surat (kantor, id)
);
CREATE TABLE pemesanan (
    kantor text NOT NULL DEFAULT session_user,
    surat_id text NOT NULL,
    kunci_sesi bigint NOT NULL CHECK (kunci_sesi > 0),
    proses jsonb,
    dipesan timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kantor, surat_id),
    FOREIGN KEY (kantor, surat_id) REFERENCES surat (kantor, id)
);
CREATE TABLE urutan (
    kantor text NOT NULL DEFAULT session_user,
    kunci text NOT NULL,
    nilai bigint NOT NULL CHECK (nilai >= 0),
    PRIMARY KEY (kantor, kunci)
);
CREATE TABLE audit (
    kantor text NOT NULL DEFAULT session_user,
    nomor bigint NOT NULL CHECK (nomor >= 1),
    id text NOT NULL,
    waktu text NOT NULL,
    petugas text,
    aksi text NOT NULL,
    objek text,
    prev text NOT NULL,
    hash text NOT NULL,
    baris text NOT NULL,
    PRIMARY KEY (kantor, nomor),
    UNIQUE (kantor, hash)
);
CREATE INDEX audit_objek ON audit (kantor, objek);
CREATE FUNCTION audit_tetap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'jejak audit hanya boleh ditambah, tidak diubah atau dihapus';
END $$;
CREATE TRIGGER audit_tetap BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_tetap();
CREATE TABLE audit_kepala (
    kantor text PRIMARY KEY DEFAULT session_user,
    hash text NOT NULL,
    jumlah bigint NOT NULL CHECK (jumlah >= 0)
);
CREATE TABLE berkas (
    kantor text NOT NULL DEFAULT session_user,
    sha256 text NOT NULL,
    ukuran bigint NOT NULL,
    jenis text NOT NULL,
    isi bytea NOT NULL,
    dibuat timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kantor, sha256),
    CONSTRAINT berkas_sha256_cocok CHECK (encode(sha256(isi), 'hex') = sha256),
    CONSTRAINT berkas_ukuran_cocok CHECK (octet_length(isi) = ukuran)
);
ALTER TABLE berkas ALTER COLUMN isi SET STORAGE EXTERNAL;
CREATE TABLE kunci_baris (
    kantor text NOT NULL DEFAULT session_user,
    kunci text NOT NULL,
    nomor_registrasi text NOT NULL,
    PRIMARY KEY (kantor, kunci)
);
CREATE TABLE indeks_nik (
    kantor text NOT NULL DEFAULT session_user,
    nik_sha256 text NOT NULL,
    nomor_registrasi text NOT NULL,
    PRIMARY KEY (kantor, nik_sha256, nomor_registrasi)
);
"""


M002_TABLES = ("nomor_mulai", "audit_nama")
"""Office tables added by m002 (row-level security as m001's; OFFICE_TABLES stays what m001 enabled)."""


@migration
def m002_sesi(cur: Any) -> None:
    """What the register interface (sakti_cli.register.session) needs beyond m001: the order records were
    added in (``nomor_baris``), the reservation time and the service as columns (filters), the ``nomor
    mulai`` records, the per-object index of the trail (``riwayat --objek``,
    :func:`sakti_cli.register.trail.event_names`, filled for the events already there), and the NIK
    index's entries kept whole."""
    from psycopg import sql

    cur.execute(_M002)
    for table in M002_TABLES:
        cur.execute(sql.SQL("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY; ALTER TABLE {t} FORCE ROW LEVEL SECURITY; "
                            "CREATE POLICY kantor_sendiri ON {t} USING (kantor = session_user) "
                            "WITH CHECK (kantor = session_user)").format(t=sql.Identifier(table)))
    cur.execute(sql.SQL("GRANT SELECT, INSERT ON nomor_mulai, audit_nama TO {}").format(
        sql.Identifier(office_group(cur))))


_M002 = """
ALTER TABLE surat ADD COLUMN nomor_baris bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE surat ADD COLUMN dipesan text GENERATED ALWAYS AS (data->>'dipesan') STORED;
ALTER TABLE surat ADD COLUMN layanan text GENERATED ALWAYS AS (data->>'layanan') STORED;
CREATE INDEX surat_baris ON surat (kantor, nomor_baris);
CREATE INDEX surat_dipesan ON surat (kantor, dipesan);
ALTER TABLE permohonan ADD COLUMN nomor_baris bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX permohonan_baris ON permohonan (kantor, nomor_baris);
CREATE INDEX permohonan_dibuat ON permohonan (kantor, dibuat);
ALTER TABLE indeks_nik ADD COLUMN data jsonb CHECK (data IS NULL OR jsonb_typeof(data) = 'object');
ALTER TABLE indeks_nik ADD COLUMN urut integer NOT NULL DEFAULT 0;
CREATE TABLE nomor_mulai (
    kantor text NOT NULL DEFAULT session_user,
    nomor bigint GENERATED ALWAYS AS IDENTITY,
    data jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
    PRIMARY KEY (kantor, nomor)
);
CREATE TABLE audit_nama (
    kantor text NOT NULL DEFAULT session_user,
    nama text NOT NULL,
    nomor bigint NOT NULL,
    PRIMARY KEY (kantor, nama, nomor),
    FOREIGN KEY (kantor, nomor) REFERENCES audit (kantor, nomor)
);
INSERT INTO audit_nama (kantor, nama, nomor)
SELECT DISTINCT a.kantor, upper(n.nama), a.nomor
FROM audit a, LATERAL (VALUES (a.objek), (a.baris::jsonb->'detail'->>'nomor_registrasi'),
                               (a.baris::jsonb->'detail'->>'nomor_surat'), (a.baris::jsonb->'detail'->>'mengganti'),
                               (a.baris::jsonb->'detail'->>'diganti_oleh')) AS n (nama)
WHERE n.nama IS NOT NULL AND n.nama <> '';
"""



HELD_SCANS_TABLE = "berkas_dipegang"
"""m003: which application holds which stored scan (derived from ``permohonan`` by a trigger: never copied)."""
OWN_ROWS = "kantor = (session_user)::text COLLATE \"default\""
"""Row-level security's test from m003 on (m004 for the older tables): the connecting role's rows, compared in
the columns' collation so that it is an index condition (see m004)."""


@migration
def m003_berkas_dipegang(cur: Any) -> None:
    """Which applications still hold each stored scan (``berkas`` entries not marked ``dihapus``), kept by a
    trigger on ``permohonan``. The store keeps a file once whatever the number of applications naming it (the
    same KTP scan for two letters), so retention may remove a file only when no application still holds it
    (:meth:`sakti_cli.register.pg.store.PgFileStore.forget`): an equality lookup on an index. (An expression
    index over the records' jsonb would not serve: row-level security keeps the planner from using an index
    through an operator that is not leakproof, as jsonb's containment is not.)"""
    from psycopg import sql

    cur.execute(_M003)
    table = sql.Identifier(HELD_SCANS_TABLE)
    cur.execute(sql.SQL("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY; ALTER TABLE {t} FORCE ROW LEVEL SECURITY; "
                        "CREATE POLICY kantor_sendiri ON {t} USING ({own}) WITH CHECK ({own})").format(
                            t=table, own=sql.SQL(OWN_ROWS)))
    cur.execute(sql.SQL("GRANT SELECT, INSERT, DELETE ON {} TO {}").format(table, sql.Identifier(office_group(cur))))


_M003 = """
CREATE TABLE berkas_dipegang (
    kantor text NOT NULL DEFAULT session_user,
    sha256 text NOT NULL,
    nomor_registrasi text NOT NULL,
    PRIMARY KEY (kantor, sha256, nomor_registrasi)
);
CREATE INDEX berkas_dipegang_permohonan ON berkas_dipegang (kantor, nomor_registrasi);
CREATE FUNCTION berkas_dipegang_isi(rec permohonan) RETURNS TABLE (sha256 text) LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT lower(d #>> '{}')
    FROM jsonb_array_elements(jsonb_path_query_array(rec.data, '$.berkas.*[*] ? (!(exists(@.dihapus))).sha256')) d
    WHERE jsonb_typeof(d) = 'string'
$$;
CREATE FUNCTION berkas_dipegang_segarkan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.data->'berkas' IS NOT DISTINCT FROM OLD.data->'berkas'
       AND NEW.nomor_registrasi = OLD.nomor_registrasi THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM berkas_dipegang WHERE kantor = OLD.kantor AND nomor_registrasi = OLD.nomor_registrasi;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO berkas_dipegang (kantor, sha256, nomor_registrasi)
        SELECT NEW.kantor, h.sha256, NEW.nomor_registrasi FROM berkas_dipegang_isi(NEW) h;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER berkas_dipegang AFTER INSERT OR UPDATE OR DELETE ON permohonan
    FOR EACH ROW EXECUTE FUNCTION berkas_dipegang_segarkan();
INSERT INTO berkas_dipegang (kantor, sha256, nomor_registrasi)
SELECT p.kantor, h.sha256, p.nomor_registrasi FROM permohonan p, berkas_dipegang_isi(p) h;
"""


@migration
def m004_kebijakan_berindeks(cur: Any) -> None:
    """Every office table's policy compares ``kantor`` in the column's own collation. ``session_user`` is a
    ``name``, whose collation is "C": ``kantor = session_user`` was compared under "C", which no index on
    ``(kantor, ...)`` (built in the database's collation) can serve, so every lookup (a letter by number, an
    object's events in ``audit_nama``) read the office's index from its first entry, filtering ``kantor``: a
    cost that grew with the register. Equality in a deterministic collation is byte equality: the rows each
    office sees are exactly the same."""
    from psycopg import sql

    for table in (*OFFICE_TABLES, *M002_TABLES):
        cur.execute(sql.SQL("ALTER POLICY kantor_sendiri ON {t} USING ({own}) WITH CHECK ({own})").format(
            t=sql.Identifier(table), own=sql.SQL(OWN_ROWS)))
    cur.execute("ALTER POLICY kantor_sendiri ON kantor USING (id = (session_user)::text COLLATE \"default\")")


@migration
def m005_cari(cur: Any) -> None:
    """The listings' search (``sakti surat``/``permohonan --nama/--desa/--nik``): indexes on the applications'
    search keys, ``data->'cari'`` (register/search.py): GIN on the name's terms and the NIK digests, an
    expression index on the desa."""
    cur.execute(_M005)


_M005 = """
CREATE INDEX permohonan_cari_nama ON permohonan USING gin ((data->'cari'->'nama'));
CREATE INDEX permohonan_cari_nik ON permohonan USING gin ((data->'cari'->'nik'));
CREATE INDEX permohonan_cari_desa ON permohonan (kantor, (data->'cari'->>'desa'));
"""


@migration
def m006_tanpa_cari(cur: Any) -> None:
    """The applications still without search keys (registered before m005, or copied from such a register), by an
    index of their own: a desk's first step learns in one probe that none is left to fill (PgRegister.fill_keys)."""
    cur.execute("CREATE INDEX permohonan_tanpa_cari ON permohonan (kantor) WHERE NOT (data ? 'cari')")


CHECKPOINT_TABLE = "periksa_titik"
"""m007: each office's sealed checkpoint of ``register periksa`` (:mod:`sakti_cli.register.pg.checkpoint`)."""


@migration
def m007_periksa_titik(cur: Any) -> None:
    """The sealed checkpoint of ``register periksa`` (sakti_cli.register.checkpoint), one row per office, so the
    next check is incremental. What changed since is told by each row's ``xmin`` (the transaction that wrote
    it) against the snapshot the checkpoint recorded: no column is added to the big tables, so nothing is
    rewritten or backfilled (a table and its policy: milliseconds at any size), and an edit made with the
    triggers switched off is seen all the same (no trigger keeps ``xmin``)."""
    from psycopg import sql

    cur.execute("CREATE TABLE periksa_titik (kantor text PRIMARY KEY DEFAULT session_user, isi text NOT NULL, "
                "ditulis timestamptz NOT NULL DEFAULT now())")
    table = sql.Identifier(CHECKPOINT_TABLE)
    cur.execute(sql.SQL("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY; ALTER TABLE {t} FORCE ROW LEVEL SECURITY; "
                        "CREATE POLICY kantor_sendiri ON {t} USING ({own}) WITH CHECK ({own})").format(
                            t=table, own=sql.SQL(OWN_ROWS)))
    cur.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE ON {} TO {}").format(table, sql.Identifier(office_group(cur))))
