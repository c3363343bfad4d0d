"""回执 and 备案证明 (docs/rules.md §14): the printable PDF of a submitted filing, marked 已备案 once approved, and
the public verification of a 回执号 with its check code.

The check code is an HMAC of the 回执号 under the server secret: six characters of an alphabet without look-alikes
(0/O, 1/I/L), printed on the receipt and carried by its QR code. A 回执号 alone shows nothing, so the receipts of
a province cannot be enumerated through the verification, and each client address is held to a few tries a
minute. Right code, wrong code, unknown 回执号: the answer has the same shape ("not found" for the last two).

The PDF (fpdf2, A4) embeds a subset of the font shipped in chalicelib/reference/fonts/ (WenQuanYi Micro Hei,
Apache 2.0): a reader without Chinese fonts prints it as the unit sees it. fpdf2 and segno are imported on first
use: the rest of the API does not pay for them at cold start.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from ..domain import calendar, jurisdiction
from ..domain.errors import NotFound, RateLimited
from ..domain.filing import Filing, Status
from ..domain.reference import authority_phone
from ..ports import Clock, Store
from .accounts import Principal
from .filings import FilingService

if TYPE_CHECKING:
    from fpdf import FPDF
    from segno import QRCode

FONT = Path(__file__).resolve().parent.parent / "reference" / "fonts" / "wqy-microhei.ttf"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off paper and typed by hand
CODE_LENGTH = 6
VERIFICATIONS_PER_MINUTE = 10  # per client address
RECEIPT_NO_MAX = 40  # far longer than any 回执号 (BA-140105-2025-000123): longer input is not looked up
HEADLINE = (("employees", "在册职工人数"), ("male", "其中男"), ("female", "其中女"),
            ("contracts_due", "应签劳动合同人数"), ("contracts_signed", "已签劳动合同人数"))


def check_code(secret: str, receipt_no: str) -> str:
    """The 6-character check code printed beside `receipt_no`."""
    digest = hmac.new(secret.encode(), f"receipt:{receipt_no}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, i = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[i])
    return "".join(chars)


def _clean(value: str | None, limit: int) -> str:
    """What a person typed, as it is compared: no spaces, upper case (a printed code read as lower case)."""
    return "".join((value or "").split()).upper()[:limit + 1]


@dataclass(frozen=True)
class Verified:
    """All the verification page shows of a filing (docs/rules.md §14)."""
    receipt_no: str
    unit_name: str
    kind: str
    status: str
    date: str  # the approval date once approved, else the submission date (Beijing)


class ReceiptService:
    def __init__(self, store: Store, clock: Clock, filings: FilingService, secret: str, base_url: str):
        self.store, self.clock, self.filings, self._secret, self.base_url = store, clock, filings, secret, base_url

    def verification_url(self, receipt_no: str) -> str:
        """What the QR code opens: the verification page with the 回执号 and its check code filled in."""
        return f"{self.base_url}/verify?" + urlencode({"no": receipt_no, "code": check_code(self._secret, receipt_no)})

    def pdf(self, who: Principal, filing_id: str) -> tuple[bytes, str]:
        """The receipt of a filing `who` may read (its filer; a reviewer in scope), and its file name."""
        filing = self.filings.get(who, filing_id)
        if filing.receipt_no is None:  # a draft, or withdrawn: its receipt went with the submission
            raise NotFound("该备案尚未提交或已撤回，没有回执")
        return render(filing, check_code(self._secret, filing.receipt_no),
                      self.verification_url(filing.receipt_no)), f"{filing.receipt_no}.pdf"

    def verify(self, client: str, receipt_no: str | None, code: str | None) -> Verified | None:
        """The filing behind a 回执号 and its check code; None when either is wrong (the same answer).
        RateLimited past VERIFICATIONS_PER_MINUTE tries of `client` (an address) in a minute."""
        now = self.clock.now()
        if self.store.next_sequence(f"verify:{client}:{now:%Y%m%d%H%M}") > VERIFICATIONS_PER_MINUTE:
            raise RateLimited(f"查验过于频繁：每分钟最多{VERIFICATIONS_PER_MINUTE}次，请稍后再试")
        number, typed = _clean(receipt_no, RECEIPT_NO_MAX), _clean(code, CODE_LENGTH)
        if not number or len(number) > RECEIPT_NO_MAX or not hmac.compare_digest(
                typed.encode(), check_code(self._secret, number).encode()):
            return None
        filing = self.store.filing_of_receipt(number)
        if filing is None:
            return None
        return Verified(number, filing.unit_name, filing.title, filing.status_label,
                        _date_text(filing))


def _date_text(filing: Filing) -> str:
    approved = filing.approved_at if filing.status == Status.APPROVED else None
    at = approved or filing.submitted_at
    return calendar.local_text(at)[:10] if at else ""


def headline(filing: Filing) -> list[tuple[str, str]]:
    """表一's headline counts (an interim filing, without 表一: its 表三 rows)."""
    if filing.table1:
        rows = [(label, str(filing.table1.get(key, ""))) for key, label in HEADLINE]
        due, signed = filing.table1.get("contracts_due"), filing.table1.get("contracts_signed")
        if isinstance(due, int) and isinstance(signed, int) and due:
            rows.append(("劳动合同签订率", f"{signed / due:.1%}"))
        return rows
    counted = filing.row_sets.get("table3")
    return [("表三终止或解除劳动合同人数", str(counted.rows if counted else 0))]


