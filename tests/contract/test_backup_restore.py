"""Backups and restore of the embedded backend's data folder (docs/onprem.md, "Backups and restore"): a backup
taken while filers write restores into a new folder with everything written before it began, the database sound,
the blobs and the secret there, and the app serving from it; a restore refuses a folder that is not empty and a
backup that fails its checks, leaving the target as it was."""
import json
import sqlite3
import tarfile
import threading
from pathlib import Path

import pytest

from chalicelib import bootstrap, cli, settings
from chalicelib.adapters.embedded import backup as backups
from chalicelib.adapters.embedded.backup import BackupRefused, backup, restore
from chalicelib.adapters.embedded.sqlite import migrations
from chalicelib.services.accounts import Registration
from tests import factories


def app_over(data_dir: Path):
    """The app's container over a data folder, as the server builds it (the secret from the folder's secret.key)."""
    return bootstrap.build(settings.from_env({"DATA_DIR": str(data_dir)}))


def register_and_upload(c, serial: int) -> tuple[str, str, bytes]:
    """A unit registers, its filer signs in, creates a filing and uploads a file: (filing id, blob key, bytes)."""
    c.accounts.register(Registration(**factories.registration(serial)))
    filer = c.accounts.authenticate(c.accounts.login(factories.uscc(serial), "Passw0rd!26")[0])
    filing = c.filings.create(filer, 2025)
    upload, _ = c.filings.start_upload(filer, filing.id, "table2", "名册.xlsx")
    data = f"workbook of unit {serial}".encode() * 100
    c.blobs.put(upload.blob_key, data)
    return filing.id, upload.blob_key, data


class Filers(threading.Thread):
    """Filers registering, creating filings and uploading, one after another, until stopped."""

    def __init__(self, c):
        super().__init__(daemon=True)
        self.c, self.done, self.errors, self.stop = c, [], [], threading.Event()
        self.progress = threading.Condition()

    def run(self):
        serial = 1
        while not self.stop.is_set():
            try:
                written = register_and_upload(self.c, serial)
            except Exception as e:  # noqa: BLE001 (reported by the test)
                self.errors.append(e)
                return
            with self.progress:
                self.done.append(written)
                self.progress.notify_all()
            serial += 1

    def wait_for(self, count: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: len(self.done) >= count or self.errors, timeout=60), self.errors
        assert not self.errors, self.errors


def test_a_backup_taken_while_filers_write_restores_everything_written_before_it(tmp_path, monkeypatch):
    data, restored = tmp_path / "data", tmp_path / "restored"
    c = app_over(data)
    filers = Filers(c)
    filers.start()
    filers.wait_for(3)
    before = list(filers.done)  # committed before the backup began
    session = c.accounts.login(factories.uscc(1), "Passw0rd!26")[0]
    imported = before[0][1]
    copy_blobs = backups.copy_blobs

    def while_writing(source, target):
        """Between the snapshot and the copy of the blob folder: more filers write, and an upload's file is
        imported (deleted: a stored upload is single-use)."""
        filers.wait_for(len(filers.done) + 2)
        c.blobs.delete(imported)
        return copy_blobs(source, target)

    monkeypatch.setattr(backups, "copy_blobs", while_writing)
    made = backup(data, tmp_path / "backups")
    filers.stop.set()
    filers.join(60)
    assert not filers.errors, filers.errors
    assert made.path.parent == tmp_path / "backups" and made.path.name.startswith("labor-filing-backup-")
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [made.path.name]  # no work folder left behind

    manifest = restore(made.path, restored)
    assert manifest["restored"]["integrity_check"] == "ok"
    assert manifest["schema_version"] == migrations.CURRENT
    counts = manifest["counts"]
    assert len(before) <= counts["filings"] <= counts["units"] and counts["filings"] <= len(filers.done) - 2
    r = app_over(restored)
    for filing_id, key, content in before:
        assert r.store.get_filing(filing_id) is not None
        if key != imported:
            assert (restored / "blobs" / key).read_bytes() == content
    assert not (restored / "blobs" / imported).exists()
    for upload_key in (restored / "blobs" / "uploads").iterdir():  # and nothing half-written
        assert upload_key.suffix == ".xlsx"
    assert r.accounts.authenticate(session).username == factories.uscc(1)  # the secret came back: sessions hold
    filer = r.accounts.authenticate(r.accounts.login(factories.uscc(2), "Passw0rd!26")[0])
    assert [f.id for f in r.filings.list(filer)] == [before[1][0]]
    assert (restored / "secret.key").stat().st_mode & 0o077 == 0


