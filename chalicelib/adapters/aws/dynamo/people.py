"""The people of a unit and their SMS verification codes, on DynamoDB."""
from __future__ import annotations

from collections.abc import Iterable

from botocore.exceptions import ClientError

from ....domain.model import Account, AuditEvent, Message, Unit
from ....domain.verification import VerificationCode
from ....ports import AlreadyExists, PeopleStore, StaleVersion
from .. import keys
from .base import DynamoBase, Op, absent, at_version, av, cancel_reasons, doc_of, item
from .outbox import audit_put, message_put
from .units import account_put, unit_item


class DynamoPeople(DynamoBase, PeopleStore):
    def get_code(self, key: str) -> VerificationCode | None:
        return self._load(VerificationCode, keys.verification_code(key))

    def save_code(self, code: VerificationCode, *, expected_version: int | None,
                  messages: Iterable[Message] = ()) -> None:
        put = item(keys.verification_code(code.key), code.model_dump_json(), version=code.version)
        try:
            self._transact([absent(put) if expected_version is None else at_version(put, expected_version),
                            *(message_put(m) for m in messages)])
        except ClientError as e:
            if cancel_reasons(e)[:1] == ["ConditionalCheckFailed"]:
                raise (AlreadyExists if expected_version is None else StaleVersion)(code.key) from None
            raise

    def save_people(self, accounts: Iterable[tuple[Account, int | None]], *, audit: AuditEvent,
                    messages: Iterable[Message] = (), unit_contact: tuple[str, dict[str, str]] | None = None) -> None:
        changes = list(accounts)
        ops: list[Op] = [account_put(a, expected) for a, expected in changes]
        if unit_contact is not None:
            ops.append(self._unit_contact_put(*unit_contact))
        ops += [audit_put(audit), *(message_put(m) for m in messages)]
        try:
            self._transact(ops)
        except ClientError as e:
            reasons = cancel_reasons(e)
            for (account, expected), reason in zip(changes, reasons):
                if reason == "ConditionalCheckFailed":
                    raise (AlreadyExists if expected is None else StaleVersion)(account.username) from None
            if "ConditionalCheckFailed" in reasons:  # the unit changed meanwhile
                raise StaleVersion(unit_contact[0] if unit_contact else "") from None
            raise

    def _unit_contact_put(self, uscc: str, fields: dict[str, str]) -> Op:
        """The unit with its contact fields changed, written only over the document as read."""
        found = self.client.get_item(TableName=self.table, Key=av(keys.unit(uscc)), ConsistentRead=True).get("Item")
        if found is None:
            raise StaleVersion(uscc)
        unit = Unit.model_validate_json(doc_of(found))
        changed = unit.model_copy(update={**fields, "version": unit.version + 1})  # a new version (docs/rules.md §11)
        return {"Item": unit_item(changed),
                "ConditionExpression": "doc = :read", "ExpressionAttributeValues": {":read": found["doc"]}}
