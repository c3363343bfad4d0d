"""What contract tests build on the tier's adapters (either backend): the use cases, a unit's filer with a filing."""
from __future__ import annotations

from typing import Any

from chalicelib import bootstrap
from chalicelib.services.accounts import Registration
from chalicelib.settings import Settings
from tests import factories


def assembled(adapters: Any, clock: Any, tmp_path: Any) -> bootstrap.Container:
    settings = Settings("embedded", "http://testserver", "s" * 40, data_dir=tmp_path)
    return bootstrap.assemble(settings, store=adapters.store, blobs=adapters.blobs, sender=adapters.sender,
                              clock=clock)


def registered(c: bootstrap.Container) -> bootstrap.Container:
    """Unit 1 registered (its filer's password: Passw0rd!26)."""
    c.accounts.register(Registration(**factories.registration()))
    return c


def filer_with_filing(c: bootstrap.Container, employees: int) -> tuple[Any, Any]:
    """Unit 1's filer signed in, with a 2025 filing whose 表一 states `employees`: (who, filing)."""
    filer = c.accounts.authenticate(c.accounts.login(factories.uscc(1), "Passw0rd!26")[0])
    filing = c.filings.create(filer, 2025)
    return filer, c.filings.save_table1(filer, filing.id, factories.table1(employees))
