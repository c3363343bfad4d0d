"""Row checks for 表二 (one row per employee) and 表三 (one row per ended contract), docs/rules.md §5/§6.

Pure: no I/O. `RowChecker.check` takes one row as read from the workbook (str, int, float,
date/datetime or None) and returns the cleaned row plus Chinese problems naming row and column.
It runs on up to 500,000 rows, so everything that depends only on the column (allowed values,
messages, parsers) is worked out once in __init__, and a column remembers what its text and date cells
clean to (codes, dates and places repeat down a roster): most cells cost one dict look-up, and the
happy path raises nothing. The ID numbers seen are kept compactly (one int each for 居民身份证).
"""
from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal, InvalidOperation
from itertools import islice, repeat
from typing import Any, cast

from .errors import problem
from .identifiers import id_check_char, id_check_chars, normalize, parse_resident_id
from .reference import codes
from .tables import COLUMNS, MAX_YUAN, Column, code_lookup, count_problem
from .text import nfc, text_problem

RESIDENT_ID = "居民身份证"
_FULL_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "})
_DATE_TEXT = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_PHONE = re.compile(r"\+?[\d-]{5,20}")
_OTHER_ID = re.compile(r"[0-9A-Z()-]{5,30}")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # 1900 date system; serial 60 is Excel's fictitious 1900-02-29
_MIN_DATE, _MAX_DATE = dt.date(1900, 1, 1), dt.date(2099, 12, 31)
_DATE_HINT = "请填写为2023-01-01格式的日期"
_SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+")
_STORED_AS_NUMBER = "证件号码被Excel存成了数字，后几位已丢失；请把该列设为文本后重新填写"
BATCH = 1000  # rows checked together by `checked`
MEMO_CELLS = 50_000  # distinct cells a column remembers the clean value of (a roster's dates: ~20,000)
_REMEMBERED = (str, dt.date)
_NONE: frozenset[str] = frozenset()
# the parts of an 18-digit ID number, for a batch's column at once
_FIRST17, _CHECK_CHAR = operator.itemgetter(slice(17)), operator.itemgetter(17)
_BIRTH8, _GENDER_DIGIT = operator.itemgetter(slice(6, 14)), operator.itemgetter(16)
_GENDER = {d: "男" if int(d) % 2 else "女" for d in "0123456789"}
_NOTHING: dict[object, Any] = {}
_FORGET = _NOTHING.get  # the look-up of a column that remembers nothing

_Parser = Callable[[object], str | int | None]  # a non-empty cell → its clean value; raises _Bad
# a column's cells (of a batch) → their clean values when every one is plainly valid, else None (then cell by cell)
_Bulk = Callable[[Sequence[object]], list[Any] | None]
_EDGE_SPACE = re.compile(r"(?:^|\0)\s|\s(?:\0|$)")  # a cell starting or ending in a space, in cells joined by NUL


class _Bad(Exception):
    """A cell's problem (the Chinese message); raised by the per-column parsers."""


def parse_date(value: object) -> dt.date | None:
    """A cell as a date; None when empty. Raises ValueError (Chinese message) when it is no date.

    Accepts date/datetime cells, Excel serial numbers (1900 date system), 8-digit numbers
    (20230101) and text 2023-01-01, 2023/1/1, 2023.1.1, 2023年1月1日, 20230101, in full-width
    digits too, optionally followed by a time ("2023-01-01 00:00:00").
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # before date: datetime is a date subclass
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        n = int(value)
        if 19000101 <= n <= 20991231 and n == value:  # typed as 20230101 in a number cell
            return parse_date(str(n))
        if not 1 <= n <= 73050 or n == 60:  # 73050 = 2099-12-31
            raise ValueError(f"无法识别的日期数值{value:g}，{_DATE_HINT}")
        day = _EXCEL_EPOCH + dt.timedelta(days=n if n > 60 else n + 1)
    elif isinstance(value, str):
        text = value.translate(_FULL_WIDTH).strip()
        if not text:
            return None
        text = text.split()[0].split("T")[0]  # drop a time part
        m = _DATE_TEXT.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
        if not m:
            raise ValueError(f"无法识别的日期“{value.strip()}”，{_DATE_HINT}")
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(f"日期“{value.strip()}”不存在，请核对") from None
    else:
        raise ValueError(_DATE_HINT)
    if not _MIN_DATE <= day <= _MAX_DATE:
        raise ValueError(f"日期{day.isoformat()}超出合理范围，请核对")
    return day


def _as_text(value: object) -> str:
    """Cell → text; whole-number floats lose their '.0' (numbers typed into text columns)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    return str(value).strip()


