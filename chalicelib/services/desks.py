"""The review desk of a filing (domain/desk.py): a reviewer claims a filing, or assigns it to a colleague of the
same authority, or lets it go; reviewers leave internal notes, which the unit never sees. Each is a conditional
write at the desk's version the page showed, with its audit event."""
from __future__ import annotations

from collections.abc import Iterable

from ..domain import jurisdiction
from ..domain.desk import Desk
from ..domain.errors import Conflict, Forbidden, ValidationFailed, problem
from ..domain.filing import Filing
from ..domain.model import Account, AuditEvent, Role
from ..ports import Clock, StaleVersion, Store
from .accounts import Principal
from .audit import audit_event
from .filings import FilingService

STALE_DESK = "认领或备注已被其他审核员更新，请刷新后查看"


class DeskService:
    def __init__(self, store: Store, clock: Clock, filings: FilingService):
        self.store, self.clock, self.filings = store, clock, filings

    def desk(self, who: Principal, filing_id: str) -> Desk:
        """The desk of a filing `who` may read (an empty one if nobody has claimed or noted it)."""
        filing = self._read(who, filing_id)
        return self.store.get_desk(filing.id) or Desk(filing_id=filing.id, authority_code=filing.authority_code)

    def desks_of(self, filings: Iterable[Filing]) -> dict[str, Desk]:
        """The desks of a queue page's filings (already read in the reviewer's scope)."""
        return self.store.desks_of([f.id for f in filings])

    def colleagues(self, filing: Filing) -> list[Account]:
        """The active reviewers of the filing's authority: whom a filing can be assigned to."""
        return [a for a in self.store.list_accounts(filing.authority_code)
                if a.role == Role.OPERATOR and a.status == "active"]

    def hold(self, who: Principal, filing_id: str, *, holder: str | None, version: int) -> Desk:
        """`holder` (`who` claims it, a colleague is assigned it; None: released) holds the filing."""
        filing = self._read(who, filing_id)
        if not jurisdiction.Scope(who.scope).can_review(filing.authority_code):
            raise Forbidden("该备案不由您所在的审核机关审核，不能认领或分派")
        if holder is not None and holder not in {a.username for a in self.colleagues(filing)}:
            raise ValidationFailed("只能分派给本审核机关的审核员",
                                   [problem("请选择本审核机关的审核员", column="分派给", field="holder")])
        desk = self._at(filing, version)
        after = desk.held_by(holder, self.clock.now())
        self._save(desk, after, audit_event(self.clock.now(), who.username, "hold_filing", filing.id,
                                            scope=filing.authority_code,
                                            detail={"from": desk.holder, "to": holder}))
        return after

    def note(self, who: Principal, filing_id: str, *, text: str | None, version: int) -> Desk:
        """An internal note on the filing, for the reviewers who can read it (never shown to the unit)."""
        filing = self._read(who, filing_id)
        desk = self._at(filing, version)
        after = desk.noted(who.username, text, self.clock.now())
        self._save(desk, after, audit_event(self.clock.now(), who.username, "note_filing", filing.id,
                                            scope=filing.authority_code,
                                            detail={"note": after.notes[-1].text}))
        return after

    def _read(self, who: Principal, filing_id: str) -> Filing:
        if not who.is_reviewer:
            raise Forbidden("只有审核员可以认领备案或填写内部备注")
        return self.filings.get(who, filing_id)

    def _at(self, filing: Filing, version: int) -> Desk:
        desk = self.store.get_desk(filing.id) or Desk(filing_id=filing.id, authority_code=filing.authority_code)
        if desk.version != version:
            raise Conflict(STALE_DESK)
        return desk

    def _save(self, desk: Desk, after: Desk, audit: AuditEvent) -> None:
        try:
            self.store.save_desk(after, expected_version=desk.version, audit=audit)
        except StaleVersion:
            raise Conflict(STALE_DESK) from None
