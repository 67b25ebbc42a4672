"""What the database's admin does once, from the command line: create or migrate the schema (``sakti register
siapkan``) and add an office's role (``sakti register peran``). Desks never do either: an office's role may
not change the schema nor make roles.

The admin's URL names the database's owner (``postgresql://sakti_admin@server/sakti``), never a password: that
comes from ``--berkas-sandi`` (a 0600 file), ``PGPASSWORD`` or ``~/.pgpass``, as a desk's does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sakti_cli.core.errors import ConfigError, UsageError
from sakti_cli.register.pg.url import check_url, describe, register_url


def admin_url(url: str | None) -> str:
    """``--url`` (refused with a password in it), else ``SAKTI_REGISTER_URL``; a usage error without either."""
    if url:
        return check_url(url, "--url", UsageError)
    found = register_url(None)
    if found is None:
        raise UsageError("Alamat server register tidak diberikan.",
                         saran="Pakai --url postgresql://PEMILIK@SERVER/BASISDATA (pemilik basis data, tanpa sandi) "
                               "atau isi SAKTI_REGISTER_URL.")
    return found[0]


def _connect(url: str, berkas_sandi: Path | None) -> Any:
    from sakti_cli.register.pg.connect import connect, password_for

    return connect(url, password=password_for(berkas_sandi))


def prepare_schema(url: str | None, berkas_sandi: Path | None = None) -> dict[str, Any]:
    """Create the schema or apply the migrations it misses (recorded in ``skema_versi``)."""
    from sakti_cli.register.pg.schema import latest_version, migrate

    where = admin_url(url)
    with _connect(where, berkas_sandi) as conn:
        applied = migrate(conn)
    return {"server": describe(where), "diterapkan": applied, "versi": latest_version()}


def add_office(url: str | None, role: str, nama: str, berkas_sandi: Path | None = None,
               role_password_file: Path | None = None) -> dict[str, Any]:
    """Create an office's role (LOGIN, row-level security keeps it to its own rows), its password from
    ``role_password_file`` (0600) or none (the admin sets it with psql's ``\\password``)."""
    import psycopg

    from sakti_cli.register.pg.offices import check_role_name, create_office
    from sakti_cli.register.pg.schema import check_schema

    check_role_name(role)
    name = " ".join(nama.split())
    if not name:
        raise UsageError("Nama kantor kosong.", saran='Pakai --nama "Kecamatan ...".')
    password = None
    if role_password_file is not None:
        from sakti_cli.signatures.keys import read_secret_file

        password = read_secret_file(role_password_file, ConfigError).decode()
    where = admin_url(url)
    with _connect(where, berkas_sandi) as conn:
        check_schema(conn)
        try:
            create_office(conn, role, name, password=password)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise ConfigError(f"Peran di alamat ini tidak boleh membuat peran kantor: {exc.diag.message_primary}",
                              saran="Jalankan dengan pemilik basis data yang ber-CREATEROLE (lihat README, bagian "
                                    "Register PostgreSQL).") from None
    return {"server": describe(where), "peran": role, "nama": name, "sandi": password is not None}