def render(filing: Filing, code: str, url: str) -> bytes:
    """The A4 receipt: a 回执 while under review, a 备案证明 (已备案) once approved."""
    import segno
    from fpdf import FPDF

    assert filing.receipt_no is not None
    approved = filing.status == Status.APPROVED
    authority = jurisdiction.authority(filing.authority_code)
    pdf = FPDF(format="A4")
    pdf.set_title(f"{'备案证明' if approved else '回执'} {filing.receipt_no}")
    pdf.add_font("wqy", fname=str(FONT))
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    pdf.set_font("wqy", size=20)
    pdf.cell(0, 14, "劳动用工备案证明" if approved else "劳动用工备案回执", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=11)
    pdf.cell(0, 8, "山西省劳动用工备案信息管理系统", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    if approved:
        pdf.set_font("wqy", size=16)
        pdf.set_text_color(0, 110, 50)
        pdf.cell(0, 12, f"已备案（审核通过日期：{_date_text(filing)}）", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
    phone = authority_phone(authority.code)
    lines = [("单位名称", filing.unit_name), ("统一社会信用代码", filing.uscc), ("备案事项", filing.title),
             ("回执号", filing.receipt_no), ("查验码", code),
             ("提交时间（北京时间）", calendar.local_text(filing.submitted_at) if filing.submitted_at else ""),
             ("备案状态", filing.status_label), ("审核机关", authority.name), ("审核机关电话", phone)]
    pdf.set_font("wqy", size=12)
    for label, value in lines:
        pdf.cell(52, 9, label, border=1)
        pdf.multi_cell(0, 9, value, border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font("wqy", size=13)
    pdf.cell(0, 9, "表一主要数据", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=12)
    for label, value in headline(filing):
        pdf.cell(80, 8, label, border=1)
        pdf.cell(0, 8, value, border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    top = pdf.get_y()
    _qr(pdf, segno.make(url, error="m"), x=pdf.l_margin, y=top, size=40)
    pdf.set_xy(pdf.l_margin + 46, top)
    pdf.set_font("wqy", size=10)
    pdf.multi_cell(0, 6, "扫描二维码，或访问本系统“回执查验”页面，输入回执号和查验码，可核实本回执的真实性。"
                         "查验页面只显示回执号、单位名称、备案事项、状态和日期。\n" + url,
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _qr(pdf: FPDF, qr: QRCode, *, x: float, y: float, size: float) -> None:
    """The QR code as filled squares (vector: sharp at any print size, no image library)."""
    matrix = list(qr.matrix)
    quiet = 2
    module = size / (len(matrix) + 2 * quiet)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + (c + quiet) * module, y + (r + quiet) * module, module, module, style="F")
