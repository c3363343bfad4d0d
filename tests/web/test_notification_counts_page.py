"""The operator page of the day's reminder counts: a system administrator sees planned, sent and dropped per
authority and channel of their jurisdiction; other roles are refused; a bad date is a clear message."""
import datetime as dt

from tests.contract.test_owing_contract import register
from tests.web.test_admin_pages import browser, client, text  # noqa: F401 (the fixture)

UTC = dt.timezone.utc


def test_the_days_counts_per_authority_and_channel(client, container, clock):  # noqa: F811
    register(container.store, "A1", authority="140105")
    register(container.store, "D1", authority="140211")  # 大同: outside 太原's administrator's jurisdiction
    clock.current = dt.datetime(2026, 6, 23, 1, 0, tzinfo=UTC)  # D-7
    container.reminders.run_daily()
    page = text(browser(client, "ty-sys").get("/admin/notifications?day=2026-06-23"))
    assert "小店区" in page and "大同" not in page
    row = page.split("小店区")[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split("<td>")[2:]] == ["1", "1", "0", "0"]  # e-mail: planned, sent
    assert "当天没有备案提醒" in text(browser(client, "ty-sys").get("/admin/notifications?day=2026-06-22"))
    assert browser(client, "ty-sys").get("/admin/notifications?day=6月").status_code == 400
    assert browser(client, "ty-biz").get("/admin/notifications").status_code == 403
