"""The senders tier: the Chinese SMS providers' senders against fake provider endpoints on 127.0.0.1
(tests/senders/fake_providers.py), and the SMTP sender against a mail server there (tests/senders/fake_smtp.py).
Fast: no emulator, no browser."""
from __future__ import annotations

import pytest

from tests.senders.fake_providers import FakeAliyun, FakeTencent

SIGN = "山西劳动用工备案"
APP_ID = "1400000001"
# approved at the fake providers: Alibaba Cloud templates by code → variable names; Tencent's by ID → how many
ALIYUN_APPROVED = {"SMS_100000001": {"unit", "year", "kind"}, "SMS_100000002": {"year", "kind", "receipt"},
                   "SMS_100000003": {"year", "kind", "receipt", "reason"}, "SMS_100000004": {"unit", "year", "when"},
                   "SMS_100000005": {"year", "kind", "receipt", "reason"}, "SMS_100000009": set()}
TENCENT_APPROVED = {"2000001": 3, "2000002": 3, "2000003": 4, "2000004": 3, "2000005": 4, "2000009": 0}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """urllib honours proxy variables; the fakes are local."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def aliyun():
    fake = FakeAliyun({SIGN}, ALIYUN_APPROVED)
    yield fake
    fake.close()


@pytest.fixture
def tencent():
    fake = FakeTencent(APP_ID, {SIGN}, TENCENT_APPROVED)
    yield fake
    fake.close()
