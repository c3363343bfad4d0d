"""AWS mode reads its signing key from Secrets Manager (the CDK stack passes only the secret's ARN)."""
from __future__ import annotations

import boto3
import pytest

from chalicelib.settings import SettingsError, from_env

AWS_ENV = {"BACKEND": "aws", "TABLE_NAME": "t", "BUCKET_NAME": "b", "MAIL_FROM": "noreply@example.cn",
           "BASE_URL": "https://ba.example.cn/"}


def test_the_signing_key_comes_from_the_secret_named_by_its_arn(fake_aws):
    arn = boto3.client("secretsmanager").create_secret(Name="labor-filing-dev-session",
                                                       SecretString="s3cr3t-" + "k" * 40)["ARN"]
    settings = from_env({**AWS_ENV, "SECRET_ARN": arn})
    assert settings.secret_key == "s3cr3t-" + "k" * 40
    assert (settings.table_name, settings.bucket_name, settings.base_url) == ("t", "b", "https://ba.example.cn")


def test_an_explicit_secret_key_wins_and_secrets_manager_is_not_called(fake_aws):
    gone = "arn:aws-cn:secretsmanager:cn-north-1:1:secret:gone"  # reading it would fail
    settings = from_env({**AWS_ENV, "SECRET_KEY": "local-key", "SECRET_ARN": gone})
    assert settings.secret_key == "local-key"


def test_a_missing_secret_is_named_in_the_error():
    with pytest.raises(SettingsError, match="SECRET_KEY \\(or SECRET_ARN\\)"):
        from_env(AWS_ENV)
    with pytest.raises(SettingsError, match="TABLE_NAME"):
        from_env({**AWS_ENV, "TABLE_NAME": "", "SECRET_ARN": "arn"})


def test_channels_default_to_email_and_sms_and_can_be_sms_only():
    from chalicelib.settings import SettingsError, from_env
    base = {"BACKEND": "aws", "SECRET_KEY": "k", "TABLE_NAME": "t", "BUCKET_NAME": "b", "MAIL_FROM": "a@b.cn"}
    assert from_env(base).channels == ("email", "sms")
    assert from_env({**base, "CHANNELS": "sms"}).channels == ("sms",)
    import pytest
    with pytest.raises(SettingsError):
        from_env({**base, "CHANNELS": "fax"})
