"""An import's save of the filing: read again and retried when a concurrent edit saved first, given up
after a few tries, refused once the filing was submitted (the upload's rows are dropped either way)."""
import contextlib
import datetime as dt
import io

import pytest

from chalicelib.domain.filing import Filing, RowSet, Status
from chalicelib.domain.model import Upload
from chalicelib.ports import StaleVersion
from chalicelib.services import imports

NOW = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)


class Clock:
    def now(self):
        return NOW


class Blobs:
    def open(self, key):
        return contextlib.nullcontext(io.BytesIO(b""))


class Store:
    """The filing side of a store whose next `stale` saves lose to a concurrent edit."""

    def __init__(self, stale: int, status: Status = Status.DRAFT):
        self.stale, self.saves, self.deleted, self.upload = stale, 0, [], None
        self.filing = Filing(id="f1", uscc="U", unit_name="n", authority_code="140000", year=2023, kind="annual",
                             tables=("table1", "table2"), status=status, created_at=NOW, updated_at=NOW,
                             row_sets={"table2": RowSet(upload_id="old", rows=3)})

    def get_filing(self, filing_id):
        return self.filing

    def save_filing(self, filing, *, expected_version, audit=None, messages=()):
        assert expected_version == self.filing.version and audit is not None
        self.saves += 1
        if self.stale:
            self.stale -= 1
            raise StaleVersion()
        self.filing = filing

    def delete_rows(self, upload_id):
        self.deleted.append(upload_id)

    def put_upload(self, upload):
        self.upload = upload.model_copy()

    def get_unit(self, uscc):
        return None


def attach(store: Store) -> None:
    upload = Upload(id="new", filing_id="f1", table="table2", filename="x.xlsx", blob_key="uploads/new.xlsx",
                    created_at=NOW, updated_at=NOW)
    outcome = imports._Outcome()
    outcome.stored = 7
    imports.ImportService(store, Blobs(), Clock())._attach(upload, outcome)


@pytest.mark.parametrize("stale", [0, imports.SAVE_ATTEMPTS - 1])
def test_rows_replace_the_previous_ones_once_saved(stale):
    store = Store(stale)
    attach(store)
    assert store.saves == stale + 1 and store.filing.row_sets["table2"].upload_id == "new"
    assert store.upload.status == "done" and store.deleted == ["old"]


def test_import_gives_up_when_the_filing_keeps_changing():
    store = Store(imports.SAVE_ATTEMPTS)
    attach(store)
    assert store.saves == imports.SAVE_ATTEMPTS and store.filing.row_sets["table2"].upload_id == "old"
    assert store.upload.status == "failed" and "正在被修改" in store.upload.message and store.deleted == ["new"]


def test_submitted_filing_keeps_its_rows():
    store = Store(0, Status.SUBMITTED)
    attach(store)
    assert store.saves == 0 and store.upload.status == "failed" and "已提交" in store.upload.message
    assert store.deleted == ["new"]


def test_table1_is_saved_after_a_lost_race(monkeypatch):
    monkeypatch.setattr(imports, "read_rows", lambda f, table: iter([(2, {"unit_name": "新名称"})]))
    monkeypatch.setattr(imports, "clean_table1", lambda raw, defaults: ({"unit_name": "新名称"}, []))
    store = Store(1)
    upload = Upload(id="t1", filing_id="f1", table="table1", filename="x.xlsx", blob_key="uploads/t1.xlsx",
                    created_at=NOW, updated_at=NOW)
    imports.ImportService(store, Blobs(), Clock())._import_table1(upload)
    assert store.saves == 2 and store.filing.unit_name == "新名称" and store.upload.status == "done"
