"""Store on SQLite (WAL): the embedded backend's records, outbox and audit log.

One module per aggregate under sqlite/, sharing one connection per thread (sqlite/base.py); this
class puts them together and declares the whole Store port.
"""
from __future__ import annotations

from pathlib import Path

from ...ports import Store
from .sqlite import claims, filings, jobs, outbox, owing, rows, units
from .sqlite.claims import SqliteClaims
from .sqlite.filings import SqliteFilings
from .sqlite.jobs import SqliteJobs
from .sqlite.outbox import SqliteOutbox
from .sqlite.owing import SqliteOwing
from .sqlite.rows import SqliteRows
from .sqlite.units import SqliteUnits

SCHEMAS = (units.SCHEMA, filings.SCHEMA, rows.SCHEMA, claims.SCHEMA, outbox.SCHEMA, owing.SCHEMA, jobs.SCHEMA)


class SqliteStore(SqliteUnits, SqliteFilings, SqliteRows, SqliteOutbox, SqliteOwing, SqliteClaims, SqliteJobs,
                  Store):
    def __init__(self, path: str | Path):
        super().__init__(path, SCHEMAS)
