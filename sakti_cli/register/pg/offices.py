"""Several offices in one database (a kabupaten): one PostgreSQL role per office, kept apart by the database.

An office's role is its identity: every row it writes carries ``kantor = session_user`` (the column's
default, and the only value the policies accept), and every table's row-level security policy shows and
changes only the rows whose ``kantor`` is the connecting role, forced on the tables' owner as well
(``FORCE ROW LEVEL SECURITY``). ``session_user`` rather than ``current_user``: ``SET ROLE`` to the shared
group role (which holds the table grants) changes ``current_user`` but never ``session_user``, so no SQL an
office may run makes it another office. So an office's credentials cannot read, number or change another
office's letters even with raw SQL; its numbers, counters and audit chain are its own.

The group role (``meta.peran_kantor``, one per database) holds the grants; an office role only belongs to it.
Superusers bypass row-level security: desks never connect as one.

An office is created once by the admin (the database's owner, with CREATEROLE)::

    from sakti_cli.register.pg.connect import connect
    from sakti_cli.register.pg.offices import create_office
    with connect("postgresql://sakti_admin@server/sakti") as conn:
        create_office(conn, "kantor_arutselatan", "Kecamatan Arut Selatan", password=...)

(A register command will call it.) Without ``password`` the role is made without one: the admin
sets it with psql's ``\\password kantor_arutselatan`` (never written in a shell command).
"""

from __future__ import annotations

import re
from typing import Any

from sakti_cli.core.errors import InputError
from sakti_cli.register.pg.schema import office_group

ROLE_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,62}")


def check_role_name(role: str) -> str:
    if not ROLE_PATTERN.fullmatch(role) or role.startswith("pg_"):
        raise InputError(f"Nama peran kantor {role!r} tidak dapat dipakai.",
                         saran="Pakai huruf kecil, angka dan garis bawah, berawal huruf, paling banyak 63 karakter, "
                               "mis. kantor_arutselatan.")
    return role


def create_office(conn: Any, role: str, nama: str, *, password: str | None = None) -> str:
    """Create ``role`` (LOGIN, in this database's office group) and record it in ``kantor``; returns the role.

    ``conn`` is the admin's (the schema's owner). The password, when given, goes to the server as a literal
    of one statement: keep ``log_statement`` off for DDL on that server, or leave it None and use ``\\password``."""
    from psycopg import sql

    check_role_name(role)
    with conn.transaction(), conn.cursor() as cur:
        group = office_group(cur)
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if cur.fetchone() is not None:
            raise InputError(f"Peran {role} sudah ada di server.",
                             saran="Pilih nama lain, atau pakai peran itu bila memang milik kantor ini.")
        statement = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS INHERIT").format(
            sql.Identifier(role))
        if password is not None:
            statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
        cur.execute(statement)
        cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role)))
        cur.execute("SELECT current_database()")
        (database,) = cur.fetchone()
        cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database),
                                                                        sql.Identifier(role)))
        cur.execute("INSERT INTO kantor (id, nama) VALUES (%s, %s)", (role, nama))
    return role


def offices(conn: Any) -> list[dict[str, Any]]:
    """The offices the connecting role may see: all of them for the admin, its own for an office."""
    with conn.cursor() as cur:
        cur.execute("SELECT id, nama, dibuat FROM kantor ORDER BY id")
        return [{"id": row[0], "nama": row[1], "dibuat": row[2].isoformat()} for row in cur.fetchall()]
