"""Reading a 表二/表三 row-set version: its upload with the online edits laid over it (docs/architecture.md,
"Online rows"). Every list, export, count and comparison of rows goes through here."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..domain.filing import RowSet
from ..domain.row_versions import Numbered, Overlay
from ..ports import Store


class RowReader:
    """The rows of a row-set version, by (upload id, online edits id)."""

    def __init__(self, store: Store):
        self.store = store

    def overlay(self, edits_id: str | None) -> Overlay:
        return Overlay(self.store.iter_rows(edits_id) if edits_id else ())

    def numbered(self, upload_id: str, edits_id: str | None = None) -> Iterator[Numbered]:
        """Every row with its number, in order."""
        return self.overlay(edits_id).laid_over(enumerate(self.store.iter_rows(upload_id)))

    def rows(self, row_set: RowSet | None) -> Iterator[dict[str, Any]]:
        """Every row of `row_set` (none for None), in order."""
        if row_set is None:
            return iter(())
        return (row for _, row in self.numbered(*row_set.version_key))

    def page(self, row_set: RowSet, offset: int, limit: int) -> list[Numbered]:
        """The rows numbered offset … offset+limit-1 that are there (a deleted row leaves its number unused)."""
        overlay = self.overlay(row_set.edits_id)
        end = offset + max(limit, 0)
        upload_rows = row_set.span - row_set.added
        first = min(max(offset, 0), upload_rows)
        upload = self.store.get_rows(row_set.upload_id, offset=first, limit=min(end, upload_rows) - first) \
            if first < min(end, upload_rows) else []
        return [(n, row) for n, row in overlay.laid_over(enumerate(upload, first)) if offset <= n < end]

    def one(self, row_set: RowSet, n: int, overlay: Overlay | None = None) -> dict[str, Any] | None:
        overlay = overlay if overlay is not None else self.overlay(row_set.edits_id)
        if n in overlay.entries:
            now: dict[str, Any] | None = overlay.entries[n]["now"]
            return now
        if 0 <= n < row_set.span - row_set.added:
            found = self.store.get_rows(row_set.upload_id, offset=n, limit=1)
            return found[0] if found else None
        return None

    def search(self, row_set: RowSet, text: str, limit: int) -> list[Numbered]:
        """Rows whose name or ID number holds `text` (a scan: a roster is read, never copied)."""
        out = []
        for n, row in self.numbered(*row_set.version_key):
            if text in (row.get("name") or "") or text in (row.get("id_number") or ""):
                out.append((n, row))
                if len(out) >= limit:
                    break
        return out

    def holder_of(self, row_set: RowSet, id_number: str, overlay: Overlay, but: int | None) -> dict[str, Any] | None:
        """Another row (not number `but`) with this ID number: the store's search of the upload (rows the overlay
        replaced left out), then the overlay's own rows."""
        replaced = overlay.replaced_rows()
        skip = overlay.entries[but]["was"] if but in overlay.entries else None
        if but is not None and skip is None and but < row_set.span - row_set.added:
            skip = (self.one(row_set, but, overlay) or {}).get("row")
        for hit in self.store.search_rows(row_set.upload_id, id_number, limit=50):
            if hit.get("id_number") == id_number and hit.get("row") not in replaced and hit.get("row") != skip:
                return hit
        return next((e["now"] for n, e in overlay.entries.items()
                     if n != but and e["now"] is not None and e["now"].get("id_number") == id_number), None)
