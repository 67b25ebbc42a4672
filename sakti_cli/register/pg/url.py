"""Where the PostgreSQL register is: ``[register] url`` in sakti.toml or ``SAKTI_REGISTER_URL``.

A URL names the server, the database and the office's role, never its password: a password in a URL is
seen by every user of the computer in the process list (argv) and copied with sakti.toml into backups and
tickets. The password comes from the environment (``PGPASSWORD``, or the variable ``[register]
variabel_sandi`` names), from a file only its owner reads (``[register] berkas_sandi``, chmod 600), or from
libpq's own ``~/.pgpass`` (see :func:`sakti_cli.register.pg.connect.password_for`).

No psycopg here: sakti.toml's check (sakti_cli.office.workspace) calls :func:`url_problem` when it loads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from sakti_cli.core.errors import ConfigError, SaktiError

URL_VARIABLE = "SAKTI_REGISTER_URL"
"""Environment variable naming the register's server (over sakti.toml's ``[register] url``)."""
SCHEMES = ("postgresql://", "postgres://")
PASSWORD_ADVICE = ("Tulis alamat tanpa sandi, mis. postgresql://kantor_arutselatan@server/sakti, lalu berikan "
                   "sandinya lewat variabel lingkungan PGPASSWORD (atau variabel yang disebut [register] "
                   "variabel_sandi) atau berkas_sandi (berkas chmod 600).")


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot name a register (an Indonesian sentence), or None when it can."""
    text = url.strip()
    if not text.startswith(SCHEMES):
        return "alamat register harus berawal postgresql://, mis. postgresql://kantor_arutselatan@server/sakti"
    try:
        parts = urlsplit(text)
        password, _ = parts.password, parts.port
    except ValueError:
        return "alamat register tidak dapat dibaca (periksa nama server dan nomor port)"
    query = {key.lower() for key in parse_qs(parts.query, keep_blank_values=True)}
    if password is not None or "password" in query:
        return ("alamat register memuat sandi; sandi tidak boleh ditulis di alamat (terbaca di daftar proses "
                "dan ikut tersalin bersama sakti.toml)")
    return None


def check_url(url: str, where: str, error: type[SaktiError] = ConfigError) -> str:
    """``url`` stripped, or ``error`` naming ``where`` it was written (the command line, sakti.toml, ...)."""
    problem = url_problem(url)
    if problem is not None:
        saran = PASSWORD_ADVICE if "sandi" in problem else "Perbaiki alamatnya, mis. postgresql://pengguna@server/sakti."
        raise error(f"{where}: {problem}.", saran=saran)
    return url.strip()


def register_url(configured: str | None, environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The register's URL and where it was given: ``SAKTI_REGISTER_URL`` over sakti.toml's ``[register] url``;
    None when neither names one (the TinyDB register in data/register). Checked as :func:`check_url` does."""
    env = os.environ if environ is None else environ
    if env.get(URL_VARIABLE, "").strip():
        return check_url(env[URL_VARIABLE], URL_VARIABLE), URL_VARIABLE
    if configured and configured.strip():
        where = "sakti.toml [register] url"
        return check_url(configured, where), where
    return None


def describe(url: str) -> str:
    """``server X port P, basis data D, peran R`` for messages (never a password: :func:`url_problem` refused
    one already). A Unix socket folder given as ``?host=/run/postgresql`` is named as the server."""
    parts = urlsplit(url.strip())
    query = parse_qs(parts.query)
    host = unquote(_netloc_host(parts.netloc)) or (query.get("host") or [""])[0] or "localhost"
    port = parts.port or (query.get("port") or ["5432"])[0]
    database = unquote(parts.path.lstrip("/")) or (query.get("dbname") or [""])[0] or "(bawaan)"
    role = unquote(parts.username or "") or (query.get("user") or [""])[0] or "(pengguna sistem)"
    return f"server {host} port {port}, basis data {database}, peran {role}"


def _netloc_host(netloc: str) -> str:
    """The host of ``user@host:port`` as written (``urlsplit().hostname`` lower-cases a socket folder)."""
    host = netloc.rpartition("@")[2]
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() and not host.endswith("]") else host
