"""回执, 备案证明 and 回执查验 (docs/rules.md §14), through the API and the pages, on both backends: the submitted
filing's PDF (its texts, the embedded font, the QR code's verification link), 已备案 with the approval date once
approved, none for a draft or a withdrawn filing; the public verification by 回执号 + check code, which answers a
wrong code and an unknown 回执号 alike and limits the tries per client address."""
from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import zlib

import pytest
import zxingcpp
from chalice.test import Client
from PIL import Image, ImageDraw
from pypdf import PdfReader

from chalicelib.domain.calendar import local_text, local_today
from chalicelib.services.receipts import CODE_ALPHABET, VERIFICATIONS_PER_MINUTE, check_code
from tests import factories
from tests.api_client import Api
from tests.job_worker import finish_jobs
from tests.web.test_pages import Browser, text

PASSWORD = "Review-Passw0rd"


@pytest.fixture
def container(backend_container):
    return backend_container


@pytest.fixture
def client(container):
    from app import app
    container.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员", email="xd@hrss.example.cn")
    container.accounts.create_reviewer("jinze", PASSWORD, "140107", "杏花岭区审核员", email="xh@hrss.example.cn")
    with Client(app) as c:
        yield c


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def submitted_filing(api: Api) -> tuple[str, str, str]:
    """(filer token, filing id, 回执号) of a submitted 零申报 (no roster needed)."""
    assert api.call("POST", "/employers/register", factories.registration(1))[0] == 201
    token = api.login(factories.uscc(1), "Passw0rd!26")
    status, filing = api.call("POST", "/filings", {"year": 2025}, token)
    assert status == 201, filing
    assert api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(0), token)[0] == 200
    status, body = api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token=token)
    assert status == 200, body
    return token, filing["id"], body["receipt_no"]


def download(api: Api, path: str, token: str):
    return api.http.request("GET", f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]  # A4 in points
    return reader.pages[0].extract_text()


def test_the_receipt_pdf_carries_the_filing_the_authority_and_the_verification(api, container):
    token, fid, receipt_no = submitted_filing(api)
    response = download(api, f"/filings/{fid}/receipt", token)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert f"{receipt_no}.pdf" in response.headers["Content-Disposition"]
    body = response.body
    assert body.startswith(b"%PDF-") and b"/FontFile2" in body  # the TrueType font is embedded (a subset)
    page = pdf_text(body)
    code = check_code(container.settings.secret_key, receipt_no)
    submitted_at = container.store.get_filing(fid).submitted_at
    for expected in ("劳动用工备案回执", "山西演示科技有限公司1", factories.uscc(1), "2025年度劳动用工备案", receipt_no,
                     code, "提交时间（北京时间）", local_text(submitted_at),
                     "太原市小店区人力资源和社会保障局", "12333", "在册职工人数", "已提交待审核"):
        assert expected in page, expected
    assert "已备案" not in page
    # the QR code and the printed link: the verification page with the 回执号 and its check code
    url = container.receipts.verification_url(receipt_no)
    assert url in page.replace("\n", "")
    assert parse_qs(urlsplit(url).query) == {"no": [receipt_no], "code": [code]}
    assert _decoded_qr(body) == [url]


