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


def fetch(blobs, url: str) -> tuple[bytes, str]:
    """What a browser gets from a presigned_get URL: (body, Content-Disposition). The embedded link is served
    by the app's /api/v1/local-downloads (tests/web), which does exactly this with signed_download."""
    import urllib.parse
    import urllib.request
    if hasattr(blobs, "signed_download"):
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"][0]
        content, filename = blobs.signed_download(token)
        from chalicelib.filenames import content_disposition
        return content, content_disposition(filename)
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers.get("Content-Disposition", "")


def test_presigned_get_downloads_the_blob_under_its_name(blobs):
    blobs.put("exports/error-reports/u1.xlsx", b"PK\x03\x04report")
    url = blobs.presigned_get("exports/error-reports/u1.xlsx", 300, "表二错误报告.xlsx")
    assert url.startswith("http")
    body, disposition = fetch(blobs, url)
    assert body == b"PK\x03\x04report"
    assert "attachment" in disposition and "%E8%A1%A8%E4%BA%8C" in disposition  # 表二, UTF-8 encoded


def test_presigned_get_of_another_key_is_another_link(blobs):
    blobs.put("exports/a.xlsx", b"A")
    blobs.put("exports/b.xlsx", b"B")
    a = blobs.presigned_get("exports/a.xlsx", 300, "a.xlsx")
    assert fetch(blobs, a)[0] == b"A" and a != blobs.presigned_get("exports/b.xlsx", 300, "a.xlsx")


def test_a_file_is_stored_in_pieces_and_keys_are_listed_by_prefix(blobs):
    import io
    big = bytes(range(256)) * 40_000  # 10 MiB: S3 takes it in parts
    blobs.put_file("exports/jobs/a.xlsx", io.BytesIO(big))
    blobs.put("exports/jobs/b.json", b"{}")
    blobs.put("exports/asked/u1/2026-x.json", b"{}")
    with blobs.open("exports/jobs/a.xlsx") as f:
        assert f.read() == big
    assert blobs.keys("exports/jobs/") == ["exports/jobs/a.xlsx", "exports/jobs/b.json"]
    assert blobs.keys("exports/asked/u1/") == ["exports/asked/u1/2026-x.json"]
    assert blobs.keys("exports/asked/u2/") == []
