"""A unit's life on the AWS backend through the API (docs/rules.md §11): registration with a founding date, a
closure request confirmed by the authority, the filer told through SES and SNS, the overdue list from DynamoDB's
sparse index without the years the closure excused, reopening."""
from tests import factories
from tests.aws_emulator import sent_messages

PASSWORD = "Review-Passw0rd"


def test_a_closure_confirmed_on_aws_takes_the_unit_off_the_list_and_a_reopening_puts_it_back(aws_app):
    api, c, aws = aws_app
    c.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员", email="xd@hrss.example.cn")
    uscc = factories.uscc(1)
    assert api.call("POST", "/employers/register", factories.registration(1, founded_on="2023-04-01"))[0] == 201
    filer, reviewer = api.login(uscc, "Passw0rd!26"), api.login("xiaodian", PASSWORD)
    assert api.call("GET", f"/units/{uscc}", token=filer)[1]["founded_on"] == "2023-04-01"

    status, unit = api.call("POST", f"/units/{uscc}/closure-request",
                            {"kind": "deregistered", "date": "2026-02-20", "version": 1}, filer)
    assert status == 201
    assert [u["uscc"] for u in api.call("GET", "/closure-requests", token=reviewer)[1]["items"]] == [uscc]
    before = sent_messages(aws.endpoint)
    status, unit = api.call("POST", f"/units/{uscc}/closure", {"kind": "deregistered", "date": "2026-02-20",
                                                               "evidence": "注销通知书18号", "version": 2}, reviewer)
    assert status == 200 and unit["status"] == "closed"
    assert api.call("GET", "/closure-requests", token=reviewer)[1]["items"] == []
    sent = sent_messages(aws.endpoint)
    assert [m["subject"] for m in sent.emails[len(before.emails):]] == ["单位注销（吊销、撤销、迁出）已登记"]
    assert len(sent.sms) == len(before.sms) + 1

    def listed(year: int) -> list[str]:
        return [i["uscc"] for i in api.call("GET", f"/overdue?year={year}", token=reviewer)[1]["items"]]
    assert (listed(2023), listed(2024), listed(2025)) == ([uscc], [uscc], [])
    assert c.store.stats(2025) == {"140105": {"closed": 1}}
    assert api.call("POST", "/filings", {"year": 2025}, filer)[0] == 422

    assert api.call("POST", f"/units/{uscc}/reopen", {"reason": "误登记", "version": 2}, reviewer)[0] == 409
    assert api.call("POST", f"/units/{uscc}/reopen", {"reason": "误登记", "version": 3}, reviewer)[0] == 200
    assert listed(2025) == [uscc] and c.store.stats(2025) == {"140105": {"expected": 1}}
