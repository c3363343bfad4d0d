"""The contract suite runs every test against both backends' adapters."""
from types import SimpleNamespace

import pytest


@pytest.fixture(params=["embedded", "aws"])
def adapters(request, tmp_path):
    if request.param == "aws":
        return request.getfixturevalue("aws_adapters")
    from chalicelib.adapters.embedded.file_blobs import FileBlobStore
    from chalicelib.adapters.embedded.mailbox import LocalMailbox
    from chalicelib.adapters.embedded.sqlite_store import SqliteStore
    return SimpleNamespace(store=SqliteStore(tmp_path / "t.db"),
                           blobs=FileBlobStore(tmp_path / "blobs", secret="s" * 32, upload_url="http://x/up"),
                           sender=LocalMailbox())


@pytest.fixture
def store(adapters):
    return adapters.store


@pytest.fixture
def blobs(adapters):
    return adapters.blobs
