"""The enforcement follow-up of overdue units (docs/rules.md §15), on DynamoDB: one item per unit and year
(keys.enforcement_item), listed by year and stage per authority (GSI1) and province-wide (GSI2)."""
from __future__ import annotations

from collections.abc import Iterable
from botocore.exceptions import ClientError

from ....domain.enforcement import Enforcement, Stage
from ....domain.model import AuditEvent, Message
from ....ports import AlreadyExists, EnforcementStore, Page, StaleVersion
from .. import keys
from .base import DynamoBase, absent, at_version, cancel_reasons, doc_of, item, token, untoken
from .outbox import audit_put, message_put


class DynamoEnforcement(DynamoBase, EnforcementStore):
    def get_enforcement(self, uscc: str, year: int) -> Enforcement | None:
        return self._load(Enforcement, keys.enforcement(uscc, year))

    def enforcements_of(self, year: int, usccs: Iterable[str]) -> dict[str, Enforcement]:
        found = self._batch_get([keys.enforcement(u, year) for u in dict.fromkeys(usccs)], consistent=True)
        return {e.uscc: e for e in (Enforcement.model_validate_json(doc_of(i)) for i in found)}

    def list_enforcements(self, year: int, stage: Stage, authority_codes: list[str] | None = None, *,
                          limit: int = 500, page_token: str | None = None) -> Page[Enforcement]:
        """Authority partitions are read in code order and their sort keys start with the code, so reading them
        one after another yields the province-wide partition's order (as units_owing does)."""
        after = untoken(page_token) if page_token else ""
        if authority_codes is None:
            partitions = [("GSI2", keys.enforcement_all(year, stage.value))]
        else:
            partitions = [("GSI1", keys.enforcement_at(year, stage.value, a)) for a in sorted(set(authority_codes))
                          if a >= after.partition("#")[0]]
        found = self._listed_after(partitions, after, limit)
        page = found[:limit]
        records = [Enforcement.model_validate_json(doc_of(i)) for i in page]
        more = len(found) > limit
        return Page(records, token(f"{records[-1].authority_code}#{records[-1].uscc}") if more else None)

    def save_enforcement(self, record: Enforcement, *, expected_version: int | None, audit: AuditEvent,
                         messages: Iterable[Message] = ()) -> None:
        put = item(keys.enforcement_item(record), record.model_dump_json(), version=record.version)
        try:
            self._transact([absent(put) if expected_version is None else at_version(put, expected_version),
                            audit_put(audit), *(message_put(m) for m in messages)])
        except ClientError as e:
            if cancel_reasons(e)[:1] == ["ConditionalCheckFailed"]:
                key = f"{record.uscc}/{record.year}"
                raise (AlreadyExists(key) if expected_version is None else StaleVersion(key)) from None
            raise
