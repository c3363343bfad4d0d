"""Test data that passes the checks: units, 表一, 表二 workbooks."""
from __future__ import annotations

import io

from chalicelib.domain.identifiers import USCC_ALPHABET, id_check_char, uscc_check_char
from chalicelib.domain.tables import TABLE2


def uscc(serial: int, division: str = "140105") -> str:
    body = f"91{division}MA{serial:07d}"[:17]
    body = "".join(ch if ch in USCC_ALPHABET else "0" for ch in body)
    return body + uscc_check_char(body)


def resident_id(division: str, birth: str, serial: int, male: bool) -> str:
    seq = serial * 2 + (1 if male else 0)
    first17 = f"{division}{birth}{seq % 1000:03d}"
    return first17 + id_check_char(first17)


def registration(serial: int = 1, **over) -> dict:
    data = {
        "uscc": uscc(serial), "name": f"山西演示科技有限公司{serial}", "unit_type": "企业", "economic_type": "私营",
        "industry": "I", "affiliation": "其他", "foreign_invested": False, "labor_dispatch": False,
        "registration_division": "140105", "registered_address": "太原市小店区长治路1号",
        "legal_representative": "张三", "founded_on": "2015-06-01", "filer_name": "李四", "filer_mobile": f"138{serial:08d}",
        "filer_email": f"filer{serial}@example.com", "password": "Passw0rd!26",
    }
    data.update(over)
    return data


def table1(employees: int = 3, **over) -> dict:
    male = employees - employees // 2
    data = {
        "contact_name": "李四", "contact_phone": "0351-1234567", "business_address": "太原市小店区长治路1号",
        "industry_division": "65",  # 软件和信息技术服务业, in the registration's 门类 I
        "employees": employees, "male": male, "female": employees - male, "on_post": employees, "off_post": 0,
        "migrant_workers": 0, "dispatched": 0, "part_time": 0, "contracts_due": employees,
        "contracts_signed": employees, "signed_task": 0, "signed_fixed_lt3": employees, "signed_fixed_3to10": 0,
        "signed_fixed_ge10_open": 0, "insured_pension": employees, "insured_medical": employees,
        "insured_injury": employees, "insured_unemployment": employees, "average_wage": 72000,
    }
    data.update(over)
    return data


def person(i: int, **over) -> dict:
    male = i % 2 == 0
    values = {
        "seq": i + 1, "name": f"职工{i + 1}", "id_type": "居民身份证",
        "id_number": resident_id("140105", "19900101", i, male), "gender": "男" if male else "女",
        "birth_date": "1990-01-01", "hukou": "城镇", "education": "大学本科", "phone": "13900000000",
        "employment_form": "全日制", "post_category": "其他", "special_job": "否", "workplace": "太原",
        "hire_date": "2020-03-01", "contract_term": "固定期限", "contract_start": "2020-03-01",
        "contract_end": "2026-02-28", "insured": "是",
    }
    values.update(over)
    return values


def table2_workbook(people: list[dict]) -> bytes:
    """A 表二 workbook laid out like the official template (its header row, then the people)."""
    from openpyxl import load_workbook

    from chalicelib.excel.blank_forms import blank_form

    book = load_workbook(io.BytesIO(blank_form("table2")))
    sheet = book.worksheets[0]
    header_row = next(r for r in range(1, 6) if sheet.cell(r, 1).value == TABLE2[0].title)
    sheet.delete_rows(header_row + 1, sheet.max_row)  # drop the template's example row
    for offset, p in enumerate(people, start=1):
        for col, column in enumerate(TABLE2, start=1):
            sheet.cell(header_row + offset, col, p.get(column.key))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ended(person_row: dict, **over) -> dict:
    """A 表三 row for someone on a roster: contract ended by the employee's own notice (R03, no compensation)."""
    values = {
        "seq": 1, "name": person_row["name"], "id_type": person_row["id_type"], "id_number": person_row["id_number"],
        "gender": person_row["gender"], "contract_start": person_row["contract_start"],
        "contract_end": person_row["contract_end"], "ended_on": "2025-09-30", "category": "解除",
        "reason_code": "R03", "compensated": "否", "compensation": None, "years_of_service": 5,
    }
    values.update(over)
    return values


def workbook(table: str, rows: list[dict]) -> bytes:
    """Any table's template with `rows` from row 2 (the example row removed)."""
    from openpyxl import load_workbook

    from chalicelib.domain.tables import COLUMNS
    from chalicelib.excel.blank_forms import blank_form

    book = load_workbook(io.BytesIO(blank_form(table)))
    sheet = book.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for r, values in enumerate(rows, start=2):
        for col, column in enumerate(COLUMNS[table], start=1):
            sheet.cell(r, col, values.get(column.key))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_workbook(rows: int) -> bytes:
    """A large valid 表二 (header row, then `rows` people with distinct ID numbers), written streaming."""
    import datetime as dt

    from openpyxl import Workbook

    from chalicelib.domain.tables import COLUMNS, TABLE_TITLES

    book = Workbook(write_only=True)
    sheet = book.create_sheet(TABLE_TITLES["table2"])
    sheet.append([c.title for c in COLUMNS["table2"]])
    for i in range(rows):
        born = dt.date(1960, 1, 1) + dt.timedelta(days=i // 1000 * 7 + i % 7)  # with i % 1000: distinct IDs
        first17 = f"140105{born:%Y%m%d}{i % 1000:03d}"
        sheet.append([i + 1, f"职工{i + 1}", "居民身份证", first17 + id_check_char(first17),
                      "男" if int(first17[16]) % 2 else "女", born, "城镇", "大学本科", f"138{i:08d}", "全日制", "其他",
                      "否", "太原市小店区", born + dt.timedelta(days=7400), "固定期限", dt.date(2021, 1, 1),
                      dt.date(2026, 1, 1), "是"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sms_code(mobile: str, purpose: str = "注册", store=None) -> str | None:
    """The newest verification code for `purpose` (注册, 找回密码, 更换手机号, 单位管理员变更) sent to `mobile`, read
    from the app's outbox as the phone would show it."""
    import re

    from chalicelib import bootstrap
    for m in (store or bootstrap.container().store).list_messages(500):
        if m.to == mobile and m.template == "verification_code" and m.subject == f"{purpose}验证码":
            return re.search(r"验证码为(\d{6})", m.body).group(1)
    return None


def add_clerk(c, admin, name: str = "经办人", mobile: str = "13600000000", email: str = "clerk@example.com",
              password: str = "Clerk-Passw0rd-1", address: str = "10.0.0.9"):
    """The 单位管理员 `admin` (a Principal) adds a 经办人 of container `c`: asks for the code to the 经办人's mobile
    and types it as the 经办人 reads it out (docs/rules.md §12)."""
    c.people.request_clerk_code(admin, mobile, address)
    return c.people.add_clerk(admin, name, mobile, email, password, sms_code(mobile, "添加经办人", c.store))
