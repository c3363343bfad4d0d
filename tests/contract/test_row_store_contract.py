"""Rows of an upload on both stores, with their layouts made small (DynamoDB: 3 rows an item, 4 partitions; SQLite:
runs of 3 rows), so a few dozen rows cross many item and partition boundaries: pages, order, search and delete must
not notice."""
import pytest

PER_ITEM, SHARDS = 3, 4


@pytest.fixture
def rows_store(store):
    if hasattr(store, "rows_per_item"):  # DynamoDB
        store.rows_per_item, store.row_shards = PER_ITEM, SHARDS
    else:  # SQLite
        store.rows_per_run = PER_ITEM
    return store


def _rows(numbers):
    return [{"name": f"职工{n}", "id_number": f"1401051990{n:08d}", "row": n + 2} for n in numbers]


def test_pages_across_items_and_partitions_match_the_row_order(rows_store):
    rows = _rows(range(40))
    # batches that start and end inside items, one row at a time, and a whole run
    for start, end in [(0, 7), (7, 8), (8, 20), (20, 40)]:
        rows_store.put_rows("up", start, rows[start:end])
    rows_store.put_rows("other", 0, _rows(range(5)))
    for offset in range(0, 42):
        for limit in (1, 2, 3, 4, 7, 13, 50):
            assert rows_store.get_rows("up", offset=offset, limit=limit) == rows[offset:offset + limit], (offset, limit)
    assert list(rows_store.iter_rows("up")) == rows
    assert rows_store.get_rows("up", offset=0, limit=0) == []


def test_rewriting_part_of_an_item_keeps_its_other_rows(rows_store):
    rows = _rows(range(10))
    rows_store.put_rows("up", 0, rows)
    changed = {**rows[4], "name": "改过"}
    rows_store.put_rows("up", 4, [changed])  # the middle of an item
    assert list(rows_store.iter_rows("up")) == rows[:4] + [changed] + rows[5:]
    rows_store.put_rows("up", 10, _rows([10]))  # appended inside the last item
    assert rows_store.get_rows("up", offset=8, limit=5) == rows[8:] + _rows([10])


def test_a_gap_in_the_numbers_is_read_past(rows_store):
    """get_rows(offset) is "rows numbered offset and on": a page continues after missing numbers."""
    rows = _rows(range(1, 5)) + _rows(range(30, 33))
    rows_store.put_rows("up", 1, rows[:4])
    rows_store.put_rows("up", 30, rows[4:])
    assert rows_store.get_rows("up", offset=3, limit=4) == _rows([3, 4, 30, 31])
    assert rows_store.get_rows("up", offset=5, limit=10) == _rows([30, 31, 32])
    assert rows_store.get_rows("up", offset=33, limit=10) == []
    assert list(rows_store.iter_rows("up")) == rows


def test_search_reads_every_partition_in_row_order(rows_store):
    rows = _rows(range(30))
    rows[25]["name"] = '张"三'  # a quote: JSON escapes it in the stored text
    rows[26]["workplace"] = "职工1"  # other columns do not match
    rows_store.put_rows("up", 0, rows)
    assert [r["row"] for r in rows_store.search_rows("up", "职工1")] == [3] + list(range(12, 22))
    assert [r["row"] for r in rows_store.search_rows("up", "职工1", limit=4)] == [3, 12, 13, 14]
    assert [r["row"] for r in rows_store.search_rows("up", "199000000027")] == [29]
    assert [r["row"] for r in rows_store.search_rows("up", '张"三')] == [27]
    assert rows_store.search_rows("up", "王五") == []


def test_delete_removes_the_rows_of_every_partition_and_only_them(rows_store):
    rows_store.put_rows("up", 0, _rows(range(25)))
    rows_store.put_rows("up2", 0, _rows(range(5)))
    rows_store.delete_rows("up")
    assert rows_store.get_rows("up") == [] and list(rows_store.iter_rows("up")) == []
    assert rows_store.search_rows("up", "职工") == []
    assert rows_store.get_rows("up2", limit=10) == _rows(range(5))
    rows_store.delete_rows("up")  # nothing left: a no-op
