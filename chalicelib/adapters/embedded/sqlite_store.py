"""Store on SQLite (WAL): the embedded backend's records, outbox and audit log.

One module per aggregate under sqlite/, sharing one connection per thread (sqlite/base.py); this
class puts them together and declares the whole Store port. Opening it brings the database's schema to
the current version (sqlite/migrations.py), or refuses a database of a newer release.
"""
from __future__ import annotations

from pathlib import Path

from ...ports import Store
from .sqlite import migrations
from .sqlite.assistant import SqliteAssistant
from .sqlite.claims import SqliteClaims
from .sqlite.desks import SqliteDesks
from .sqlite.enforcement import SqliteEnforcement
from .sqlite.filings import SqliteFilings
from .sqlite.jobs import SqliteJobs
from .sqlite.people import SqlitePeople
from .sqlite.outbox import SqliteOutbox
from .sqlite.owing import SqliteOwing
from .sqlite.rows import SqliteRows
from .sqlite.sign_in import SqliteSignIn
from .sqlite.transfers import SqliteTransfers
from .sqlite.units import SqliteUnits
from .sqlite.wechat import SqliteWechat


class SqliteStore(SqliteUnits, SqliteFilings, SqliteRows, SqliteOutbox, SqliteOwing, SqliteEnforcement, SqliteDesks,
                  SqliteClaims, SqliteJobs, SqliteTransfers, SqlitePeople, SqliteSignIn, SqliteAssistant,
                  SqliteWechat, Store):
    def __init__(self, path: str | Path):
        super().__init__(path)
        migrations.migrate(self._db, str(path))
