"""The emulator's state in SQLite: resources, long-running operations and a few settings.

Subscriptions and resource groups are implied by use (ARM creates neither here); every resource is one
row keyed by its lower-case ARM id, with its parent's id for nesting (2018-05-01's workspaces and
experiments) and its creation order for listing. ``:memory:`` serves the tests' per-test harness;
the command line always uses a file, so a restart loses nothing.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .resources import Resource

SCHEMA_VERSION = 1
DATABASE_NAME = "emulator.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    key TEXT PRIMARY KEY,           -- lower-case ARM id
    kind TEXT NOT NULL,             -- lower-case collection chain: jobs, workspaces/experiments/jobs
    subscription TEXT NOT NULL,     -- lower-case
    resource_group TEXT NOT NULL,   -- lower-case
    parent TEXT NOT NULL,           -- lower-case ARM id of the parent resource, '' at the top
    seq INTEGER NOT NULL,           -- creation order
    document TEXT NOT NULL          -- the resource as JSON (resources.Resource.to_document)
);
CREATE INDEX IF NOT EXISTS resources_by_kind ON resources (kind, subscription, resource_group, seq);
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class Store:
    """Thread-safe access to one SQLite database (one connection, one lock)."""

    def __init__(self, path: Path | str = ":memory:"):
        self.path = str(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        version = self.setting("schema_version")
        if version is None:
            self.set_setting("schema_version", str(SCHEMA_VERSION))
        elif int(version) != SCHEMA_VERSION:
            raise RuntimeError(f"{self.path}: schema version {version}, this emulator reads {SCHEMA_VERSION}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all or nothing (nests: only the outermost one commits)."""
        with self._lock:
            if self._db.in_transaction:
                yield
                return
            self._db.execute("BEGIN")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- resources ---------------------------------------------------------------------

    def get(self, key: str) -> Resource | None:
        with self._lock:
            row = self._db.execute("SELECT document FROM resources WHERE key = ?", (key.lower(),)).fetchone()
        return Resource.from_document(json.loads(row[0])) if row else None

    def put(self, resource: Resource) -> None:
        """Insert or update; an update keeps the resource's place in listings."""
        document = json.dumps(resource.to_document())
        with self._lock:
            updated = self._db.execute(
                "UPDATE resources SET document = ? WHERE key = ?", (document, resource.key)
            ).rowcount
            if not updated:
                self._db.execute(
                    "INSERT INTO resources (key, kind, subscription, resource_group, parent, seq, document)"
                    " VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM resources), ?)",
                    (
                        resource.key,
                        resource.kind,
                        resource.subscription.lower(),
                        resource.resource_group.lower(),
                        resource.parent_key,
                        document,
                    ),
                )

    def insert_many(self, resources: Iterable[Resource], chunk: int = 1000) -> int:
        """Insert new resources in one transaction, listed in the order given after those already stored: the
        seeding hook of tests and benchmarks (``Provider.seed``). A key already stored fails the whole insert.
        ``resources`` is read ``chunk`` at a time, so it may be a generator that reads the store (not writes)."""
        insert = (
            "INSERT INTO resources (key, kind, subscription, resource_group, parent, seq, document)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        iterator = iter(resources)
        with self.transaction():  # holds the lock throughout: nobody else writes meanwhile
            (seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM resources").fetchone()
            first = seq
            while batch := list(itertools.islice(iterator, chunk)):
                rows = []
                for resource in batch:
                    seq += 1
                    document = json.dumps(resource.to_document())
                    rows.append(
                        (
                            resource.key,
                            resource.kind,
                            resource.subscription.lower(),
                            resource.resource_group.lower(),
                            resource.parent_key,
                            seq,
                            document,
                        )
                    )
                self._db.executemany(insert, rows)
        return seq - first

    def delete(self, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM resources WHERE key = ?", (key.lower(),))

    def descendants(self, key: str) -> list[Resource]:
        """Every resource nested (at any depth) in the one with this key, children before parents."""
        prefix = key.lower() + "/"
        with self._lock:
            rows = self._db.execute(
                "SELECT document FROM resources WHERE substr(key, 1, ?) = ? ORDER BY length(key) DESC, seq",
                (len(prefix), prefix),
            ).fetchall()
        return [Resource.from_document(json.loads(row[0])) for row in rows]

    def select(
        self,
        kind: str,
        subscription: str,
        resource_group: str | None = None,
        parent: str | None = None,
        *,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Resource]:
        """Resources of a kind in a subscription, optionally in a group or under a parent, in creation order;
        ``limit`` of them from the ``offset``-th on (a page of a listing)."""
        sql = "SELECT document FROM resources WHERE kind = ? AND subscription = ?"
        args: list[Any] = [kind.lower(), subscription.lower()]
        if resource_group is not None:
            sql += " AND resource_group = ?"
            args.append(resource_group.lower())
        if parent is not None:
            sql += " AND parent = ?"
            args.append(parent.lower())
        sql += " ORDER BY seq"
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            args += [-1 if limit is None else limit, offset]
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [Resource.from_document(json.loads(row[0])) for row in rows]

    def all_resources(self, leaf: str | None = None) -> list[Resource]:
        """Every resource (of one last collection, e.g. ``jobs``), in creation order."""
        with self._lock:
            rows = self._db.execute("SELECT kind, document FROM resources ORDER BY seq").fetchall()
        return [
            Resource.from_document(json.loads(document))
            for kind, document in rows
            if leaf is None or kind.rsplit("/", 1)[-1] == leaf.lower()
        ]

    # -- long-running operations -----------------------------------------------------------

    def get_operation(self, operation_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT document FROM operations WHERE id = ?", (operation_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_operation(self, operation: dict) -> None:
        document = json.dumps(operation)
        with self._lock:
            updated = self._db.execute(
                "UPDATE operations SET status = ?, document = ? WHERE id = ?",
                (operation["status"], document, operation["id"]),
            ).rowcount
            if not updated:
                self._db.execute(
                    "INSERT INTO operations (id, seq, status, document)"
                    " VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM operations), ?, ?)",
                    (operation["id"], operation["status"], document),
                )

    def operations(self, status: str | None = None) -> list[dict]:
        sql, args = "SELECT document FROM operations", []
        if status is not None:
            sql += " WHERE status = ?"
            args.append(status)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY seq", args).fetchall()
        return [json.loads(row[0]) for row in rows]

    # -- settings and housekeeping --------------------------------------------------------------

    def setting(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_setting(self, name: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", (name, value))

    def clear(self) -> None:
        """Forget every resource and operation (settings such as the signing key stay)."""
        with self.transaction():
            self._db.execute("DELETE FROM resources")
            self._db.execute("DELETE FROM operations")
