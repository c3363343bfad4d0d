"""Two reviewers deciding the same filing at the same moment, on each backend: exactly one wins and the
other is told 已被其他审核员处理 (real threads, real storage)."""
import threading

from chalicelib.domain.errors import Conflict
from tests import factories
from tests.contract.world import assembled, filer_with_filing, registered


def test_concurrent_reviews_exactly_one_succeeds(adapters, clock, tmp_path):
    c = registered(assembled(adapters, clock, tmp_path))
    for name in ("r1", "r2", "r3"):
        c.accounts.create_reviewer(name, "Review-Passw0rd", "140105", name)
    filer, filing = filer_with_filing(c, 1)
    rows_upload = "race-upload"
    adapters.store.put_rows(rows_upload, 0, [factories.person(0)])
    from chalicelib.domain.filing import RowSet
    adapters.store.save_filing(filing.edited(clock.now(), row_sets={"table2": RowSet(upload_id=rows_upload, rows=1)}),
                               expected_version=filing.version)
    submitted = c.filings.submit(filer, filing.id, declaration_accepted=True)

    reviewers = [c.accounts.authenticate(c.accounts.login(n, "Review-Passw0rd")[0]) for n in ("r1", "r2", "r3")]
    barrier = threading.Barrier(len(reviewers))
    outcomes: list[str] = []

    def decide(who, decision):
        barrier.wait()
        try:
            c.review.review(who, filing.id, decision=decision, reason="原因", version=submitted.version)
            outcomes.append("ok")
        except Conflict as e:
            outcomes.append(e.message)

    threads = [threading.Thread(target=decide, args=(who, "approve" if i else "reject"))
               for i, who in enumerate(reviewers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert all("已被其他审核员处理" in o for o in outcomes if o != "ok")
    final = adapters.store.get_filing(filing.id)
    assert final.version == submitted.version + 1 and [t.action for t in final.history][-1] in ("approve", "reject")


def test_concurrent_submits_answer_with_one_receipt(adapters, clock, tmp_path):
    c = registered(assembled(adapters, clock, tmp_path))
    filer, filing = filer_with_filing(c, 1)
    adapters.store.put_rows("submit-race", 0, [factories.person(0)])
    from chalicelib.domain.filing import RowSet
    adapters.store.save_filing(filing.edited(clock.now(), row_sets={"table2": RowSet(upload_id="submit-race", rows=1)}),
                               expected_version=filing.version)
    barrier, receipts = threading.Barrier(3), []

    def submit():
        barrier.wait()
        receipts.append(c.filings.submit(filer, filing.id, declaration_accepted=True).receipt_no)

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(receipts) == 3 and len(set(receipts)) == 1
    assert adapters.store.get_filing(filing.id).receipt_no == receipts[0]
