"""A filing's review desk (docs/rules.md §9): which reviewer of its authority holds it (claimed, or assigned by a
colleague) and the reviewers' internal notes, which the unit never sees. One record per filing, written at an
expected version (a conditional write); holding is advisory: a colleague can still decide, and is warned.
"""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from .errors import ValidationFailed, problem
from .text import nfc, text_problem

NOTE_MAX, NOTES_MAX = 500, 100  # one note's characters; notes per filing (one record holds them)


class Note(BaseModel):
    at: dt.datetime
    author: str
    text: str


class Desk(BaseModel):
    filing_id: str
    authority_code: str
    holder: str | None = None  # the reviewer who holds the filing
    held_since: dt.datetime | None = None
    notes: list[Note] = Field(default_factory=list)
    version: int = 0  # 0: not stored yet

    def held_by(self, holder: str | None, now: dt.datetime) -> "Desk":
        """Held by `holder` (None: released)."""
        return self.model_copy(update={"holder": holder, "held_since": now if holder else None,
                                       "version": self.version + 1})

    def noted(self, author: str, text: str | None, now: dt.datetime) -> "Desk":
        text = nfc((text or "").strip())
        message = ("请填写备注内容" if not text else text_problem(text, "内部备注", multiline=True)
                   or (f"内部备注不能超过{NOTE_MAX}个字" if len(text) > NOTE_MAX else None)
                   or (f"每份备案最多{NOTES_MAX}条内部备注" if len(self.notes) >= NOTES_MAX else None))
        if message:
            raise ValidationFailed(message, [problem(message, column="内部备注", field="text")])
        return self.model_copy(update={"notes": [*self.notes, Note(at=now, author=author, text=text)],
                                       "version": self.version + 1})
