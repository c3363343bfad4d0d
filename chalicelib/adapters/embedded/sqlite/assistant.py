"""The 填报助手's conversations (domain/assistant.py), on SQLite: one row each, with the time it expires (those
past it are deleted as others are written, by the index on expires_at)."""
from __future__ import annotations

from ....domain.assistant import Conversation
from ....domain.model import AuditEvent
from ....ports import AssistantStore, StaleVersion
from .base import SqliteBase, doc, stamp
from .outbox import write_audit

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, version INTEGER NOT NULL, expires_at TEXT NOT NULL,
                                          doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_expiry ON conversations (expires_at);
"""


class SqliteAssistant(SqliteBase, AssistantStore):
    def get_conversation(self, conversation_id: str) -> Conversation | None:
        return self._load(Conversation, "SELECT doc FROM conversations WHERE id = ?", conversation_id)

    def save_conversation(self, conversation: Conversation, *, expected_version: int,
                          audit: AuditEvent | None = None) -> None:
        c = conversation
        with self._write() as db:
            db.execute("DELETE FROM conversations WHERE expires_at < ? AND id != ?", (stamp(c.updated_at), c.id))
            if expected_version == 0:
                written = db.execute("INSERT OR IGNORE INTO conversations VALUES (?, ?, ?, ?)",
                                     (c.id, c.version, stamp(c.expires_at), doc(c))).rowcount
            else:
                written = db.execute("UPDATE conversations SET version = ?, expires_at = ?, doc = ? "
                                     "WHERE id = ? AND version = ?",
                                     (c.version, stamp(c.expires_at), doc(c), c.id, expected_version)).rowcount
            if written != 1:
                raise StaleVersion(c.id)
            if audit is not None:
                write_audit(db, audit)
