"""Clean text (docs/rules.md §17): every text a user types or uploads is stored NFC-normalized, and text holding
characters nobody can see — control characters, zero-width characters, bidirectional overrides and isolates,
lone surrogates — is refused with a message naming the field. Such characters arrive by copying from web pages
and documents, or on purpose: they make two names look alike, reorder what a reviewer reads, and break the
XML inside a workbook."""
from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls (tab and line breaks aside: checked per field), DEL, zero-width and joiner characters,
# the bidirectional marks, embeddings, overrides and isolates, word joiner and invisible operators, BOM,
# and surrogates (a lone one is no character at all)
_UNSEEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
                     "\ufeff\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\r\n\u2028\u2029]")


def text_problem(value: str, title: str, *, multiline: bool = False) -> str | None:
    """Why `value` cannot be stored as the field `title`, if it cannot."""
    if _UNSEEN.search(value) or (not multiline and _LINE_BREAKS.search(value)):
        return f"{title}含有不可见字符或控制字符（常见于从网页或文档复制的内容），请删除后重新填写"
    return None


def nfc(value: str) -> str:
    """The canonical composed form, so the same name typed two ways is stored, searched and deduplicated alike."""
    return value if value.isascii() or unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)
