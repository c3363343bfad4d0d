"""Units, accounts and the applications for reviewer-side accounts, on DynamoDB."""
from __future__ import annotations

import time
from collections.abc import Iterable

from botocore.exceptions import ClientError

from ....domain import stats, unit_life
from ....domain.applications import Application
from ....domain.calendar import local_today
from ....domain.model import Account, AuditEvent, Message, Unit
from ....ports import AccountStore, AlreadyExists, StaleVersion, UnitLifeStore
from .. import keys
from .base import BATCH_ATTEMPTS, DynamoBase, Op, absent, at_version, av, cancel_reasons, doc_of, item
from .outbox import audit_put, message_put
from .owing import count_updates, owes_put, year_change, year_record


def account_item(a: Account) -> dict[str, dict[str, str]]:
    return item(keys.account_item(a), a.model_dump_json(), version=a.version)


def account_put(account: Account, expected_version: int | None) -> Op:
    """Create-if-absent (expected_version None) or write only at the expected version."""
    if expected_version is None:
        return absent(account_item(account))
    return at_version(account_item(account), expected_version)


def unit_item(u: Unit) -> dict[str, dict[str, str]]:
    return item(keys.unit_item(u), u.model_dump_json(), version=u.version)


def application_item(a: Application) -> dict[str, dict[str, str]]:
    return item(keys.application_item(a), a.model_dump_json(), version=a.version)


def _first_failed(e: ClientError) -> bool:
    """The transaction's first operation failed its condition."""
    return cancel_reasons(e)[:1] == ["ConditionalCheckFailed"]


