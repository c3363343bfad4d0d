"""WeChat users bound to filer accounts, with the subscriptions they accepted (domain/wechat.py), on SQLite: one
row per openid, with the account and the mobile it is read by."""
from __future__ import annotations

from ....domain.model import AuditEvent
from ....domain.wechat import WechatBinding
from ....ports import StaleVersion, WechatStore
from .base import SqliteBase, doc
from .outbox import write_audit

SCHEMA = """
CREATE TABLE IF NOT EXISTS wechat_bindings (openid TEXT PRIMARY KEY, username TEXT NOT NULL, mobile TEXT,
    version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS wechat_bindings_by_username ON wechat_bindings (username);
CREATE INDEX IF NOT EXISTS wechat_bindings_by_mobile ON wechat_bindings (mobile);
"""


class SqliteWechat(SqliteBase, WechatStore):
    def get_wechat_binding(self, openid: str) -> WechatBinding | None:
        return self._load(WechatBinding, "SELECT doc FROM wechat_bindings WHERE openid = ?", openid)

    def wechat_bindings_of(self, username: str) -> list[WechatBinding]:
        return self._bindings("username", username)

    def wechat_bindings_for_mobile(self, mobile: str) -> list[WechatBinding]:
        return self._bindings("mobile", mobile)

    def _bindings(self, column: str, value: str) -> list[WechatBinding]:
        rows = self._db.execute(f"SELECT doc FROM wechat_bindings WHERE {column} = ?", (value,)).fetchall()  # noqa: S608
        return sorted((WechatBinding.model_validate_json(r[0]) for r in rows), key=lambda b: (b.bound_at, b.openid))

    def save_wechat_binding(self, binding: WechatBinding, *, expected_version: int,
                            audit: AuditEvent | None = None) -> None:
        with self._write() as db:
            if expected_version == 0:
                written = db.execute("INSERT OR IGNORE INTO wechat_bindings VALUES (?, ?, ?, ?, ?)",
                                     (binding.openid, binding.username, binding.mobile, binding.version,
                                      doc(binding))).rowcount
            else:
                written = db.execute("UPDATE wechat_bindings SET username = ?, mobile = ?, version = ?, doc = ?"
                                     " WHERE openid = ? AND version = ?",
                                     (binding.username, binding.mobile, binding.version, doc(binding),
                                      binding.openid, expected_version)).rowcount
            if written != 1:
                raise StaleVersion(binding.openid)
            if audit is not None:
                write_audit(db, audit)

    def delete_wechat_binding(self, binding: WechatBinding, *, audit: AuditEvent) -> None:
        with self._write() as db:
            if db.execute("DELETE FROM wechat_bindings WHERE openid = ? AND version = ?",
                          (binding.openid, binding.version)).rowcount != 1:
                raise StaleVersion(binding.openid)
            write_audit(db, audit)
