"""How far an export's job got (services/exports.py): rows written so far, out of how many expected. The builder
counts the rows as its writer takes them (`counted`); every EVERY rows, at most once a SECONDS, `save` keeps the
figures where the export's page reads them."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
EVERY = 5_000
SECONDS = 1.0


class Progress:
    def __init__(self, save: Callable[[int, int | None], None] | None = None):
        self.save, self.rows = save, 0
        self.expected: int | None = None
        self._saved_at = 0.0

    def expect(self, rows: int) -> None:
        """The rows the export will hold (as far as the builder knows before writing them)."""
        self.expected = rows
        self._keep()

    def counted(self, rows: Iterable[T]) -> Iterator[T]:
        for row in rows:
            yield row
            self.rows += 1
            if self.rows % EVERY == 0 and time.monotonic() - self._saved_at >= SECONDS:
                self._keep()

    def _keep(self) -> None:
        if self.save is not None:
            self._saved_at = time.monotonic()
            self.save(self.rows, self.expected)


NO_PROGRESS = Progress()  # for a builder called outside a job
