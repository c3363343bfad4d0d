"""Review desks (domain/desk.py: who holds a filing, internal notes), on DynamoDB: one item beside the filing's
(keys.desk), written with its audit event in one transaction."""
from __future__ import annotations

from collections.abc import Iterable

from botocore.exceptions import ClientError

from ....domain.desk import Desk
from ....domain.model import AuditEvent
from ....ports import DeskStore, StaleVersion
from .. import keys
from .base import DynamoBase, absent, at_version, cancel_reasons, doc_of, item
from .outbox import audit_put


class DynamoDesks(DynamoBase, DeskStore):
    def get_desk(self, filing_id: str) -> Desk | None:
        return self._load(Desk, keys.desk(filing_id))

    def desks_of(self, filing_ids: Iterable[str]) -> dict[str, Desk]:
        found = self._batch_get([keys.desk(f) for f in dict.fromkeys(filing_ids)], consistent=True)
        return {d.filing_id: d for d in (Desk.model_validate_json(doc_of(i)) for i in found)}

    def save_desk(self, desk: Desk, *, expected_version: int, audit: AuditEvent) -> None:
        put = item(keys.desk(desk.filing_id), desk.model_dump_json(), version=desk.version)
        try:
            self._transact([absent(put) if expected_version == 0 else at_version(put, expected_version),
                            audit_put(audit)])
        except ClientError as e:
            if cancel_reasons(e)[:1] == ["ConditionalCheckFailed"]:
                raise StaleVersion(desk.filing_id) from None
            raise