def _as_id_text(value: object) -> str:
    # An 18-digit number typed into a number cell keeps 15 significant digits: the rest are gone.
    if isinstance(value, float) and abs(value) >= 1e15:
        raise _Bad(_STORED_AS_NUMBER)
    text = _as_text(value)
    text = text.upper() if text.isascii() and text.isalnum() else normalize(text)  # skip the regex when clean
    if "E" in text and _SCIENTIFIC.fullmatch(text):  # the number shown as text: 1.40105E+17
        raise _Bad(_STORED_AS_NUMBER)
    return text


class RowChecker:
    """Checks the rows of one roster upload (`table` is "table2" or "table3").

    One instance per upload: it remembers the ID numbers seen to report duplicates in 表二.
    `period_end` is the last day of the year filed (表三 dates must fall in that year, up to it).
    """

    def __init__(self, table: str, *, period_end: dt.date):
        if table not in ("table2", "table3"):
            raise ValueError(f"no row checks for {table}")
        self.table = table
        self.period_end = period_end
        self.period_start = dt.date(period_end.year, 1, 1)
        self.columns: tuple[Column, ...] = COLUMNS[table]
        self.title = {c.key: c.title for c in self.columns}
        self._seen: dict[int | str, int] = {}  # ID number (an int for an 18-digit one) → first row (表二 duplicates)
        # a column's clean value of each text or date cell seen (not of an ID: they never repeat, and are checked
        # as a whole row later)
        self._cells: list[tuple[str, str, bool, _Parser, dict[object, Any] | None, _Bulk | None]] = [
            (c.key, c.title, c.required, self._parser(c), {} if c.kind != "id" else None, _bulk(c))
            for c in self.columns]
        self.keys = [c.key for c in self.columns]  # the order `checked` takes a row's values in
        self._rows_seen, self._memos_weighed = 0, False
        self._births: dict[str, str | None] = {}  # the YYYYMMDD of an ID number → its ISO date (None: no such day)
        self._sixteenths: dict[str, str] = {}  # a birth date → the 16th birthday (ISO; 表二's age at hire)
        self._end_iso = period_end.isoformat()
        self._reasons: dict[str, dict[str, str]] = codes()["termination_reason"]

    # -- per-column parsers, chosen once ------------------------------------------------------
    def _parser(self, col: Column) -> _Parser:
        if col.kind == "code":
            return self._code_parser(col)
        if col.kind == "date":
            def parse(value: object) -> str | None:
                if value.__class__ is dt.date:  # what a date cell reads as: the common case
                    return value.isoformat()
                try:
                    day = parse_date(value)
                except ValueError as e:
                    raise _Bad(f"{col.title}：{e}") from None
                return day.isoformat() if day else None
            return parse
        if col.kind == "int":
            return self._int_parser(col)
        if col.kind == "money":
            return self._money_parser(col)
        if col.kind == "id":
            return _as_id_text
        if col.key.endswith("phone"):
            def phone(value: object) -> str:
                text = _as_text(value)
                if not (text.isascii() and text.isdigit() and 5 <= len(text) <= 20):  # fast path
                    text = normalize(text)
                    if not _PHONE.fullmatch(text):
                        raise _Bad(f"{col.title}只能填写数字（可含“-”），请检查是否被Excel存成了数字")
                return text
            return phone

        def text(value: object) -> str:
            s = nfc(_as_text(value))
            if message := text_problem(s, col.title):
                raise _Bad(message)
            if len(s) > 200:
                raise _Bad(f"{col.title}不能超过200个字")
            return s
        return text

    @staticmethod
    def _code_parser(col: Column) -> _Parser:
        # The list's values, codes and dropdown texts, and the everyday spellings of aliases.json (§17):
        # one dict, built once per column; a cell is looked up as read, then normalized.
        lookup = code_lookup(col)
        message = f"{col.title}应为以下之一：{'、'.join(col.code_list())}"  # the canonical values only

        def parse(value: object) -> str:
            text = _as_text(value)
            found = lookup.get(text) or lookup.get(normalize(text))  # exact first: the common case
            if found is None:
                raise _Bad(f"{message}（填写的是“{text}”）")
            return found
        return parse

    @staticmethod
    def _int_parser(col: Column) -> _Parser:
        def parse(value: object) -> int:
            if isinstance(value, float) and value.is_integer():
                n = int(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                n = value
            else:
                text = normalize(_as_text(value))
                digits = text.removeprefix("-")
                if not (digits.isascii() and digits.isdigit()) or len(digits) > 20:
                    raise _Bad(f"{col.title}应为整数")
                n = int(text)
            if message := count_problem(n, col.title):
                raise _Bad(message)
            return n
        return parse

    @staticmethod
    def _money_parser(col: Column) -> _Parser:
        def parse(value: object) -> str:
            # str(float) is the shortest repr, so 1234.56 stays 1234.56 (no binary noise)
            text = normalize(_as_text(value)).replace(",", "").removesuffix("元").lstrip("¥￥")
            try:
                amount = Decimal(text)
            except InvalidOperation:
                raise _Bad(f"{col.title}应为金额数字（元）") from None
            if not amount.is_finite():
                raise _Bad(f"{col.title}应为金额数字（元）")
            if amount < 0:
                raise _Bad(f"{col.title}不能为负数")
            if amount > MAX_YUAN:
                raise _Bad(f"{col.title}不能超过{MAX_YUAN}元")
            return str(amount.quantize(Decimal("0.01")))  # exact decimal text, JSON-safe
        return parse

    # -- the rows -----------------------------------------------------------------------------
    def check(self, row_no: int, raw: Mapping[str, object]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(clean row, problems). Clean values: text trimmed, codes canonical, ID numbers
        half-width upper-case, dates 'YYYY-MM-DD', ints int, money '1234.50'; None when empty
        or invalid."""
        cleans, problems = self.check_rows([(row_no, [raw.get(key) for key in self.keys])])
        return cleans[0], problems[0]

    def checked(self, rows: Iterable[tuple[int, Sequence[object]]]) -> Iterator[tuple[int, dict[str, Any],
                                                                                     list[dict[str, Any]]]]:
        """(row number, clean row, problems) of each row, given as its values in the table's column order (`keys`)."""
        for row_nos, cleans, problems in self.batches(rows):
            yield from zip(row_nos, cleans, problems)

    def batches(self, rows: Iterable[tuple[int, Sequence[object]]], size: int = BATCH
                ) -> Iterator[tuple[list[int], list[dict[str, Any]], list[list[dict[str, Any]]]]]:
        """`checked` `size` rows at a time: (row numbers, clean rows, each row's problems)."""
        rows = iter(rows)
        while batch := list(islice(rows, size)):
            yield ([n for n, _ in batch], *self.check_rows(batch))

    def check_rows(self, rows: list[tuple[int, Sequence[object]]]) -> tuple[list[dict[str, Any]],
                                                                          list[list[dict[str, Any]]]]:
        """`check` of each row (its values in column order): (clean rows, each row's problems). A column at a time: a
        column's cells are looked up in what it remembers in one pass (map, in C), and only the cells it has not seen
        yet are parsed one by one."""
        errors: list[list[dict[str, Any]]] = [[] for _ in rows]
        columns = []
        for (key, title, required, parse, memo, bulk), values in zip(self._cells, zip(*(v for _, v in rows))):
            plain = bulk(values) if memo is None and bulk is not None else None
            clean = (plain if plain is not None else list(map(memo.get, values)) if memo is not None
                     else [None] * len(values))
            if plain is None and None in clean:
                remembered = memo.get if memo is not None else _FORGET
                for i, found in enumerate(clean):
                    # a value new to the column may repeat in the batch (a roster sorted by date): parsed once
                    if found is None and (found := remembered(values[i])) is None:
                        found = self._cell(values[i], rows[i][0], key, title, required, parse, memo, errors[i])
                    clean[i] = found
            columns.append(clean)
        self._rows_seen += len(rows)
        if self._rows_seen >= BATCH and not self._memos_weighed:
            # names, phones: each cell new, nothing to remember; 序号: numbers, never remembered (then the column's
            # batch check applies)
            self._memos_weighed = True
            self._cells = [(*cell[:4], None if cell[4] is not None and (len(cell[4]) > self._rows_seen // 2
                                                                        or not cell[4]) else cell[4], cell[5])
                           for cell in self._cells]
        keys = self.keys
        if self.table == "table2" and not any(errors) and self._plain_table2([n for n, _ in rows], columns):
            return list(map(dict, map(zip, repeat(keys), zip(*columns)))), errors  # each row's dict, in C loops
        out = []
        for (row_no, _), values, problems in zip(rows, zip(*columns), errors):
            clean_row = dict(zip(keys, values))
            bad = {e["field"] for e in problems} if problems else _NONE
            id_birth = self._check_id(row_no, clean_row, bad, problems)
            if self.table == "table2":
                self._check_table2(row_no, clean_row, bad, problems, id_birth)
            else:
                self._check_table3(row_no, clean_row, bad, problems)
            out.append(clean_row)
        return out, errors

    def _plain_table2(self, row_nos: list[int], columns: list[list[Any]]) -> bool:
        """True when every row of a batch of 表二 passes the row checks, found by C loops over the batch's columns: a
        居民身份证 each, its check character right, gender and birth date as it tells, not seen before; hired at 16
        or over, by the year's end; the contract's end as its term wants, after its start. Its ID numbers are then
        remembered. False on anything less plain: nothing remembered, and the rows are checked one by one."""
        column = dict(zip(self.keys, columns))
        numbers = column["id_number"]
        if (set(column["id_type"]) != {RESIDENT_ID} or None in numbers or set(map(len, numbers)) != {18}
                or not ("".join(firsts := list(map(_FIRST17, numbers)))).isascii() or not "".join(firsts).isdigit()
                or id_check_chars(firsts) != list(map(_CHECK_CHAR, numbers))
                or list(map(_GENDER.__getitem__, map(_GENDER_DIGIT, numbers))) != column["gender"]):
            return False
        births, sixteenths = self._births, self._sixteenths
        eights = list(map(_BIRTH8, numbers))
        for eight in set(eights).difference(births):
            births[eight] = _iso_day(eight)
        found = list(map(births.__getitem__, eights))
        if None in found or found != column["birth_date"]:
            return False
        id_births = cast("list[str]", found)
        for born in set(id_births).difference(sixteenths):
            sixteenths[born] = f"{int(born[:4]) + 16:04d}{born[4:]}"
        seen_as = list(map(int, firsts))
        hires, starts, ends = column["hire_date"], column["contract_start"], column["contract_end"]
        if (len(set(seen_as)) != len(seen_as) or not self._seen.keys().isdisjoint(seen_as)
                or None in hires or not all(map(operator.ge, hires, map(sixteenths.__getitem__, id_births)))
                or max(hires) > self._end_iso or max(filter(None, starts), default="") > self._end_iso):
            return False
        terms = set(zip(column["contract_term"], map(operator.is_, ends, repeat(None))))
        if ("固定期限", True) in terms or ("无固定期限", False) in terms or any(
                end <= start for start, end in zip(starts, ends) if start and end):
            return False
        self._seen.update(zip(seen_as, row_nos))
        return True

    @staticmethod
    def _cell(value: object, row_no: int, key: str, title: str, required: bool, parse: _Parser,
              memo: dict[object, Any] | None, errors: list[dict[str, Any]]) -> Any:
        """One cell the column has not seen (or does not remember): its clean value, problems added to `errors`."""
        if value is None or (value.__class__ is str and (not value or value.isspace())):
            if required:
                errors.append(problem(f"请填写{title}", row=row_no, column=title, field=key))
            return None
        try:
            found = parse(value)
        except _Bad as e:
            errors.append(problem(str(e), row=row_no, column=title, field=key))
            return None
        # text and date cells only: as dict keys 1 == 1.0 == True, and a date is not its datetime
        if memo is not None and found is not None and value.__class__ in _REMEMBERED and len(memo) < MEMO_CELLS:
            memo[value] = found
        return found

    def _add(self, errors: list[dict[str, Any]], row_no: int, field: str, message: str) -> None:
        errors.append(problem(message, row=row_no, column=self.title[field], field=field))

    def _check_id(self, row_no: int, clean: dict[str, Any], bad: AbstractSet[str], errors: list[dict[str, Any]]
                  ) -> str | None:
        """Check digit, agreement with 性别/出生日期, duplicates; the ID's birth date if it has one."""
        number = clean.get("id_number")
        if number is None or "id_type" in bad:
            return None
        id_birth = None
        seen_as: int | str = number
        if clean["id_type"] == RESIDENT_ID:
            rid, message = self._resident_id(number)
            if rid is None:
                clean["id_number"] = None
                self._add(errors, row_no, "id_number", message or "居民身份证号码无效")
                return None
            id_birth, gender = rid
            if "gender" not in bad and clean["gender"] != gender:
                self._add(errors, row_no, "gender", f"性别与证件号码不符（证件号码显示为{gender}）")
            born = clean.get("birth_date")
            if born is not None and born != id_birth:
                self._add(errors, row_no, "birth_date", f"出生日期与证件号码不符（证件号码显示为{id_birth}）")
            seen_as = int(number[:17])  # valid, so its first 17 digits tell it: an int is a third of the text's memory
        elif not _OTHER_ID.fullmatch(number):
            clean["id_number"] = None
            self._add(errors, row_no, "id_number", "证件号码应为5至30位字母或数字")
            return None
        if self.table == "table2":  # 表三 may list one person twice (rehired, ended again)
            first = self._seen.setdefault(seen_as, row_no)
            if first != row_no:
                self._add(errors, row_no, "id_number", f"与第{first}行证件号码重复")
        return id_birth

    def _resident_id(self, number: str) -> tuple[tuple[str, str] | None, str | None]:
        """((birth date ISO, gender), None) of a valid 18-digit ID, else (None, parse_resident_id's message). A number
        already in its clean form (17 digits and a check character) skips the normalizing: the common case; the
        birth dates it holds are remembered (a roster has a few tens of thousands)."""
        first17 = number[:17]
        if len(number) == 18 and number.isascii() and first17.isdigit() and id_check_char(first17) == number[17]:
            born = self._births.get(first17[6:14], "")
            if born == "":  # not seen yet
                born = self._births[first17[6:14]] = _iso_day(first17[6:14])
            if born is not None:
                return (born, "男" if number[16] in "13579" else "女"), None
        rid, message = parse_resident_id(number)
        return ((rid.birth_date.isoformat(), rid.gender) if rid else None), message

    def _check_contract_dates(self, row_no: int, clean: dict[str, Any], errors: list[dict[str, Any]]) -> None:
        start, end = clean.get("contract_start"), clean.get("contract_end")
        if start and end and end <= start:  # ISO strings compare as dates
            self._add(errors, row_no, "contract_end", "合同终止日期应晚于合同起始日期")

    def _check_table2(self, row_no: int, clean: dict[str, Any], bad: AbstractSet[str], errors: list[dict[str, Any]],
                      id_birth: str | None) -> None:
        end_iso = self._end_iso
        born, hired = id_birth or clean.get("birth_date"), clean.get("hire_date")  # the ID is authoritative
        # under 16 when hired before the 16th birthday: ISO dates compare as text (a 29 February birthday in a
        # year without one falls between 28 February and 1 March, as it should)
        if born and hired and hired < f"{int(born[:4]) + 16:04d}{born[4:]}":
            self._add(errors, row_no, "hire_date", f"入职时未满16周岁（入职日期{hired}，出生日期{born}）")
        for key in ("hire_date", "contract_start"):
            if clean.get(key) and clean[key] > end_iso:
                self._add(errors, row_no, key, f"{self.title[key]}晚于备案年度末（{end_iso}），请核对")
        term = clean.get("contract_term")
        if term == "固定期限" and clean.get("contract_end") is None and "contract_end" not in bad:
            self._add(errors, row_no, "contract_end", "固定期限劳动合同应填写合同终止日期")
        elif term == "无固定期限" and clean.get("contract_end") is not None:
            self._add(errors, row_no, "contract_end", "无固定期限劳动合同不应填写合同终止日期")
        else:
            self._check_contract_dates(row_no, clean, errors)

    def _check_table3(self, row_no: int, clean: dict[str, Any], bad: AbstractSet[str], errors: list[dict[str, Any]]
                      ) -> None:
        code = clean.get("reason_code")
        if code:
            spec = self._reasons[code]
            category = "终止" if code.startswith("T") else "解除"
            if clean.get("category") and clean["category"] != category:
                self._add(errors, row_no, "category", f"原因代码{code}属于{category}情形，类别应为“{category}”")
            rule = spec["compensation"]
            paid = clean.get("compensated")
            if paid and rule in ("yes", "no") and paid != ("是" if rule == "yes" else "否"):
                should = "应支付" if rule == "yes" else "无需支付"
                self._add(errors, row_no, "compensated",
                          f"原因代码{code}（{spec['reason']}）依法{should}经济补偿，"
                          f"是否支付经济补偿应为“{'是' if rule == 'yes' else '否'}”")
        if clean.get("compensated") == "是" and clean.get("compensation") is None and "compensation" not in bad:
            self._add(errors, row_no, "compensation", "支付经济补偿时应填写经济补偿金额（元）")
        ended = clean.get("ended_on")
        if ended:
            first, last = self.period_start.isoformat(), self.period_end.isoformat()
            if not first <= ended <= last:
                self._add(errors, row_no, "ended_on", f"终止或解除日期应在本次备案期间内（{first}至{last}）")
            if clean.get("contract_start") and ended < clean["contract_start"]:
                self._add(errors, row_no, "ended_on", "终止或解除日期不能早于合同起始日期")
        self._check_contract_dates(row_no, clean, errors)


def _iso_day(yyyymmdd: str) -> str | None:
    """'19600102' → '1960-01-02'; None when there is no such day."""
    try:
        return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])).isoformat()
    except ValueError:
        return None


