"""A connection to the register's PostgreSQL server, its refusals said in Indonesian (exit 4).

The password is never in the URL (:mod:`.url` refuses it). It comes from ``[register] berkas_sandi`` (a
file only its owner reads, as a signatory's passphrase file), else the variable ``[register] variabel_sandi``
names, else libpq's own ``PGPASSWORD`` or ``~/.pgpass``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.errors import ConfigError, EnvironmentProblem, SaktiError
from sakti_cli.register.pg.url import describe

if TYPE_CHECKING:
    import psycopg

    from sakti_cli.office.workspace import Workspace

CONNECT_TIMEOUT = 10  # seconds; libpq's PGCONNECT_TIMEOUT or the URL's connect_timeout win
APPLICATION_NAME = "sakti"  # shown in pg_stat_activity: which connections are desks


def password_for(berkas_sandi: Path | None = None, variabel_sandi: str | None = None,
                 environ: Mapping[str, str] | None = None) -> str | None:
    """The role's password from sakti.toml's sources; None leaves it to libpq (PGPASSWORD, ~/.pgpass)."""
    if berkas_sandi is not None:
        from sakti_cli.signatures.keys import read_secret_file

        return read_secret_file(berkas_sandi, ConfigError).decode()
    if variabel_sandi:
        from sakti_cli.core.children import note_secret_variable

        note_secret_variable(variabel_sandi)  # never passed on to LibreOffice or another child
        value = (os.environ if environ is None else environ).get(variabel_sandi)
        if not value:
            raise ConfigError(f"Sandi register diminta dari variabel {variabel_sandi} ([register] variabel_sandi), "
                              "tetapi variabel itu kosong.",
                              saran=f"Isi variabel lingkungan {variabel_sandi} dengan sandi peran kantor ini.")
        return value
    return None


def connect(url: str, *, password: str | None = None, autocommit: bool = True) -> psycopg.Connection[Any]:
    """Open a connection to ``url`` (checked by :func:`.url.check_url` before); errors as :func:`refusal`.

    In autocommit mode by default: every register step opens its own ``conn.transaction()`` block (committed
    at its end), and nothing between steps leaves an implicit transaction open, which would hold row locks
    and turn the next step's block into a savepoint that never commits."""
    import psycopg

    options: dict[str, Any] = {"application_name": APPLICATION_NAME, "autocommit": autocommit}
    if "connect_timeout" not in url and not os.environ.get("PGCONNECT_TIMEOUT"):
        options["connect_timeout"] = CONNECT_TIMEOUT
    if password is not None:
        options["password"] = password
    try:
        return psycopg.connect(url, **options)
    except psycopg.Error as exc:
        raise refusal(exc, url) from None


def desk_connection(ws: Workspace, url: str | None = None) -> psycopg.Connection[Any] | None:
    """The workspace's register connection, its schema checked; None when no server is named (TinyDB).

    ``url`` is one given on the command line (a usage error if it holds a password), else
    ``SAKTI_REGISTER_URL``, else ``[register] url``; the password from ``[register] berkas_sandi`` (relative
    to the office folder) or ``variabel_sandi``, else libpq's own sources."""
    from sakti_cli.core.errors import UsageError
    from sakti_cli.register.pg.schema import check_schema
    from sakti_cli.register.pg.url import check_url, register_url

    settings = ws.config.register_settings
    found = (check_url(url, "baris perintah", UsageError), "baris perintah") if url else register_url(settings.url)
    if found is None:
        return None
    secret_file = ws.path(settings.berkas_sandi) if settings.berkas_sandi else None
    conn = connect(found[0], password=password_for(secret_file, settings.variabel_sandi))
    try:
        check_schema(conn)
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def reading(conn: psycopg.Connection[Any]) -> Iterator[Any]:
    """A read-only step: one consistent snapshot (REPEATABLE READ) for every query in it, no row locked,
    no write allowed (``status``, ``verifikasi``, listings). Yields a cursor."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield cur


def refusal(exc: Exception, url: str) -> SaktiError:
    """The server's (or the network's) refusal of a connection as a typed error naming where and what to do."""
    text = str(exc)
    where = describe(url)
    if "password authentication failed" in text or "no password supplied" in text:
        return ConfigError(
            f"Server register menolak sandi ({where}).",
            saran="Periksa sandi peran kantor ini: berkas_sandi atau variabel_sandi di [register] sakti.toml, "
                  "atau PGPASSWORD; bila sandinya diganti admin, minta sandi yang baru.")
    if "does not exist" in text and "database" in text:
        return ConfigError(
            f"Basis data register tidak ada di server ({where}).",
            saran="Periksa nama basis data di alamat register; admin membuatnya sekali dengan createdb, lalu "
                  "skemanya dibuat oleh SAKTI.")
    if "does not exist" in text and "role" in text:
        return ConfigError(
            f"Peran (pengguna) register tidak dikenal server ({where}).",
            saran="Periksa nama peran di alamat register; admin membuat satu peran per kantor "
                  "(lihat README, bagian register PostgreSQL).")
    if "pg_hba.conf" in text or "permission denied" in text:
        return ConfigError(
            f"Server register tidak mengizinkan komputer atau peran ini masuk ({where}).",
            saran="Minta admin server menambahkan komputer ini di pg_hba.conf dan memberi izin CONNECT.")
    return EnvironmentProblem(
        f"Server register tidak dapat dihubungi ({where}): {_reason(text)}.",
        saran="Pastikan server PostgreSQL menyala dan jaringan ke server tersambung (coba: pg_isready -h SERVER), "
              "periksa nama server dan port di alamat register, lalu ulangi.")


_REASONS = (
    (("Connection refused", "No such file or directory"), "tidak ada server PostgreSQL yang menunggu di sana"),
    (("resolve host", "could not translate host name", "Name or service not known"), "nama server tidak dikenal"),
    (("timeout expired", "timed out"), "server tidak menjawab dalam batas waktu"),
    (("No route to host", "Network is unreachable"), "jaringan ke server tidak tersambung"),
    (("server closed the connection",), "server menutup sambungan"),
)


def _reason(text: str) -> str:
    """The network's reason in Indonesian; libpq's own words when it is none of the usual ones."""
    for marks, reason in _REASONS:
        if any(mark in text for mark in marks):
            return reason
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "tanpa keterangan"
