"""The register (issue 12): typed records, the register interface and its backends.

``pg/`` is the PostgreSQL backend's foundation (schema, migrations, the numbering, audit and file
primitives over a psycopg connection); the interface and the TinyDB backend join it here.
"""
