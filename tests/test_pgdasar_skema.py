"""PostgreSQL register (issue 12): the test server, the recorded migrations, the tables' constraints."""

from __future__ import annotations

import psycopg
import pytest
from pg_server import Database

from sakti_cli.errors import ConfigError
from sakti_cli.register.pg.schema import applied_versions, check_schema, latest_version, migrate


def test_template_is_migrated_and_migrating_again_changes_nothing(pg: Database) -> None:
    with pg.admin() as conn:
        assert applied_versions(conn) == list(range(1, latest_version() + 1))
        assert migrate(conn) == []
        check_schema(conn)
        names = conn.execute("SELECT nama FROM skema_versi ORDER BY versi").fetchall()
        assert names[0] == ("m001_register",)
