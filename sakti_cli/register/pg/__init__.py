"""PostgreSQL backend of the register: several desks (and several offices) on one database server.

- :mod:`.url`      where the server is (``[register] url`` / ``SAKTI_REGISTER_URL``) and where its password
                   comes from; a URL holding a password is refused. No psycopg import: sakti.toml checks it.
- :mod:`.connect`  a desk's connection (:func:`~.connect.desk_connection`), the server's refusals translated
                   (exit 4, host named), read-only steps (:func:`~.connect.reading`).
- :mod:`.schema`   the tables, created and changed by recorded migrations (``skema_versi``).
- :mod:`.rows`     applications, letters (lookups by number, code, SHA-256; the signing queue), batch row keys.
- :mod:`.numbers`  counters, gapless letter-number reservations held by a lease, stale ones closed BATAL.
- :mod:`.audit`    the hash-chained audit trail of an office (the same chain as the TinyDB register's).
- :mod:`.files`    scans and signed PDFs stored in the database (why: see that module).
- :mod:`.offices`  one role per office, row-level security keyed by the connecting role.

psycopg is imported inside the functions that need it, so ``sakti --help`` stays fast.
"""