class DynamoUnits(DynamoBase, AccountStore, UnitLifeStore):
    # units
    def create_unit(self, unit: Unit, filer: Account) -> None:
        owed = unit_life.years_owed(unit, local_today(unit.registered_at))
        try:
            self._transact([
                absent(unit_item(unit)),
                absent(account_item(filer)),
                *(owes_put(unit.uscc, y, unit.authority_code) for y in owed),
                *count_updates(self.table, stats.unit_deltas(unit.authority_code, owed)),
            ])
        except ClientError as e:
            if "ConditionalCheckFailed" in cancel_reasons(e):
                raise AlreadyExists(unit.uscc) from None
            raise

    def get_unit(self, uscc: str) -> Unit | None:
        return self._load(Unit, keys.unit(uscc))

    def get_units(self, usccs: Iterable[str]) -> dict[str, Unit]:
        """BatchGetItem, 100 keys a call, retrying UnprocessedKeys."""
        wanted, found = list(dict.fromkeys(usccs)), {}
        for i in range(0, len(wanted), 100):
            request = {self.table: {"Keys": [av(keys.unit(u)) for u in wanted[i:i + 100]],
                                    "ProjectionExpression": "doc"}}
            for attempt in range(BATCH_ATTEMPTS):
                resp = self.client.batch_get_item(RequestItems=request)
                for read in resp.get("Responses", {}).get(self.table, []):
                    unit = Unit.model_validate_json(doc_of(read))
                    found[unit.uscc] = unit
                request = resp.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(self.backoff_seconds * 2 ** attempt, 2.0))
            else:
                raise RuntimeError(f"DynamoDB left keys unread after {BATCH_ATTEMPTS} tries")
        return found

    # a unit's life (docs/rules.md §11)
    def save_unit(self, unit: Unit, *, expected_version: int, audit: AuditEvent,
                  messages: Iterable[Message] = ()) -> None:
        """The unit's OWES items are read first; the transaction holds each item it changes to the filing
        status read, and the unit to its version (units written before versions: to having none)."""
        found = self.client.get_item(TableName=self.table, Key=av(keys.unit(unit.uscc)), ConsistentRead=True,
                                     ProjectionExpression="version").get("Item")
        if found is None or int(found.get("version", {}).get("N", 1)) != expected_version:
            raise StaleVersion(unit.uscc)
        records = {r.year: r for r in map(year_record, self._query(
            keys.unit(unit.uscc)[keys.PK], sk_condition="begins_with(#sk, :owes)", values={":owes": "OWES#"},
            consistent=True))}
        changes, deltas = unit_life.reconcile(unit, list(records.values()), local_today(audit.at))
        put = ({"Item": unit_item(unit), "ConditionExpression": "attribute_not_exists(version)"}
               if "version" not in found else at_version(unit_item(unit), expected_version))
        try:
            self._transact([put, *(year_change(self.table, unit.uscc, c, records.get(c.year)) for c in changes),
                            *count_updates(self.table, deltas), audit_put(audit), *map(message_put, messages)])
        except ClientError as e:
            if "ConditionalCheckFailed" in cancel_reasons(e):
                raise StaleVersion(unit.uscc) from None
            raise

    def units_asking_closure(self, authority_codes: list[str] | None) -> list[Unit]:
        wanted = None if authority_codes is None else set(authority_codes)
        units = [Unit.model_validate_json(doc_of(i)) for i in self._query(keys.CLOSURE_REQUESTS, index="GSI1")]
        return [u for u in units if wanted is None or u.authority_code in wanted]

    # accounts
    def put_account(self, account: Account) -> None:
        self._put(account_item(account))

    def get_account(self, username: str) -> Account | None:
        return self._load(Account, keys.account(username))

    def list_accounts(self, scope: str) -> list[Account]:
        return [Account.model_validate_json(doc_of(i))
                for i in self._query(keys.accounts_in_scope(scope), index="GSI3")]

    def create_account(self, account: Account, *, audit: AuditEvent) -> None:
        try:
            self._transact([account_put(account, None), audit_put(audit)])
        except ClientError as e:
            if _first_failed(e):
                raise AlreadyExists(account.username) from None
            raise

    def save_account(self, account: Account, *, expected_version: int, audit: AuditEvent | None = None) -> None:
        try:
            self._transact([account_put(account, expected_version), *([audit_put(audit)] if audit else [])])
        except ClientError as e:
            if _first_failed(e):
                raise StaleVersion(account.username) from None
            raise

    def accounts_of_person(self, id_number: str) -> list[Account]:
        return [Account.model_validate_json(doc_of(i))
                for i in self._query(keys.person_accounts(id_number), index="GSI1")]

    # applications for reviewer-side accounts
    def create_application(self, application: Application, *, audit: AuditEvent) -> None:
        try:
            self._transact([absent(application_item(application)), audit_put(audit)])
        except ClientError as e:
            if _first_failed(e):
                raise AlreadyExists(application.id) from None
            raise

    def get_application(self, application_id: str) -> Application | None:
        return self._load(Application, keys.application(application_id))

    def save_application(self, application: Application, *, expected_version: int, audit: AuditEvent,
                         account: Account | None = None, account_version: int | None = None) -> None:
        puts = [at_version(application_item(application), expected_version)]
        if account is not None:
            puts.append(account_put(account, account_version))
        puts.append(audit_put(audit))
        try:
            self._transact(puts)
        except ClientError as e:
            reasons = cancel_reasons(e)
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise StaleVersion(application.id) from None
            if account is not None and reasons[1:2] == ["ConditionalCheckFailed"]:
                if account_version is None:
                    raise AlreadyExists(account.username) from None
                raise StaleVersion(account.username) from None
            raise

    def list_applications(self, managing_division: str, *, limit: int = 200) -> list[Application]:
        return [Application.model_validate_json(d) for d in
                self._listing("GSI1", keys.division_applications(managing_division), limit, newest_first=True)]

    def list_own_applications(self, applicant: str, *, limit: int = 200) -> list[Application]:
        return [Application.model_validate_json(d) for d in
                self._listing("GSI3", keys.applicant_applications(applicant), limit, newest_first=True)]
