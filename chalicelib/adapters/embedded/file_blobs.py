"""Blob store on a local folder, with a same-shaped stand-in for S3's presigned POST.

presigned_post() returns {url, fields} like S3's; the app's local upload endpoint checks the signed
policy (key, size limit, expiry) exactly as S3 would, then stores the file here.
"""
from __future__ import annotations

import io
import os
import shutil
import tempfile
from typing import IO
from pathlib import Path
from urllib.parse import urlencode

from collections.abc import Callable

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ...ports import BlobStore, Download, LocalTransfers, TransferRefused

PART = ".part-"  # a file being written, renamed to its key once whole


class FileBlobStore(BlobStore, LocalTransfers):
    def __init__(self, root: str | Path, *, secret: str, upload_url: str, download_url: str | None = None):
        # what happens to a received upload (the composition root wires it to the import, as the CDK stack
        # wires S3's ObjectCreated event); until then nothing is announced
        self.on_stored: Callable[[str], object] = lambda key: None
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.upload_url = upload_url
        self.download_url = download_url or upload_url.replace("local-uploads", "local-downloads")
        self._signer = URLSafeTimedSerializer(secret, salt="local-upload-policy")
        self._get_signer = URLSafeTimedSerializer(secret, salt="local-download")

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"invalid blob key: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.put_file(key, io.BytesIO(data), content_type)

    def put_file(self, key: str, f: IO[bytes], content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=PART)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(f, out, 1 << 20)
        os.replace(tmp, path)

    def keys(self, prefix: str) -> list[str]:
        folder, _, start = prefix.rpartition("/")
        path = self._path(folder) if folder else self.root
        if not path.is_dir():
            return []
        found = (p.relative_to(self.root).as_posix() for p in path.rglob("*") if p.is_file())
        return sorted(k for k in found if k.startswith(prefix) and not k.rpartition("/")[2].startswith(PART))

    def open(self, key: str):
        return open(self._path(key), "rb")

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.exists() else None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def presigned_post(self, key: str, *, max_bytes: int, expires_seconds: int = 3600,
                       redirect: str | None = None) -> dict:
        policy = self._signer.dumps({"key": key, "max_bytes": max_bytes, "expires": expires_seconds,
                                     "redirect": redirect})
        fields = {"key": key, "policy": policy}
        if redirect:
            fields["success_action_redirect"] = redirect
        return {"url": self.upload_url, "fields": fields}

    def presigned_get(self, key: str, expires_seconds: int, filename: str) -> str:
        token = self._get_signer.dumps({"key": key, "filename": filename, "expires": expires_seconds})
        return f"{self.download_url}?{urlencode({'token': token})}"

    def download(self, key: str, filename: str, expires_seconds: int) -> Download:
        with self.open(key) as f:
            return Download(filename, data=f.read())

    def signed_download(self, token: str) -> tuple[bytes, str]:
        key, filename = self._check_get(token)
        with self.open(self._signed_key(key)) as f:
            return f.read(), filename

    def receive(self, fields: dict[str, str], content: bytes) -> str | None:
        key, redirect = self._check_post(fields, len(content))
        self.put(self._signed_key(key), content)
        self.on_stored(key)
        return redirect

    def _signed_key(self, key: object) -> str:
        """A key a genuine signature names: still one inside the folder (a signed name is no licence to
        leave it)."""
        try:
            if isinstance(key, str):
                self._path(key)
                return key
        except ValueError:
            pass
        raise TransferRefused("文件位置无效")

    def _check_get(self, token: str) -> tuple[str, str]:
        """(key, filename) of a presigned_get link; TransferRefused when forged or expired."""
        try:
            raw = self._get_signer.loads(token or "", max_age=None)
            self._get_signer.loads(token, max_age=raw["expires"])
            return raw["key"], raw["filename"]
        except SignatureExpired:
            raise TransferRefused("下载链接已过期，请返回页面重新下载") from None
        except (BadSignature, KeyError, TypeError):
            raise TransferRefused("下载链接无效") from None

    def _check_post(self, fields: dict[str, str], size: int) -> tuple[str, str | None]:
        """Validate a local upload's form fields like S3 checks a presigned POST.
        Returns (key, redirect URL or None)."""
        try:
            raw = self._signer.loads(fields.get("policy", ""), max_age=None)
            self._signer.loads(fields.get("policy", ""), max_age=raw["expires"])
        except SignatureExpired:
            raise TransferRefused("上传链接已过期，请重新发起上传") from None
        except (BadSignature, KeyError, TypeError):
            raise TransferRefused("上传凭证无效") from None
        if fields.get("key") != raw["key"]:
            raise TransferRefused("上传凭证与文件位置不符")
        if fields.get("success_action_redirect") != raw.get("redirect") and raw.get("redirect"):
            raise TransferRefused("上传凭证与跳转地址不符")
        if size > raw["max_bytes"]:
            raise TransferRefused(f"文件大小超过{raw['max_bytes'] // (1024 * 1024)}MB上限，请删除多余的工作表、"
                                    f"图片和空行后重新上传", 413, key=raw["key"], redirect=raw.get("redirect"))
        return raw["key"], raw.get("redirect")
