"""Test databases cloned from a migrated template instead of migrated one by one.

Migrating an empty database through every app's migrations takes a minute or more, and
each xdist worker used to do it for its own database on every run. The first run after
a change to any migration file migrates as before and then keeps a copy of the result
(`zhiliao_test_template_<digest of the migration files>`); later runs, and the other
workers, clone that copy (CREATE DATABASE ... TEMPLATE, about a second) and let
Django's migrate confirm there is nothing left to apply. Any change to a migration file
gives a new digest, so a stale schema is never cloned.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connections
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "zhiliao_test_template_"
LOCK_KEY = 0x7A6C_7465  # one pg_advisory_lock for every clone and copy


def usable() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def migrations_digest() -> str:
    """12 hex digits that change with any migration file (the benchmarks' template
    is named by it too)."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def template_name() -> str:
    return PREFIX + migrations_digest()


def test_database_name() -> str:
    return connections["default"].creation._get_test_db_name()


@contextmanager
def _admin() -> Iterator[psycopg.Connection]:
    """A connection to the server's `postgres` database holding the clone lock."""
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=10,
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            yield conn
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _exists(conn: psycopg.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    )


def _drop(conn: psycopg.Connection, name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def exists(name: str) -> bool:
    with _admin() as conn:
        return _exists(conn, name)


def clone_into(name: str) -> bool:
    """(Re)create database `name` as a copy of the current template; False if there
    is no template for these migrations yet."""
    with _admin() as conn:
        if not _exists(conn, template_name()):
            return False
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template_name())
            )
        )
    return True


def keep_as_template(name: str) -> None:
    """Copy the freshly migrated database `name` as the template (if no other worker
    did first), and drop the templates of older migrations."""
    connections.close_all()  # a template source must have no open connection
    template = template_name()
    with _admin() as conn:
        if not _exists(conn, template):
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(template), sql.Identifier(name)
                )
            )
        stale = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [PREFIX + "%", template],
        ).fetchall()
        for (old,) in stale:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(old))
            )
