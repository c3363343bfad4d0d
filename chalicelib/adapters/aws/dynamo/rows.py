"""Rows of 表二/表三 per upload, and the person index (records by ID number), on DynamoDB."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ....ports import RowStore
from .. import keys
from .base import DynamoBase, doc_of, item


class DynamoRows(DynamoBase, RowStore):
    def put_rows(self, upload_id: str, start: int, rows: list[dict[str, Any]]) -> None:
        self._batch_write([{"PutRequest": {"Item": item(keys.row(upload_id, start + i),
                                                         json.dumps(r, ensure_ascii=False))}}
                           for i, r in enumerate(rows)])

    def _row_items(self, upload_id: str, offset: int = 0, page_size: int | None = None,
                   projection: str = "") -> Iterator[dict[str, Any]]:
        return self._query(keys.rows_partition(upload_id), sk_condition="#sk BETWEEN :first AND :last",
                           values={":first": keys.row_sk(max(offset, 0)), ":last": keys.row_sk(keys.ROW_MAX)},
                           page_size=page_size, projection=projection)

    def get_rows(self, upload_id: str, *, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        if limit <= 0:
            return []
        out = []
        for found in self._row_items(upload_id, offset, page_size=limit):
            out.append(json.loads(doc_of(found)))
            if len(out) == limit:
                break
        return out

    def iter_rows(self, upload_id: str) -> Iterator[dict[str, Any]]:
        for found in self._row_items(upload_id):
            yield json.loads(doc_of(found))

    def search_rows(self, upload_id: str, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Filtered within the upload's own partition (a roster is read by one reviewer at a time)."""
        out = []
        for found in self._query(keys.rows_partition(upload_id), sk_condition="begins_with(#sk, :row)",
                                 values={":row": "ROW#", ":q": text}, filter_="contains(doc, :q)"):
            row = json.loads(doc_of(found))
            if text in (row.get("name") or "") or text in (row.get("id_number") or ""):
                out.append(row)
                if len(out) == limit:
                    break
        return out

    def delete_rows(self, upload_id: str) -> None:
        found = list(self._row_items(upload_id, projection="PK, SK"))
        self._batch_write([{"DeleteRequest": {"Key": {"PK": i["PK"], "SK": i["SK"]}}} for i in found])

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
