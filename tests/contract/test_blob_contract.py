"""What every BlobStore must do."""
import pytest


def test_put_open_size_delete(blobs):
    blobs.put("uploads/a.xlsx", b"PK\x03\x04data")
    with blobs.open("uploads/a.xlsx") as f:
        assert f.read() == b"PK\x03\x04data"
        f.seek(0)
        assert f.read(2) == b"PK"
    assert blobs.size("uploads/a.xlsx") == 8
    blobs.delete("uploads/a.xlsx")
    assert blobs.size("uploads/a.xlsx") is None
    with pytest.raises(FileNotFoundError):
        blobs.open("uploads/a.xlsx")


def test_presigned_post_has_url_fields_and_redirect(blobs):
    post = blobs.presigned_post("uploads/b.xlsx", max_bytes=1024, redirect="http://app/result")
    assert post["url"].startswith("http")
    assert post["fields"]["key"] == "uploads/b.xlsx"
    assert post["fields"]["success_action_redirect"] == "http://app/result"
