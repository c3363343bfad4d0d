"""Shared fixtures. Tiers are the folders under tests/ and are marked by folder automatically;
the run ends with a count of passed tests per tier."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

pytest_plugins = ["tests.aws_emulator"]
TIERS = ("unit", "senders", "contract", "web", "aws", "e2e", "fuzz", "package", "infra")
# How scripts/test.sh spreads the tiers over the CPUs (pytest-xdist): a tier whose session fixture is costly (a
# browser, a CDK synth) runs on one worker, so it is set up once; each fuzz test (minutes each) is a unit of its own;
# the other tiers go module by module. The long units are collected first, so no worker ends on one of them alone.
ONE_WORKER_TIERS = ("e2e", "infra")
TEST_BY_TEST_TIERS = ("fuzz",)
LONG_FIRST = {"fuzz": 0, "infra": 1, "e2e": 2}
_passed: Counter = Counter()


def pytest_configure(config):
    for tier in TIERS:
        config.addinivalue_line("markers", f"{tier}: the {tier} test tier")


def _tier(item) -> str:
    parts = Path(str(item.fspath)).relative_to(Path(__file__).parent).parts
    return parts[0] if len(parts) > 1 and parts[0] in TIERS else "unit"


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(getattr(pytest.mark, _tier(item)))
    items.sort(key=lambda item: LONG_FIRST.get(_tier(item), len(LONG_FIRST)))  # stable: each tier keeps its order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Work units for pytest-xdist (see ONE_WORKER_TIERS), handed out in the order of collection."""
    from xdist.scheduler import LoadScopeScheduling

    class ByTier(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            tier = _tier_of_nodeid(nodeid)
            if tier in ONE_WORKER_TIERS:
                return tier
            return nodeid if tier in TEST_BY_TEST_TIERS else nodeid.split("::", 1)[0]

    config.option.loadscopereorder = False
    return ByTier(config, log)


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        _passed[_tier_of_nodeid(report.nodeid)] += 1


def _tier_of_nodeid(nodeid: str) -> str:
    parts = nodeid.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "tests" and parts[1] in TIERS else "unit"


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_sep("=", "passed per tier")
    for tier in TIERS:
        terminalreporter.write_line(f"{tier:>9}: {_passed[tier]}")


class FakeClock:
    """A clock the test moves by hand (aware UTC)."""

    def __init__(self, now: dt.datetime | None = None):
        self.current = now or dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 Beijing

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **kw) -> None:
        self.current += dt.timedelta(**kw)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture(autouse=True)
def staff_sign_in_without_second_factor(monkeypatch):
    """Most tests are about something else: the roles that sign in with TOTP (docs/rules.md §13) do so only where
    a test asks for it (the `second_factor_on` fixture, tests/web/test_second_factor.py)."""
    monkeypatch.setattr("chalicelib.services.second_factor.required", lambda account: False)


@pytest.fixture
def second_factor_on(monkeypatch):
    from chalicelib.domain.reference import policy
    monkeypatch.setattr("chalicelib.services.second_factor.required",
                        lambda account: account.role.value in policy().second_factor_roles)


@pytest.fixture
def embedded_settings(tmp_path):
    from chalicelib.settings import Settings
    return Settings("embedded", "http://testserver", "test-secret-" + "x" * 32, data_dir=tmp_path)


@pytest.fixture
def container(embedded_settings, clock):
    from chalicelib import bootstrap
    c = bootstrap.build(embedded_settings, clock=clock)
    bootstrap.override(c)
    yield c
    bootstrap.override(None)


@pytest.fixture
def aws_container(aws_adapters, clock):
    """The app's container built by bootstrap.build for BACKEND=aws, over the emulator's table and bucket."""
    from chalicelib import bootstrap
    from chalicelib.settings import Settings
    from tests.aws_emulator import SENDER_EMAIL
    settings = Settings("aws", "https://filing.example.cn", "aws-test-secret-" + "y" * 32,
                        table_name=aws_adapters.table_name, bucket_name=aws_adapters.bucket, mail_from=SENDER_EMAIL)
    c = bootstrap.build(settings, clock=clock, aws_session=aws_adapters.clients.boto3)
    bootstrap.override(c)
    yield c
    bootstrap.override(None)


@pytest.fixture(params=["embedded", "aws"])
def backend_container(request):
    """The app's container on each backend in turn (the AWS one over the emulator)."""
    return request.getfixturevalue("container" if request.param == "embedded" else "aws_container")
