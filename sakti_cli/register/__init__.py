"""The register: applications, letters, numbers, recovery, migrations, retention, checks and backups.

``pg/`` is the PostgreSQL backend's foundation (schema, migrations, the numbering, audit and file
primitives over a psycopg connection); the typed interface and the TinyDB backend are to join it here.
"""
