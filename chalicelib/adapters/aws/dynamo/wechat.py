"""WeChat users bound to filer accounts, with the subscriptions they accepted (domain/wechat.py), on DynamoDB: one
item per openid (keys.wechat_binding), listed by account and by the account's mobile, written with its audit
event in one transaction."""
from __future__ import annotations

from botocore.exceptions import ClientError

from ....domain.model import AuditEvent
from ....domain.wechat import WechatBinding
from ....ports import StaleVersion, WechatStore
from .. import keys
from .base import DynamoBase, Op, absent, av, at_version, cancel_reasons, item
from .outbox import audit_put


class DynamoWechat(DynamoBase, WechatStore):
    def get_wechat_binding(self, openid: str) -> WechatBinding | None:
        return self._load(WechatBinding, keys.wechat_binding(openid))

    def wechat_bindings_of(self, username: str) -> list[WechatBinding]:
        return self._listed("GSI3", keys.wechat_of(username))

    def wechat_bindings_for_mobile(self, mobile: str) -> list[WechatBinding]:
        return self._listed("GSI1", keys.wechat_mobile(mobile))

    def _listed(self, index: str, pk: str) -> list[WechatBinding]:
        """The listed openids, each read again from its item (an index lags behind a write)."""
        openids = [found[keys.INDEXES[index][1]]["S"] for found in self._query(pk, index=index)]
        bindings = [b for b in map(self.get_wechat_binding, openids) if b is not None]
        return sorted(bindings, key=lambda b: (b.bound_at, b.openid))

    def save_wechat_binding(self, binding: WechatBinding, *, expected_version: int,
                            audit: AuditEvent | None = None) -> None:
        put = item(keys.wechat_binding_item(binding), binding.model_dump_json(), version=binding.version)
        self._written(binding, [absent(put) if expected_version == 0 else at_version(put, expected_version)], audit)

    def delete_wechat_binding(self, binding: WechatBinding, *, audit: AuditEvent) -> None:
        delete: Op = {"Delete": {"TableName": self.table, "Key": av(keys.wechat_binding(binding.openid)),
                                 "ConditionExpression": "version = :expected",
                                 "ExpressionAttributeValues": av({":expected": binding.version})}}
        self._written(binding, [delete], audit)

    def _written(self, binding: WechatBinding, ops: list[Op], audit: AuditEvent | None) -> None:
        try:
            self._transact(ops + ([audit_put(audit)] if audit else []))
        except ClientError as e:
            if cancel_reasons(e)[:1] == ["ConditionalCheckFailed"]:
                raise StaleVersion(binding.openid) from None
            raise
