"""A filing is found by the 回执号 it holds now (the public verification, docs/rules.md §14), on both backends:
not before submission, not after a withdrawal, and a resubmission's new 回执号 replaces the old one."""
from __future__ import annotations

import datetime as dt

from chalicelib.domain.model import Role
from tests.contract.test_store_contract import T0, account, audit, filing, unit


def test_a_filing_is_found_by_its_current_receipt_number_only(store):
    store.create_unit(unit(), account("U1", scope="U1", role=Role.FILER))
    draft = filing()
    store.create_filing(draft, audit=audit(draft.id))
    assert store.filing_of_receipt("BA-140105-2025-000001") is None

    first = draft.submit(actor="U1", now=T0, receipt_no="BA-140105-2025-000001")
    store.save_filing(first, expected_version=draft.version)
    assert store.filing_of_receipt("BA-140105-2025-000001").id == draft.id
    assert store.filing_of_receipt("BA-140105-2025-000002") is None

    withdrawn = first.withdraw(actor="U1", now=T0 + dt.timedelta(minutes=1))
    store.save_filing(withdrawn, expected_version=first.version)
    assert store.filing_of_receipt("BA-140105-2025-000001") is None  # its receipt went with the submission

    again = withdrawn.submit(actor="U1", now=T0 + dt.timedelta(minutes=2), receipt_no="BA-140105-2025-000002")
    store.save_filing(again, expected_version=withdrawn.version)
    assert store.filing_of_receipt("BA-140105-2025-000001") is None
    found = store.filing_of_receipt("BA-140105-2025-000002")
    assert found.id == draft.id and found.version == again.version