def _decoded_qr(body: bytes) -> list[str]:
    """The QR codes on the page, read by a decoder from a rendering of its filled squares (the QR code is drawn as
    vector squares, and nothing else on the page is a filled rectangle)."""
    contents = b"".join(zlib.decompress(m) for m in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
                        if m.startswith(b"x"))  # the zlib streams: the page's content (and the font, skipped)
    scale, height = 4, 842  # pixels per point; A4's height in points
    image = Image.new("L", (595 * scale, height * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in (map(float, m) for m in re.findall(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f",
                                                         contents)):
        top, bottom = sorted(((height - y) * scale, (height - y - h) * scale))
        draw.rectangle((x * scale, top, (x + w) * scale, bottom), fill=0)
    return [found.text for found in zxingcpp.read_barcodes(image)]


def test_after_approval_the_same_document_is_the_filing_certificate(api, container):
    token, fid, receipt_no = submitted_filing(api)
    reviewer = api.login("xiaodian", PASSWORD)
    version = api.call("GET", f"/filings/{fid}", token=reviewer)[1]["version"]
    assert api.call("POST", f"/filings/{fid}/review", {"decision": "approve", "version": version}, reviewer)[0] == 200
    finish_jobs(container)
    page = pdf_text(download(api, f"/filings/{fid}/receipt", token).body)
    approved_on = local_today(container.clock.now()).isoformat()
    assert "劳动用工备案证明" in page and f"已备案（审核通过日期：{approved_on}）" in page and receipt_no in page
    # the reviewer in scope downloads it too; another county's reviewer does not
    assert download(api, f"/filings/{fid}/receipt", reviewer).status_code == 200
    assert download(api, f"/filings/{fid}/receipt", api.login("jinze", PASSWORD)).status_code == 403


def test_a_draft_and_a_withdrawn_filing_have_no_receipt(api):
    token, fid, _ = submitted_filing(api)
    assert api.call("POST", f"/filings/{fid}/withdraw", token=token)[0] == 200
    status, body = api.call("GET", f"/filings/{fid}/receipt", token=token)
    assert status == 404 and body["error"]["message"] == "该备案尚未提交或已撤回，没有回执"


def test_the_filing_page_and_the_home_link_the_pdf(client, api):
    _, fid, receipt_no = submitted_filing(api)
    browser = Browser(client)
    browser.get("/login")
    assert browser.post("/login", {"username": factories.uscc(1), "password": "Passw0rd!26"}).status_code == 303
    link = f"/employer/filings/{fid}/receipt.pdf"
    assert f'href="{link}"' in text(browser.get(f"/employer/filings/{fid}"))
    assert f'href="{link}"' in text(browser.get("/employer"))
    response = browser.get(link)
    assert response.status_code == 200 and receipt_no in pdf_text(response.body)



def test_the_review_page_links_the_pdf_for_the_reviewer(client, api):
    _, fid, receipt_no = submitted_filing(api)
    browser = Browser(client)
    browser.get("/login")
    assert browser.post("/login", {"username": "xiaodian", "password": PASSWORD}).status_code == 303
    link = f"/review/filings/{fid}/receipt.pdf"
    assert f'href="{link}"' in text(browser.get(f"/review/filings/{fid}"))
    response = browser.get(link)
    assert response.status_code == 200 and receipt_no in pdf_text(response.body)

def verify(browser: Browser, number: str, code: str):
    return browser.get("/verify?" + urlencode({"no": number, "code": code}))


def test_verification_shows_only_the_public_facts_for_the_right_code(client, api, container):
    _, fid, receipt_no = submitted_filing(api)
    browser = Browser(client)  # nobody signed in
    assert "回执查验" in text(browser.get("/verify"))
    code = check_code(container.settings.secret_key, receipt_no)
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    page = text(verify(browser, receipt_no.lower(), f" {code.lower()} "))  # as typed from paper
    assert 'id="verified"' in page
    for shown in (receipt_no, "山西演示科技有限公司1", "2025年度劳动用工备案", "已提交待审核"):
        assert shown in page
    assert factories.uscc(1) not in page and "在册" not in page  # nothing else of the filing

    # a wrong code and an unknown 回执号 get the very same answer
    typo = "AAAAAA" if code != "AAAAAA" else "BBBBBB"
    wrong = text(verify(browser, receipt_no, typo))
    other = "BA-140105-2025-999999"
    other_code = check_code(container.settings.secret_key, other)
    unknown = text(verify(browser, other, other_code))
    assert 'id="not-verified"' in wrong and "山西演示科技有限公司1" not in wrong
    assert _answer(wrong, receipt_no, typo) == _answer(unknown, other, other_code)
    # the form posts too (with its CSRF token)
    assert 'id="verified"' in text(browser.post("/verify", {"no": receipt_no, "code": code}))


def _answer(page: str, number: str, code: str) -> str:
    """The page without what was typed (the form shows it again)."""
    return page.replace(number, "…").replace(code, "…")


@pytest.mark.parametrize("number, code", [("x" * 5000, "y" * 5000), ("BA-\u202e1", "\x00\x01"), ("", "ABCDEF"),
                                          ("回执号", "查验码")])
def test_any_input_gets_a_page_never_a_5xx(client, number, code):
    response = verify(Browser(client), number, code)
    assert response.status_code == 200 and 'id="not-verified"' in text(response)


def test_verification_is_rate_limited_per_client_address(client, api, container):
    _, _, receipt_no = submitted_filing(api)
    browser = Browser(client)
    for _ in range(VERIFICATIONS_PER_MINUTE):
        assert verify(browser, receipt_no, "AAAAAA").status_code == 200
    refused = verify(browser, receipt_no, check_code(container.settings.secret_key, receipt_no))
    assert refused.status_code == 429 and "查验过于频繁" in text(refused) and 'id="verified"' not in text(refused)
    container.clock.advance(minutes=1)
    assert 'id="verified"' in text(verify(browser, receipt_no, check_code(container.settings.secret_key, receipt_no)))
