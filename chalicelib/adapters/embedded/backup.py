"""Backing up the embedded backend's data folder while the server runs, and restoring a backup into an empty
folder, verified (docs/onprem.md, "Backups and restore").

A backup is a folder labor-filing-backup-<UTC time>/, or the same folder packed as a .tar.gz:

    filing.db       the database, a consistent snapshot taken with SQLite's online backup API in one step (one read
                    transaction: in WAL mode the server's writers carry on meanwhile), in rollback-journal mode so
                    that it is a single file
    blobs/          the blob folder, copied after the snapshot: every file the snapshot names is there, except an
                    upload's file imported (and so deleted, files are single-use) in between; files written after
                    the snapshot may be there too, which is harmless
    blobs.sha256    the digest of every copied blob, as `sha256sum -c blobs.sha256` reads it
    secret.key …    the data folder's other files: the local secret signing sessions and links (settings.py)
    manifest.json   what it holds: created_at, schema version, counts of filings, units and uploads, the
                    database's sha256 and size, the digests of the other files

It is built under a hidden name in the target folder and renamed when complete, so a half-made backup never
looks like one. A restore refuses a target that is not empty, checks every digest, copies, then checks the copy:
the digests again, PRAGMA integrity_check, the counts; when anything is wrong it removes what it copied.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import tarfile
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

from .sqlite import migrations

DB = "filing.db"
BLOBS = "blobs"
CHECKSUMS = "blobs.sha256"
MANIFEST = "manifest.json"
PREFIX = "labor-filing-backup-"
FORMAT = 1  # manifest.json's "version"
COUNTED = ("filings", "units", "uploads")
NOT_COPIED = {DB, f"{DB}-wal", f"{DB}-shm", f"{DB}-journal"}  # the live database: the snapshot stands for it
CHUNK = 1 << 20


class BackupRefused(Exception):
    """A backup or restore that cannot be done, or a backup that fails its checks; the message says why."""


class Made(NamedTuple):
    path: Path  # the backup folder or archive
    manifest: dict[str, Any]
    missing: list[str]  # blobs deleted between listing and copying them (uploads imported meanwhile)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy(source: Path, target: Path) -> tuple[str, int]:
    """Copy a file, returning its sha256 and size as read (one pass)."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as f, open(target, "xb") as out:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    shutil.copystat(source, target)
    return digest.hexdigest(), size


def _is_temporary(name: str) -> bool:
    """A blob being written: FileBlobStore.put writes a mkstemp file ("tmp" and 8 characters) then renames it."""
    return name.startswith("tmp") and len(name) == 11 and "." not in name


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def describe(path: Path) -> dict[str, Any]:
    """A database file's integrity check, schema version and counts; BackupRefused when it is damaged."""
    try:
        db = _open_read_only(path)
        try:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupRefused(f"{path} fails PRAGMA integrity_check: {'; '.join(problems[:5])}")
            return {"integrity_check": "ok", "schema_version": migrations.version(db),
                    "counts": {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED}}
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise BackupRefused(f"{path} is not a sound database: {e}") from None


# -- backup -------------------------------------------------------------------------------------------------

