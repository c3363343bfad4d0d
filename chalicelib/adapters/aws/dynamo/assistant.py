"""The 填报助手's conversations (domain/assistant.py), on DynamoDB: one item each (keys.conversation)."""
from __future__ import annotations

from botocore.exceptions import ClientError

from ....domain.assistant import Conversation
from ....domain.model import AuditEvent
from ....ports import AssistantStore, StaleVersion
from .. import keys
from .base import DynamoBase, Op, absent, at_version, cancel_reasons, item
from .outbox import audit_put


class DynamoAssistant(DynamoBase, AssistantStore):
    def get_conversation(self, conversation_id: str) -> Conversation | None:
        return self._load(Conversation, keys.conversation(conversation_id))

    def save_conversation(self, conversation: Conversation, *, expected_version: int,
                          audit: AuditEvent | None = None) -> None:
        put = item(keys.conversation(conversation.id), conversation.model_dump_json(), version=conversation.version,
                   expires=int(conversation.expires_at.timestamp()))
        ops: list[Op] = [absent(put) if expected_version == 0 else at_version(put, expected_version)]
        try:
            self._transact(ops + ([audit_put(audit)] if audit is not None else []))
        except ClientError as e:
            if cancel_reasons(e)[:1] == ["ConditionalCheckFailed"]:
                raise StaleVersion(conversation.id) from None
            raise
