"""Writes the SQL dump of a small database as the code on sys.path creates it: a filer, a filing with its
roster imported, submitted and approved (the person index written), a second unit with a draft, the outbox and
the audit log. Run it with a release's code to keep that release's database for the migration tests:

    git archive <release tag> | tar -x -C /tmp/release && cp tests/contract/data/make_release_dump.py /tmp/release
    cd /tmp/release && python make_release_dump.py <this folder>/release-<N>.sql   (with the project's venv)
"""
import sqlite3
import sys
import tempfile
from pathlib import Path

from chalicelib import bootstrap
from chalicelib.services.accounts import Registration
from chalicelib.settings import Settings
from tests import factories
from tests.conftest import FakeClock

PEOPLE = [factories.person(i) for i in range(3)]


def populate(c) -> None:
    for serial, division in ((1, "140105"), (2, "140213")):
        c.accounts.register(Registration(**factories.registration(serial, registration_division=division)))
    filer = c.accounts.authenticate(c.accounts.login(factories.uscc(1), "Passw0rd!")[0])
    filing = c.filings.create(filer, 2025)
    c.filings.save_table1(filer, filing.id, factories.table1(len(PEOPLE)))
    upload, _ = c.filings.start_upload(filer, filing.id, "table2", "名册.xlsx")
    c.blobs.put(upload.blob_key, factories.table2_workbook(PEOPLE))
    c.imports.import_blob(upload.blob_key)
    submitted = c.filings.submit(filer, filing.id, declaration_accepted=True)
    c.accounts.create_reviewer("xiaodian", "Review-Passw0rd", "140105", "小店审核员")
    reviewer = c.accounts.authenticate(c.accounts.login("xiaodian", "Review-Passw0rd")[0])
    c.review.review(reviewer, filing.id, decision="approve", reason=None, version=submitted.version)
    c.recovery.sweep()  # the approval's person index
    other = c.accounts.authenticate(c.accounts.login(factories.uscc(2), "Passw0rd!")[0])
    c.filings.create(other, 2025)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        c = bootstrap.build(Settings("embedded", "http://testserver", "s" * 40, data_dir=Path(tmp)), clock=FakeClock())
        populate(c)
        db = sqlite3.connect(Path(tmp) / "filing.db")
        Path(sys.argv[1]).write_text("\n".join(db.iterdump()) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
