"""Shared by the unit tier: a Secrets Manager for the settings tests (moto, in process)."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def fake_aws(monkeypatch):
    """Fake credentials in a China region, and moto in place of AWS; yields a Secrets Manager client."""
    for name, value in {"AWS_DEFAULT_REGION": "cn-north-1", "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.client("secretsmanager")
