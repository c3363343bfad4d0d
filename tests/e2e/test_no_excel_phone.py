"""Issue 17's "Done when" without Excel, on a 375 px phone: register (the authority confirmed before the account
exists) → sign in → 表一 in its four steps → two 表二 people added online, one of them fixed from the list → 核对并
提交 with the 承诺 → the 回执 PDF, whose text is read back (pypdf). axe-core checks every page state, screenshots go
to build/screenshots/noexcel-*.png, and the taps are counted and printed (docs/rules.md §19 gives the count)."""
from __future__ import annotations

import io

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests import factories
from tests.e2e.test_clerk_phone import AUTHORITY, Phone, Taps, check_and_submit, fill_table1_in_steps

SERIAL = 523  # distinct from the other e2e units and the fuzz tier's


def add_row(page: Page, taps: Taps, person: dict) -> None:
    """The row form: every field typed or chosen (the 序号 is the list's own)."""
    taps.click("#add-row")
    expect(page.locator("h1")).to_have_text("添加表二人员")
    for key, value in person.items():
        if key == "seq" or value is None:
            continue
        if page.locator(f"#f-{key}").evaluate("e => e.tagName") == "SELECT":
            taps.choose(f"#f-{key}", str(value))
        else:
            taps.fill(f"#f-{key}", str(value))
    taps.click("button:has-text('保存')")


def test_a_clerk_files_without_excel_on_a_phone_and_downloads_the_receipt(live_server, new_context, screenshots):
    phone = Phone(new_context, screenshots, "noexcel", SERIAL)
    page, taps, state, year = phone.page, phone.taps, phone.state, phone.year
    filing_url = phone.new_filing(live_server)

    taps.click("a:has-text('填写表一')")
    state("表一 step 1", "table1")
    fill_table1_in_steps(page, taps, factories.table1(2))
    page.wait_for_url(filing_url)
    state("filing with 表一", "filing")

    # 表二 online: two people, the second with a mistake in the name fixed from the list
    taps.click("#table2-online")
    state("empty roster")
    people = [factories.person(0, hire_date="2024-03-01", contract_start="2024-03-01", contract_end="2027-02-28"),
              factories.person(1, name="赵六x", hire_date="2024-03-01", contract_start="2024-03-01",
                               contract_end="2027-02-28")]
    add_row(page, taps, people[0])
    state("row form saved", "row-added")
    add_row(page, taps, people[1])
    expect(page.locator("#saved")).to_contain_text("已添加，本表现有 2 行")
    state("two rows", "rows")
    taps.click("a[aria-label='修改赵六x']")
    state("row edit form", "row-edit")
    taps.fill("#f-name", "赵六")
    taps.click("button:has-text('保存')")
    expect(page.locator("#saved")).to_contain_text("已保存修改")
    expect(page.locator("#rows")).to_contain_text("赵六")
    expect(page.locator("#rows")).not_to_contain_text("赵六x")
    state("row fixed", "row-fixed")
    taps.click(f"a[href$='{filing_url.split('/employer')[1]}']")
    page.wait_for_url(filing_url)

    receipt, pdf = check_and_submit(page, taps, state, year, people=2)
    shown = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (receipt, phone.unit["name"], AUTHORITY):
        assert expected in shown, expected

    print(f"\nno-Excel flow (register → 表一 → 2 rows online, 1 fixed → 核对并提交 → 回执): {taps.count} taps")
    assert not phone.problems, "\n".join(phone.problems)
