"""The 办事指南/FAQ answers of the 填报助手 (reference/faq.json): a free question is matched by keywords after its
everyday words are folded into the file's canonical ones (synonyms); nothing external is asked. When nothing
matches, the answer is a hand-off to a person: the unit's authority's number if published, else the province's."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from .reference import _DIR, published_phone
from .text import nfc

_NOISE = re.compile(r"[\s，。、？！?!,.;；:：“”\"'（）()《》【】\[\]…~～]+")
MIN_SCORE = 2  # at least one two-character keyword, or two single characters' worth


@dataclass(frozen=True)
class Entry:
    id: str
    question: str
    answer: str
    keywords: tuple[str, ...]


@cache
def _faq() -> dict:  # type: ignore[type-arg]
    loaded: dict = json.loads((_DIR / "faq.json").read_text(encoding="utf-8"))  # type: ignore[type-arg]
    return loaded


@cache
def entries() -> tuple[Entry, ...]:
    return tuple(Entry(e["id"], e["question"], e["answer"], tuple(_plain(k) for k in e["keywords"]))
                 for e in _faq()["entries"])


def _plain(text: str) -> str:
    return _NOISE.sub("", nfc(text).lower())


def folded(text: str) -> str:
    """The question without punctuation or spaces, lower case, each everyday word followed by its canonical one."""
    plain = _plain(text)
    extra = [canonical for canonical, words in _faq()["synonyms"].items()
             if any(_plain(w) in plain for w in words)]
    return plain + "|" + "|".join(extra)


def _score(entry: Entry, text: str) -> int:
    # longer keywords say more; the entry's own question shares words with a question asked the same way
    hits = sum(len(k) for k in entry.keywords if k and k in text)
    question = _plain(entry.question)
    shared = sum(1 for i in range(len(question) - 1) if question[i:i + 2] in text)
    return hits * 2 + shared


def match(question: str) -> Entry | None:
    """The entry that answers `question` best, or None when none shares enough of its words."""
    text = folded(question)
    best = max(entries(), key=lambda e: _score(e, text))
    return best if _score(best, text) >= MIN_SCORE * 2 else None


def suggestions(count: int = 4) -> list[str]:
    """Questions offered as quick replies."""
    wanted = ("deadline", "authority", "zero", "rejected", "process", "receipt")
    by_id = {e.id: e for e in entries()}
    return [by_id[i].question for i in wanted if i in by_id][:count]


def handoff(authority_code: str | None) -> str:
    """转人工: whom to call when the assistant has no answer."""
    if authority_code and (phone := published_phone(authority_code)):
        from .jurisdiction import authority
        return f"这个问题我还答不上来。转人工：电话{phone}（{authority(authority_code).name}）"
    office = _faq()["handoff"]
    return f"这个问题我还答不上来。转人工：电话{office['phone']}（{office['name']}），或拨打人社服务热线12333"
