"""Rows of 表二/表三 per upload, and the person index (records by ID number), on DynamoDB.

An upload's rows are packed `rows_per_item` to an item (compressed JSON in the binary attribute `rows`) and
the items dealt round-robin over `row_shards` partitions; keys.py's docstring says why ("Rows of an upload").
Both are class attributes so tests can use a small layout; they are fixed for stored data.
"""
from __future__ import annotations

import heapq
import json
import zlib
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import orjson

from ....ports import RowStore
from .. import keys
from .base import DynamoBase, av, doc_of, item

Numbered = list[tuple[int, dict[str, Any]]]  # (row number, row), in row order
COMPRESSION = 3  # zlib level: ~5 ms per 1,000 rows here, 7.5 KB per 100 varied rows (level 6: 4x the time, -13%)


def pack(numbered: Numbered) -> bytes:
    return zlib.compress(orjson.dumps(numbered), COMPRESSION)  # compact UTF-8 JSON, as json.dumps wrote it


def unpacked_text(found: dict[str, Any]) -> str:
    return zlib.decompress(found["rows"]["B"]).decode()


def unpack(found: dict[str, Any], text: str | None = None) -> Numbered:
    return [(n, r) for n, r in orjson.loads(unpacked_text(found) if text is None else text)]


def _item_no(found: dict[str, Any]) -> int:
    return int(found[keys.SK]["S"].rsplit("#", 1)[1])


class DynamoRows(DynamoBase, RowStore):
    rows_per_item = keys.ROWS_PER_ITEM
    row_shards = keys.ROW_SHARDS

    # -- rows of an upload ----------------------------------------------------------------------------
    def put_rows(self, upload_id: str, start: int, rows: list[dict[str, Any]]) -> None:
        """Whole items are written as they are; an item the call covers only partly (the roster's last, or
        any item when the numbers do not start on an item's first row) keeps the rows already stored in it."""
        per_item = self.rows_per_item
        grouped: dict[int, Numbered] = {}
        for n, r in enumerate(rows, start):
            grouped.setdefault(keys.row_item_of(n, per_item), []).append((n, r))
        partial = [c for c, numbered in grouped.items() if len(numbered) < per_item]
        for found in self._batch_get([self._row_key(upload_id, c) for c in partial], consistent=True):
            c, stored = _item_no(found), unpack(found)
            given = {n for n, _ in grouped[c]}
            grouped[c] = sorted([(n, r) for n, r in stored if n not in given] + grouped[c], key=lambda x: x[0])
        self._batch_write([{"PutRequest": {"Item": {**av(self._row_key(upload_id, c)), "rows": {"B": pack(numbered)}}}}
                           for c, numbered in grouped.items()])

    def get_rows(self, upload_id: str, *, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        """The items the page covers, by key; read on in order only if they come up short (the end of the
        rows, or a gap in the numbering)."""
        offset = max(offset, 0)
        if limit <= 0 or offset > keys.ROW_MAX:
            return []
        first = keys.row_item_of(offset, self.rows_per_item)
        last = keys.row_item_of(min(offset + limit - 1, keys.ROW_MAX), self.rows_per_item)
        found = sorted(self._batch_get([self._row_key(upload_id, c) for c in range(first, last + 1)]), key=_item_no)
        out = [r for f in found for n, r in unpack(f) if n >= offset][:limit]
        missing = limit - len(out)
        if missing and last < keys.ROW_MAX // self.rows_per_item:
            items = min(-(-missing // self.rows_per_item), 100)  # per shard: enough even if one shard has them all
            out.extend(islice(self._rows_in_order(upload_id, from_item=last + 1, page_size=items), missing))
        return out

    def iter_rows(self, upload_id: str) -> Iterator[dict[str, Any]]:
        return self._rows_in_order(upload_id)

    def search_rows(self, upload_id: str, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Reads the upload's items in order and parses only those whose text holds `text` (as JSON writes
        it, so quotes and backslashes match too)."""
        needle = json.dumps(text, ensure_ascii=False)[1:-1]
        out: list[dict[str, Any]] = []
        for found in self._items_in_order(upload_id):
            packed = unpacked_text(found)
            if needle not in packed:
                continue
            out.extend(r for _, r in unpack(found, packed)
                       if text in (r.get("name") or "") or text in (r.get("id_number") or ""))
            if len(out) >= limit:
                break
        return out[:limit]

    def delete_rows(self, upload_id: str) -> None:
        """Every item of every shard (consistent reads: rows written just before are deleted too)."""
        self._batch_write([{"DeleteRequest": {"Key": {keys.PK: f[keys.PK], keys.SK: f[keys.SK]}}}
                           for f in self._items_in_order(upload_id, projection="PK, SK", consistent=True)])

    def _row_key(self, upload_id: str, c: int) -> dict[str, str]:
        return keys.row_item(upload_id, c, self.row_shards)

    def _items_in_order(self, upload_id: str, *, from_item: int = 0, page_size: int | None = None,
                        projection: str = "", consistent: bool = False) -> Iterator[dict[str, Any]]:
        """The upload's items from item `from_item` on, in item order: each shard's Query is in order, so a
        merge of the shards' streams is."""
        streams: list[Iterable[dict[str, Any]]] = [
            self._query(keys.rows_partition(upload_id, shard), sk_condition="#sk >= :from",
                        values={":from": keys.row_item_sk(from_item)}, page_size=page_size,
                        projection=projection, consistent=consistent)
            for shard in range(self.row_shards)]
        return heapq.merge(*streams, key=lambda f: f[keys.SK]["S"])

    def _rows_in_order(self, upload_id: str, *, from_item: int = 0,
                       page_size: int | None = None) -> Iterator[dict[str, Any]]:
        for found in self._items_in_order(upload_id, from_item=from_item, page_size=page_size):
            for _, r in unpack(found):
                yield r

    # -- the person index -----------------------------------------------------------------------------
    def put_person_records(self, records: list[dict[str, Any]]) -> None:
        self._batch_write([{"PutRequest": {"Item": item(
            keys.person_record(r["id_number"], r["filing_id"], r["table"], r["n"]), json.dumps(r, ensure_ascii=False))}}
            for r in records])

    def person_records(self, id_number: str, *, limit: int = 200) -> list[dict[str, Any]]:
        out = []
        for found in self._query(keys.person_partition(id_number), page_size=min(limit, 1000)):
            out.append(json.loads(doc_of(found)))
            if len(out) == limit:
                break
        return out