def _bulk(col: Column) -> _Bulk | None:
    """The column-at-once check of a column whose cells rarely repeat (names, ID numbers, phones, 序号): a few C loops
    over the batch's cells (type, join, isdigit…) instead of a parser call per cell; None on anything less plain,
    and the cells go through the parser one by one, with its exact messages."""
    if col.kind == "int":
        def whole_numbers(values: Sequence[object]) -> list[Any] | None:
            if set(map(type, values)) != {float}:
                return None
            floats = cast("Sequence[float]", values)
            if not all(map(float.is_integer, floats)):
                return None
            numbers = list(map(int, floats))
            return numbers if count_problem(min(numbers), "") is None and count_problem(max(numbers), "") is None \
                else None
        return whole_numbers
    if col.kind == "id":
        def ids(values: Sequence[object]) -> list[Any] | None:
            texts = _texts(values)
            text = "".join(texts) if texts else ""
            plain = text.isascii() and text.isalnum() and "E" not in text.upper() and "" not in texts  # 1.4E+17
            return list(map(str.upper, texts)) if plain else None
        return ids
    if col.kind != "text":
        return None
    if col.key.endswith("phone"):
        def phones(values: Sequence[object]) -> list[Any] | None:
            texts = _texts(values)
            text = "".join(texts) if texts else ""
            if not (text.isascii() and text.isdigit()):
                return None
            lengths = list(map(len, texts))
            return list(texts) if min(lengths) >= 5 and max(lengths) <= 20 else None
        return phones

    def plain_texts(values: Sequence[object]) -> list[Any] | None:
        texts = _texts(values)
        if not texts or "" in texts:
            return None
        joined = "\0".join(texts)
        if (_EDGE_SPACE.search(joined) or nfc(joined) is not joined or max(map(len, texts)) > 200
                or text_problem(" ".join(texts), col.title)):
            return None
        return list(texts)
    return plain_texts


def _texts(values: Sequence[object]) -> Sequence[str]:
    """The cells when every one is text, else none."""
    return cast("Sequence[str]", values) if set(map(type, values)) == {str} else ()