def snapshot(source: Path, target: Path) -> None:
    """The database at one moment, by SQLite's online backup API, into `target` (a new file)."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: one read transaction on the source, a consistent copy
        dst.execute("PRAGMA journal_mode=DELETE")  # a single file, whatever mode the source was in
    finally:
        dst.close()
        src.close()


def copy_blobs(source: Path, target: Path) -> tuple[list[str], list[str], int]:
    """Copy the blob folder (after the snapshot); the checksum lines, the files gone before they were read, bytes."""
    lines, missing, total = [], [], 0
    target.mkdir()
    for folder, dirs, files in os.walk(source):
        dirs.sort()
        for name in sorted(files):
            if _is_temporary(name):
                continue
            path = Path(folder, name)
            relative = path.relative_to(source).as_posix()
            try:
                digest, size = _copy(path, target / relative)
            except FileNotFoundError:  # deleted since the listing: an upload's file, imported meanwhile
                missing.append(relative)
                continue
            lines.append(f"{digest}  {BLOBS}/{relative}\n")
            total += size
    return lines, missing, total


def backup(data_dir: Path, to: Path, *, archive: bool = False, now: dt.datetime | None = None) -> Made:
    """Back up `data_dir` (the running server's DATA_DIR) into a new labor-filing-backup-<UTC time> under `to`."""
    data_dir, to = Path(data_dir).resolve(), Path(to).resolve()
    if not (data_dir / DB).is_file():
        raise BackupRefused(f"{data_dir} holds no {DB}: is DATA_DIR set to the server's data folder?")
    if to == data_dir or data_dir in to.parents:
        raise BackupRefused(f"the backup cannot go inside the data folder {data_dir}: choose another --to")
    now = now or dt.datetime.now(dt.timezone.utc)
    name = PREFIX + now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    final = to / (name + ".tar.gz" if archive else name)
    to.mkdir(parents=True, exist_ok=True)
    if final.exists():
        raise BackupRefused(f"{final} exists already")
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=to))  # mode 0700: the secret and personal data inside
    try:
        folder = work / name
        folder.mkdir(mode=0o700)
        snapshot(data_dir / DB, folder / DB)
        database = describe(folder / DB)
        lines, missing, blob_bytes = copy_blobs(data_dir / BLOBS, folder / BLOBS)
        (folder / CHECKSUMS).write_text("".join(lines), encoding="utf-8")
        files = {p.name: _copy(p, folder / p.name)[0] for p in sorted(data_dir.iterdir())
                 if p.is_file() and p.name not in NOT_COPIED and not p.name.startswith(".")}
        manifest = {
            "version": FORMAT, "created_at": _utc(now), "host": socket.gethostname(), "data_dir": str(data_dir),
            "schema_version": database["schema_version"], "counts": database["counts"],
            "database": {"file": DB, "sha256": _sha256(folder / DB), "bytes": (folder / DB).stat().st_size},
            "blobs": {"files": len(lines), "bytes": blob_bytes, "checksums": CHECKSUMS,
                      "checksums_sha256": _sha256(folder / CHECKSUMS)},
            "files": files,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if archive:
            packed = work / final.name
            with tarfile.open(packed, "w:gz") as tar:
                tar.add(folder, arcname=name)
            packed.chmod(0o600)
            os.replace(packed, final)
        else:
            os.replace(folder, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Made(final, manifest, missing)


# -- restore ------------------------------------------------------------------------------------------------

def _manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or manifest.get("version") != FORMAT:
            raise ValueError(f"manifest version {manifest.get('version') if isinstance(manifest, dict) else '?'}")
        for key in ("created_at", "schema_version", "counts", "database", "blobs", "files"):
            if key not in manifest:
                raise KeyError(key)
        return manifest
    except FileNotFoundError:
        raise BackupRefused(f"{folder} is not a backup: it has no {MANIFEST}") from None
    except (ValueError, KeyError, TypeError) as e:
        raise BackupRefused(f"{folder / MANIFEST} is not a manifest this release reads ({e})") from None


def _checksums(folder: Path, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """(sha256, path in the backup) of every blob, from blobs.sha256 (itself checked against the manifest)."""
    path = folder / CHECKSUMS
    if not path.is_file() or _sha256(path) != manifest["blobs"]["checksums_sha256"]:
        raise BackupRefused(f"{path} is missing or does not match the manifest")
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if not name.startswith(f"{BLOBS}/") or ".." in Path(name).parts or len(digest) != 64:
            raise BackupRefused(f"{path}: an unexpected line {line[:100]!r}")
        entries.append((digest, name))
    if len(entries) != manifest["blobs"]["files"]:
        raise BackupRefused(f"{path} lists {len(entries)} files, the manifest {manifest['blobs']['files']}")
    return entries


def _expect(what: str, found: object, expected: object) -> None:
    if found != expected:
        raise BackupRefused(f"{what} does not match the manifest: found {found}, expected {expected}")


def _restore_file(source: Path, target: Path, digest: str, what: str) -> None:
    if not source.is_file():
        raise BackupRefused(f"{source} is missing from the backup")
    _expect(f"{what}'s sha256", _copy(source, target)[0], digest)


def _unpack(archive: Path, into: Path) -> Path:
    """The backup folder inside a .tar.gz, unpacked under `into`."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(into, filter="data")  # no absolute paths, links out or devices
    except (tarfile.TarError, OSError, EOFError) as e:
        raise BackupRefused(f"{archive} cannot be unpacked: {e}") from None
    found = [p for p in into.iterdir() if p.is_dir() and (p / MANIFEST).is_file()]
    if len(found) != 1:
        raise BackupRefused(f"{archive} does not hold one backup folder with a {MANIFEST}")
    return found[0]


def restore(source: Path, data_dir: Path) -> dict[str, Any]:
    """Restore the backup `source` (folder or .tar.gz) into `data_dir`, which must be empty or absent; the
    manifest, with the restored database's check added."""
    source, data_dir = Path(source).resolve(), Path(data_dir).resolve()
    if not source.exists():
        raise BackupRefused(f"{source} does not exist")
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupRefused(f"{data_dir} is not empty: restore only into an empty (or new) data folder")
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".labor-filing-restore.", dir=data_dir.parent))
    created = not data_dir.exists()
    try:
        folder = _unpack(source, work) if source.is_file() else source
        manifest = _manifest(folder)
        if int(manifest["schema_version"]) > migrations.CURRENT:
            raise BackupRefused(f"the backup has schema version {manifest['schema_version']}, newer than this "
                                f"release's {migrations.CURRENT}: restore it with the release that made it")
        _expect(f"{folder / DB}'s sha256", _sha256(folder / DB) if (folder / DB).is_file() else None,
                manifest["database"]["sha256"])  # before anything is copied
        blobs = _checksums(folder, manifest)
        data_dir.mkdir(mode=0o700, exist_ok=True)
        try:
            _restore_file(folder / DB, data_dir / DB, manifest["database"]["sha256"], f"the restored {DB}")
            for digest, name in blobs:
                _restore_file(folder / name, data_dir / name, digest, name)
            (data_dir / BLOBS).mkdir(exist_ok=True)
            for name, digest in manifest["files"].items():
                if Path(name).name != name or name in NOT_COPIED or name.startswith("."):
                    raise BackupRefused(f"the manifest names an unexpected file {name!r}")
                _restore_file(folder / name, data_dir / name, digest, name)
            checked = describe(data_dir / DB)
            _expect("the restored database's counts", checked["counts"], manifest["counts"])
            _expect("the restored database's schema version", checked["schema_version"], manifest["schema_version"])
        except BaseException:
            for entry in list(data_dir.iterdir()):  # the target was empty: leave it so
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            if created:
                data_dir.rmdir()
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {**manifest, "restored": checked}
