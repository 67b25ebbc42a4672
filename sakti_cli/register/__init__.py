"""The register: applications, letters, numbers, recovery, retention and backups, over one interface.

``session.py`` is the interface (records, the session's domain methods, the file store) every backend
implements; ``tiny/`` is the TinyDB backend (the default: files under data/register), ``pg/`` the
PostgreSQL one's foundations. Callers open a register with :func:`sakti_cli.register.upkeep.open_register`.
"""
