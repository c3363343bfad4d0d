"""Content-Disposition for downloads with Chinese file names (shared by S3 presigned GETs and the app)."""
from __future__ import annotations

from urllib.parse import quote


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback for old clients, and the UTF-8 name every current browser uses."""
    ascii_part = "".join(ch for ch in filename if ch.isascii() and (ch.isalnum() or ch in "._-"))
    fallback = ascii_part if ascii_part and not ascii_part.startswith(".") else f"download{ascii_part}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