@pytest.fixture
def made(tmp_path):
    """A backup of a data folder with two filings and their uploaded files."""
    c = app_over(tmp_path / "data")
    for serial in (1, 2):
        register_and_upload(c, serial)
    return backup(tmp_path / "data", tmp_path / "backups")


def test_the_command_line_backs_up_to_an_archive_and_restores_from_it(tmp_path, monkeypatch, capsys):
    c = app_over(tmp_path / "data")
    filing_id, key, content = register_and_upload(c, 1)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["backup", "--to", str(tmp_path / "backups"), "--archive"]) == 0
    (archive,) = (tmp_path / "backups").iterdir()
    assert archive.name.endswith(".tar.gz") and "备份完成" in capsys.readouterr().out
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(f"{archive.name.removesuffix('.tar.gz')}/manifest.json"))
    assert manifest["counts"] == {"filings": 1, "units": 1, "uploads": 1} and "secret.key" in manifest["files"]

    assert cli.main(["restore", str(archive), "--data-dir", str(tmp_path / "restored")]) == 0
    out = capsys.readouterr().out
    assert "完整性检查 ok" in out and "备案 1 份" in out
    assert (tmp_path / "restored" / "blobs" / key).read_bytes() == content
    assert app_over(tmp_path / "restored").store.get_filing(filing_id) is not None
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # the unpacked copy is gone


def test_a_restore_refuses_a_folder_that_is_not_empty(made, tmp_path, capsys):
    target = tmp_path / "in-use"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(BackupRefused, match="not empty"):
        restore(made.path, target)
    assert cli.main(["restore", str(made.path), "--data-dir", str(target)]) == 1
    assert "恢复失败" in capsys.readouterr().err
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def flip(path: Path, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))


def damage_a_page_and_record_it(folder: Path) -> None:
    """Damage the database and update the manifest's digest too: only the integrity check can tell."""
    db = folder / "filing.db"
    with open(db, "r+b") as f:
        f.seek(4096 + 3)  # page 2's header: its cell count
        f.write(b"\xff\xff\xff\xff\xff")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["database"]["sha256"] = backups._sha256(db)
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("damage, refusal", [
    (lambda folder: flip(folder / "filing.db", (folder / "filing.db").stat().st_size // 2), "filing.db's sha256"),
    (lambda folder: flip(next((folder / "blobs" / "uploads").iterdir()), 10), "sha256 does not match"),
    (lambda folder: next((folder / "blobs" / "uploads").iterdir()).unlink(), "missing from the backup"),
    (lambda folder: flip(folder / "secret.key", 0), "secret.key's sha256"),
    (lambda folder: (folder / "manifest.json").unlink(), "not a backup"),
    (damage_a_page_and_record_it, "integrity_check|not a sound database"),
], ids=["database", "blob", "missing blob", "secret", "no manifest", "page damaged, digest recorded"])
def test_a_damaged_backup_is_refused_and_the_target_left_as_it_was(made, tmp_path, damage, refusal):
    damage(made.path)
    with pytest.raises(BackupRefused, match=refusal):
        restore(made.path, tmp_path / "restored")
    assert not (tmp_path / "restored").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_truncated_archive_is_refused(tmp_path):
    c = app_over(tmp_path / "data")
    register_and_upload(c, 1)
    archive = backup(tmp_path / "data", tmp_path / "backups", archive=True).path
    archive.write_bytes(archive.read_bytes()[:-200])
    (tmp_path / "restored").mkdir()
    with pytest.raises(BackupRefused, match="cannot be unpacked|sha256|missing"):
        restore(archive, tmp_path / "restored")
    assert list((tmp_path / "restored").iterdir()) == []


def test_a_blob_deleted_between_listing_and_copying_is_left_out(tmp_path, monkeypatch):
    c = app_over(tmp_path / "data")
    _, key, _ = register_and_upload(c, 1)
    copy = backups._copy

    def imported_meanwhile(source, target):
        if source.name == Path(key).name:
            source.unlink()
        return copy(source, target)

    monkeypatch.setattr(backups, "_copy", imported_meanwhile)
    made = backup(tmp_path / "data", tmp_path / "backups")
    assert made.missing == [key] and made.manifest["blobs"]["files"] == 0
    monkeypatch.undo()
    assert restore(made.path, tmp_path / "restored")["counts"]["uploads"] == 1


def test_a_backup_inside_the_data_folder_is_refused(tmp_path):
    app_over(tmp_path / "data")
    with pytest.raises(BackupRefused, match="inside the data folder"):
        backup(tmp_path / "data", tmp_path / "data" / "backups")
    with pytest.raises(BackupRefused, match="holds no filing.db"):
        backup(tmp_path / "elsewhere", tmp_path / "backups")
