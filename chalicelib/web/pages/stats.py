"""The statistics dashboard (docs/rules.md §9): server-side SVG charts, each with its table; the export."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ..http import int_param
from ..page import FORM, Page, page

routes = Blueprint(__name__)
APPROVED, PENDING, REJECTED, NOT_FILED = "#2e7d32", "#1565c0", "#c62828", "#bdbdbd"


def charts(board: Any) -> dict[str, Any]:
    """Bars for templates/_bar_chart.html: (label, [(value, colour, legend)], text)."""
    label = "逾期未备案" if board.overdue else "未备案"
    filing = [(line.name, [(line.approved, APPROVED, "审核通过"), (line.filed - line.approved, PENDING, "待审核"),
                           (line.rejected, REJECTED, "审核不通过"),
                           (line.not_filed - line.rejected, NOT_FILED, label)],
               f"{line.filed}/{line.expected}") for line in board.lines]

    def rates(lines: Any) -> list[Any]:
        return [(line.name, [(line.signing_rate or 0, APPROVED, "签订率")], line.rate_text) for line in lines]
    return {"filing": filing, "filing_scale": max([line.expected for line in board.lines] + [1]),
            "rate_division": rates(board.lines), "rate_industry": rates(board.industries)}


@routes.route("/stats", methods=["GET"])
@page("any")
def dashboard(p: Page) -> Response:
    year = int_param(p.query.get("year") or None, "year", "统计年度", 0, 9999, default=None)
    board = container().stats.dashboard(p.user, year)
    return p.render("stats.html", board=board, charts=charts(board))


@routes.route("/stats/export", methods=["POST"], content_types=FORM)
@page("any")  # 业务操作员 and department accounts (access.py RULES; the service checks the role)
def export(p: Page) -> Response:
    """Queue the export (a province's rows run to millions: services/exports.py), then show its page."""
    asked = container().exports.request(p.user, "stats", year=int_param(p.form.get("year"), "year", "导出年度", 0, 9999))
    return p.go(f"/exports/{asked.id}")
