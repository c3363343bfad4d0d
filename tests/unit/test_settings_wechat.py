"""WECHAT_* settings (docs/wechat.md): the AppSecret from the environment or, on AWS, from Secrets Manager; the
templates named; anything malformed stops the app at start with a message naming it."""
from __future__ import annotations

import boto3
import pytest

from chalicelib.settings import SettingsError, from_env

AWS_ENV = {"BACKEND": "aws", "TABLE_NAME": "t", "BUCKET_NAME": "b", "MAIL_FROM": "noreply@example.cn",
           "SECRET_KEY": "k"}
WECHAT = {"WECHAT_APP_ID": "wx0123", "WECHAT_TEMPLATES": '{"review_result": "TPL-1"}'}


def test_without_an_app_id_there_is_no_wechat(tmp_path):
    assert from_env({"DATA_DIR": str(tmp_path), "SECRET_KEY": "k"}).wechat is None


def test_the_app_secret_comes_from_the_environment_or_the_secret_named_by_its_arn(fake_aws, tmp_path):
    local = from_env({"DATA_DIR": str(tmp_path), "SECRET_KEY": "k", **WECHAT, "WECHAT_APP_SECRET": "local-secret"})
    assert local.wechat == ("wx0123", "local-secret", "https://api.weixin.qq.com", {"review_result": "TPL-1"})
    arn = boto3.client("secretsmanager").create_secret(Name="wechat", SecretString="stored-secret")["ARN"]
    stored = from_env({**AWS_ENV, **WECHAT, "WECHAT_SECRET_ARN": arn})
    assert stored.wechat.app_secret == "stored-secret"


@pytest.mark.parametrize(("env", "named"), [
    ({}, "WECHAT_APP_SECRET"),
    ({"WECHAT_APP_SECRET": "s", "WECHAT_TEMPLATES": "{"}, "WECHAT_TEMPLATES is not JSON"),
    ({"WECHAT_APP_SECRET": "s", "WECHAT_TEMPLATES": '{"approved": "TPL"}'}, "review_result / deadline_reminder"),
    ({"WECHAT_APP_SECRET": "s", "WECHAT_API_BASE": "http://api.example.cn"}, "https://"),
])
def test_a_malformed_setting_is_named(env, named, tmp_path):
    with pytest.raises(SettingsError, match=named):
        from_env({"DATA_DIR": str(tmp_path), "SECRET_KEY": "k", "WECHAT_APP_ID": "wx0123", **env})
