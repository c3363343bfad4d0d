"""Every action the code writes to the audit log has a Chinese name, and a detail reads as a sentence.

The actions are read from the code itself: the action argument of every audit_event(…) call and, where that
argument is a variable, the literals passed for a parameter named `action` to the functions that carry it
(Filing._move, UnitService._save, …); an f-string action (f"transfer_{…}") is a family whose label table
domain/audit.py FAMILIES names."""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from chalicelib.domain.audit import ACTION_NAMES, FAMILIES, describe
from chalicelib.domain.model import AuditEvent

CODE = Path(__file__).resolve().parents[2] / "chalicelib"


def _trees() -> list[ast.Module]:
    return [ast.parse(path.read_text(encoding="utf-8")) for path in CODE.rglob("*.py")]


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == keyword:
            return k.value
    return call.args[position] if len(call.args) > position else None


def written_actions() -> tuple[set[str], set[str]]:
    """(literal actions, f-string prefixes) the code writes."""
    trees = _trees()
    # functions with an `action` parameter: name → its positions among the call's arguments (self left out;
    # several methods share a name, e.g. _save)
    carriers: dict[str, set[int]] = {"audit_event": {2}}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [a.arg for a in node.args.args]
                if "action" in names and node.name != "audit_event":
                    carriers.setdefault(node.name, set()).add(names.index("action") - (names[0] in ("self", "cls")))
    literals, prefixes = set(), set()
    for tree in trees:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in carriers):
                continue
            for position in carriers[_name(node.func)]:
                arg = _argument(node, position, "action")
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    literals.add(arg.value)
                elif isinstance(arg, ast.JoinedStr) and _name(node.func) == "audit_event":
                    head = arg.values[0]
                    assert isinstance(head, ast.Constant), "an f-string action begins with its family's prefix"
                    prefixes.add(head.value)
    return literals, prefixes


def test_every_action_written_has_a_chinese_name():
    literals, prefixes = written_actions()
    assert {"sign_in", "reveal_id", "import_rows", "approve", "record_closure", "revoke"} <= literals  # the scan sees
    # the literals the code writes, directly and through the functions that pass an action on
    # a literal is written as it is or after a family's prefix (a transfer's "accept" as transfer_accept)
    unnamed = {a for a in literals if not any(f"{prefix}{a}" in ACTION_NAMES for prefix in ("", *prefixes))}
    assert not unnamed, f"actions without a Chinese name in domain/audit.py ACTION_NAMES: {sorted(unnamed)}"
    for prefix, labels in FAMILIES.items():  # every step of a family, however the code chose it
        assert prefix in prefixes and all(f"{prefix}{step}" in ACTION_NAMES for step in labels)
    assert all("\\u" not in name and not name.isascii() for name in ACTION_NAMES.values())


def test_a_detail_reads_as_a_chinese_sentence():
    event = AuditEvent(id="e", at=dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc), actor="ty-op", action="reject",
                       target="f1", detail={"from": "submitted", "to": "rejected", "reason": "表二缺少人员",
                                            "receipt_no": "R-1"})
    assert describe(event) == "从「已提交待审核」变为「审核不通过」；原因：表二缺少人员；回执号：R-1。"
    sign_in = event.model_copy(update={"action": "sign_in", "detail": {"failures": 3, "locked": True}})
    assert describe(sign_in) == "连续失败次数：3；已锁定：是。"
    assert describe(event.model_copy(update={"detail": {}})) == ""
