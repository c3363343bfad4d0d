"""What every Store must do, whichever backend holds the data."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest

from chalicelib.domain.filing import Filing, Status
from chalicelib.domain.model import Account, AuditEvent, Message, Role, Unit, Upload
from chalicelib.ports import AlreadyExists, StaleVersion

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone.utc)


def unit(uscc="U1") -> Unit:
    return Unit(uscc=uscc, name="单位", unit_type="企业", economic_type="私营", industry="I", affiliation="其他",
                foreign_invested=False, labor_dispatch=False, registration_division="140105",
                registered_address="地址", legal_representative="张三", filer_name="李四", filer_mobile="13800000000",
                filer_email="a@example.com", authority_code="140105", registered_at=T0)


def account(username, scope="140105", role=Role.OPERATOR) -> Account:
    return Account(username=username, password_hash="h", role=role, scope=scope, display_name=username,
                   created_at=T0)


def filing(fid=None, uscc="U1", year=2025, authority="140105", minutes=0, kind="annual") -> Filing:
    at = T0 + dt.timedelta(minutes=minutes)
    return Filing(id=fid or uuid.uuid4().hex, uscc=uscc, unit_name="单位", authority_code=authority, year=year,
                  kind=kind, tables=("table1", "table2"), created_at=at, updated_at=at)


def audit(target="x", minutes=0) -> AuditEvent:
    return AuditEvent(id=uuid.uuid4().hex, at=T0 + dt.timedelta(minutes=minutes), actor="a", action="act",
                      target=target)


def msg(minutes=0) -> Message:
    return Message(id=uuid.uuid4().hex, channel="email", to="r@example.com", subject="s", body="b",
                   created_at=T0 + dt.timedelta(minutes=minutes))


def submitted(f: Filing, minutes: int) -> Filing:
    return f.submit(actor="u", now=T0 + dt.timedelta(minutes=minutes), receipt_no=f"R{minutes}")


def test_unit_and_filer_are_created_once(store):
    store.create_unit(unit(), account("U1", scope="U1", role=Role.FILER))
    with pytest.raises(AlreadyExists):
        store.create_unit(unit(), account("U1", scope="U1", role=Role.FILER))
    assert store.get_unit("U1").name == "单位"
    assert store.get_account("U1").role == Role.FILER
    assert store.get_unit("nope") is None and store.get_account("nope") is None


def test_accounts_listed_by_scope(store):
    store.put_account(account("r1"))
    store.put_account(account("r2"))
    store.put_account(account("c1", scope="140100"))
    assert sorted(a.username for a in store.list_accounts("140105")) == ["r1", "r2"]


def test_one_annual_filing_per_unit_and_year(store):
    store.create_filing(filing(), audit=audit())
    with pytest.raises(AlreadyExists):
        store.create_filing(filing(), audit=audit())
    store.create_filing(filing(year=2024), audit=audit())
    store.create_filing(filing(kind="interim"), audit=audit())
    store.create_filing(filing(kind="interim"), audit=audit())
    assert [f.year for f in store.list_unit_filings("U1")] == [2025, 2025, 2025, 2024]


def test_save_is_conditional_on_the_version_and_atomic_with_audit_and_outbox(store):
    f = filing()
    store.create_filing(f, audit=audit())
    before = len(store.list_audit())
    s = submitted(f, 1)
    store.save_filing(s, expected_version=1, audit=audit("first"), messages=[msg()])
    with pytest.raises(StaleVersion):
        store.save_filing(submitted(f, 2), expected_version=1, audit=audit("lost"), messages=[msg()])
    assert store.get_filing(f.id).version == 2
    assert [e.target for e in store.list_audit()][: len(store.list_audit()) - before] == ["first"]
    assert len(store.pending_messages()) == 1


def test_concurrent_reviews_exactly_one_wins(store):
    f = filing()
    store.create_filing(f, audit=audit())
    s = submitted(f, 1)
    store.save_filing(s, expected_version=1)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def review(i):
        decided = s.review(decision="approve" if i % 2 else "reject", reason="原因", actor=f"r{i}",
                           now=T0 + dt.timedelta(minutes=5))
        barrier.wait()
        try:
            store.save_filing(decided, expected_version=s.version, audit=audit(f"r{i}"))
            results.append("won")
        except StaleVersion:
            results.append("lost")

    threads = [threading.Thread(target=review, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lost", "lost", "lost", "won"]
    assert store.get_filing(f.id).version == s.version + 1


def test_queue_is_oldest_submission_first_with_stable_paging(store):
    ids = []
    for i in range(5):
        f = filing(uscc=f"U{i}", minutes=i)
        store.create_filing(f, audit=audit())
        store.save_filing(submitted(f, 100 - i), expected_version=1)  # later created, earlier submitted
        ids.append(f.id)
    other = filing(uscc="O", authority="140106")
    store.create_filing(other, audit=audit())
    draft = filing(uscc="D", minutes=50)
    store.create_filing(draft, audit=audit())

    page1 = store.list_authority_filings(["140105"], status="submitted", limit=2)
    page2 = store.list_authority_filings(["140105"], status="submitted", limit=2, page_token=page1.next_page_token)
    page3 = store.list_authority_filings(["140105"], status="submitted", limit=2, page_token=page2.next_page_token)
    assert [f.id for f in page1.items + page2.items + page3.items] == ids[::-1]
    assert page3.next_page_token is None

    everything = store.list_authority_filings(["140105"], limit=50).items
    assert [f.id for f in everything] == ids[::-1] + [draft.id]  # drafts after submissions
    assert {f.id for f in store.list_authority_filings(None, limit=50).items} == {*ids, other.id, draft.id}
    assert [f.id for f in store.list_authority_filings(["140106", "140105"], status="draft").items] == \
        [other.id, draft.id]
    assert store.list_authority_filings(["140105"], year=2024).items == []


def test_sequences_count_up_per_name(store):
    assert [store.next_sequence("a"), store.next_sequence("a"), store.next_sequence("b")] == [1, 2, 1]


def test_rows_are_paged_in_order_and_deleted_per_upload(store):
    rows = [{"name": f"人{i}", "row": i + 2} for i in range(120)]
    store.put_rows("up1", 0, rows[:60])
    store.put_rows("up1", 60, rows[60:])
    store.put_rows("up2", 0, rows[:3])
    assert store.get_rows("up1", offset=58, limit=4) == rows[58:62]
    assert list(store.iter_rows("up1")) == rows
    store.delete_rows("up1")
    assert store.get_rows("up1") == [] and len(store.get_rows("up2")) == 3


def test_uploads_round_trip(store):
    u = Upload(id="u1", filing_id="f", table="table2", filename="名册.xlsx", blob_key="uploads/u1.xlsx",
               created_at=T0, updated_at=T0)
    store.put_upload(u)
    store.put_upload(u.model_copy(update={"status": "done", "rows_done": 3}))
    assert store.get_upload("u1").status == "done" and store.get_upload("u1").rows_done == 3
    assert store.get_upload("nope") is None


def test_outbox_pending_then_sent(store):
    f = filing()
    store.create_filing(f, audit=audit())
    m1, m2 = msg(1), msg(2)
    store.save_filing(submitted(f, 1), expected_version=1, messages=[m1, m2])
    assert [m.id for m in store.pending_messages()] == [m1.id, m2.id]
    store.mark_message(m1.model_copy(update={"status": "sent", "sent_at": T0}))
    assert [m.id for m in store.pending_messages()] == [m2.id]
    assert [m.id for m in store.list_messages()] == [m2.id, m1.id]  # newest first


def test_audit_is_newest_first(store):
    for i in range(3):
        store.append_audit(audit(f"t{i}", minutes=i))
    assert [e.target for e in store.list_audit()] == ["t2", "t1", "t0"]


def test_filing_status_survives_round_trip(store):
    f = filing()
    store.create_filing(f, audit=audit())
    s = submitted(f, 3)
    store.save_filing(s, expected_version=1)
    got = store.get_filing(f.id)
    assert got.status == Status.SUBMITTED and got.receipt_no == "R3" and got.history == s.history


def test_queue_filters_by_unit_type_and_search_and_counts_by_status(store):
    a = filing(uscc="91140105MA0000001X").model_copy(update={"unit_name": "太原钢铁公司", "unit_type": "企业"})
    b = filing(uscc="52140105MJ0000002Y").model_copy(update={"unit_name": "小店区民办学校", "unit_type": "民办非企业单位"})
    for f in (a, b):
        store.create_filing(f, audit=audit())
    store.save_filing(submitted(a, 1), expected_version=1)

    def ids(**kw):
        return [f.id for f in store.list_authority_filings(["140105"], **kw).items]

    assert ids(unit_type="民办非企业单位") == [b.id]
    assert ids(search="钢铁") == [a.id]
    assert ids(search="52140105") == [b.id]
    assert ids(search="100%") == []  # wildcards are literal
    assert store.count_authority_filings(["140105"]) == {"draft": 1, "submitted": 1, "approved": 0, "rejected": 0}
    assert store.count_authority_filings(["140106"]) == {"draft": 0, "submitted": 0, "approved": 0, "rejected": 0}
    assert store.count_authority_filings(None, year=2024)["draft"] == 0


def test_rows_searchable_by_name_or_id_number(store):
    store.put_rows("up", 0, [{"name": "张三", "id_number": "140105199001011234"},
                             {"name": "李四", "id_number": "140105199202022345"},
                             {"name": "张三丰", "id_number": "140105198803033456", "workplace": "李四路"}])
    assert [r["name"] for r in store.search_rows("up", "张三")] == ["张三", "张三丰"]
    assert [r["name"] for r in store.search_rows("up", "19920202")] == ["李四"]
    assert [r["name"] for r in store.search_rows("up", "李四")] == ["李四"]  # not other columns
    assert store.search_rows("up", "王五") == []


def test_claims_are_single_use(store):
    assert not store.claimed("link-1")
    store.claim("link-1", T0)
    assert store.claimed("link-1")
    with pytest.raises(AlreadyExists):
        store.claim("link-1", T0)


def test_audit_can_be_read_for_some_divisions_only(store):
    for i, scope in enumerate(["140105", None, "140106", "140105", "140202"]):
        event = audit(f"t{i}", minutes=i).model_copy(update={"scope": scope})
        store.append_audit(event)
    assert [e.target for e in store.list_audit(10, scopes=["140105", "140106"])] == ["t3", "t2", "t0"]
    assert [e.target for e in store.list_audit(2, scopes=["140105", "140106"])] == ["t3", "t2"]
    assert store.list_audit(10, scopes=["140300"]) == []
    assert len(store.list_audit(10)) == 5
