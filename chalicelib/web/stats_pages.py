"""The statistics dashboard page (SPEC.md §9): server-side SVG charts, each with its table."""
from __future__ import annotations

from chalice import Blueprint

from ..bootstrap import container as _c
from .pages import FORM, Page, page

stats_pages = Blueprint(__name__)
APPROVED, PENDING, REJECTED, NOT_FILED = "#2e7d32", "#1565c0", "#c62828", "#bdbdbd"


def charts(board) -> dict:
    """Bars for templates/_bar_chart.html: (label, [(value, colour, legend)], text)."""
    label = "逾期未备案" if board.overdue else "未备案"
    filing = [(line.name, [(line.approved, APPROVED, "审核通过"), (line.filed - line.approved, PENDING, "待审核"),
                           (line.rejected, REJECTED, "审核不通过"),
                           (line.not_filed - line.rejected, NOT_FILED, label)],
               f"{line.filed}/{line.expected}") for line in board.lines]

    def rates(lines):
        return [(line.name, [(line.signing_rate or 0, APPROVED, "签订率")], line.rate_text) for line in lines]
    return {"filing": filing, "filing_scale": max([line.expected for line in board.lines] + [1]),
            "rate_division": rates(board.lines), "rate_industry": rates(board.industries)}


@stats_pages.route("/stats", methods=["GET"])
@page("any")
def dashboard(p: Page):
    from ..domain.errors import ValidationFailed
    year = (p.request.query_params or {}).get("year")
    try:
        year = int(year) if year else None
    except ValueError:
        raise ValidationFailed("统计年度应为数字") from None
    board = _c().stats.dashboard(p.who, year)
    return p.render("stats.html", board=board, charts=charts(board))


@stats_pages.route("/stats/export", methods=["POST"], content_types=FORM)
@page("reviewer")
def export(p: Page):
    """Build the export into the blob store, then send the browser to its short-lived download link."""
    from ..domain.errors import ValidationFailed
    try:
        year = int(p.form.get("year", ""))
    except ValueError:
        raise ValidationFailed("请选择导出年度") from None
    return p.go(_c().stats.export(p.who, year))
